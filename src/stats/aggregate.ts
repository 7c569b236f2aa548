import { CYCLE_CATEGORIES, type CycleCategory, type RunResult } from '../result/run-result.ts';
import { CONFIDENCE_LEVEL, identicalReplications, meanInterval, type Interval } from './interval.ts';
import { KEY_COUNTS, keyCounts, type KeyCount } from './key-counts.ts';
import { overheadVsBaseline, type Overhead } from './overhead.ts';

/**
 * Aggregation of replicated runs, per configuration: mean and 95% confidence interval (Student t) of
 * total cycles, of every cycle category and of the key counts, and the overhead relative to the
 * baseline configuration. Pure and deterministic: configurations appear in the order of their first
 * run; the same runs give the same aggregate, byte for byte once serialized.
 */

/** The aggregate of one configuration. Statistics are over its feasible runs only. */
export interface ConfigAggregate {
  readonly config: string;
  /** All runs of this configuration (feasible or not). */
  readonly replications: number;
  /** Seeds of its runs, in run order. */
  readonly seeds: readonly number[];
  /** True when every run of the configuration was feasible. */
  readonly feasible: boolean;
  /** Distinct reasons some run could not be replayed under this configuration. */
  readonly infeasible: readonly string[];
  /** Statistics of the feasible runs; null when no run was feasible. */
  readonly stats: ConfigStats | null;
  /** Overhead vs the baseline, percent (total CPU cycles); null for an infeasible configuration or baseline. */
  readonly overhead: Overhead | null;
  /** The same for the elapsed time (RunResult.time.elapsedSeconds: CPU cycles and device waits). */
  readonly elapsedOverhead: Overhead | null;
  /**
   * The configuration its overhead is against, when configurations have baselines of their own (a
   * sweep: the first configuration at the same grid values); absent when every one is against
   * Aggregate.baseline.
   */
  readonly baseline?: string;
}

/** Per-configuration statistics: every figure is an Interval over the feasible replications. */
export interface ConfigStats {
  /** Total cycles (sum over CPUs). */
  readonly totalCycles: Interval;
  /** Elapsed time, seconds: the slowest CPU's cycles and device waits (RunResult.time). */
  readonly elapsedSeconds: Interval;
  /** Time the CPUs waited on the device, seconds, summed over CPUs. */
  readonly ioWaitSeconds: Interval;
  /** Cycles per category. */
  readonly breakdown: Readonly<Record<CycleCategory, Interval>>;
  /** Event counts. */
  readonly counts: Readonly<Record<KeyCount, Interval>>;
}

/** The aggregate of a compare or sweep point. */
export interface Aggregate {
  /** The baseline configuration, or with baselines per configuration (ConfigAggregate.baseline) what they are. */
  readonly baseline: string;
  readonly confidenceLevel: number;
  readonly configs: readonly ConfigAggregate[];
}

/** True when `c` is a baseline: the baseline, or with baselines per configuration its own. */
export function isBaseline(agg: Aggregate, c: ConfigAggregate): boolean {
  return c.baseline !== undefined ? c.baseline === c.config : c.config === agg.baseline;
}

/**
 * Aggregates `runs` (all replications of all configurations). The baseline defaults to the first
 * configuration; naming one that has no runs is a bug in the caller. With `baselines` (configuration →
 * the configuration its overhead is against) each configuration has its own, and `baseline` only names
 * them (a sweep: "2g2g at the same ram"); a configuration it does not list has no overhead.
 */
export function aggregate(
  runs: readonly RunResult[],
  options: { baseline?: string; baselines?: ReadonlyMap<string, string> } = {},
): Aggregate {
  if (runs.length === 0) throw new Error('aggregate: no runs');
  const groups = groupByConfig(runs);
  const baseline = options.baseline ?? (runs[0] as RunResult).configName;
  const perConfig = options.baselines;
  if (perConfig === undefined && !groups.has(baseline)) throw new Error(`aggregate: baseline ${baseline} has no runs`);
  const configs: ConfigAggregate[] = [];
  for (const [config, group] of groups) {
    const own = perConfig?.get(config);
    if (own !== undefined && !groups.has(own)) throw new Error(`aggregate: baseline ${own} of ${config} has no runs`);
    const baseFeasible = (perConfig === undefined ? groups.get(baseline)! : own !== undefined ? groups.get(own)! : []).filter(
      (r) => r.feasible,
    );
    const feasibleRuns = group.filter((r) => r.feasible);
    const versus = (value: (r: RunResult) => number): Overhead | null =>
      feasibleRuns.length > 0 && baseFeasible.length > 0
        ? overheadVsBaseline(
            feasibleRuns.map((r) => ({ seed: r.seed, value: value(r) })),
            baseFeasible.map((r) => ({ seed: r.seed, value: value(r) })),
          )
        : null;
    configs.push({
      config,
      replications: group.length,
      seeds: group.map((r) => r.seed),
      feasible: feasibleRuns.length === group.length,
      infeasible: [...new Set(group.flatMap((r) => r.infeasible))],
      stats: feasibleRuns.length > 0 ? configStats(feasibleRuns) : null,
      overhead: versus((r) => r.cycles.total),
      elapsedOverhead: versus((r) => r.time.elapsedSeconds),
      ...(perConfig !== undefined && own !== undefined ? { baseline: own } : {}),
    });
  }
  return { baseline, confidenceLevel: CONFIDENCE_LEVEL, configs };
}

/** Groups runs by configuration name, keeping the order of first appearance. */
export function groupByConfig(runs: readonly RunResult[]): Map<string, RunResult[]> {
  const groups = new Map<string, RunResult[]>();
  for (const run of runs) {
    const g = groups.get(run.configName);
    if (g) g.push(run);
    else groups.set(run.configName, [run]);
  }
  return groups;
}

function configStats(runs: readonly RunResult[]): ConfigStats {
  const breakdown = {} as Record<CycleCategory, Interval>;
  for (const cat of CYCLE_CATEGORIES) breakdown[cat] = meanInterval(runs.map((r) => r.cycles.breakdown[cat]));
  const perRun = runs.map(keyCounts);
  const counts = {} as Record<KeyCount, Interval>;
  for (const key of KEY_COUNTS) counts[key] = meanInterval(perRun.map((c) => c[key]));
  return {
    totalCycles: meanInterval(runs.map((r) => r.cycles.total)),
    elapsedSeconds: meanInterval(runs.map((r) => r.time.elapsedSeconds)),
    ioWaitSeconds: meanInterval(runs.map((r) => r.time.ioWaitSeconds)),
    breakdown,
    counts,
  };
}

/**
 * True when some run of the aggregate waited on a device: its elapsed time is then more than its CPU
 * cycles, and tables and charts lead with it (they say so).
 */
export function hasDeviceTime(agg: Aggregate): boolean {
  return agg.configs.some((c) => c.stats !== null && c.stats.ioWaitSeconds.mean > 0);
}

/**
 * True when the aggregate's replications could not vary: two or more per configuration and every
 * configuration's total cycles identical across them (a fixed trace under a model that samples nothing).
 */
export function replicationsIdentical(agg: Aggregate): boolean {
  return identicalReplications(agg.configs.map((c) => c.stats?.totalCycles ?? null));
}
