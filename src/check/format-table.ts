import type { MetricOutcome, ScenarioOutcome } from './compare.ts';
import { formatNumber, formatPercent } from './rules.ts';

/** Verdict words as the table shows them. */
const VERDICT_TEXT = { pass: 'pass', fail: 'FAIL', missing: 'FAIL' } as const;

/**
 * The human report: per scenario a header line, a table (metric, baseline, now, change, verdict, why),
 * then its problems and provenance notes; a summary line at the end.
 */
export function formatTables(outcomes: readonly ScenarioOutcome[]): string {
  const out: string[] = [];
  for (const o of outcomes) {
    out.push(`${o.pass ? 'PASS' : 'FAIL'}  ${o.name}  (${o.file})`);
    out.push(...indent(table(o.metrics)));
    for (const p of o.problems) out.push(`  problem: ${p}`);
    for (const n of o.notes) out.push(`  note: ${n}`);
    out.push('');
  }
  out.push(summaryLine(outcomes));
  return out.join('\n') + '\n';
}

/** "12 scenarios, 140 metrics: all pass" / "...: 2 scenarios fail (3 metrics)". */
export function summaryLine(outcomes: readonly ScenarioOutcome[]): string {
  const metrics = outcomes.reduce((n, o) => n + o.metrics.length, 0);
  const failing = outcomes.filter((o) => !o.pass);
  const failedMetrics = outcomes.reduce((n, o) => n + o.metrics.filter((m) => m.verdict !== 'pass').length, 0);
  const head = `${outcomes.length} scenario${outcomes.length === 1 ? '' : 's'}, ${metrics} metric${metrics === 1 ? '' : 's'}`;
  if (failing.length === 0) return `${head}: all pass`;
  return (
    `${head}: ${failing.length} scenario${failing.length === 1 ? '' : 's'} fail (${failedMetrics} metric${failedMetrics === 1 ? '' : 's'}): ` +
    `${failing.map((o) => o.name).join(', ')} (if the change is intended: hmsim check --update, review, commit the baselines)`
  );
}

/** Formats the change column: signed percentage, or "new" without a baseline. */
export function formatChange(m: MetricOutcome): string {
  if (m.change === null) return 'new';
  if (m.change === 0) return '0%';
  return (m.change > 0 ? '+' : '') + formatPercent(m.change);
}

function table(rows: readonly MetricOutcome[]): string[] {
  const header = ['metric', 'baseline', 'now', 'change', 'verdict'];
  const body = rows.map((r) => [
    r.metric,
    r.baseline === null ? '-' : formatNumber(r.baseline),
    formatNumber(r.now),
    formatChange(r),
    `${VERDICT_TEXT[r.verdict]}  ${r.reason}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const right = [false, true, true, true, false];
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)];
}

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `  ${l}`);
}
