import type { Extrapolate } from './spec.ts';

/**
 * The same interpolation as a closure over prepared arrays (slopes precomputed), for the replay's hot
 * path: called once per cost, at model load time.
 */
export function compileTable(xsIn: ArrayLike<number>, ysIn: ArrayLike<number>, extrapolate: Extrapolate): (n: number) => number {
  const xs = Float64Array.from(xsIn);
  const ys = Float64Array.from(ysIn);
  const last = xs.length - 1;
  if (last === 0) {
    const y = ys[0]!;
    return () => y;
  }
  const slopes = new Float64Array(last);
  for (let i = 0; i < last; i++) slopes[i] = (ys[i + 1]! - ys[i]!) / (xs[i + 1]! - xs[i]!);
  const clamp = extrapolate === 'clamp';
  const x0 = xs[0]!;
  const xN = xs[last]!;
  return (n) => {
    let i: number; // segment [i, i+1]
    if (n <= x0) {
      if (clamp) return ys[0]!;
      i = 0;
    } else if (n >= xN) {
      if (clamp) return ys[last]!;
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
    const y = ys[i]! + slopes[i]! * (n - xs[i]!);
    return y > 0 ? y : 0;
  };
}
