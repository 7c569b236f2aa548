import type { TopLevelSpec } from 'vega-lite';
import type { Theme } from '../theme.ts';
import { VEGA_LITE_SCHEMA, messageSpec, siAxis, type ChartEntry } from './chart.ts';

/**
 * One point of a sweep table: the swept parameter values, the configuration, and a measured mean with
 * its 95% confidence interval (lo/hi null when there is no interval, e.g. one replication).
 */
export interface SweepPoint {
  readonly params: Readonly<Record<string, number | string>>;
  readonly config: string;
  readonly mean: number;
  readonly lo: number | null;
  readonly hi: number | null;
  /** Replications behind the mean (default 1); two or more without an interval were identical. */
  readonly n?: number;
}

/** What a sweep chart shows and how to label it. */
export interface SweepChartOptions {
  /** File base name and HTML anchor. */
  readonly id: string;
  readonly title: string;
  /** Axis title of the measure, with its unit, e.g. "overhead vs 3g1g-highmem (%)". */
  readonly measure: string;
  /** Default: one sentence generated from the parameter and the measure. */
  readonly description?: string;
}

/**
 * Overhead (or any measure) against one swept numeric parameter: a line per configuration through the
 * means, with the 95% confidence band shaded around it. Points without an interval have no band.
 */
export function sweepLineChart(points: readonly SweepPoint[], param: string, theme: Theme, options: SweepChartOptions): ChartEntry {
  const description =
    options.description ??
    `${options.measure} as ${param} varies, one line per configuration; where points ` +
      `have several replications, the shaded band is the 95% confidence interval.`;
  // RAM sizes are bytes in the grid; the axis shows GiB (a byte axis would read 0G, 2.1G …).
  const gib = param === 'ram' && points.every((p) => typeof p.params[param] === 'number');
  const xTitle = gib ? 'RAM (GiB)' : param;
  const rows = points.map((p) => {
    const v = p.params[param];
    return { config: p.config, x: gib ? (v as number) / 2 ** 30 : v, mean: p.mean, lo: p.lo, hi: p.hi };
  });
  if (rows.length === 0 || rows.some((r) => typeof r.x !== 'number')) {
    const msg = rows.length === 0 ? 'No sweep point.' : `Parameter ${param} is not numeric at every point.`;
    return { id: options.id, title: options.title, description, spec: messageSpec(theme, options.title, msg) };
  }
  const configs = [...new Set(rows.map((r) => r.config))];
  const colour = {
    field: 'config',
    type: 'nominal',
    title: 'configuration',
    scale: { domain: configs, range: theme.palette(configs.length) },
  } as const;
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: options.title,
      subtitle: rows.some((r) => r.lo !== null)
        ? 'band: 95% confidence interval (Student t)'
        : points.every((p) => (p.n ?? 1) >= 2)
          ? 'replications identical (nothing sampled): no confidence interval'
          : 'one replication per point: no confidence interval',
    },
    config: theme.config,
    width: theme.width,
    height: theme.name === 'paper' ? 160 : 300,
    data: { values: rows },
    layer: [
      // The band only when some point has an interval (an all-filtered layer leaves an infinite scale
      // extent). Band and line share the colour scale and so one legend; the band's tint is a fill opacity
      // and the legend draws strokes, so its swatches are the lines' full colours. (`legend: null` on the
      // band removed the shared legend altogether: a sweep with intervals had none.)
      ...(rows.some((r) => r.lo !== null && r.hi !== null)
        ? [
            {
              transform: [{ filter: 'datum.lo != null' }],
              mark: { type: 'area' as const, fillOpacity: 0.2 },
              encoding: {
                x: { field: 'x', type: 'quantitative' as const, title: xTitle, axis: siAxis() },
                y: { field: 'lo', type: 'quantitative' as const },
                y2: { field: 'hi' },
                color: colour,
              },
            },
          ]
        : []),
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: xTitle, axis: siAxis() },
          y: { field: 'mean', type: 'quantitative', title: options.measure },
          color: { ...colour, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolOpacity: 1 } },
          tooltip: [
            { field: 'config', type: 'nominal', title: 'configuration' },
            { field: 'x', type: 'quantitative', title: xTitle },
            { field: 'mean', type: 'quantitative', format: ',.3~f' },
            { field: 'lo', type: 'quantitative', format: ',.3~f', title: '95% CI low' },
            { field: 'hi', type: 'quantitative', format: ',.3~f', title: '95% CI high' },
          ],
        },
      },
    ],
  };
  return { id: options.id, title: options.title, description, spec };
}

/**
 * Heat map of a measure over a two-parameter grid, one panel per configuration: x = `xParam`,
 * y = `yParam` (both treated as ordinal grid values), colour = mean, the mean printed in each cell.
 */
export function sweepHeatmapChart(
  points: readonly SweepPoint[],
  xParam: string,
  yParam: string,
  theme: Theme,
  options: SweepChartOptions,
): ChartEntry {
  const description =
    options.description ??
    `${options.measure} over the grid of ${xParam} × ${yParam}, one panel per configuration; hover a cell for its 95% confidence interval.`;
  if (points.length === 0) {
    return { id: options.id, title: options.title, description, spec: messageSpec(theme, options.title, 'No sweep point.') };
  }
  const xs = gridOrder(points.map((p) => p.params[xParam]));
  const ys = gridOrder(points.map((p) => p.params[yParam])).reverse() as number[] | string[];
  // Grid values are compared with the sort lists, so they take the lists' type (numbers or text).
  const asGrid = (order: number[] | string[], v: number | string | undefined) => (typeof order[0] === 'string' ? String(v) : v);
  const rows = points.map((p) => ({
    config: p.config,
    x: asGrid(xs, p.params[xParam]),
    y: asGrid(ys, p.params[yParam]),
    mean: p.mean,
    lo: p.lo,
    hi: p.hi,
  }));
  const configs = [...new Set(rows.map((r) => r.config))];
  const means = rows.map((r) => r.mean);
  const middle = (Math.min(...means) + Math.max(...means)) / 2;
  const cell = theme.name === 'paper' ? 22 : 44;
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: options.title, subtitle: options.measure },
    config: theme.config,
    data: { values: rows },
    facet: { column: { field: 'config', type: 'nominal', title: null, sort: configs } },
    spec: {
      width: { step: cell },
      height: { step: cell },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: xParam, sort: xs, axis: { labelAngle: 0 } },
        y: { field: 'y', type: 'ordinal', title: yParam, sort: ys },
      },
      layer: [
        {
          mark: { type: 'rect' },
          encoding: {
            color: { field: 'mean', type: 'quantitative', title: options.measure, scale: { scheme: 'viridis' } },
            tooltip: [
              { field: 'config', type: 'nominal', title: 'configuration' },
              { field: 'x', type: 'nominal', title: xParam },
              { field: 'y', type: 'nominal', title: yParam },
              { field: 'mean', type: 'quantitative', format: ',.3~f' },
              { field: 'lo', type: 'quantitative', format: ',.3~f', title: '95% CI low' },
              { field: 'hi', type: 'quantitative', format: ',.3~f', title: '95% CI high' },
            ],
          },
        },
        {
          mark: { type: 'text', fontSize: theme.name === 'paper' ? 6 : 9 },
          encoding: {
            text: { field: 'mean', type: 'quantitative', format: '.3~s' },
            // viridis is light at the top: dark text there, white text on the dark end.
            color: { condition: { test: `datum.mean > ${middle}`, value: 'black' }, value: 'white' },
          },
        },
      ],
    },
  };
  return { id: options.id, title: options.title, description, spec };
}

/** Distinct grid values in ascending order: numbers numerically when all are numbers, else as text. */
function gridOrder(values: ReadonlyArray<number | string | undefined>): number[] | string[] {
  const present = [...new Set(values.filter((v): v is number | string => v !== undefined))];
  if (present.every((v): v is number => typeof v === 'number')) return present.sort((a, b) => a - b);
  return present.map(String).sort((a, b) => a.localeCompare(b));
}
