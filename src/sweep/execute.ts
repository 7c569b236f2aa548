/**
 * Executing one point (in the main thread with --jobs 1, in a worker thread otherwise): resolve the
 * configuration, load the model (memoized per worker), replay, and name the trace by its stable label.
 * Generating a workload trace is a separate step (`ensureTrace`) so that points sharing a trace wait
 * for one generation instead of each making their own.
 */
import { existsSync, statSync } from 'node:fs';
import { generate } from '../cli/gen.ts';
import { resolveConfig } from '../layout/configs.ts';
import { replay } from '../machine/replay.ts';
import { loadModel } from '../models/load.ts';
import type { CostModel } from '../models/types.ts';
import type { RunResult } from '../result/run-result.ts';
import type { PointTask, TraceGen } from './plan.ts';

/** Models loaded so far in this thread, by name and overrides (a model holds functions: not transferable). */
export type ModelCache = Map<string, Promise<CostModel>>;

/** Replays one point; the result's `trace.path` is the task's stable trace label. */
export async function executePoint(task: PointTask, models: ModelCache, signal?: AbortSignal): Promise<RunResult> {
  const config = resolveConfig(task.configOptions);
  const key = JSON.stringify([task.modelName, task.modelSets]);
  let model = models.get(key);
  if (model === undefined) {
    model = loadModel(task.modelName, task.modelSets);
    models.set(key, model);
  }
  // Points of one trace hash it once per thread: the digest of an earlier replay of the same file (same
  // path, size, inode and change times) is reused.
  const s = statSync(task.tracePath, { throwIfNoEntry: false });
  const fileKey = s === undefined ? undefined : [task.tracePath, s.size, s.ino, s.mtimeMs, s.ctimeMs].join('\0');
  const known = fileKey === undefined ? undefined : digests.get(fileKey);
  const result = await replay(
    { tracePath: task.tracePath, config, model: await model, seed: task.seed, prefault: task.prefault },
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
