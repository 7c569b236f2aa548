import { mean, sampleStandardDeviation } from 'simple-statistics';
import { studentTQuantile } from './student-t.ts';

/** The confidence level of every interval hmsim reports. */
export const CONFIDENCE_LEVEL = 0.95;

/**
 * The mean of replicated measurements with its Student-t confidence interval.
 * `n = 1` has no interval: `sd`, `halfWidth`, `lo` and `hi` are null (tables say so). Neither have
 * replications that are all equal (`sd` 0): nothing they ran was sampled (a fixed trace under a model
 * without random costs), and a zero-width interval would claim a precision no sampling produced.
 */
export interface Interval {
  /** Number of replications. */
  readonly n: number;
  /** Arithmetic mean, in the unit of the measurements. */
  readonly mean: number;
  /** Sample standard deviation (n − 1 denominator); null when n < 2, 0 when every value is the same. */
  readonly sd: number | null;
  /** t(0.975, n − 1) · sd / √n; null when n < 2 or the values do not vary. */
  readonly halfWidth: number | null;
  /** mean − halfWidth; null when there is no interval. */
  readonly lo: number | null;
  /** mean + halfWidth; null when there is no interval. */
  readonly hi: number | null;
}

/**
 * Mean and two-sided 95% confidence interval (Student t with n − 1 degrees of freedom).
 * @example meanInterval([10, 12, 14]) → mean 12, sd 2, halfWidth 4.302653 · 2/√3 ≈ 4.968275
 */
export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  if (n === 0) throw new Error('meanInterval: no values');
  const m = mean(values as number[]);
  if (n < 2) return { n, mean: m, sd: null, halfWidth: null, lo: null, hi: null };
  if (values.every((v) => v === values[0])) return { n, mean: m, sd: 0, halfWidth: null, lo: null, hi: null };
  const sd = sampleStandardDeviation(values as number[]);
  const t = studentTQuantile(1 - (1 - CONFIDENCE_LEVEL) / 2, n - 1);
  const halfWidth = (t * sd) / Math.sqrt(n);
  return { n, mean: m, sd, halfWidth, lo: m - halfWidth, hi: m + halfWidth };
}

/**
 * True when replications gave no interval because they were identical: every interval of `intervals`
 * with two or more values has sd 0 (and there is at least one such). False for a single replication.
 */
export function identicalReplications(intervals: ReadonlyArray<Interval | null>): boolean {
  const replicated = intervals.filter((iv): iv is Interval => iv !== null && iv.n >= 2);
  return replicated.length > 0 && replicated.every((iv) => iv.sd === 0);
}
