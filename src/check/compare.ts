import { deriveSeed } from '../random/rng.ts';
import type { Provenance } from '../report/provenance.ts';
import type { Baseline, BaselineProvenance } from './baseline.ts';
import type { ScenarioMeasurement } from './measure.ts';
import { applyRule, relativeChange } from './rules.ts';
import type { Rule } from './scenario.ts';

/**
 * Verdicts of a metric:
 * - pass: the rule accepts the change;
 * - fail: the rule rejects it (a regression);
 * - missing: the metric has no baseline value (new metric; run hmsim check --update) — counts as a failure.
 */
export type Verdict = 'pass' | 'fail' | 'missing';

/** One row of a scenario's table. */
export interface MetricOutcome {
  readonly metric: string;
  readonly rule: Rule;
  /** Baseline value (mean over its replications), or null when missing. */
  readonly baseline: number | null;
  /** Value now (mean over replications). */
  readonly now: number;
  /** Relative change (now − baseline) / |baseline|, or null without a baseline. */
  readonly change: number | null;
  readonly verdict: Verdict;
  /** Why: the rule's figures (tolerance, p-value and effect). */
  readonly reason: string;
}

/** Everything decided about one scenario. */
export interface ScenarioOutcome {
  readonly name: string;
  /** The scenario file, as the user named it. */
  readonly file: string;
  readonly metrics: readonly MetricOutcome[];
  /**
   * Scenario-level failures: no baseline file, an infeasible run. Non-empty means the scenario fails
   * even if every metric passes.
   */
  readonly problems: readonly string[];
  /** Informational differences of provenance (model hash, trace, hmsim version). */
  readonly notes: readonly string[];
  /** True when no problem and every metric passed. */
  readonly pass: boolean;
  /** What was run (shown above a failing or --verbose scenario's table). */
  readonly header?: Provenance;
}

/** Decides every metric of a measured scenario against its baseline (null: no baseline file). */
export function compareScenario(m: ScenarioMeasurement, baseline: Baseline | null, file: string): ScenarioOutcome {
  const problems: string[] = [];
  if (baseline === null) problems.push(`no baseline for scenario '${m.scenario.name}' (create it with hmsim check --update)`);
  for (const why of m.infeasible) problems.push(`infeasible run: ${why}`);
  const metrics: MetricOutcome[] = m.metrics.map((mm) => {
    const rule = mm.watch.rule;
    const b = baseline?.metrics[mm.name];
    if (b === undefined) {
      return { metric: mm.name, rule, baseline: null, now: mm.value, change: null, verdict: 'missing', reason: 'not in baseline' };
    }
    const v = applyRule(
      rule,
      { value: b.value, samples: b.samples ?? null },
      { value: mm.value, samples: mm.samples },
      deriveSeed(m.scenario.seed, 'permutation', mm.name),
    );
    return {
      metric: mm.name,
      rule,
      baseline: b.value,
      now: mm.value,
      change: relativeChange(b.value, mm.value),
      verdict: v.pass ? 'pass' : 'fail',
      reason: v.reason,
    };
  });
  const notes = baseline === null ? [] : provenanceNotes(baseline.provenance, m.provenance);
  const pass = problems.length === 0 && metrics.every((x) => x.verdict === 'pass');
  return { name: m.scenario.name, file, metrics, problems, notes, pass, ...(m.header !== undefined ? { header: m.header } : {}) };
}

/** What differs between the baseline's provenance and this run's (explains a failure; never fails). */
export function provenanceNotes(then: BaselineProvenance, now: BaselineProvenance): string[] {
  const notes: string[] = [];
  const setsChanged = then.sets.join(' ') !== now.sets.join(' ');
  if (then.model.name !== now.model.name) notes.push(`model changed: ${then.model.name} → ${now.model.name}`);
  // A model's hash covers its --set overrides: when they changed, they explain the new hash (the note
  // below names them); only a hash change under the same overrides means the model file changed.
  else if (then.model.hash !== now.model.hash && !setsChanged) {
    notes.push(`model ${now.model.name} changed since the baseline (hash ${short(then.model.hash)} → ${short(now.model.hash)})`);
  }
  const thenTraces = then.traces.map((t) => t.sha256).join(',');
  const nowTraces = now.traces.map((t) => t.sha256).join(',');
  if (thenTraces !== nowTraces) notes.push('trace content differs from the baseline (generator, parameters or seed changed)');
  if (then.seed !== now.seed || then.replications !== now.replications) {
    notes.push(`seed/replications changed: ${then.seed}×${then.replications} → ${now.seed}×${now.replications}`);
  }
  if (setsChanged) notes.push(`overrides: baseline [${then.sets.join(' ')}], now [${now.sets.join(' ')}]`);
  if (then.hmsimVersion !== now.hmsimVersion) notes.push(`hmsim ${then.hmsimVersion} → ${now.hmsimVersion}`);
  return notes;
}

function short(hash: string): string {
  return hash.slice(0, 12) || '(none)';
}
