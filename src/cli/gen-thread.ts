/**
 * `hmsim gen` on a worker thread, so that Ctrl-C can stop it.
 *
 * A generator runs synchronously from its first record to its last (src/trace/generators), so on the main
 * thread no signal handler could run before it ends. Here the main thread waits for the worker; on the
 * interrupt signal it terminates the worker, and the CLI removes the half-written temporary trace
 * (src/cli/signals.ts). The trace is the same file `generate()` writes in process.
 *
 * Worker messages: { ok: true, summary } | { ok: false, user: true, kind, message, exitCode } (a UserError) |
 * { ok: false, user: false, message, stack } (a bug).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { UserError, userErrorOfKind } from '../errors.ts';
import { threadEntry } from '../package-root.ts';
import { fsUserError, isUserFsError } from '../io/fs-errors.ts';
import { generate, type GenSummary } from '../trace/generators/generate.ts';

/** What the worker is asked to generate (the arguments of `generate`). */
interface GenJob {
  readonly kind: 'hmsim-gen';
  readonly workload: string;
  readonly out: string;
  readonly seed: number;
  readonly params: readonly string[];
}

type GenReply =
  | { readonly ok: true; readonly summary: GenSummary }
  | { readonly ok: false; readonly user: true; readonly kind: string; readonly message: string; readonly exitCode: number }
  | { readonly ok: false; readonly user: false; readonly message: string; readonly stack: string };

/**
 * The worker's entry file: this module, compiled or bundled; from the TypeScript sources, an entry that
 * registers the TypeScript loader first, then loads this module (src/package-root.ts threadEntry).
 */
const ENTRY = threadEntry('gen-thread');

/**
 * `generate(workload, out, seed, params)` on a worker thread; `signal` terminates it (the promise then
 * rejects with the signal's reason and the temporary trace is left for the caller to remove).
 */
export function generateOnThread(
  workload: string,
  out: string,
  seed: number,
  params: readonly string[],
  signal?: AbortSignal,
): Promise<GenSummary> {
  const job: GenJob = { kind: 'hmsim-gen', workload, out, seed, params };
  return new Promise<GenSummary>((resolve, reject) => {
    const worker = new Worker(ENTRY, { workerData: job });
    const onAbort = (): void => {
      void worker.terminate();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal?.removeEventListener('abort', onAbort);
    worker.once('message', (reply: GenReply) => {
      settle();
      if (reply.ok) resolve(reply.summary);
      else if (reply.user) reject(userErrorOfKind(reply.kind, reply.message, reply.exitCode));
      else reject(Object.assign(new Error(reply.message), { stack: reply.stack }));
    });
    worker.once('error', (err) => {
      settle();
      reject(err);
    });
    worker.once('exit', (code) => {
      settle();
      reject(new Error(`gen worker exited (code ${code}) without a reply`));
    });
  });
}

/** The worker's side: generate, reply once. */
async function serve(job: GenJob): Promise<void> {
  let reply: GenReply;
  try {
    reply = { ok: true, summary: await generate(job.workload, job.out, job.seed, job.params) };
  } catch (thrown) {
    // A path that cannot be written is the user's to fix, as on the main thread (src/cli/fs-errors.ts).
    const err = isUserFsError(thrown) ? fsUserError(thrown) : thrown;
    reply =
      err instanceof UserError
        ? { ok: false, user: true, kind: err.name, message: err.message, exitCode: err.exitCode }
        : { ok: false, user: false, message: String((err as Error)?.message ?? err), stack: String((err as Error)?.stack ?? err) };
  }
  parentPort!.postMessage(reply);
}

if (!isMainThread && (workerData as Partial<GenJob> | null)?.kind === 'hmsim-gen') await serve(workerData as GenJob);
