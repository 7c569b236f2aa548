import { mean } from 'simple-statistics';
import { createRng } from '../random/rng.ts';
import { permutationTest } from '../stats/permutation.ts';
import { welchTTest } from '../stats/welch.ts';
import type { Rule } from './scenario.ts';

/** A metric's values from one side of a comparison. */
export interface Observed {
  /** The mean over replications (the value itself with one replication). */
  readonly value: number;
  /** Per-replication values; null when they were not kept (a baseline of a non-statistical rule). */
  readonly samples: readonly number[] | null;
}

/** What a rule decided: pass or fail, and a short reason shown in the table's verdict column. */
export interface RuleVerdict {
  readonly pass: boolean;
  readonly reason: string;
}

/**
 * Applies a rule to a baseline and a new observation (see `Rule` in scenario.ts for the definitions).
 * `seed` seeds the permutation test's sampling when it cannot enumerate every relabelling.
 */
export function applyRule(rule: Rule, baseline: Observed, now: Observed, seed: number): RuleVerdict {
  const diff = now.value - baseline.value;
  switch (rule.kind) {
    case 'exact':
      return now.value === baseline.value ? { pass: true, reason: 'equal' } : { pass: false, reason: 'differs (exact rule)' };
    case 'absolute': {
      const pass = Math.abs(diff) <= rule.tolerance;
      return { pass, reason: `|Δ| ${formatNumber(Math.abs(diff))} ${pass ? '<=' : '>'} ${formatNumber(rule.tolerance)}` };
    }
    case 'relative': {
      const rel = relativeChange(baseline.value, now.value);
      const pass = Math.abs(rel) <= rule.tolerance;
      return { pass, reason: `|Δ| ${formatPercent(Math.abs(rel))} ${pass ? '<=' : '>'} ${formatPercent(rule.tolerance)}` };
    }
    case 'statistical': {
      if (baseline.samples === null || baseline.samples.length < 2) {
        return { pass: false, reason: 'baseline has no replication samples (run hmsim check --update)' };
      }
      if (now.samples === null || now.samples.length < 2) return { pass: false, reason: 'fewer than 2 replications' };
      const p =
        rule.test === 'welch'
          ? welchTTest(now.samples, baseline.samples).p
          : permutationTest(now.samples, baseline.samples, createRng(seed)).p;
      const effect = Math.abs(relativeChange(mean([...baseline.samples]), mean([...now.samples])));
      const significant = p < rule.alpha;
      const large = effect > rule.minEffect;
      const pass = !(significant && large);
      const test = rule.test === 'welch' ? 'Welch' : 'perm.';
      return {
        pass,
        reason:
          `${test} p=${formatP(p)} ${significant ? '<' : '>='} ${rule.alpha}, ` +
          `effect ${formatPercent(effect)} ${large ? '>' : '<='} ${formatPercent(rule.minEffect)}`,
      };
    }
  }
}

/** (now − baseline) / |baseline|; 0 when both are 0, ±Infinity when only the baseline is 0. */
export function relativeChange(baseline: number, now: number): number {
  if (baseline === 0) return now === 0 ? 0 : now > 0 ? Infinity : -Infinity;
  return (now - baseline) / Math.abs(baseline);
}

/**
 * A number for tables: integers in full, others with 7 significant digits (enough to see a 0.01%
 * change of a cycle count), exponent form only for tiny or huge magnitudes.
 */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a >= 1e15 || a < 1e-4) return v.toPrecision(4);
  return String(Number(v.toPrecision(7)));
}

/** A fraction as a percentage with sensible precision: 0.1234 → "12.3%", 0.0001 → "0.01%". */
export function formatPercent(f: number): string {
  if (!Number.isFinite(f)) return f > 0 ? '∞%' : '-∞%';
  const pct = f * 100;
  const a = Math.abs(pct);
  const digits = a === 0 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : 4;
  return `${Number(pct.toFixed(digits))}%`;
}

function formatP(p: number): string {
  if (p === 0) return '0';
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(3)));
}
