/**
 * The unit of work a sweep hands to an executor, and the executor interface. Jobs and replies are
 * plain data (structured-clone safe): they cross the worker-thread boundary.
 */
import type { FigureStep, FigureStepOutput } from '../report/figure-render.ts';
import type { RunResult } from '../result/run-result.ts';
import type { PointTask, TraceGen } from './plan.ts';

/** A job: replay one point, generate one workload trace, or draw one step of a figure of the report (its SVG, PNG or PDF). */
export type Job =
  | { readonly kind: 'point'; readonly task: PointTask }
  | { readonly kind: 'trace'; readonly gen: TraceGen; readonly path: string }
  | { readonly kind: 'figure'; readonly step: FigureStep };

/** What a job gives: a point's RunResult, a figure step's text or bytes, nothing for a trace. */
export type JobOutput = RunResult | FigureStepOutput | null;

/** A failed job's error, as sent back by a worker. */
export interface JobError {
  readonly message: string;
  /** A UserError (one line to the user) rather than a bug. */
  readonly user: boolean;
  /** The error's class name (`InputError`, `ConfigError`, …), so the main thread throws the same kind. */
  readonly kind: string;
  readonly exitCode: number;
  readonly stack: string;
}

/** A request to a worker: run a job. */
export interface JobRequest {
  readonly id: number;
  readonly job: Job;
}

/**
 * What the pool sends a worker, handled in the order sent: a job; skip a job sent earlier and not
 * started (the pool took it back); load the figure renderer after the jobs sent so far.
 */
export type WorkerMessage = JobRequest | { readonly skip: number } | { readonly loadRenderer: true };

/** A worker's reply: the job's output, or the error. */
export type JobReply =
  | { readonly id: number; readonly ok: true; readonly result: JobOutput }
  | { readonly id: number; readonly ok: false; readonly error: JobError };

/** Runs jobs: in this thread (--jobs 1) or on a pool of worker threads. */
export interface Executor {
  /**
   * Runs one job; resolves with its output. Queued jobs of a higher `priority` (default 0) start
   * first, equal ones in the order they came.
   */
  run(job: Job, priority?: number): Promise<JobOutput>;
  /**
   * The report's figures will follow: each worker loads the renderer once the jobs queued so far are
   * handed out, so that the loading neither delays a point nor waits for the first figure.
   */
  prepareRenderer(): void;
  /** Worker threads started so far (0 in this thread): each runs many jobs, started once. */
  threadsStarted(): number;
  /** Stops every worker; pending jobs reject. */
  close(): Promise<void>;
}
