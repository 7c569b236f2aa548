import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/stats/aggregate.ts';
import { overheadVsBaseline } from '../../src/stats/overhead.ts';
import { fixtureRun, fixtureRuns } from '../report/fixtures.ts';
import type { RunResult } from '../../src/result/run-result.ts';

describe('aggregate', () => {
  const runs = fixtureRuns(['3g1g-highmem', '2g2g-highmem', '4g4g'], 1, 3);

  it('keeps configurations in the order of their first run and counts replications', () => {
    const agg = aggregate(runs, { baseline: '3g1g-highmem' });
    expect(agg.configs.map((c) => [c.config, c.replications])).toEqual([
      ['3g1g-highmem', 3],
      ['2g2g-highmem', 3],
      ['4g4g', 3],
    ]);
    expect(agg.confidenceLevel).toBe(0.95);
  });

  it('gives the mean of total cycles and of each category over replications', () => {
    const agg = aggregate(runs);
    const c = agg.configs[1]!;
    const mine = runs.filter((r) => r.configName === '2g2g-highmem');
    expect(c.stats!.totalCycles.mean).toBeCloseTo(mine.reduce((s, r) => s + r.cycles.total, 0) / 3, 6);
    expect(c.stats!.breakdown.kmap.mean).toBeCloseTo(mine.reduce((s, r) => s + r.cycles.breakdown.kmap, 0) / 3, 6);
    expect(c.stats!.counts.kmapPkmap.mean).toBe(41_000);
  });

  it('pairs overhead by seed: the baseline is exactly 0 and others are the mean per-seed ratio', () => {
    const agg = aggregate(runs, { baseline: '3g1g-highmem' });
    const base = agg.configs[0]!.overhead!;
    // Every seed's overhead against itself is exactly 0: identical values, no interval.
    expect(base).toEqual({ method: 'paired', n: 3, mean: 0, lo: null, hi: null });
    const b = runs.filter((r) => r.configName === '3g1g-highmem');
    const o = runs.filter((r) => r.configName === '4g4g');
    const per = o.map((r, i) => 100 * (r.cycles.total / b[i]!.cycles.total - 1));
    const m = (per[0]! + per[1]! + per[2]!) / 3;
    const sd = Math.sqrt(per.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
    const got = agg.configs[2]!.overhead!;
    expect(got.method).toBe('paired');
    expect(got.mean).toBeCloseTo(m, 9);
    expect(got.hi! - got.mean).toBeCloseTo((4.30265273 * sd) / Math.sqrt(3), 6);
  });

  it('uses the delta method when seeds differ (hand-computed example)', () => {
    // mean 120 vs 100 → +20 %; s_a² = 200, s_b = 0 → relVar = 200 / (2 · 120²) = 1/144;
    // half = 100 · t(0.975, 1) · 1.2 · (1/12) = 12.706205 · 10 = 127.06205.
    const o = overheadVsBaseline(
      [
        { seed: 1, value: 110 },
        { seed: 2, value: 130 },
      ],
      [
        { seed: 3, value: 100 },
        { seed: 4, value: 100 },
      ],
    );
    expect(o.method).toBe('delta');
    expect(o.mean).toBeCloseTo(20, 12);
    expect(o.hi! - o.mean).toBeCloseTo(127.06205, 4);
  });

  it('reports an infeasible configuration without statistics or overhead', () => {
    const bad: RunResult = { ...fixtureRun('4g4g', 9), configName: 'x', feasible: false, infeasible: ['access at 0xc0001000 ≥ TASK_SIZE'] };
    const agg = aggregate([fixtureRun('3g1g-highmem', 9), bad]);
    expect(agg.configs[1]).toMatchObject({
      config: 'x',
      feasible: false,
      stats: null,
      overhead: null,
      infeasible: ['access at 0xc0001000 ≥ TASK_SIZE'],
    });
  });

  it('has no interval with one replication', () => {
    const agg = aggregate(fixtureRuns(['3g1g-highmem', '4g4g'], 5, 1));
    expect(agg.configs[1]!.stats!.totalCycles.lo).toBeNull();
    expect(agg.configs[1]!.overhead!.lo).toBeNull();
  });

  it('is deterministic: the same runs serialize to the same bytes', () => {
    const again = fixtureRuns(['3g1g-highmem', '2g2g-highmem', '4g4g'], 1, 3);
    expect(JSON.stringify(aggregate(again))).toBe(JSON.stringify(aggregate(runs)));
  });
});
