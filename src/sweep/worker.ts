/**
 * The sweep worker thread: answers JobRequests one at a time with JobReplies, in the order received.
 * Loaded through worker-entry.mjs, which registers the TypeScript loader first. Its run service keeps
 * configurations and models for the thread's life.
 *
 * Between two jobs the thread turns once through its event loop, so that a `skip` sent while a job
 * ran (the pool took the next job back to run it itself) is seen before that next job starts.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
import { RunService } from '../run/service.ts';
import type { JobReply, JobRequest, WorkerMessage } from './jobs.ts';
import { packError, runJob } from './run-job.ts';

const port = parentPort;
if (port === null) throw new Error('src/sweep/worker.ts must run in a worker thread');
const service = new RunService();
const skipped = new Set<number>();

async function answer(req: JobRequest): Promise<void> {
  await turn();
  if (skipped.delete(req.id)) return;
  try {
    const result = await runJob(req.job, service);
    port?.postMessage({ id: req.id, ok: true, result } satisfies JobReply);
  } catch (err) {
    port?.postMessage({ id: req.id, ok: false, error: packError(err) } satisfies JobReply);
  }
}

async function loadRenderer(): Promise<void> {
  await turn();
  // A failure is not reported here: it shows again, and is reported, when a figure step needs the renderer.
  await import('../report/figure-render.ts').then((m) => m.loadRenderer()).catch(() => undefined);
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: WorkerMessage) => {
  if ('skip' in msg) skipped.add(msg.skip);
  else if ('loadRenderer' in msg) chain = chain.then(loadRenderer);
  else chain = chain.then(() => answer(msg));
});
