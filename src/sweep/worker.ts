/**
 * The sweep worker thread: answers JobRequests one at a time with JobReplies. Loaded through
 * worker-entry.mjs, which registers the TypeScript loader first. Its run service keeps configurations and models for the thread's life.
 */
import { parentPort } from 'node:worker_threads';
import { RunService } from '../run/service.ts';
import type { JobReply, JobRequest } from './jobs.ts';
import { packError, runJob } from './run-job.ts';

const port = parentPort;
if (port === null) throw new Error('src/sweep/worker.ts must run in a worker thread');
const service = new RunService();
port.on('message', (req: JobRequest) => {
  runJob(req.job, service).then(
    (result) => port.postMessage({ id: req.id, ok: true, result } satisfies JobReply),
    (err: unknown) => port.postMessage({ id: req.id, ok: false, error: packError(err) } satisfies JobReply),
  );
});
