/**
 * The layouts of the runs of a report (chart 5, the lowmem budget), recomputed from each RunResult's
 * configuration: a run carries every choice that resolves back to its configuration, so reports need no
 * layouts passed beside the runs (a sweep's report gets them as a comparison's does).
 */
import { computeLayout } from '../layout/compute.ts';
import { resolveConfig, type ConfigOptions } from '../layout/configs.ts';
import type { Layout } from '../layout/types.ts';
import type { RunConfig, RunResult } from '../result/run-result.ts';

/** The layout of one run's configuration, named by `name` (the run's configuration label). */
function layoutOf(c: RunConfig, name: string): Layout {
  const options: ConfigOptions = {
    kernel: c.kernel,
    split: c.split,
    highmem: c.highmem,
    pae: c.pae,
    pti: c.pti,
    highpte: c.highpte,
    nrCpus: c.nrCpus,
    cpus: c.cpus,
    ram: c.ramBytes,
    ...(c.ramBelow4gBytes !== undefined ? { ramBelow4g: c.ramBelow4gBytes } : {}),
    ...(c.vmallocBytes !== null ? { vmalloc: c.vmallocBytes } : {}),
  };
  const layout = computeLayout(resolveConfig(options));
  return { ...layout, config: { ...layout.config, name } };
}

/** One layout per configuration of `runs` (by configName, in order of first appearance). */
export function layoutsOfRuns(runs: readonly RunResult[]): Layout[] {
  const seen = new Map<string, Layout>();
  for (const r of runs) if (!seen.has(r.configName)) seen.set(r.configName, layoutOf(r.config, r.configName));
  return [...seen.values()];
}
