import type { Extrapolate } from './spec.ts';

/**
 * Piecewise-linear interpolation through points sorted by strictly increasing x. Outside the points:
 * 'clamp' returns the first/last y, 'linear' extends the first/last segment (never below 0, a cost).
 * Cost: O(log points).
 * @example interpolate([1, 33], [1276, 8534], 'clamp', 17) === 4905
 */
export function interpolate(xs: readonly number[], ys: readonly number[], extrapolate: Extrapolate, n: number): number {
  const last = xs.length - 1;
  if (last === 0) return ys[0]!;
  let i: number; // segment [i, i+1]
  if (n <= xs[0]!) {
    if (extrapolate === 'clamp') return ys[0]!;
    i = 0;
  } else if (n >= xs[last]!) {
    if (extrapolate === 'clamp') return ys[last]!;
    i = last - 1;
  } else {
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid]! <= n) lo = mid;
      else hi = mid;
    }
    i = lo;
  }
  const x0 = xs[i]!;
  const y0 = ys[i]!;
  const y = y0 + ((ys[i + 1]! - y0) * (n - x0)) / (xs[i + 1]! - x0);
  return y > 0 ? y : 0;
}
