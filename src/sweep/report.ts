/**
 * The sweep report: the compare report of src/report over every grid cell (each cell is a
 * "configuration" named by its label), plus the sweep's own pieces:
 *
 *   finished points ──(1) relabel runs by cell──► buildCompareReport (+ sweep charts) ──► files
 *        └──(2) sweepCells──► (3) sweep charts: elapsed time (with device waits), else overhead (or
 *                                 cycles), vs the axis with 95% bands (one axis); heat map (two axes)
 *                             (4) sweep.csv, a sweep table in summary.md, a `sweep` section in summary.json
 *
 * Built only from the spec and the finished points in index order, so an unsharded run and a merge of
 * shards give the same bytes.
 */
import type { FigureRenderer } from '../report/figure-render.ts';
import type { ReportFormat } from '../report/formats.ts';
import type { ReportFiles } from '../report/write.ts';
import { buildCompareReport } from '../report/write.ts';
import { collectProvenance } from '../report/provenance.ts';
import { runHeaderText } from '../report/run-header.ts';
import { loadModel } from '../models/load.ts';
import { sweepHeatmapChart, sweepLineChart, type SweepPoint as ChartPoint } from '../report/charts/sweep-overhead.ts';
import type { ChartEntry } from '../report/charts/chart.ts';
import { tableToMarkdown, type Table } from '../report/tables.ts';
import { csvCell } from '../report/escape.ts';
import { formatInterval, formatMean, formatPercent, formatSeconds } from '../report/format.ts';
import type { Overhead } from '../stats/overhead.ts';
import { theme as makeTheme, type ThemeName } from '../report/theme.ts';
import { loadVega } from '../report/vega.ts';
import { parseSize } from '../units/size.ts';
import { sweepCells, type FinishedPoint, type SweepCell } from './cells.ts';
import { canonicalCommand, specHash, type SweepAxis, type SweepSpec } from './spec.ts';

/**
 * A grid value as a chart number: plain numbers as they are; K/M/G sizes in GiB when every value is at
 * least 1 GiB, else in MiB; anything else stays text.
 */
function axisNumbers(axis: SweepAxis): { title: string; value: (v: string) => number | string } {
  if (axis.values.every((v) => /^-?\d+(\.\d+)?$/.test(v))) return { title: axis.key, value: Number };
  if (axis.values.every((v) => /^\d+(\.\d+)?\s*[KMGT]i?B?$/i.test(v))) {
    const bytes = (v: string): number => parseSize(`--grid ${axis.key}`, v);
    const unit = axis.values.every((v) => bytes(v) >= 2 ** 30) ? 30 : 20;
    return { title: `${axis.key} (${unit === 30 ? 'GiB' : 'MiB'})`, value: (v) => bytes(v) / 2 ** unit };
  }
  return { title: axis.key, value: (v) => v };
}

/**
 * The one baseline of a sweep report with two or more configurations: each cell against the first
 * configuration's cell at the same grid values — the sweep table, chart 7 and sweep.csv (sweepCells) as
 * well as the compare tables, summary.csv and chart 2 (aggregate `baselines`). `label` names it
 * ("3g1g-highmem at the same ram"); null with one configuration (cells are then compared with the first
 * cell, and the sweep table shows no overhead).
 */
export function sweepBaselines(spec: SweepSpec, cells: readonly SweepCell[]): { label: string; byCell: Map<string, string> } | null {
  const first = cells[0]?.config;
  if (first === undefined || new Set(cells.map((c) => c.config)).size < 2) return null;
  const key = (c: SweepCell): string => JSON.stringify(spec.axes.map((a) => c.coords[a.key] ?? ''));
  const base = new Map<string, string>();
  for (const c of cells) if (c.config === first && !base.has(key(c))) base.set(key(c), c.cell);
  const byCell = new Map<string, string>();
  for (const c of cells) {
    const b = base.get(key(c));
    if (b !== undefined) byCell.set(c.cell, b);
  }
  const keys = spec.axes.map((a) => a.key);
  return { label: keys.length === 0 ? first : `${first} at the same ${keys.join(' and ')}`, byCell };
}

/** True when some cell's runs waited on a device: the sweep's table and chart then lead with elapsed time. */
function cellsHaveDeviceTime(cells: readonly SweepCell[]): boolean {
  return cells.some((c) => c.ioWaitSeconds !== null && c.ioWaitSeconds.mean > 0);
}

/**
 * The measure of the sweep charts. With device waits, the elapsed time of every cell, one line (or heat
 * map) per configuration: what a capacity planner reads off a sweep over `ram` (more RAM, fewer device
 * reads, less time), absolute so that the baseline's own gain shows too. Without, the CPU cycles'
 * overhead vs the first configuration, or total cycles with one configuration.
 */
function chartPoints(spec: SweepSpec, cells: readonly SweepCell[]): { points: ChartPoint[]; measure: string; titles: string[] } {
  const multi = new Set(cells.map((c) => c.config)).size > 1;
  const io = cellsHaveDeviceTime(cells);
  const conv = spec.axes.map(axisNumbers);
  const points: ChartPoint[] = [];
  for (const c of cells) {
    const params: Record<string, number | string> = {};
    spec.axes.forEach((a, i) => {
      params[(conv[i] as { title: string }).title] = (conv[i] as { value: (v: string) => number | string }).value(
        c.coords[a.key] as string,
      );
    });
    if (io) {
      const e = c.elapsedSeconds;
      if (e !== null) points.push({ params, config: c.config, mean: e.mean, lo: e.lo, hi: e.hi, n: e.n });
    } else if (multi) {
      if (c.overhead !== null)
        points.push({ params, config: c.config, mean: c.overhead.mean, lo: c.overhead.lo, hi: c.overhead.hi, n: c.overhead.n });
    } else if (c.totalCycles !== null) {
      points.push({ params, config: c.config, mean: c.totalCycles.mean, lo: c.totalCycles.lo, hi: c.totalCycles.hi, n: c.totalCycles.n });
    }
  }
  const label = sweepBaselines(spec, cells)?.label ?? '';
  const measure = io ? 'elapsed time (s: CPU cycles + device waits)' : multi ? `overhead vs ${label} (%)` : 'total cycles';
  return { points, measure, titles: conv.map((c) => c.title) };
}

/** The sweep charts: a line chart with CI bands for a one-axis grid, a heat map for a two-axis grid. */
export function sweepCharts(spec: SweepSpec, cells: readonly SweepCell[], themeName: ThemeName = 'default'): ChartEntry[] {
  const theme = makeTheme(themeName);
  const { points, measure, titles } = chartPoints(spec, cells);
  if (titles.length === 1) {
    const t = titles[0] as string;
    return [{ ...sweepLineChart(points, t, theme, { id: 'sweep', title: `${measure} vs ${t}`, measure }), id: '7-sweep' }];
  }
  if (titles.length === 2) {
    const [x, y] = titles as [string, string];
    return [
      {
        ...sweepHeatmapChart(points, x, y, theme, { id: 'sweep-heatmap', title: `${measure} over ${x} × ${y}`, measure }),
        id: '7-sweep-heatmap',
      },
    ];
  }
  return [];
}

/** sweep.csv: one row per cell (the elapsed-time columns after the cycles', so older readers' columns stay where they were). */
export function sweepCsv(spec: SweepSpec, cells: readonly SweepCell[]): string {
  const header = [
    'configuration',
    ...spec.axes.map((a) => a.key),
    'replications',
    'feasible',
    'cycles_mean',
    'cycles_ci95_lo',
    'cycles_ci95_hi',
    'overhead_pct_mean',
    'overhead_pct_ci95_lo',
    'overhead_pct_ci95_hi',
    'elapsed_s_mean',
    'elapsed_s_ci95_lo',
    'elapsed_s_ci95_hi',
    'elapsed_overhead_pct_mean',
    'elapsed_overhead_pct_ci95_lo',
    'elapsed_overhead_pct_ci95_hi',
    'io_wait_s_mean',
  ];
  const rows = cells.map((c) => [
    c.config,
    ...spec.axes.map((a) => c.coords[a.key] ?? ''),
    c.replications,
    c.feasible ? 'yes' : 'no',
    c.totalCycles?.mean ?? null,
    c.totalCycles?.lo ?? null,
    c.totalCycles?.hi ?? null,
    c.overhead?.mean ?? null,
    c.overhead?.lo ?? null,
    c.overhead?.hi ?? null,
    c.elapsedSeconds?.mean ?? null,
    c.elapsedSeconds?.lo ?? null,
    c.elapsedSeconds?.hi ?? null,
    c.elapsedOverhead?.mean ?? null,
    c.elapsedOverhead?.lo ?? null,
    c.elapsedOverhead?.hi ?? null,
    c.ioWaitSeconds?.mean ?? null,
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** The sweep table (Markdown and stdout): elapsed time first when the runs waited on a device, then CPU cycles. */
export function sweepTable(spec: SweepSpec, cells: readonly SweepCell[]): Table {
  const multi = new Set(cells.map((c) => c.config)).size > 1;
  const io = cellsHaveDeviceTime(cells);
  const base = sweepBaselines(spec, cells)?.label ?? '';
  const versus = (o: Overhead | null): string[] =>
    multi ? [o === null ? '' : formatPercent(o.mean), o === null ? '' : formatInterval(o.lo, o.hi, formatPercent, o.n)] : [];
  const reps = `${spec.replications} replication${spec.replications === 1 ? '' : 's'}`;
  const header = [
    'configuration',
    ...spec.axes.map((a) => a.key),
    ...(io ? ['elapsed', '95% CI', ...(multi ? [`elapsed vs ${base}`, '95% CI'] : []), 'I/O wait, all CPUs'] : []),
    'total cycles',
    '95% CI',
    ...(multi ? [`${io ? 'cycles' : 'overhead'} vs ${base}`, '95% CI'] : []),
    'RAM installed / usable / lost MB',
  ];
  return {
    id: 'sweep',
    caption: `Sweep: ${cells.length} cells × ${reps}${io ? ' (elapsed time = CPU cycles + device waits; cycles are CPU cycles only)' : ''}`,
    header,
    align: header.map((_, i) => (i === 0 ? 'left' : 'right')),
    rows: cells.map((c) => [
      c.config,
      ...spec.axes.map((a) => c.coords[a.key] ?? ''),
      ...(io
        ? [
            c.elapsedSeconds === null ? 'infeasible' : formatSeconds(c.elapsedSeconds.mean),
            c.elapsedSeconds === null ? '' : formatInterval(c.elapsedSeconds.lo, c.elapsedSeconds.hi, formatSeconds, c.elapsedSeconds.n),
            ...versus(c.elapsedOverhead),
            c.ioWaitSeconds === null ? '' : formatSeconds(c.ioWaitSeconds.mean),
          ]
        : []),
      c.totalCycles === null ? 'infeasible' : formatMean(c.totalCycles.mean),
      c.totalCycles === null ? '' : formatInterval(c.totalCycles.lo, c.totalCycles.hi, formatMean, c.totalCycles.n),
      ...versus(c.overhead),
      c.ram === null
        ? ''
        : [c.ram.installedBytes, c.ram.usableBytes, c.ram.lostBytes].map((b) => Number((b / 2 ** 20).toFixed(1))).join(' / '),
    ]),
  };
}

/** Every file of the sweep report (everything but sweep.json and points/). */
export async function buildSweepReport(
  spec: SweepSpec,
  finished: readonly FinishedPoint[],
  gitCommit: string | null,
  options: { theme?: ThemeName; formats?: readonly ReportFormat[]; renderFigure?: FigureRenderer } = {},
): Promise<{ files: ReportFiles; cells: SweepCell[]; header: string }> {
  const themeName = options.theme ?? 'default';
  await loadVega();
  // (1)
  const runs = finished.map((f) => ({ ...f.result, configName: f.cell }));
  const model = await loadModel(spec.model, spec.modelSets);
  const provenance = collectProvenance(runs, {
    command: canonicalCommand(spec),
    seed: spec.seed,
    replications: spec.replications,
    gitCommit,
    // A model key on the grid is an override too, one value per cell: said as swept, not hidden.
    modelOverrides: [
      ...spec.modelSets,
      ...spec.axes.filter((a) => a.kind === 'model').map((a) => `${a.key}=${a.values.join('|')} (swept)`),
    ],
    clockGHz: model.clockGHz,
  });
  // (2)
  const cells = sweepCells(finished);
  // (3) One baseline throughout: with two or more configurations, the first one's cell at the same grid values.
  const baselines = sweepBaselines(spec, cells);
  const files = await buildCompareReport(
    {
      baseline: baselines?.label ?? runs[0]?.configName ?? '',
      ...(baselines !== null ? { baselines: baselines.byCell } : {}),
      runs,
      provenance,
      extraCharts: sweepCharts(spec, cells, themeName),
    },
    {
      theme: themeName,
      ...(options.formats !== undefined ? { formats: options.formats } : {}),
      ...(options.renderFigure !== undefined ? { renderFigure: options.renderFigure } : {}),
    },
  );
  // (4)
  files.set('sweep.csv', sweepCsv(spec, cells));
  const md = files.get('summary.md');
  files.set('summary.md', `${typeof md === 'string' ? md : ''}\n${tableToMarkdown(sweepTable(spec, cells))}\n`);
  const summary = JSON.parse(String(files.get('summary.json'))) as Record<string, unknown>;
  summary['sweep'] = { specHash: specHash(spec), spec, cells };
  files.set('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  return { files, cells, header: runHeaderText(provenance, baselines?.byCell) };
}
