import { mean } from 'simple-statistics';
import type { Aggregate } from '../../stats/aggregate.ts';
import { groupByConfig } from '../../stats/aggregate.ts';
import type { RunResult } from '../../result/run-result.ts';

/**
 * Small shared views of the inputs used by several chart builders: the configuration order, the
 * feasible runs of each configuration, and the replication count shown in subtitles.
 */

/** Configuration names in report order (the aggregate's order). */
export function configOrder(agg: Aggregate): string[] {
  return agg.configs.map((c) => c.config);
}

/** Feasible runs grouped by configuration, in report order (configurations without one are absent). */
export function feasibleRuns(runs: readonly RunResult[]): Map<string, RunResult[]> {
  const out = new Map<string, RunResult[]>();
  for (const [config, group] of groupByConfig(runs)) {
    const ok = group.filter((r) => r.feasible);
    if (ok.length > 0) out.set(config, ok);
  }
  return out;
}

/** The smallest number of feasible replications of any configuration (what subtitles state). */
export function minReplications(agg: Aggregate): number {
  const ns = agg.configs.flatMap((c) => (c.stats ? [c.stats.totalCycles.n] : []));
  return ns.length > 0 ? Math.min(...ns) : 0;
}

/** Mean of a numeric field over runs. */
export function meanOf(runs: readonly RunResult[], pick: (r: RunResult) => number): number {
  return mean(runs.map(pick));
}
