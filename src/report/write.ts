import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Layout } from '../layout/types.ts';
import type { RunResult } from '../result/run-result.ts';
import { assertReplaceableOutput, writeDirAtomic } from '../io/atomic.ts';
import { aggregate, type Aggregate } from '../stats/aggregate.ts';
import { buildCharts } from './charts/index.ts';
import type { ChartEntry } from './charts/chart.ts';
import { figureMetadata } from './figure-files.ts';
import { renderFigure, type FigureRenderer, type FigureRequest, type ImageFormat, type RenderedFigure } from './figure-render.ts';
import { REPORT_FORMATS, type ReportFormat } from './formats.ts';
import { buildHtml } from './html.ts';
import { layoutsOfRuns } from './layouts.ts';
import { provenanceTable, type Provenance } from './provenance.ts';
import { runHeaderTable } from './run-header.ts';
import { compileSpec } from './render.ts';
import { statisticsNote, summaryCsv, summaryMarkdown, summaryTables, tableToMarkdown } from './tables.ts';
import { theme as makeTheme, type ThemeName } from './theme.ts';
import { loadVega } from './vega.ts';

/** What a compare report is made of. */
export interface CompareReportInput {
  /** Name of the baseline configuration (overheads are relative to it); with `baselines`, what they are. */
  readonly baseline: string;
  /** A baseline per configuration (aggregate's `baselines`): a sweep's first configuration at the same grid values. */
  readonly baselines?: ReadonlyMap<string, string>;
  /** All replications of all configurations. */
  readonly runs: readonly RunResult[];
  /** Layouts of the configurations (chart 5, address space); default: recomputed from the runs' configurations. */
  readonly layouts?: readonly Layout[];
  readonly provenance: Provenance;
  /** Charts to add after the standard ones (a sweep's own charts). */
  readonly extraCharts?: readonly ChartEntry[];
}

/** Report options: `--theme`, `--force` and `--formats`. */
export interface ReportOptions {
  readonly theme?: ThemeName;
  /** Files to render (default: every format); summaries and chart specs are always written. */
  readonly formats?: readonly ReportFormat[];
  /** Replace an existing folder even if hmsim did not write it. */
  readonly force?: boolean;
  /**
   * Renders the figures all at once with this (a sweep's worker threads); without it they are rendered
   * one after the other in this thread. Either way each figure's files are the same bytes.
   */
  readonly renderFigure?: FigureRenderer;
}

/** Format tag of summary.json. */
export const SUMMARY_FORMAT = 'hmsim-summary';
/** Version of the summary.json layout (bump the major on incompatible changes). */
export const SUMMARY_VERSION = 1;

/** The content of summary.json: provenance, the aggregate and every RunResult. */
export interface Summary {
  readonly format: typeof SUMMARY_FORMAT;
  readonly version: typeof SUMMARY_VERSION;
  readonly provenance: Provenance;
  readonly aggregate: Aggregate;
  readonly runs: readonly RunResult[];
}

/** summary.json text: deterministic (no time stamps; key order fixed by construction). */
export function summaryJson(summary: Summary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/** Every file of a report, by name, before it is written. */
export type ReportFiles = Map<string, string | Uint8Array>;

/**
 * Builds every file of a compare report in memory:
 *
 *   runs ──(1) aggregate──► Aggregate ──(2) buildCharts──► Vega-Lite specs ──(3) render──► SVG, PNG, PDF (as asked)
 *     │                        └──(4) tables──► summary.md, summary.csv
 *     └───────────────────────────(5) summary.json, index.html (charts + tables + provenance)
 */
export async function buildCompareReport(input: CompareReportInput, options: ReportOptions = {}): Promise<ReportFiles> {
  await loadVega();
  const theme = makeTheme(options.theme ?? 'default');
  // (1)
  const agg = aggregate(input.runs, { baseline: input.baseline, ...(input.baselines !== undefined ? { baselines: input.baselines } : {}) });
  // (2)
  const charts = [
    ...buildCharts({ aggregate: agg, runs: input.runs, layouts: input.layouts ?? layoutsOfRuns(input.runs), theme }),
    ...(input.extraCharts ?? []),
  ];
  // (3) only the formats asked for (PNG and PDF are made from the SVG text)
  const formats = new Set(options.formats ?? REPORT_FORMATS);
  const images = REPORT_FORMATS.filter((f): f is ImageFormat => f !== 'html' && formats.has(f));
  // Without images nothing compiles the specs: compile them here, so a broken chart still fails.
  if (images.length === 0) for (const chart of charts) compileSpec(chart.spec);
  const requests = charts.map((chart) => ({
    spec: chart.spec,
    meta: figureMetadata(chart.title, chart.description, input.provenance),
    formats: images,
  }));
  // On other threads, every figure at once, largest spec (most data to draw) first, so that the
  // slowest figure does not start last; the tables are built here meanwhile.
  let pending: Promise<RenderedFigure[]> | null = null;
  if (images.length > 0 && options.renderFigure !== undefined) {
    const render = options.renderFigure;
    const size = requests.map((r) => JSON.stringify(r.spec).length);
    const order = requests.map((_, i) => i).sort((a, b) => (size[b] as number) - (size[a] as number) || a - b);
    pending = Promise.all(order.map((i) => render(requests[i] as FigureRequest))).then((done) => {
      const byChart: RenderedFigure[] = [];
      order.forEach((i, k) => {
        byChart[i] = done[k] as RenderedFigure;
      });
      return byChart;
    });
    // Awaited below; a failure before that must not be an unhandled rejection.
    pending.catch(() => undefined);
  }
  // (4)
  const provenance = provenanceTable(input.provenance);
  const header = runHeaderTable(input.provenance, input.baselines);
  const markdown = summaryMarkdown(agg, [tableToMarkdown(provenance)], header);
  const csv = summaryCsv(agg);
  // (5)
  const json = summaryJson({
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    provenance: input.provenance,
    aggregate: agg,
    runs: input.runs,
  });
  const html = !formats.has('html')
    ? null
    : buildHtml({
        title: `hmsim report: ${agg.configs.map((c) => c.config).join(' vs ')}`,
        intro: [`Baseline: ${agg.baseline}.`, statisticsNote(agg)],
        charts,
        header,
        tables: summaryTables(agg),
        provenance,
        theme: theme.name,
        images,
      });
  // (3) in this thread, one figure after the other
  const rendered: RenderedFigure[] = pending !== null ? await pending : [];
  if (pending === null && images.length > 0) for (const r of requests) rendered.push(await renderFigure(r));
  const files: ReportFiles = new Map();
  charts.forEach((chart, i) => {
    files.set(`${chart.id}.vl.json`, `${JSON.stringify(chart.spec, null, 2)}\n`);
    const figure = rendered[i];
    if (figure?.svg !== undefined) files.set(`${chart.id}.svg`, figure.svg);
    if (figure?.png !== undefined) files.set(`${chart.id}.png`, figure.png);
    if (figure?.pdf !== undefined) files.set(`${chart.id}.pdf`, figure.pdf);
  });
  files.set('summary.md', markdown);
  files.set('summary.csv', csv);
  files.set('summary.json', json);
  if (html !== null) files.set('index.html', html);
  return files;
}

/**
 * Writes a compare report into `outDir`, atomically: everything is built first, written into a
 * temporary sibling folder, then renamed into place, so an interrupted run leaves either the previous
 * report or the complete new one. An existing folder hmsim did not write is refused unless `force`.
 */
export async function writeCompareReport(outDir: string, input: CompareReportInput, options: ReportOptions = {}): Promise<void> {
  // Refuse a foreign folder before the (slow) rendering, not after it.
  await assertReplaceableOutput(outDir, options.force ?? false);
  const files = await buildCompareReport(input, options);
  await writeDirAtomic(
    outDir,
    async (tmp) => {
      for (const [name, data] of files) await writeFile(join(tmp, name), data);
    },
    { force: options.force ?? false },
  );
}
