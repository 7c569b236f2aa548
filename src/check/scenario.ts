/**
 * A check scenario: one workload under one configuration and cost model, the metrics to watch and the
 * rule that decides, per metric, whether a change against the stored baseline is a regression.
 *
 * Scenario files (scenarios/*.json, schema in scenarios/schema.json) are parsed and validated once by
 * load-scenario.ts into these readonly objects; the rest of src/check trusts them.
 */
import type { MetricExpr } from './metric-expr.ts';

/** Where the trace comes from: an HMT file, or a generator run into a temporary folder. */
export type TraceSpec =
  | {
      readonly kind: 'file';
      /** Absolute path of the .hmt / .hmt.gz file (resolved against the scenario file's folder). */
      readonly path: string;
    }
  | {
      readonly kind: 'generator';
      /** Workload name in the generator registry (`fileserver`, `kmap-storm`, ...). */
      readonly workload: string;
      /** Generator parameters, as `--param k=v` would give them. */
      readonly params: Readonly<Record<string, string | number | boolean>>;
      /**
       * Generator seed. When set, one trace serves every replication; when null, replication i generates
       * its own trace with the replication's seed, so replications also vary the workload.
       */
      readonly seed: number | null;
    };

/**
 * The decision rule of one metric. "now" is the mean over the scenario's replications (the single value
 * when there is one); "baseline" is the stored value.
 * - exact: fail unless now === baseline.
 * - relative: fail when |now − baseline| > tolerance × |baseline| (tolerance is a fraction: 0.01 = 1%).
 * - absolute: fail when |now − baseline| > tolerance (in the metric's unit).
 * - statistical: compare the replication samples with the baseline's samples; fail when the test rejects
 *   "no change" at level alpha (p < alpha) AND the relative effect |mean now − mean baseline| / |mean
 *   baseline| exceeds minEffect (a fraction). Needs at least 2 replications.
 */
export type Rule =
  | { readonly kind: 'exact' }
  | { readonly kind: 'relative'; readonly tolerance: number }
  | { readonly kind: 'absolute'; readonly tolerance: number }
  | {
      readonly kind: 'statistical';
      readonly test: StatisticalTest;
      readonly alpha: number;
      readonly minEffect: number;
    };
/** The rule kinds, as written in scenario files. */
/** Welch's unequal-variances t-test, or the two-sample permutation test on the difference of means. */
export type StatisticalTest = 'welch' | 'permutation';

/** One watched metric (an expression that may expand to several metrics, e.g. `cycles.breakdown.*`). */
export interface Watch {
  /** The expression as written in the scenario, e.g. `share(cycles.breakdown.*)`. */
  readonly text: string;
  readonly metric: MetricExpr;
  readonly rule: Rule;
  /** JSON path of this watch in the scenario file, for messages (`$.watch[2]`). */
  readonly at: string;
}

/** Configuration choice of a scenario: a preset plus the options `hmsim run` accepts on top of it. */
export interface ScenarioConfig {
  /** Preset name (`3g1g-highmem`, ...). */
  readonly preset: string;
  /** Kernel profile name, or null for the preset's default. */
  readonly kernel: string | null;
  /** RAM size as written (`2G`), or null for the default. */
  readonly ram: string | null;
  /** Online CPUs, or null for the configuration's default. */
  readonly cpus: number | null;
}

/** A validated scenario, as loaded from one file. */
export interface Scenario {
  /** Absolute path of the scenario file. */
  readonly file: string;
  /** Scenario name: the file name without `.json`; also the baseline file name. */
  readonly name: string;
  readonly description: string;
  readonly trace: TraceSpec;
  readonly config: ScenarioConfig;
  /** Configuration preset of the reference run that `overhead(...)` divides by, or null. */
  readonly reference: string | null;
  /** Cost model name, or an absolute path (a relative path in the file is resolved against its folder). */
  readonly model: string;
  /** The scenario's own `key=value` overrides (applied before the command line's `--set`). */
  readonly sets: readonly string[];
  /** Base seed; replication i uses replicationSeeds(seed, replications)[i]. */
  readonly seed: number;
  /** Number of replications, >= 1 (the first runs with the seed itself, the others with derived seeds). */
  readonly replications: number;
  /** Replay with every user page present (pure TLB replay). */
  readonly prefault: boolean;
  readonly watch: readonly Watch[];
}
