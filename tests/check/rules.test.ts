import { describe, expect, it } from 'vitest';
import { applyRule, formatPercent, relativeChange } from '../../src/check/rules.ts';

const one = (value: number) => ({ value, samples: [value] });
const many = (samples: number[]) => ({ value: samples.reduce((s, v) => s + v, 0) / samples.length, samples });

describe('check rules', () => {
  it('exact passes only on equality', () => {
    expect(applyRule({ kind: 'exact' }, one(10), one(10), 1).pass).toBe(true);
    expect(applyRule({ kind: 'exact' }, one(10), one(10.000001), 1).pass).toBe(false);
  });

  it('relative fails beyond the tolerance fraction, either direction', () => {
    const rule = { kind: 'relative', tolerance: 0.05 } as const;
    expect(applyRule(rule, one(100), one(105), 1).pass).toBe(true);
    expect(applyRule(rule, one(100), one(105.1), 1).pass).toBe(false);
    expect(applyRule(rule, one(100), one(94.9), 1).pass).toBe(false);
    expect(applyRule(rule, one(100), one(105.1), 1).reason).toBe('|Δ| 5.1% > 5%');
  });

  it('relative treats a zero baseline as unchangeable', () => {
    const rule = { kind: 'relative', tolerance: 0.5 } as const;
    expect(applyRule(rule, one(0), one(0), 1).pass).toBe(true);
    expect(applyRule(rule, one(0), one(1), 1).pass).toBe(false);
  });

  it('absolute fails beyond the tolerance in the metric unit', () => {
    const rule = { kind: 'absolute', tolerance: 2 } as const;
    expect(applyRule(rule, one(10), one(12), 1).pass).toBe(true);
    expect(applyRule(rule, one(10), one(7.5), 1).pass).toBe(false);
  });

  it('statistical fails only when significant AND larger than the minimum effect', () => {
    const rule = { kind: 'statistical', test: 'welch', alpha: 0.01, minEffect: 0.02 } as const;
    const base = many([100, 101, 99, 100.5, 99.5]);
    // significant and 10% → fail
    expect(applyRule(rule, base, many([110, 111, 109, 110.5, 109.5]), 1).pass).toBe(false);
    // significant but only 1% → pass (too small to matter)
    expect(applyRule(rule, base, many([101, 102, 100, 101.5, 100.5]), 1).pass).toBe(true);
    // 5% but drowned in noise → pass (not significant)
    expect(applyRule(rule, base, many([60, 150, 80, 140, 95]), 1).pass).toBe(true);
  });

  it('statistical with the permutation test rejects a clear shift', () => {
    const rule = { kind: 'statistical', test: 'permutation', alpha: 0.05, minEffect: 0.02 } as const;
    const v = applyRule(rule, many([100, 101, 99, 100.5, 99.5]), many([110, 111, 109, 110.5, 109.5]), 1);
    expect(v.pass).toBe(false);
    expect(v.reason).toMatch(/^perm\. p=0\.00794 < 0\.05, effect 10% > 2%$/); // 2 of C(10,5) = 252
  });

  it('statistical needs the baseline samples', () => {
    const rule = { kind: 'statistical', test: 'welch', alpha: 0.01, minEffect: 0.02 } as const;
    expect(applyRule(rule, { value: 100, samples: null }, many([100, 100]), 1)).toEqual({
      pass: false,
      reason: 'baseline has no replication samples (run hmsim check --update)',
    });
  });

  it('relative change and percentages read naturally', () => {
    expect(relativeChange(200, 220)).toBeCloseTo(0.1, 12);
    expect(relativeChange(0, 1)).toBe(Infinity);
    expect(formatPercent(0.1)).toBe('10%');
    expect(formatPercent(0.001234)).toBe('0.123%');
  });
});
