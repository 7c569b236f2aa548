/**
 * Executors. `inlineExecutor` runs jobs in this thread, one at a time. `workerPool(n)` runs up to n jobs
 * at once on n worker threads (started on first use), first come first served. A worker is started
 * once and runs job after job (its loaded modules, models and trace digests stay), so the start-up of
 * a thread — loading the TypeScript and the simulator — is paid n times per sweep, not once per point.
 *
 * Worker states: idle (no job) → busy (one job sent, reply pending) → idle; any → dead after close()
 * or a crash (every pending job then rejects).
 */
import { Worker } from 'node:worker_threads';
import { threadEntry } from '../package-root.ts';
import { RunService } from '../run/service.ts';
import type { Executor, Job, JobOutput, JobReply, WorkerData } from './jobs.ts';
import { runJob, unpackError } from './run-job.ts';

/** Runs jobs one at a time in this thread. */
export function inlineExecutor(signal?: AbortSignal): Executor {
  const service = new RunService();
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;
  return {
    run(job: Job): Promise<JobOutput> {
      const next = chain.then(() => {
        if (closed) throw new Error('sweep stopped');
        return runJob(job, service, signal);
      });
      chain = next.catch(() => undefined);
      return next;
    },
    threadsStarted: () => 0,
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
  };
}

interface Pending {
  readonly id: number;
  readonly job: Job;
  readonly resolve: (r: JobOutput) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  current: Pending | null;
}

/** The worker thread's entry file, in the form this code runs in (src/package-root.ts threadEntry). */
const WORKER_ENTRY = threadEntry('sweep-worker');

/**
 * A pool of `size` worker threads. With `loadRenderer`, each thread starts loading the figure renderer
 * (vega, resvg, PDFKit) in the background as it starts: the loading goes on between its points, and the
 * report's figures find it done.
 */
export function workerPool(size: number, options: { loadRenderer?: boolean } = {}): Executor {
  if (!Number.isInteger(size) || size < 1) throw new Error(`workerPool: size must be a positive integer, got ${size}`);
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  let nextId = 0;
  let started = 0;
  let dead: Error | null = null;

  const fail = (err: Error): void => {
    if (dead !== null) return;
    dead = err;
    for (const s of slots) {
      s.current?.reject(err);
      s.current = null;
      void s.worker.terminate();
    }
    for (const p of queue.splice(0)) p.reject(err);
  };

  const dispatch = (): void => {
    while (dead === null && queue.length > 0) {
      let slot = slots.find((s) => s.current === null);
      if (slot === undefined && slots.length < size) slot = spawn();
      if (slot === undefined) return;
      const p = queue.shift() as Pending;
      slot.current = p;
      slot.worker.postMessage({ id: p.id, job: p.job });
    }
  };

  const spawn = (): Slot => {
    const worker = new Worker(WORKER_ENTRY, { workerData: { loadRenderer: options.loadRenderer === true } satisfies WorkerData });
    started++;
    const slot: Slot = { worker, current: null };
    worker.on('message', (reply: JobReply) => {
      const p = slot.current;
      if (p === null || p.id !== reply.id) {
        fail(new Error(`sweep worker replied to job ${reply.id}, which it was not running`));
        return;
      }
      slot.current = null;
      if (reply.ok) p.resolve(reply.result);
      else p.reject(unpackError(reply.error));
      dispatch();
    });
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => {
      if (dead === null) fail(new Error(`sweep worker thread exited (code ${code}) while the sweep was running`));
    });
    slots.push(slot);
    return slot;
  };

  return {
    run(job: Job): Promise<JobOutput> {
      if (dead !== null) return Promise.reject(dead);
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, job, resolve, reject });
        dispatch();
      });
    },
    threadsStarted: () => started,
    async close(): Promise<void> {
      const closing = new Error('sweep stopped');
      if (dead === null) dead = closing;
      for (const p of queue.splice(0)) p.reject(closing);
      for (const s of slots) {
        s.current?.reject(closing);
        s.current = null;
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
