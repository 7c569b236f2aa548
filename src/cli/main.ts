import { Command, CommanderError } from 'commander';
import { UserError, EXIT } from '../errors.ts';
import { HMSIM_VERSION } from '../version.ts';
import { registerCommands } from './commands.ts';
import { fsUserError, isFsError, isUserFsError } from '../io/fs-errors.ts';
import { bindInterruptScope, interruptedMessage, InterruptScope, outputsOf, type SignalSource } from './signals.ts';

/** How long an interrupted command may take to stop by itself (and clean up) before hmsim cleans up for it, ms. */
const INTERRUPT_GRACE_MS = 2000;

/**
 * The `hmsim` command line. Only the CLI calls process.exit. A UserError prints one line
 * ("hmsim: what, where, what was expected") and exits with its code (2); anything else is a bug
 * and prints its stack trace (exit 70). Ctrl-C or SIGTERM (src/cli/signals.ts) stops the command,
 * removes its temporary outputs and prints one line (exit 130).
 *
 * `signals` is the process whose SIGINT/SIGTERM interrupt the command (a fake in tests).
 */
export async function main(argv: readonly string[], signals: SignalSource = process): Promise<number> {
  const scope = new InterruptScope(signals);
  const program = new Command();
  program
    .name('hmsim')
    .description('Trace-driven performance modeler for 32-bit x86 Linux memory management (HIGHMEM, kmap, VMSPLIT)')
    .version(HMSIM_VERSION)
    // Commander's own usage errors become one line too: "hmsim: unknown option '--x' (see --help)".
    .configureOutput({ outputError: (text, write) => write(`hmsim: ${oneLine(text.replace(/^error: /, ''))} (see --help)\n`) })
    .exitOverride()
    .hook('preAction', (_program, action) => {
      for (const out of outputsOf(action.opts())) scope.watchOutput(out);
    });
  bindInterruptScope(program, scope);
  await registerCommands(program, argv);
  program.commands.forEach((c) => {
    c.exitOverride();
  });
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  const work = program.parseAsync([...argv], { from: 'user' });
  try {
    const first = await Promise.race([work.then(() => 'done' as const), scope.interrupted]);
    if (first !== 'done') return await stopInterrupted(scope, work);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (err) {
    // A command that stops because of the interrupt rejects with whatever it was doing; say why once.
    if (scope.receivedSignal !== undefined) return await stopInterrupted(scope, work);
    if (err instanceof CommanderError) {
      // Commander has already printed its message (unknown option, missing argument, --help, --version).
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // A path the user gave that cannot be read or written (missing folder, file in the way, full disk).
    // A write error with no path (every output path converts its own: src/io/fs-errors.ts writeError)
    // still gets one line rather than a stack trace.
    const userError = isUserFsError(err) ? fsUserError(err) : isFsError(err) ? fsUserError({ ...pick(err), path: 'output' }) : err;
    if (userError instanceof UserError) {
      process.stderr.write(`hmsim: ${userError.message}\n`);
      return userError.exitCode;
    }
    process.stderr.write(`hmsim: internal error (a bug, please report it)\n${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  } finally {
    scope.dispose();
    process.exitCode = previousExitCode;
  }
}

function pick(err: { code: string; syscall?: string }): { code: string; syscall?: string } {
  return err.syscall !== undefined ? { code: err.code, syscall: err.syscall } : { code: err.code };
}

/** Lets an interrupted command stop by itself for a moment, removes what it left behind, says so once. */
async function stopInterrupted(scope: InterruptScope, work: Promise<unknown>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const settled = work.then(
    () => (finished = true),
    () => undefined,
  );
  await Promise.race([settled, new Promise((res) => (timer = setTimeout(res, INTERRUPT_GRACE_MS)))]);
  clearTimeout(timer);
  // The signal came too late to stop it: the command did all its work and its output is complete.
  if (finished) return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  scope.removeTemporaries();
  process.stderr.write(`hmsim: ${interruptedMessage(scope.receivedSignal ?? 'SIGINT')}\n`);
  return EXIT.interrupted;
}

/** Joins a multi-line message into one line. */
function oneLine(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

const isEntry = process.argv[1] !== undefined && /(?:main\.[jt]s|hmsim(?:\.js)?)$/.test(process.argv[1]);
if (isEntry || process.env['HMSIM_CLI'] === '1') {
  // `hmsim ... | head`: the reader went away; stop quietly instead of failing on the next write.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // An interrupted command may still have work queued (a stream being read); do not wait for it.
  if (code === EXIT.interrupted) process.exit(code);
  // The command is done (every command awaits its own work: files, worker threads). Exit once what it
  // wrote to stdout and stderr is out, instead of when the event loop drains: Node would first wait
  // for V8's background compilations of code that will not run again (`strace -f -tt node bin/hmsim.js
  // run --trace traces/fileserver-4cpu.hmt`: ~30 ms between the last write and exit_group, ~7 ms after).
  let streams = 2;
  const flushed = (): void => {
    if (--streams === 0) process.exit(code);
  };
  process.stdout.write('', flushed);
  process.stderr.write('', flushed);
}
