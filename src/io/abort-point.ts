/**
 * A place between two batches of a long computation (a replay) where it can be interrupted.
 *
 * Trace files are read with synchronous reads (src/trace/hmt/byte-reader.ts), so a replay's `await`s only
 * ever wait for microtasks and the event loop never turns: a SIGINT handler would not run before the
 * replay ends. An abort point gives the loop one turn (setImmediate), so pending signal handlers run, and
 * then throws the signal's reason if it fired. Without a signal it costs nothing.
 */

/**
 * Lets pending signal handlers run, then throws if `signal` has fired.
 * @example for await (const batch of source.batches()) { await abortPoint(options.signal); ... }
 */
export async function abortPoint(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}
