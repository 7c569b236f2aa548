import type { MetricOutcome, ScenarioOutcome } from './compare.ts';
import { runHeaderText } from '../report/run-header.ts';
import { formatNumber, formatPercent } from './rules.ts';

/** Verdict words as the table shows them. */
const VERDICT_TEXT = { pass: 'pass', fail: 'FAIL', missing: 'FAIL' } as const;

/** `verbose`: every metric of every scenario; otherwise a passing scenario is one line. */
export interface TableOptions {
  readonly verbose?: boolean;
}

/**
 * The human report: per scenario a header line; for a failing scenario (or with `verbose`) a table
 * (metric, baseline, now, change, verdict, why) of its failing metrics (or of all with `verbose`), then
 * its problems and provenance notes; a summary line at the end. A pass prints one line per scenario
 * (a project's check has hundreds of metrics: the table of a pass is noise).
 */
export function formatTables(outcomes: readonly ScenarioOutcome[], options: TableOptions = {}): string {
  const out: string[] = [];
  for (const o of outcomes) {
    const n = o.metrics.length;
    if (o.pass && options.verbose !== true) {
      out.push(`PASS  ${o.name}  (${o.file}): ${n} metric${n === 1 ? '' : 's'}`);
      for (const note of o.notes) out.push(`  note: ${note}`);
      continue;
    }
    out.push(`${o.pass ? 'PASS' : 'FAIL'}  ${o.name}  (${o.file})`);
    if (o.header !== undefined) out.push(...indent(runHeaderText(o.header).trimEnd().split('\n')));
    const shown = options.verbose === true ? o.metrics : o.metrics.filter((m) => m.verdict !== 'pass');
    if (shown.length > 0) out.push(...indent(table(shown)));
    const hidden = n - shown.length;
    if (hidden > 0) out.push(`  (${hidden} passing metric${hidden === 1 ? '' : 's'} not shown: hmsim check --verbose lists all)`);
    for (const p of o.problems) out.push(`  problem: ${p}`);
    for (const note of o.notes) out.push(`  note: ${note}`);
    out.push('');
  }
  if (out.at(-1) !== '') out.push('');
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
    `${head}: ${failing.length} scenario${failing.length === 1 ? '' : 's'} ` +
    `fail (${failedMetrics} metric${failedMetrics === 1 ? '' : 's'}): ` +
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
