import { mean, sampleStandardDeviation } from 'simple-statistics';
import { CONFIDENCE_LEVEL, meanInterval } from './interval.ts';
import { studentTQuantile } from './student-t.ts';

/**
 * Overhead of a configuration relative to the baseline, in percent: 100 · (cycles / baseline − 1).
 *
 * - `paired`: both sides ran the same seeds (the normal case: replicationSeeds gives every configuration
 *   the same list). The overhead is computed per seed, then its mean and Student-t interval.
 * - `delta`: seeds differ; ratio of means with a first-order (delta-method) variance and
 *   t(0.975, min(n, n_baseline) − 1) — an approximation, said so in the report.
 * With fewer than two replications on either side there is no interval (lo and hi are null).
 */
export interface Overhead {
  readonly method: 'paired' | 'delta';
  /** Replications that entered the estimate (pairs for `paired`, the smaller side for `delta`). */
  readonly n: number;
  /** Mean overhead, percent. */
  readonly mean: number;
  /** Lower end of the 95% confidence interval, percent; null without an interval. */
  readonly lo: number | null;
  /** Upper end of the 95% confidence interval, percent; null without an interval. */
  readonly hi: number | null;
}

/** One replication's measurement: the seed it ran with and its value (cycles). */
export interface SeededValue {
  readonly seed: number;
  readonly value: number;
}

/**
 * Overhead (percent) of `runs` relative to `baseline` runs, paired by seed when both sides have the
 * same set of distinct seeds.
 * @example overheadVsBaseline([{seed:1,value:110},{seed:2,value:120}], [{seed:1,value:100},{seed:2,value:100}]).mean === 15
 */
export function overheadVsBaseline(runs: readonly SeededValue[], baseline: readonly SeededValue[]): Overhead {
  if (runs.length === 0 || baseline.length === 0) throw new Error('overheadVsBaseline: no runs');
  const byBaseSeed = new Map(baseline.map((b) => [b.seed, b.value]));
  const pairable =
    byBaseSeed.size === baseline.length &&
    new Set(runs.map((r) => r.seed)).size === runs.length &&
    runs.length === baseline.length &&
    runs.every((r) => byBaseSeed.has(r.seed));
  if (pairable) {
    const per = runs.map((r) => 100 * (r.value / (byBaseSeed.get(r.seed) as number) - 1));
    const iv = meanInterval(per);
    return { method: 'paired', n: iv.n, mean: iv.mean, lo: iv.lo, hi: iv.hi };
  }
  const a = runs.map((r) => r.value);
  const b = baseline.map((r) => r.value);
  const ma = mean(a);
  const mb = mean(b);
  const ratio = ma / mb;
  const n = Math.min(a.length, b.length);
  const center = 100 * (ratio - 1);
  if (n < 2) return { method: 'delta', n, mean: center, lo: null, hi: null };
  const sa = sampleStandardDeviation(a);
  const sb = sampleStandardDeviation(b);
  const relVar = (sa * sa) / (a.length * ma * ma) + (sb * sb) / (b.length * mb * mb);
  const t = studentTQuantile(1 - (1 - CONFIDENCE_LEVEL) / 2, n - 1);
  const half = 100 * t * ratio * Math.sqrt(relVar);
  return { method: 'delta', n, mean: center, lo: center - half, hi: center + half };
}
