import type { Rng } from '../../models/types.ts';

/**
 * Zipf-distributed integers in [1, n]: P(k) ∝ 1 / k^s. Rejection-inversion sampling (Hörmann & Derflinger,
 * "Rejection-inversion to generate variates from monotone discrete distributions", 1996), as in Apache
 * Commons RNG's RejectionInversionZipfSampler: O(1) memory and expected O(1) time for any n, so a file set
 * of billions of items needs no table. s = 0 gives the uniform distribution.
 * @example new ZipfSampler(1000, 0.9).sample(rng) // 1 is the most popular item
 */
export class ZipfSampler {
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly sCoef: number;

  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf: n ${n} must be a positive integer`);
    if (!(exponent >= 0)) throw new RangeError(`Zipf: exponent ${exponent} must be ≥ 0`);
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.sCoef = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  /** One draw in [1, n]. */
  sample(rng: Rng): number {
    for (;;) {
      const u = this.hIntegralN + rng.next() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.sCoef || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  private h(x: number): number {
    return Math.exp(-this.exponent * Math.log(x));
  }

  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.exponent) * logX) * logX;
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.exponent);
    if (t < -1) t = -1; // numerical safety, as in the reference implementation
    return Math.exp(helper1(t) * x);
  }
}

/** log(1 + x) / x, accurate near 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** (exp(x) − 1) / x, accurate near 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + ((x * 1) / 3) * (1 + 0.25 * x));
}
