import { CYCLE_CATEGORIES } from '../result/run-result.ts';
import { csvCell, markdownText } from './escape.ts';
import { hasDeviceTime, isBaseline, replicationsIdentical, type Aggregate } from '../stats/aggregate.ts';
import type { Interval } from '../stats/interval.ts';
import { KEY_COUNTS } from '../stats/key-counts.ts';
import { CATEGORY_LABELS } from './charts/cycles-by-category.ts';
import { formatInt, formatInterval, formatMean, formatPercent, formatSeconds } from './format.ts';

/**
 * Summary tables of an aggregate, as a neutral model (caption, header, rows of text) with two writers:
 * Markdown (summary.md, and the HTML report builds its tables from the same model) and a long-format
 * CSV with every interval (summary.csv).
 */

/** One table: text cells, one alignment per column. */
export interface Table {
  readonly id: string;
  readonly caption: string;
  readonly header: readonly string[];
  readonly align: ReadonlyArray<'left' | 'right'>;
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** The sentence every report states about its statistics. */
export function statisticsNote(agg: Aggregate): string {
  const ns = agg.configs.flatMap((c) => (c.stats ? [c.stats.totalCycles.n] : []));
  const r = ns.length > 0 ? Math.min(...ns) : 0;
  if (r <= 1) return 'One replication per configuration: no confidence intervals (shown as "n/a" in the tables).';
  if (replicationsIdentical(agg)) {
    return (
      `${r} replications per configuration, all identical: the trace is fixed and the model samples no cost, so ` +
      'nothing varied between them and no confidence interval is given (shown as "n/a" in the tables).'
    );
  }
  const range = Math.max(...ns) === r ? `${r}` : `${r}–${Math.max(...ns)}`;
  return (
    `${range} replications per configuration; figures are means with 95% confidence intervals ` +
    '(Student t, n − 1 degrees of freedom). Overheads are paired by seed when both sides ran the same seeds.'
  );
}

/** The tables of a compare report. */
export function summaryTables(agg: Aggregate): Table[] {
  const feasible = agg.configs.flatMap((c) => (c.stats ? [{ config: c.config, stats: c.stats }] : []));
  // With device waits the elapsed time leads (what a run takes); the cycles are the CPUs' work alone.
  const io = hasDeviceTime(agg);
  const header = [
    'configuration',
    'runs',
    ...(io ? ['elapsed (mean)', '95% CI', `elapsed vs ${agg.baseline}`, '95% CI', 'I/O wait, all CPUs (mean)'] : []),
    'total cycles (mean)',
    '95% CI',
    `${io ? 'cycles' : 'overhead'} vs ${agg.baseline}`,
    '95% CI',
  ];
  const totals: Table = {
    id: 'totals',
    caption: io
      ? `Elapsed time (CPU cycles + device waits) and total CPU cycles, relative to ${agg.baseline}`
      : `Total cycles and overhead relative to ${agg.baseline}`,
    header,
    align: header.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows: agg.configs.map((c) => {
      if (!c.stats) return [c.config, String(c.replications), 'infeasible', ...Array<string>(header.length - 3).fill('')];
      const t = c.stats.totalCycles;
      const versus = (o: typeof c.overhead): string[] =>
        isBaseline(agg, c)
          ? ['baseline', '']
          : o
            ? [formatPercent(o.mean), formatInterval(o.lo, o.hi, formatPercent, o.n)]
            : ['n/a', 'n/a'];
      const e = c.stats.elapsedSeconds;
      return [
        c.config,
        String(c.replications),
        ...(io
          ? [
              formatSeconds(e.mean),
              formatInterval(e.lo, e.hi, formatSeconds, e.n),
              ...versus(c.elapsedOverhead),
              formatSeconds(c.stats.ioWaitSeconds.mean),
            ]
          : []),
        formatInt(t.mean),
        formatInterval(t.lo, t.hi, formatInt, t.n),
        ...versus(c.overhead),
      ];
    }),
  };
  const categories = CYCLE_CATEGORIES.filter((cat) => feasible.some((c) => c.stats.breakdown[cat].mean > 0));
  const byCategory: Table = {
    id: 'categories',
    caption: 'Cycles by category (mean; intervals in summary.csv)',
    header: ['category', ...feasible.map((c) => c.config)],
    align: ['left', ...feasible.map(() => 'right' as const)],
    rows: categories.map((cat) => [CATEGORY_LABELS[cat], ...feasible.map((c) => formatInt(c.stats.breakdown[cat].mean))]),
  };
  const counts: Table = {
    id: 'counts',
    caption: 'Event counts (mean; intervals in summary.csv)',
    header: ['count', ...feasible.map((c) => c.config)],
    align: ['left', ...feasible.map(() => 'right' as const)],
    rows: KEY_COUNTS.map((k) => [k, ...feasible.map((c) => formatMean(c.stats.counts[k].mean))]),
  };
  const tables = [totals, byCategory, counts];
  const infeasible = agg.configs.filter((c) => c.infeasible.length > 0);
  if (infeasible.length > 0) {
    tables.push({
      id: 'infeasible',
      caption: 'Configurations the trace cannot run under',
      header: ['configuration', 'reason'],
      align: ['left', 'left'],
      rows: infeasible.flatMap((c) => c.infeasible.map((reason) => [c.config, reason])),
    });
  }
  return tables;
}

/** One table as GitHub-flavoured Markdown (caption as a bold line above it). */
export function tableToMarkdown(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map(markdownText).join(' | ')} |`;
  const rule = `|${table.align.map((a) => (a === 'right' ? '---:' : ':---')).join('|')}|`;
  return [`**${markdownText(table.caption)}**`, '', line(table.header), rule, ...table.rows.map(line)].join('\n');
}

/** summary.md: title, what was run (when given), the statistics note, the tables, then any extra sections (e.g. provenance). */
export function summaryMarkdown(agg: Aggregate, extraSections: readonly string[] = [], header?: Table): string {
  const parts = [
    '# hmsim report',
    '',
    ...(header !== undefined ? [tableToMarkdown(header), ''] : []),
    `Baseline: **${markdownText(agg.baseline)}**. ${statisticsNote(agg)}`,
    '',
    ...summaryTables(agg).flatMap((t) => [tableToMarkdown(t), '']),
    ...extraSections.flatMap((s) => [s, '']),
  ];
  return parts.join('\n').replace(/\n+$/, '\n');
}

/** CSV columns of summary.csv. */
export const CSV_HEADER = ['configuration', 'metric', 'unit', 'n', 'mean', 'sd', 'ci95_lo', 'ci95_hi'] as const;

/**
 * summary.csv, long format: one row per configuration and metric (elapsedSeconds, ioWaitSeconds,
 * totalCycles, cycles.<category>, count.<name>, overheadPercent of the cycles, elapsedOverheadPercent),
 * with n, mean, sd and the 95% interval (empty when there is none).
 */
export function summaryCsv(agg: Aggregate): string {
  const rows: Array<ReadonlyArray<string | number | null>> = [CSV_HEADER];
  const row = (config: string, metric: string, unit: string, iv: Interval) =>
    rows.push([config, metric, unit, iv.n, iv.mean, iv.sd, iv.lo, iv.hi]);
  for (const c of agg.configs) {
    if (!c.stats) {
      rows.push([c.config, 'infeasible', '', 0, null, null, null, null]);
      continue;
    }
    row(c.config, 'elapsedSeconds', 's', c.stats.elapsedSeconds);
    row(c.config, 'ioWaitSeconds', 's', c.stats.ioWaitSeconds);
    row(c.config, 'totalCycles', 'cycles', c.stats.totalCycles);
    for (const cat of CYCLE_CATEGORIES) row(c.config, `cycles.${cat}`, 'cycles', c.stats.breakdown[cat]);
    for (const k of KEY_COUNTS) row(c.config, `count.${k}`, 'events', c.stats.counts[k]);
    if (c.overhead)
      rows.push([
        c.config,
        'overheadPercent',
        `% vs ${c.baseline ?? agg.baseline}`,
        c.overhead.n,
        c.overhead.mean,
        null,
        c.overhead.lo,
        c.overhead.hi,
      ]);
    const e = c.elapsedOverhead;
    if (e) rows.push([c.config, 'elapsedOverheadPercent', `% vs ${c.baseline ?? agg.baseline}`, e.n, e.mean, null, e.lo, e.hi]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
