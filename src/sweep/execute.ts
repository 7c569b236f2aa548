/**
 * Executing one point (in the main thread with --jobs 1, in a worker thread otherwise): the run service
 * resolves the configuration and the model (once per thread) and replays; the trace is named by its
 * stable label.
 * Generating a workload trace is a separate step (`ensureTrace`) so that points sharing a trace wait
 * for one generation instead of each making their own.
 */
import { existsSync, statSync } from 'node:fs';
import { generate } from '../trace/generators/generate.ts';
import type { RunResult } from '../result/run-result.ts';
import type { RunService } from '../run/service.ts';
import type { PointTask, TraceGen } from './plan.ts';

/**
 * Replays one point with this thread's run service (it keeps configurations and models — which hold
 * functions, so cannot cross threads — for the thread's life); the result's `trace.path` is the task's
 * stable trace label.
 */
export async function executePoint(task: PointTask, service: RunService, signal?: AbortSignal): Promise<RunResult> {
  // Points of one trace hash it once per thread: the digest of an earlier replay of the same file (same
  // path, size, inode and change times) is reused.
  const s = statSync(task.tracePath, { throwIfNoEntry: false });
  const fileKey = s === undefined ? undefined : [task.tracePath, s.size, s.ino, s.mtimeMs, s.ctimeMs].join('\0');
  const known = fileKey === undefined ? undefined : digests.get(fileKey);
  const result = await service.run(
    {
      tracePath: task.tracePath,
      config: task.configOptions,
      model: task.modelName,
      modelSets: task.modelSets,
      seed: task.seed,
      prefault: task.prefault,
      ...(task.warmup !== undefined ? { warmup: task.warmup } : {}),
      ...(task.modelUncertainty === true ? { modelUncertainty: true } : {}),
    },
    { ...(signal !== undefined ? { signal } : {}), ...(known !== undefined ? { traceSha256: known } : {}) },
  );
  if (fileKey !== undefined && known === undefined) digests.set(fileKey, result.trace.sha256);
  return { ...result, trace: { ...result.trace, path: task.traceLabel } };
}

/** SHA-256 of the trace files replayed in this thread, by path, size, inode and change times. */
const digests = new Map<string, string>();

/** Generates a workload trace at `path` unless it is already there (the writer renames into place). */
export async function ensureTrace(gen: TraceGen, path: string): Promise<void> {
  if (existsSync(path)) return;
  await generate(gen.workload, path, gen.seed, gen.params);
}
