import { BASELINE_FORMAT, type Baseline } from './baseline.ts';
import type { ScenarioMeasurement } from './measure.ts';
import { provenanceNotes } from './compare.ts';
import { formatNumber, formatPercent, relativeChange } from './rules.ts';

/**
 * The baseline a measurement makes: every metric's mean; the replication samples too for metrics under
 * a statistical rule (they are what the test compares against).
 */
export function baselineFromMeasurement(m: ScenarioMeasurement): Baseline {
  const metrics: Record<string, { value: number; samples?: readonly number[] }> = {};
  for (const mm of m.metrics) {
    metrics[mm.name] = mm.watch.rule.kind === 'statistical' ? { value: mm.value, samples: mm.samples } : { value: mm.value };
  }
  return { format: BASELINE_FORMAT, scenario: m.scenario.name, provenance: m.provenance, metrics };
}

/** What an update changes in a baseline, one line per change; empty when nothing changed. */
export function describeBaselineChange(old: Baseline | null, next: Baseline): string[] {
  if (old === null) return [`new baseline (${Object.keys(next.metrics).length} metrics)`];
  const lines: string[] = [];
  for (const [name, m] of Object.entries(next.metrics)) {
    const o = old.metrics[name];
    if (o === undefined) lines.push(`+ ${name} = ${formatNumber(m.value)}`);
    else if (o.value !== m.value) {
      lines.push(`~ ${name}: ${formatNumber(o.value)} → ${formatNumber(m.value)} (${signed(relativeChange(o.value, m.value))})`);
    } else if (JSON.stringify(o.samples ?? null) !== JSON.stringify(m.samples ?? null)) {
      lines.push(`~ ${name}: samples changed`);
    }
  }
  for (const name of Object.keys(old.metrics)) if (!(name in next.metrics)) lines.push(`- ${name} (no longer watched)`);
  if (JSON.stringify(old.provenance) !== JSON.stringify(next.provenance)) {
    const notes = provenanceNotes(old.provenance, next.provenance);
    if (notes.length === 0) lines.push('~ provenance updated');
    for (const n of notes) lines.push(`~ provenance: ${n}`);
  }
  return lines;
}

function signed(f: number): string {
  return (f > 0 ? '+' : '') + formatPercent(f);
}
