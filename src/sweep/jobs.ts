/**
 * The unit of work a sweep hands to an executor, and the executor interface. Jobs and replies are
 * plain data (structured-clone safe): they cross the worker-thread boundary.
 */
import type { FigureRequest, RenderedFigure } from '../report/figure-render.ts';
import type { RunResult } from '../result/run-result.ts';
import type { PointTask, TraceGen } from './plan.ts';

/** A job: replay one point, generate one workload trace, or render one figure of the report. */
export type Job =
  | { readonly kind: 'point'; readonly task: PointTask }
  | { readonly kind: 'trace'; readonly gen: TraceGen; readonly path: string }
  | { readonly kind: 'figure'; readonly request: FigureRequest };

/** What a job gives: a point's RunResult, a figure's files, nothing for a trace. */
export type JobOutput = RunResult | RenderedFigure | null;

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

/** What a worker thread is started with. */
export interface WorkerData {
  /** Load the figure renderer in the background from the start (the report's figures will follow). */
  readonly loadRenderer: boolean;
}

/** A request to a worker. */
export interface JobRequest {
  readonly id: number;
  readonly job: Job;
}

/** A worker's reply: the job's output, or the error. */
export type JobReply =
  | { readonly id: number; readonly ok: true; readonly result: JobOutput }
  | { readonly id: number; readonly ok: false; readonly error: JobError };

/** Runs jobs: in this thread (--jobs 1) or on a pool of worker threads. */
export interface Executor {
  /** Runs one job; resolves with its output. */
  run(job: Job): Promise<JobOutput>;
  /** Worker threads started so far (0 in this thread): each runs many jobs, started once. */
  threadsStarted(): number;
  /** Stops every worker; pending jobs reject. */
  close(): Promise<void>;
}
