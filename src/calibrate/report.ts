/**
 * Calibration results as text, Markdown, CSV, JSON and a validation chart (Vega-Lite → SVG, PNG): for
 * every experiment and model, the model's value divided by the published figure, on a log axis, beside
 * the published range (also divided by the figure), so experiments of different units share one axis.
 */
import type { TopLevelSpec } from 'vega-lite';
import { loadVega } from '../report/vega.ts';
import { compileSpec } from '../report/render.ts';
import { figureMetadata } from '../report/figure-files.ts';
import { renderFigure } from '../report/figure-render.ts';
import type { Provenance } from '../report/provenance.ts';
import { theme, type ThemeName } from '../report/theme.ts';
import type { CalibrationResult } from './run.ts';

/** Agreement of a result with what the suite expects for it. */
export function status(r: CalibrationResult): string {
  if (r.within) return r.expected === 'pass' ? 'within' : 'within (expected a miss: update the experiment)';
  return r.expected === 'miss' ? 'outside (known miss)' : 'OUTSIDE';
}

/** True when every result is where the suite expects it (within, or a stated known miss). */
export function asExpected(results: readonly CalibrationResult[]): boolean {
  return results.every((r) => r.within === (r.expected === 'pass'));
}

const num = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

/** Rows: experiment, model, published (range), model value, error, status. */
function rows(results: readonly CalibrationResult[]): string[][] {
  return results.map((r) => [
    r.id,
    r.model,
    `${num(r.published)} (${num(r.low)}–${num(r.high)}) ${r.unit}`,
    num(r.value),
    pct(r.error),
    `${status(r)}${r.independent ? '' : ' [not independent]'}`,
  ]);
}

const HEAD = ['experiment', 'model', 'published (range)', 'model', 'error', 'status'];

/** A plain-text table for the terminal. */
export function calibrationText(results: readonly CalibrationResult[]): string {
  const all = [HEAD, ...rows(results)];
  const w = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => (i === 3 || i === 4 ? c.padStart(w[i]!) : c.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  const within = results.filter((r) => r.within).length;
  return (
    `${[line(HEAD), w.map((n) => '-'.repeat(n)).join('  '), ...rows(results).map(line)].join('\n')}\n\n${within} ` +
    `of ${results.length} within the published ` +
    `range; ${asExpected(results) ? 'every result as the suite expects' : 'SOME RESULTS DIFFER FROM WHAT THE SUITE EXPECTS'}\n`
  );
}

/** A Markdown report: the table and each experiment's source and how the value was obtained. */
export function calibrationMarkdown(results: readonly CalibrationResult[]): string {
  const esc = (s: string): string => s.replaceAll('|', '\\|');
  const out = [
    '# Calibration: published experiments vs the cost models',
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
  ];
  for (const r of rows(results)) out.push(`| ${r.map(esc).join(' | ')} |`);
  out.push('', '## Sources and method', '');
  for (const r of results) out.push(`- **${r.id}** (${r.model}): ${r.title}. Source: ${r.source}. Model value: ${r.how}.`);
  out.push('', '"not independent": a model value was derived from this figure (the experiment checks consistency, not validity).', '');
  return out.join('\n');
}

/** CSV of the results. */
export function calibrationCsv(results: readonly CalibrationResult[]): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = ['experiment,model,unit,published,low,high,model_value,error,within,expected,independent'];
  for (const r of results)
    lines.push([r.id, r.model, q(r.unit), r.published, r.low, r.high, r.value, r.error, r.within, r.expected, r.independent].join(','));
  return `${lines.join('\n')}\n`;
}

const AXIS_MIN = 0.05;
const AXIS_MAX = 20;

/** The validation chart: model ÷ published per experiment and model, with the published range (`themeName` styles it). */
export function calibrationChart(results: readonly CalibrationResult[], themeName: ThemeName = 'default'): TopLevelSpec {
  const t = theme(themeName);
  const paper = themeName === 'paper';
  const values = results.map((r) => ({
    label: `${r.id} · ${r.model}`,
    // A log axis: a range from 0 (or a value at or below 0) is drawn from the axis' left end.
    low: Math.max(r.low / r.published, AXIS_MIN),
    high: Math.min(r.high / r.published, AXIS_MAX),
    ratio: Math.min(Math.max(r.value / r.published, AXIS_MIN), AXIS_MAX),
    status: r.within ? 'within range' : 'outside range',
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Cost models against published experiments', subtitle: 'model ÷ published figure; bar: the published range' },
    data: { values },
    width: paper ? t.width : 420,
    height: { step: paper ? t.band : 18 },
    encoding: { y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: paper ? 200 : 420 } } },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 6, opacity: 0.35, color: '#4c78a8' },
        encoding: {
          x: {
            field: 'low',
            type: 'quantitative',
            scale: { type: 'log', domain: [AXIS_MIN, AXIS_MAX], clamp: true, nice: false },
            title: 'model ÷ published (log scale)',
          },
          x2: { field: 'high' },
        },
      },
      { mark: { type: 'tick', color: '#4c78a8', thickness: 2 }, encoding: { x: { datum: 1, type: 'quantitative' } } },
      {
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'ratio', type: 'quantitative' },
          color: {
            field: 'status',
            type: 'nominal',
            scale: { domain: ['within range', 'outside range'], range: ['#2ca02c', '#d62728'] },
            title: null,
          },
          shape: {
            field: 'status',
            type: 'nominal',
            scale: { domain: ['within range', 'outside range'], range: ['circle', 'diamond'] },
            title: null,
          },
        },
      },
    ],
    config: t.config,
  } as TopLevelSpec;
}

/** The caption of the chart (HTML-free: it goes into the SVG, PNG and PDF metadata too). */
const CALIBRATION_CAPTION =
  'For every experiment and model, the model value divided by the published figure (dot; green within the published ' +
  'range, red outside), on a log axis, with the published range divided by the same figure (bar) and 1 marked.';

/**
 * Every file of a calibration report: Markdown, CSV, JSON, the chart as Vega-Lite, and the figure as SVG,
 * PNG and PDF, each carrying `provenance` inside it (src/report/figure-files.ts).
 */
export async function calibrationFiles(
  results: readonly CalibrationResult[],
  provenance: Provenance,
  themeName: ThemeName = 'default',
): Promise<Map<string, string | Uint8Array>> {
  await loadVega();
  const spec = calibrationChart(results, themeName);
  compileSpec(spec);
  const meta = figureMetadata('Cost models against published experiments', CALIBRATION_CAPTION, provenance);
  const figure = await renderFigure({ spec, meta, formats: ['svg', 'png', 'pdf'] });
  const files = new Map<string, string | Uint8Array>();
  files.set('calibration.md', calibrationMarkdown(results));
  files.set('calibration.csv', calibrationCsv(results));
  files.set('calibration.json', `${JSON.stringify({ format: 'hmsim-calibration', version: 1, results }, null, 2)}\n`);
  files.set('calibration.vl.json', `${JSON.stringify(spec, null, 2)}\n`);
  for (const format of ['svg', 'png', 'pdf'] as const) {
    const file = figure[format];
    if (file === undefined) throw new Error(`calibration: no ${format.toUpperCase()} was rendered`);
    files.set(`calibration.${format}`, file);
  }
  return files;
}
