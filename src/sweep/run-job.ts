/** Runs one job in the current thread and packs any error as plain data (shared by both executors). */
import { UserError, userErrorOfKind } from '../errors.ts';
import type { RunService } from '../run/service.ts';
import { ensureTrace, executePoint } from './execute.ts';
import type { Job, JobError, JobOutput } from './jobs.ts';

/** Runs `job` here. The figure renderer (vega, resvg, PDFKit) is loaded by the first figure step that needs it. */
export async function runJob(job: Job, service: RunService, signal?: AbortSignal): Promise<JobOutput> {
  if (job.kind === 'trace') {
    await ensureTrace(job.gen, job.path);
    return null;
  }
  if (job.kind === 'figure') {
    const { runFigureStep } = await import('../report/figure-render.ts');
    return runFigureStep(job.step);
  }
  return executePoint(job.task, service, signal);
}

/** An error as plain data. */
export function packError(err: unknown): JobError {
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    message: e.message,
    user: e instanceof UserError,
    kind: e.name,
    exitCode: e instanceof UserError ? e.exitCode : 70,
    stack: e.stack ?? e.message,
  };
}

/** The error a packed error stands for: a UserError again, or an Error carrying the worker's stack. */
export function unpackError(e: JobError): Error {
  if (e.user) return userErrorOfKind(e.kind, e.message, e.exitCode);
  const err = new Error(e.message);
  err.stack = `${e.stack}\n    (in a sweep worker thread)`;
  return err;
}
