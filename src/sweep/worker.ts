/**
 * The sweep worker thread: answers JobRequests one at a time with JobReplies. Loaded through
 * worker-entry.mjs, which registers the TypeScript loader first. Its run service keeps configurations and models for the thread's life.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RunService } from '../run/service.ts';
import type { JobReply, JobRequest, WorkerData } from './jobs.ts';
import { packError, runJob } from './run-job.ts';

const port = parentPort;
if (port === null) throw new Error('src/sweep/worker.ts must run in a worker thread');
// Not awaited: the loading goes on whenever the thread waits between jobs; a failure shows again, and
// is reported, when a figure job imports the renderer.
if ((workerData as WorkerData | undefined)?.loadRenderer === true)
  void import('../report/figure-render.ts').then((m) => m.loadRenderer()).catch(() => undefined);
const service = new RunService();
// One job at a time, answered in the order sent (the pool may queue a second job behind the running one).
let chain: Promise<void> = Promise.resolve();
port.on('message', (req: JobRequest) => {
  chain = chain.then(() =>
    runJob(req.job, service).then(
      (result) => port.postMessage({ id: req.id, ok: true, result } satisfies JobReply),
      (err: unknown) => port.postMessage({ id: req.id, ok: false, error: packError(err) } satisfies JobReply),
    ),
  );
});
