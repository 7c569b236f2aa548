import { describe, expect, it } from 'vitest';
import { compileCost } from '../../src/models/compile-cost.ts';
import type { CostForm } from '../../src/models/spec.ts';
import { createRng } from '../../src/random/rng.ts';

const rng = createRng(7);

describe('deterministic cost forms are exact', () => {
  it('a constant ignores n', () => {
    const f = compileCost({ constant: 232 });
    expect([0, 1, 1000].map((n) => f(n, rng))).toEqual([232, 232, 232]);
  });

  it('linear is a + b·n', () => {
    const f = compileCost({ linear: { a: 540, b: 100 } });
    expect([0, 1, 3, 7].map((n) => f(n, rng))).toEqual([540, 640, 840, 1240]);
  });

  it('a table interpolates linearly between points (cost-figures.md §3: 1 page 1276, 33 pages 8534)', () => {
    const f = compileCost({
      table: {
        points: [
          [1, 1276],
          [33, 8534],
        ],
        extrapolate: 'clamp',
      },
    });
    expect(f(1, rng)).toBe(1276);
    expect(f(33, rng)).toBe(8534);
    expect(f(17, rng)).toBe(1276 + (8534 - 1276) / 2); // 4905
  });

  it('a table clamps outside its points by default', () => {
    const f = compileCost({
      table: {
        points: [
          [1, 100],
          [2, 300],
          [4, 400],
        ],
        extrapolate: 'clamp',
      },
    });
    expect([0, 1, 1.5, 2, 3, 4, 9].map((n) => f(n, rng))).toEqual([100, 100, 200, 300, 350, 400, 400]);
  });

  it('a table with linear extrapolation extends its end segments, never below 0', () => {
    const f = compileCost({
      table: {
        points: [
          [1, 100],
          [2, 300],
          [4, 400],
        ],
        extrapolate: 'linear',
      },
    });
    expect([6, 0, -1].map((n) => f(n, rng))).toEqual([500, 0, 0]); // 400 + 2·50; 100 − 200 → 0
  });

  it('a one-point table is a constant', () => {
    const f = compileCost({ table: { points: [[4, 17]], extrapolate: 'linear' } });
    expect([0, 4, 8].map((n) => f(n, rng))).toEqual([17, 17, 17]);
  });
});

/**
 * Sampling tolerance: the sample mean of N draws has standard error sd/√N; we accept |mean − μ| ≤ 4·sd/√N.
 * A correct sampler fails this with probability ≈ 6·10⁻⁵ for a random seed; with the fixed seed below
 * the outcome is deterministic, so the test is never flaky, while a wrong parameterisation (e.g. the
 * lognormal's μ/σ taken as mean/sd, or a biased uniform) misses by far more than 4 standard errors.
 */
const N = 20_000;
function draws(form: CostForm, seed = 42): number[] {
  const f = compileCost(form);
  const r = createRng(seed);
  return Array.from({ length: N }, () => f(0, r));
}
function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function sd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

describe('random cost forms', () => {
  const cases: Array<{ name: string; form: CostForm; mu: number; sigma: number }> = [
    { name: 'normal(232, 20)', form: { normal: { mean: 232, sd: 20 } }, mu: 232, sigma: 20 },
    { name: 'lognormal(mean 232, sd 60)', form: { lognormal: { mean: 232, sd: 60 } }, mu: 232, sigma: 60 },
    { name: 'uniform[200, 260)', form: { uniform: { min: 200, max: 260 } }, mu: 230, sigma: 60 / Math.sqrt(12) },
    { name: 'empirical [230, 232, 240]', form: { empirical: [230, 232, 240] }, mu: 234, sigma: Math.sqrt(56 / 3) },
  ];

  it.each(cases)('$name has the configured mean within 4 standard errors and sd within 5 %', ({ form, mu, sigma }) => {
    const xs = draws(form);
    expect(Math.abs(mean(xs) - mu)).toBeLessThanOrEqual((4 * sigma) / Math.sqrt(N));
    expect(Math.abs(sd(xs) - sigma) / sigma).toBeLessThanOrEqual(0.05);
  });

  it.each(cases)('$name is deterministic under a seed and differs across seeds', ({ form }) => {
    expect(draws(form, 3).slice(0, 100)).toEqual(draws(form, 3).slice(0, 100));
    expect(draws(form, 3).slice(0, 100)).not.toEqual(draws(form, 4).slice(0, 100));
  });

  it('a uniform stays in [min, max) and empirical draws only its samples', () => {
    const u = draws({ uniform: { min: 200, max: 260 } });
    expect(Math.min(...u)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...u)).toBeLessThan(260);
    expect(new Set(draws({ empirical: [230, 232, 240] }))).toEqual(new Set([230, 232, 240]));
  });

  it('a normal never returns a negative cost (negative draws read as 0)', () => {
    const xs = draws({ normal: { mean: 10, sd: 20 } });
    expect(Math.min(...xs)).toBe(0);
    expect(xs.every((x) => x >= 0)).toBe(true);
  });

  it('a sampler has no hidden state: the same RNG state gives the same draw whatever came before', () => {
    const f = compileCost({ normal: { mean: 232, sd: 20 } });
    const warm = createRng(9);
    for (let i = 0; i < 5; i++) f(0, warm); // use the compiled function with another stream first
    expect(f(0, createRng(5))).toBe(compileCost({ normal: { mean: 232, sd: 20 } })(0, createRng(5)));
  });
});
