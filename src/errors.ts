/**
 * Error classes that separate a user's mistake from a bug.
 *
 * - `UserError`: bad input (file, flag, value). The CLI prints its one-line message and exits with
 *   `exitCode` (2 unless said otherwise). Never a stack trace.
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
