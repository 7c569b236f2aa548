import { describe, expect, it } from 'vitest';
import { meanInterval } from '../../src/stats/interval.ts';
import { quantilesOf } from '../../src/stats/quantiles.ts';
import { replicationSeeds } from '../../src/stats/replications.ts';
import { deriveSeed } from '../../src/random/rng.ts';

describe('meanInterval', () => {
  it('matches a hand-computed 95% interval', () => {
    // [10, 12, 14]: mean 12; deviations −2, 0, 2 → s² = 8/2 = 4, s = 2;
    // t(0.975, 2) = 4.302653 → half width = 4.302653 · 2 / √3 = 4.968275.
    const iv = meanInterval([10, 12, 14]);
    expect(iv.n).toBe(3);
    expect(iv.mean).toBe(12);
    expect(iv.sd).toBe(2);
    expect(iv.halfWidth).toBeCloseTo(4.968275, 6);
    expect(iv.lo).toBeCloseTo(7.031725, 6);
    expect(iv.hi).toBeCloseTo(16.968275, 6);
  });

  it('gives a second hand-computed interval with 4 df', () => {
    // [100, 104, 98, 102, 96]: mean 100; squared deviations 0+16+4+4+16 = 40 → s² = 10;
    // t(0.975, 4) = 2.776445 → half width = 2.776445 · √10 / √5 = 2.776445 · √2 = 3.926486.
    const iv = meanInterval([100, 104, 98, 102, 96]);
    expect(iv.mean).toBe(100);
    expect(iv.halfWidth).toBeCloseTo(3.926486, 5);
  });

  it('has no interval for a single replication', () => {
    expect(meanInterval([42])).toEqual({ n: 1, mean: 42, sd: null, halfWidth: null, lo: null, hi: null });
  });

  it('has no interval (not a zero-width one) when replications agree: nothing varied', () => {
    const iv = meanInterval([5, 5, 5]);
    expect([iv.sd, iv.halfWidth, iv.lo, iv.hi]).toEqual([0, null, null, null]);
  });
});

describe('replicationSeeds', () => {
  it('runs replication 0 with the seed itself and derives seed i ≥ 1 as deriveSeed(seed, "replication", i)', () => {
    expect(replicationSeeds(7, 3)).toEqual([7, deriveSeed(7, 'replication', 1), deriveSeed(7, 'replication', 2)]);
    expect(replicationSeeds(7, 1)).toEqual([7]);
    // More replications never change the earlier ones.
    expect(replicationSeeds(7, 5).slice(0, 3)).toEqual(replicationSeeds(7, 3));
  });

  it('gives distinct seeds and the same list every time', () => {
    const a = replicationSeeds(1, 20);
    expect(new Set(a).size).toBe(20);
    expect(replicationSeeds(1, 20)).toEqual(a);
  });

  it('rejects a replication count below 1', () => {
    expect(() => replicationSeeds(1, 0)).toThrow(/positive integer/);
  });
});

describe('quantilesOf', () => {
  it('summarizes samples with interpolated quantiles', () => {
    // Linear interpolation between order statistics: p90 of [1,2,3,4] is 3 + 0.7·(4 − 3) = 3.7.
    const q = quantilesOf([4, 1, 3, 2]);
    expect(q.count).toBe(4);
    expect(q.mean).toBe(2.5);
    expect(q.p50).toBe(2.5);
    expect(q.p90).toBeCloseTo(3.7, 12);
    expect(q.p99).toBeCloseTo(3.97, 12);
    expect(q.max).toBe(4);
  });

  it('is all zero without samples', () => {
    expect(quantilesOf([])).toEqual({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });
});
