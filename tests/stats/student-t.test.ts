import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile } from '../../src/stats/student-t.ts';

// Two-sided 95% critical values t(0.975, df). Source: NIST/SEMATECH e-Handbook of Statistical Methods,
// §1.3.6.7.2 "Critical values of the Student's t distribution" (3 decimals there); the extra digits are
// R's qt(0.975, df).
const TABLE: ReadonlyArray<[number, number]> = [
  [1, 12.706204736],
  [2, 4.30265273],
  [4, 2.776445105],
  [5, 2.570581836],
  [10, 2.228138852],
  [30, 2.042272456],
  [100, 1.983971519],
];

describe('Student t', () => {
  it.each(TABLE)('t(0.975, %i) matches the published critical value', (df, expected) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(expected, 8);
  });

  it('approaches the normal quantile 1.959964 for large df', () => {
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959964, 5);
  });

  it('is symmetric and inverts its CDF', () => {
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 12);
    expect(studentTCdf(studentTQuantile(0.9, 3), 3)).toBeCloseTo(0.9, 12);
    expect(studentTCdf(0, 3)).toBe(0.5);
  });

  it('has the closed-form CDF of df = 1 (Cauchy: 1/2 + atan(t)/π)', () => {
    for (const t of [-3, -0.5, 0.25, 2, 10]) expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
  });

  it('rejects probabilities outside (0, 1)', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be in/);
  });
});
