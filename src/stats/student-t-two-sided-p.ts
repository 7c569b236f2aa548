import { regularizedIncompleteBeta } from './regularized-incomplete-beta.ts';

/**
 * Two-sided tail probability of Student's t distribution: P(|T| >= |t|) for T ~ t(df).
 * df may be fractional (Welch–Satterthwaite degrees of freedom). Uses
 * P(|T| >= |t|) = I_{df / (df + t²)}(df / 2, 1 / 2) (Abramowitz & Stegun 26.7.1 with 26.5.2).
 * @example studentTTwoSidedP(2.228, 10) // ≈ 0.05 (the 97.5% quantile of t(10) is 2.228)
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`studentTTwoSidedP: degrees of freedom must be > 0, got ${df}`);
  if (Number.isNaN(t)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}
