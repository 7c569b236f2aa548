import { describe, expect, it } from 'vitest';
import { checkPathShape, evaluateMetric } from '../../src/check/metric-eval.ts';
import { parseMetricExpr } from '../../src/check/metric-expr.ts';
import { runResultShape } from '../../src/check/run-result-shape.ts';
import type { RunResult } from '../../src/result/run-result.ts';

function result(total: number, invlpg: number, kmap: number): RunResult {
  const r = runResultShape();
  return {
    ...r,
    cycles: {
      total,
      perCpu: [total * 0.75, total * 0.25],
      breakdown: { ...r.cycles.breakdown, compute: total - invlpg - kmap, invlpg, kmap },
    },
    counts: { ...r.counts, invlpg: 7, pkmapFlushes: 2, records: { access: 90, read: 10 } },
  };
}

const eval1 = (text: string, main: RunResult, reference: RunResult | null = null) =>
  evaluateMetric(parseMetricExpr(text, 'w'), { main, reference }, 'w');

describe('metric expressions', () => {
  const main = result(1000, 100, 50);
  const ref = result(800, 80, 0);

  it('reads a dotted path', () => {
    expect(eval1('cycles.total', main)).toEqual([{ name: 'cycles.total', value: 1000 }]);
    expect(eval1('counts.pkmapFlushes', main)).toEqual([{ name: 'counts.pkmapFlushes', value: 2 }]);
    expect(eval1('cycles.perCpu.1', main)).toEqual([{ name: 'cycles.perCpu.1', value: 250 }]);
    expect(eval1('feasible', main)).toEqual([{ name: 'feasible', value: 1 }]);
  });

  it('expands * to every numeric key in RunResult order', () => {
    const all = eval1('cycles.breakdown.*', main);
    expect(all.map((m) => m.name)).toEqual(Object.keys(main.cycles.breakdown).map((k) => `cycles.breakdown.${k}`));
    expect(all.find((m) => m.name === 'cycles.breakdown.invlpg')?.value).toBe(100);
    // objects under * are skipped: counts.kmap and counts.records are not numbers
    expect(eval1('counts.*', main).some((m) => m.name === 'counts.kmap')).toBe(false);
  });

  it('share() divides by cycles.total of the same run', () => {
    expect(eval1('share(cycles.breakdown.invlpg)', main)).toEqual([{ name: 'share(cycles.breakdown.invlpg)', value: 0.1 }]);
  });

  it('overhead() divides by the same path of the reference run', () => {
    expect(eval1('overhead(cycles.total)', main, ref)).toEqual([{ name: 'overhead(cycles.total)', value: 1.25 }]);
    // 50 kmap cycles against none: a new cost shows as Infinity, not as a crash
    expect(eval1('overhead(cycles.breakdown.kmap)', main, ref)[0]?.value).toBe(Infinity);
  });

  it('ratio() divides two paths, optionally of the reference run', () => {
    expect(eval1('ratio(counts.invlpg, counts.pkmapFlushes)', main)[0]?.value).toBe(3.5);
    expect(eval1('ratio(cycles.total, reference.cycles.total)', main, ref)[0]).toEqual({
      name: 'ratio(cycles.total, reference.cycles.total)',
      value: 1.25,
    });
  });

  it('names the missing key and what exists there', () => {
    expect(() => eval1('counts.records.mmap', main)).toThrow(
      "w: 'counts.records.mmap' is not in the RunResult: no 'mmap' in 'counts.records' (keys there: access, read)",
    );
  });

  it('rejects malformed expressions with the accepted forms', () => {
    expect(() => parseMetricExpr('cycles..total', 'f.json: $.watch[0].metric')).toThrow(
      /^f\.json: \$\.watch\[0\]\.metric: 'cycles\.\.total' is not a metric/,
    );
    expect(() => parseMetricExpr('ratio(cycles.total)', 'w')).toThrow(/ratio\(\) takes two paths/);
  });

  it('checks path shapes before any run', () => {
    expect(() => checkPathShape(['cycles', 'totl'], 'w')).toThrow(
      "w: 'cycles.totl' is not in a RunResult: no 'totl' in 'cycles' (expected one of total, perCpu, breakdown)",
    );
    expect(() => checkPathShape(['cycles', 'breakdown'], 'w')).toThrow(/is an object, not a number/);
    expect(() => checkPathShape(['counts', 'records', 'anything'], 'w')).not.toThrow();
    expect(() => checkPathShape(['cycles', 'breakdown', '*'], 'w')).not.toThrow();
  });
});
