/**
 * hmsim as a library (`import { … } from 'hmsim'`): the steps `hmsim run` and `hmsim compare` take, one
 * function each. A typical use:
 *
 * ```ts
 * import { loadModel, resolveConfig, replay } from 'hmsim';
 * const result = await replay({
 *   tracePath: 'traces/fileserver-4cpu.hmt',
 *   config: resolveConfig({ config: '3g1g-highmem' }),
 *   model: await loadModel('core2'),
 *   seed: 1,
 *   prefault: false,
 * });
 * console.log(result.cycles.total, result.counts.dtlbMisses);
 * ```
 *
 * - `resolveConfig(options)`: a machine configuration from a preset name and overrides (`--config`,
 *   `--ram`, `--split`, … of the CLI), validated.
 * - `computeLayout(config)`: the kernel virtual memory layout, zones and lowmem/highmem sizes.
 * - `loadModel(name or path, sets?)`: a CPU cost model (models/*.json), with `--set` style overrides.
 * - `openTrace(path)`: an HMT trace (.hmt or .hmt.gz): header, footer, record batches, digest.
 * - `replay(spec, options?)`: replays a trace under one configuration and model: a `RunResult`.
 * - `writeReport(dir, input, options?)`: the HTML/SVG/JSON report `hmsim compare --report` writes.
 *
 * Errors in what a caller passes are `UserError`s (one line: what, where, what was expected).
 */
import type { CompareReportInput, ReportOptions } from './report/write.ts';

export { resolveConfig, type ConfigOptions } from './layout/configs.ts';
export { computeLayout } from './layout/compute.ts';
export type { Layout, MachineConfig } from './layout/types.ts';
export type { LayoutDetail } from './layout/detail.ts';
export { loadModel } from './models/load.ts';
export type { CostModel } from './models/types.ts';
export { openTrace, type TraceReader } from './trace/hmt/reader.ts';
export type { RecordBatch, TraceHeader } from './trace/records.ts';
export { replay } from './machine/replay.ts';
export type { RunSpec, ReplayOptions } from './result/run-spec.ts';
export type { RunResult } from './result/run-result.ts';
export { UserError } from './errors.ts';
export type { CompareReportInput, ReportOptions } from './report/write.ts';

/**
 * Writes the report of a set of runs (index.html, charts, summary.json) into `outDir`, as `hmsim
 * compare --report` does. The chart renderer loads only when this is called.
 */
export async function writeReport(outDir: string, input: CompareReportInput, options: ReportOptions = {}): Promise<void> {
  const { writeCompareReport } = await import('./report/write.ts');
  await writeCompareReport(outDir, input, options);
}
