import type { Rng } from '../models/types.ts';

/** Result of a two-sample permutation test of "both samples come from the same distribution". */
export interface PermutationResult {
  /** Two-sided p-value: share of relabellings whose |mean difference| is at least the observed one. */
  readonly p: number;
  /** mean(x) − mean(y), in the samples' unit. */
  readonly difference: number;
  /** True when every relabelling was enumerated (p is exact); false when they were sampled. */
  readonly exact: boolean;
  /** Number of relabellings evaluated. */
  readonly permutations: number;
}

/** Enumerate every relabelling when there are at most this many; sample otherwise. */
export const EXACT_PERMUTATION_LIMIT = 20_000;

/**
 * Two-sided two-sample permutation test on the difference of means (Fisher–Pitman). With few values —
 * as with replicated simulation runs — every one of the C(nx + ny, nx) relabellings is enumerated and p is
 * exact; above EXACT_PERMUTATION_LIMIT relabellings, `samples` random ones are drawn with the given seeded
 * RNG and p = (hits + 1) / (samples + 1) (Phipson & Smyth 2010). Ties within 1e-9 of the observed
 * statistic (relative) count as hits, so a relabelling equal to the observed one always counts.
 * Cost: O(relabellings × (nx + ny)).
 * @example permutationTest([1, 2, 3], [4, 5, 6], rng).p // 0.1 (2 of the 20 relabellings are as extreme)
 */
export function permutationTest(x: readonly number[], y: readonly number[], rng: Rng, samples = 10_000): PermutationResult {
  if (x.length < 1 || y.length < 1)
    throw new Error(`permutationTest: each sample needs at least 1 value (got ${x.length} and ${y.length})`);
  const all = [...x, ...y];
  const n = all.length;
  const nx = x.length;
  const total = all.reduce((s, v) => s + v, 0);
  const sumX = x.reduce((s, v) => s + v, 0);
  const statistic = (sx: number): number => Math.abs(sx / nx - (total - sx) / (n - nx));
  const observed = statistic(sumX);
  const threshold = observed - 1e-9 * Math.max(Math.abs(observed), Math.abs(total / n), Number.MIN_VALUE);
  const difference = sumX / nx - (total - sumX) / (n - nx);

  if (binomial(n, nx) <= EXACT_PERMUTATION_LIMIT) {
    let hits = 0;
    let count = 0;
    // Enumerate index combinations of size nx in lexicographic order.
    const idx = Array.from({ length: nx }, (_, i) => i);
    for (;;) {
      let sx = 0;
      for (const i of idx) sx += all[i] ?? 0;
      count++;
      if (statistic(sx) >= threshold) hits++;
      let k = nx - 1;
      while (k >= 0 && idx[k] === n - nx + k) k--;
      if (k < 0) break;
      idx[k] = (idx[k] ?? 0) + 1;
      for (let j = k + 1; j < nx; j++) idx[j] = (idx[j - 1] ?? 0) + 1;
    }
    return { p: hits / count, difference, exact: true, permutations: count };
  }

  let hits = 0;
  const pool = [...all];
  for (let s = 0; s < samples; s++) {
    // Partial Fisher–Yates: the first nx positions become a uniform random subset.
    let sx = 0;
    for (let i = 0; i < nx; i++) {
      const j = i + Math.floor(rng.next() * (n - i));
      const tmp = pool[i] ?? 0;
      pool[i] = pool[j] ?? 0;
      pool[j] = tmp;
      sx += pool[i] ?? 0;
    }
    if (statistic(sx) >= threshold) hits++;
  }
  return { p: (hits + 1) / (samples + 1), difference, exact: false, permutations: samples };
}

/** C(n, k) as a float (exact below 2^53). */
function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}
