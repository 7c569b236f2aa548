import { mean, sampleVariance } from 'simple-statistics';
import { studentTCdf } from './student-t.ts';

/** Result of Welch's unequal-variances t-test of "the two samples have the same mean". */
export interface WelchResult {
  /** t statistic of mean(x) − mean(y); ±Infinity when both samples have zero variance and different means. */
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom (NaN when both variances are zero). */
  readonly df: number;
  /** Two-sided p-value: 1 for identical constant samples, 0 for different constant samples. */
  readonly p: number;
  /** mean(x) − mean(y), in the samples' unit. */
  readonly difference: number;
}

/**
 * Welch's two-sample t-test (two-sided), for samples with possibly different variances and sizes.
 * t = (x̄ − ȳ) / √(sx²/nx + sy²/ny), df by Welch–Satterthwaite, p from Student's t.
 * Each sample needs at least 2 values. Degenerate case (both sample variances 0, as when a deterministic
 * run is replicated): p = 1 if the means are equal, else 0 — the difference is certain, not noise.
 * @example welchTTest([1, 2, 3, 4], [1, 2, 3, 4]).p // 1
 * @example welchTTest([27.5, 21, 19, 23.6, 17, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19, 21.7, 21.4],
 *   [27.1, 22, 20.8, 23.4, 23.4, 23.5, 25.8, 22, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]).p
 *   // ≈ 0.021 (t = −2.46, df ≈ 25.0; Wikipedia "Welch's t-test", example 2)
 */
export function welchTTest(x: readonly number[], y: readonly number[]): WelchResult {
  if (x.length < 2 || y.length < 2) throw new Error(`welchTTest: each sample needs at least 2 values (got ${x.length} and ${y.length})`);
  const mx = mean([...x]);
  const my = mean([...y]);
  const difference = mx - my;
  const vx = sampleVariance([...x]) / x.length;
  const vy = sampleVariance([...y]) / y.length;
  const se2 = vx + vy;
  if (se2 === 0) {
    if (difference === 0) return { t: 0, df: Number.NaN, p: 1, difference };
    return { t: difference > 0 ? Infinity : -Infinity, df: Number.NaN, p: 0, difference };
  }
  const t = difference / Math.sqrt(se2);
  const df = (se2 * se2) / ((vx * vx) / (x.length - 1) + (vy * vy) / (y.length - 1));
  // Two-sided p from the lower tail at −|t| (computed directly, no 1 − cdf cancellation for small p).
  return { t, df, p: Math.min(1, 2 * studentTCdf(-Math.abs(t), df)), difference };
}
