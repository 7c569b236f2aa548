import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/rng.ts';
import { permutationTest } from '../../src/stats/permutation.ts';
import { welchTTest } from '../../src/stats/welch.ts';

describe("Welch's t-test", () => {
  it('reproduces the worked example of Wikipedia "Welch\'s t-test" (t = -2.46, df = 25.0, p = 0.021)', () => {
    // Example 2 of https://en.wikipedia.org/wiki/Welch%27s_t-test; scipy.stats.ttest_ind(equal_var=False)
    // gives t = -2.455356398286006, df = 24.988529290231416, p = 0.021378001462866992.
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welchTTest(a1, a2);
    expect(r.t).toBeCloseTo(-2.455356398286006, 10);
    expect(r.df).toBeCloseTo(24.988529290231416, 8);
    expect(r.p).toBeCloseTo(0.021378001462866992, 10);
  });

  it('handles unequal sizes and variances like scipy (t = -1.9696, df = 8.84, p = 0.08098)', () => {
    // scipy.stats.ttest_ind([1,2,3,4,5], [2.5,3.1,4.8,5.9,7.2,8.1], equal_var=False)
    const r = welchTTest([1, 2, 3, 4, 5], [2.5, 3.1, 4.8, 5.9, 7.2, 8.1]);
    expect(r.t).toBeCloseTo(-1.9695671176358727, 10);
    expect(r.df).toBeCloseTo(8.839638218266021, 8);
    expect(r.p).toBeCloseTo(0.08097866164640581, 10);
  });

  it('gives p = 1 for identical constant samples and p = 0 for different constant samples', () => {
    expect(welchTTest([5, 5, 5], [5, 5]).p).toBe(1);
    const r = welchTTest([5, 5, 5], [6, 6]);
    expect(r.p).toBe(0);
    expect(r.t).toBe(-Infinity);
  });

  it('refuses samples of fewer than two values', () => {
    expect(() => welchTTest([1], [1, 2])).toThrow(/at least 2/);
  });
});

describe('permutation test', () => {
  it('enumerates every relabelling of small samples: [1,2,3] vs [4,5,6] has p = 2/20', () => {
    // Only the observed split and its mirror image reach |mean difference| = 3 among C(6,3) = 20.
    const r = permutationTest([1, 2, 3], [4, 5, 6], createRng(1));
    expect(r.exact).toBe(true);
    expect(r.permutations).toBe(20);
    expect(r.p).toBeCloseTo(0.1, 12);
    expect(r.difference).toBe(-3);
  });

  it('gives p = 1 when the samples are the same values', () => {
    expect(permutationTest([3, 3, 3], [3, 3, 3], createRng(1)).p).toBe(1);
  });

  it('samples relabellings of large samples deterministically under a seed', () => {
    const x = Array.from({ length: 20 }, (_, i) => i);
    const y = Array.from({ length: 20 }, (_, i) => i + 0.5);
    const a = permutationTest(x, y, createRng(7), 2000);
    const b = permutationTest(x, y, createRng(7), 2000);
    expect(a.exact).toBe(false);
    expect(a.p).toBe(b.p);
    expect(a.p).toBeGreaterThan(0.5); // a shift of 0.5 against a spread of ~6 is noise
    const far = permutationTest(
      x,
      x.map((v) => v + 30),
      createRng(7),
      2000,
    );
    expect(far.p).toBeCloseTo(1 / 2001, 12);
  });
});
