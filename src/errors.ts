/**
 * Error classes that separate a user's mistake from a bug.
 *
 * - `UserError`: bad input (file, flag, value). The CLI prints its one-line message and exits with
 *   `exitCode` (2 unless said otherwise). Never a stack trace. Its subclasses say what kind of input:
 *   - `UsageError`: a command-line option or argument is malformed, unknown, or conflicts with another;
 *   - `ConfigError`: a machine configuration or cost model that cannot be built (a preset, kernel, model
 *     or device name that does not exist, a combination the kernel does not allow, a model parameter out
 *     of range) — whether it came from a flag, `--set` or a file;
 *   - `InputError`: an input file cannot be read as what it should be (missing, not a regular file, too
 *     large, not JSON, a trace that is damaged or breaks the format, a scenario or profile with bad fields);
 *   - `WriteError`: an output cannot be written (a file or foreign folder in the way, no space, permission).
 * - Anything else that escapes is a bug: the CLI prints the stack trace and exits 70 (EX_SOFTWARE).
 *
 * Messages name what was wrong, where (file, line or byte offset, option), and what was expected.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }

  /** The same kind of error (class and exit code) saying `message`: context added on the way up. */
  withMessage(message: string): UserError {
    const Kind = this.constructor as new (message: string, exitCode?: number) => UserError;
    return new Kind(message, this.exitCode);
  }
}

/** A command-line option or argument is malformed, unknown, or conflicts with another. */
export class UsageError extends UserError {
  constructor(message: string, exitCode = 2) {
    super(message, exitCode);
    this.name = 'UsageError';
  }
}

/** A machine configuration or cost model that cannot be built, from a flag, `--set` or a file. */
export class ConfigError extends UserError {
  constructor(message: string, exitCode = 2) {
    super(message, exitCode);
    this.name = 'ConfigError';
  }
}

/** An input file that cannot be read as what it should be. */
export class InputError extends UserError {
  constructor(message: string, exitCode = 2) {
    super(message, exitCode);
    this.name = 'InputError';
  }
}

/** An output that cannot be written. */
export class WriteError extends UserError {
  constructor(message: string, exitCode = 2) {
    super(message, exitCode);
    this.name = 'WriteError';
  }
}

const KINDS: Readonly<Record<string, new (message: string, exitCode?: number) => UserError>> = {
  UsageError,
  ConfigError,
  InputError,
  WriteError,
};

/**
 * The UserError of class `name` (a UserError's `name`, as sent between threads); a subclass without a
 * constructor of this shape, or an unknown name, gives its nearest kind listed here, else a UserError.
 */
export function userErrorOfKind(name: string, message: string, exitCode = 2): UserError {
  const Kind = KINDS[name] ?? (name === 'TraceIntegrityError' ? InputError : UserError);
  return new Kind(message, exitCode);
}

/** Exit codes used by every command. */
export const EXIT = {
  ok: 0,
  /** A regression check found a regression (`hmsim check`). */
  regression: 1,
  /** Usage or input error. */
  usage: 2,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
  /** Internal error (a bug). */
  internal: 70,
} as const;

/** Formats "FILE:LINE: message" / "FILE@byte N: message" positions consistently. */
export function at(file: string, position: { line?: number; byte?: number } = {}): string {
  if (position.line !== undefined) return `${file}:${position.line}`;
  if (position.byte !== undefined) return `${file} at byte ${position.byte}`;
  return file;
}
