/**
 * Executors. `inlineExecutor` runs jobs in this thread, one at a time. `workerPool(n)` runs up to n jobs
 * at once: one in this thread and the others on n − 1 worker threads (started on first use), first come
 * first served. A worker is started once and runs job after job (its loaded modules, models and trace
 * digests stay), so the start-up of a thread is paid n − 1 times per sweep, not once per point.
 *
 * Worker states: idle (no job) → busy (one or two jobs sent, replies pending, answered in order; the
 * second may be taken back) → idle; any → dead after close() or a crash (every pending job then rejects).
 */
import { Worker } from 'node:worker_threads';
import { threadEntry } from '../package-root.ts';
import { RunService } from '../run/service.ts';
import type { Executor, Job, JobOutput, JobReply, WorkerMessage } from './jobs.ts';
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
    prepareRenderer(): void {},
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
  /** Jobs of a higher priority are handed out first; equal ones in the order they came. */
  readonly priority: number;
  readonly resolve: (r: JobOutput) => void;
  readonly reject: (e: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Jobs sent to the worker and not answered, oldest (running) first; it answers them in order. */
  readonly sent: Pending[];
}

/** The worker thread's entry file, in the form this code runs in (src/package-root.ts threadEntry). */
const WORKER_ENTRY = threadEntry('sweep-worker');

/**
 * A pool of `size` threads running jobs: this thread and `size − 1` worker threads (started on first use).
 * This thread has the simulator loaded already, so it takes the first job at once and a worker is
 * started only for a job it cannot take. While this thread runs a job it hands out no more (a replay
 * holds it), so each busy worker is given a second job to queue; when this thread is free and nothing is
 * left to hand out, it takes back a queued job a worker has not started and runs it itself (the worker
 * skips it; should the worker have started it already, the first answer counts: both give the same
 * result). So no thread waits while another has a job queued: at the end of the points, and among the
 * report's figure steps, whose lengths differ a hundredfold.
 */
export function workerPool(size: number, options: { signal?: AbortSignal } = {}): Executor {
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
  let rendererWanted = false;
  const preloaded = new Set<Slot>();

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

  const send = (slot: Slot, p: Pending): void => {
    slot.sent.push(p);
    slot.worker.postMessage({ id: p.id, job: p.job } satisfies WorkerMessage);
  };

  const runHere = (p: Pending): void => {
    current = p;
    local
      .run(p.job)
      .then(p.resolve, p.reject)
      .finally(() => {
        if (current === p) current = null;
        dispatch();
      });
  };

  /** A job queued on a worker behind the one it runs, taken back (the worker is told to skip it). */
  const takeBack = (): Pending | undefined => {
    const slot = slots.find((s) => s.sent.length >= 2);
    const p = slot?.sent.pop();
    if (slot !== undefined && p !== undefined) slot.worker.postMessage({ skip: p.id } satisfies WorkerMessage);
    return p;
  };

  const dispatch = (): void => {
    while (dead === null && queue.length > 0) {
      // This thread first: its code is warm (it planned the sweep and built the report's charts).
      const idle = slots.find((s) => s.sent.length === 0);
      if (current === null) runHere(queue.shift() as Pending);
      else if (idle !== undefined) send(idle, queue.shift() as Pending);
      else if (slots.length < workers) send(spawn(), queue.shift() as Pending);
      else {
        // This thread is busy and hands out nothing until its job ends: each worker gets a second job queued.
        const room = slots.find((s) => s.sent.length < 2);
        if (room === undefined) break;
        send(room, queue.shift() as Pending);
      }
    }
    if (dead !== null || queue.length > 0) return;
    if (current === null) {
      const back = takeBack();
      if (back !== undefined) runHere(back);
    }
    // Nothing left to hand out: the workers load the figure renderer after the jobs they hold.
    if (rendererWanted)
      for (const s of slots)
        if (!preloaded.has(s)) {
          preloaded.add(s);
          s.worker.postMessage({ loadRenderer: true } satisfies WorkerMessage);
        }
  };

  const spawn = (): Slot => {
    const worker = new Worker(WORKER_ENTRY);
    started++;
    const slot: Slot = { worker, sent: [] };
    worker.on('message', (reply: JobReply) => {
      const at = slot.sent.findIndex((p) => p.id === reply.id);
      // A job this thread took back, which the worker had started already: this thread's answer counts.
      if (at < 0) return;
      const [p] = slot.sent.splice(at, 1) as [Pending];
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
    run(job: Job, priority = 0): Promise<JobOutput> {
      if (dead !== null) return Promise.reject(dead);
      return new Promise((resolve, reject) => {
        const at = queue.findIndex((q) => q.priority < priority);
        queue.splice(at < 0 ? queue.length : at, 0, { id: nextId++, job, priority, resolve, reject });
        dispatch();
      });
    },
    prepareRenderer(): void {
      rendererWanted = true;
      dispatch();
    },
    threadsStarted: () => started,
    async close(): Promise<void> {
      if (dead === null) stop(new Error('sweep stopped'));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
