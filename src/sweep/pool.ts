/**
 * Executors. `inlineExecutor` runs jobs in this thread, one at a time. `workerPool(n)` runs up to n jobs
 * at once: one in this thread and the others on n − 1 worker threads (started on first use), first come
 * first served. A worker is started once and runs job after job (its loaded modules, models and trace
 * digests stay), so the start-up of a thread is paid n − 1 times per sweep, not once per point.
 *
 * Worker states: idle (no job) → busy (one or two jobs sent, replies pending, answered in order) → idle;
 * any → dead after close() or a crash (every pending job then rejects).
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
  /** Jobs sent to the worker, oldest (running) first; it answers them in order. */
  readonly sent: Pending[];
}

/** The worker thread's entry file, in the form this code runs in (src/package-root.ts threadEntry). */
const WORKER_ENTRY = threadEntry('sweep-worker');

/**
 * A pool of `size` threads running jobs: this thread and `size − 1` worker threads (started on first use).
 * This thread has the simulator loaded already, so it takes the first job at once and a worker is
 * started only for a job it cannot take; while it runs a job it hands out no more, so each busy worker
 * is given a second job to queue (at most one job of imbalance at the end). With `loadRenderer`, each
 * worker starts loading the figure renderer (vega, resvg, PDFKit) in the background as it starts: the
 * loading goes on between its points, and the report's figures find it done.
 */
export function workerPool(size: number, options: { loadRenderer?: boolean; signal?: AbortSignal } = {}): Executor {
  if (!Number.isInteger(size) || size < 2) throw new Error(`workerPool: size must be an integer of at least 2, got ${size}`);
  const workers = size - 1;
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  // This thread's share: the in-thread executor, and the job it runs now.
  const local = inlineExecutor(options.signal);
  let current: Pending | null = null;
  let nextId = 0;
  let started = 0;
  let dead: Error | null = null;

  const stop = (err: Error): void => {
    dead = err;
    current?.reject(err);
    current = null;
    void local.close();
    for (const p of queue.splice(0)) p.reject(err);
    for (const s of slots) for (const p of s.sent.splice(0)) p.reject(err);
  };

  const fail = (err: Error): void => {
    if (dead !== null) return;
    stop(err);
    for (const s of slots) void s.worker.terminate();
  };

  const send = (slot: Slot): void => {
    const p = queue.shift() as Pending;
    slot.sent.push(p);
    slot.worker.postMessage({ id: p.id, job: p.job });
  };

  const runHere = (): void => {
    const p = queue.shift() as Pending;
    current = p;
    local
      .run(p.job)
      .then(p.resolve, p.reject)
      .finally(() => {
        if (current === p) current = null;
        dispatch();
      });
  };

  const dispatch = (): void => {
    while (dead === null && queue.length > 0) {
      const idle = slots.find((s) => s.sent.length === 0);
      if (idle !== undefined) send(idle);
      else if (current === null) runHere();
      else if (slots.length < workers) send(spawn());
      else {
        // This thread is busy and hands out nothing until its job ends: each worker gets a second job queued.
        const room = slots.find((s) => s.sent.length < 2);
        if (room === undefined) return;
        send(room);
      }
    }
  };

  const spawn = (): Slot => {
    const worker = new Worker(WORKER_ENTRY, { workerData: { loadRenderer: options.loadRenderer === true } satisfies WorkerData });
    started++;
    const slot: Slot = { worker, sent: [] };
    worker.on('message', (reply: JobReply) => {
      const p = slot.sent[0];
      if (p === undefined || p.id !== reply.id) {
        fail(new Error(`sweep worker replied to job ${reply.id}, which it was not running`));
        return;
      }
      slot.sent.shift();
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
      if (dead === null) stop(new Error('sweep stopped'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
