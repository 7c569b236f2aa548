import type { TopLevelSpec } from 'vega-lite';
import type { StringFieldDef } from 'vega-lite/types_unstable/channeldef.js';
import type { Quantiles, RunResult } from '../../result/run-result.ts';
import type { Aggregate } from '../../stats/aggregate.ts';
import { viridisPalette, type Theme } from '../theme.ts';
import { VEGA_LITE_SCHEMA, messageSpec, replicationNote, type ChartEntry } from './chart.ts';
import { configOrder, feasibleRuns, meanOf, minReplications } from './data.ts';
import { meanInterval } from '../../stats/interval.ts';

/** The latency distributions the chart shows, with their labels. */
const METRICS = [
  { key: 'kmap', label: 'kmap (map + unmap)' },
  { key: 'kmapLockSpin', label: 'kmap_lock spin' },
] as const;

/** The quantile marks drawn on each line, in order. */
const QUANTILES = [
  { key: 'p50', label: 'p50' },
  { key: 'p90', label: 'p90' },
  { key: 'p99', label: 'p99' },
  { key: 'max', label: 'max' },
] as const;

/**
 * Chart 3: kmap latency distribution per configuration — a quantile strip, not a box plot: a
 * RunResult keeps count, mean, p50, p90, p99 and max only (no quartiles), so each configuration gets
 * a line from p50 to max with a tick at each quantile and a dot at the mean. Across replications every
 * quantile is the mean of the runs' quantiles, and the mean gets its 95% confidence interval over the
 * replications (Student t) as a black bar through the dot. The x axis is symmetric-logarithmic: linear
 * near 0, logarithmic above, so a latency of 0 cycles (a kmap that found its page already mapped costs
 * little) is drawn at 0, not clamped. Configurations that mapped no highmem page (no HIGHMEM) are left
 * out, and so is a panel with no data in any configuration (no kmap_lock spin); the description names
 * only the panels drawn.
 */
export function kmapLatencyChart(agg: Aggregate, runs: readonly RunResult[], theme: Theme): ChartEntry {
  const title = 'kmap latency distribution';
  const order = configOrder(agg);
  const byConfig = feasibleRuns(runs);
  const lines: Array<Record<string, string | number>> = [];
  for (const config of order) {
    const group = byConfig.get(config);
    if (!group) continue;
    for (const metric of METRICS) {
      const pick = (q: keyof Quantiles) => meanOf(group, (r) => r.latency[metric.key][q]);
      if (meanOf(group, (r) => r.latency[metric.key].count) === 0) continue;
      const ci = meanInterval(group.map((r) => r.latency[metric.key].mean));
      lines.push({
        ...(ci.lo !== null && ci.hi !== null ? { meanLo: Math.max(0, ci.lo), meanHi: Math.max(0, ci.hi) } : {}),
        n: group.length,
        config,
        metric: metric.label,
        count: meanOf(group, (r) => r.latency[metric.key].count),
        mean: pick('mean'),
        p50: pick('p50'),
        p90: pick('p90'),
        p99: pick('p99'),
        max: pick('max'),
      });
    }
  }
  const panels = METRICS.filter((m) => lines.some((l) => l.metric === m.label));
  const description = latencyDescription(panels.map((p) => p.key));
  if (lines.length === 0) {
    return { id: 'kmap-latency', title, description, spec: messageSpec(theme, title, 'No configuration mapped a highmem page (no kmap).') };
  }
  const hasCi = lines.some((l) => l.meanLo !== undefined);
  const configsShown = order.filter((c) => lines.some((l) => l.config === c));
  const y = { field: 'config', type: 'nominal', sort: configsShown, title: null } as const;
  const x = { type: 'quantitative', scale: { type: 'symlog' }, title: 'cycles (symmetric log scale)' } as const;
  const tooltip: StringFieldDef<string>[] = [
    { field: 'config', type: 'nominal', title: 'configuration' },
    { field: 'count', type: 'quantitative', format: ',.0f', title: 'mappings (mean per run)' },
    { field: 'mean', type: 'quantitative', format: ',.0f' },
    ...QUANTILES.map((q): StringFieldDef<string> => ({ field: q.key, type: 'quantitative', format: ',.0f' })),
  ];
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: title,
      subtitle: [
        'quantile strip: p50 – p90 – p99 – max, dot = mean (runs record no quartiles)',
        minReplications(agg) > 1 && !lines.some((l) => l.meanLo !== undefined)
          ? replicationNote(minReplications(agg), true)[0]!
          : minReplications(agg) > 1
            ? `${minReplications(agg)} replications: bar through the dot = 95% confidence interval of the mean`
            : '1 replication: no confidence interval',
      ],
    },
    config: theme.config,
    data: { values: lines },
    facet: {
      row: {
        field: 'metric',
        type: 'nominal',
        title: null,
        sort: panels.map((m) => m.label),
        header: { labelAngle: 0, labelAlign: 'left', labelOrient: 'top', labelFontWeight: 'bold' },
      },
    },
    spec: {
      width: theme.width,
      height: { step: theme.band },
      layer: [
        {
          mark: { type: 'rule', color: '#666' },
          encoding: { y, x: { ...x, field: 'p50' }, x2: { field: 'max' }, tooltip },
        },
        {
          transform: [{ fold: QUANTILES.map((q) => q.key), as: ['quantile', 'cycles'] }],
          mark: { type: 'tick', orient: 'vertical', thickness: 2, size: theme.band * 0.6 },
          encoding: {
            y,
            x: { ...x, field: 'cycles' },
            color: {
              field: 'quantile',
              type: 'ordinal',
              sort: QUANTILES.map((q) => q.key),
              // A sequential palette: the quantiles are ordered, and it reads in grayscale in every theme.
              scale: { domain: QUANTILES.map((q) => q.key), range: viridisPalette(QUANTILES.length) },
              title: 'quantile',
            },
            tooltip: [
              { field: 'config', type: 'nominal', title: 'configuration' },
              { field: 'quantile', type: 'nominal' },
              { field: 'cycles', type: 'quantitative', format: ',.0f' },
            ],
          },
        },
        // The interval layer only when some line has one: an empty layer leaves an infinite scale extent.
        ...(hasCi
          ? [
              {
                transform: [{ filter: 'isValid(datum.meanLo)' }],
                mark: { type: 'rule' as const, color: 'black', strokeWidth: 3 },
                encoding: {
                  y,
                  x: { ...x, field: 'meanLo' },
                  x2: { field: 'meanHi' },
                  tooltip: [
                    { field: 'config', type: 'nominal' as const, title: 'configuration' },
                    { field: 'mean', type: 'quantitative' as const, format: ',.1f' },
                    { field: 'meanLo', type: 'quantitative' as const, format: ',.1f', title: '95% CI low' },
                    { field: 'meanHi', type: 'quantitative' as const, format: ',.1f', title: '95% CI high' },
                    { field: 'n', type: 'quantitative' as const, title: 'replications' },
                  ],
                },
              },
            ]
          : []),
        {
          mark: { type: 'point', filled: true, color: 'black', size: theme.band * 2 },
          encoding: { y, x: { ...x, field: 'mean' }, tooltip },
        },
      ],
    },
  };
  return { id: 'kmap-latency', title, description, spec };
}

/** The description of the panels drawn (`kmap`, `kmapLockSpin`, or both), so it never names an absent one. */
export function latencyDescription(panels: ReadonlyArray<(typeof METRICS)[number]['key']>): string {
  const what =
    panels.length === 2
      ? 'Quantiles of the time one kmap took (top panel) and of the spin on kmap_lock (bottom panel), per configuration'
      : panels[0] === 'kmapLockSpin'
        ? 'Quantiles of the spin on kmap_lock, per configuration'
        : 'Quantiles of the time one kmap took, per configuration (no configuration spun on kmap_lock, so that panel is not drawn)';
  return (
    `${what}: the line runs from p50 to max with ticks at p50, p90, p99 and max; the dot is the mean. ` +
    'Each quantile is the mean over replications of the per-run quantile; with several replications the ' +
    'black bar through the dot is the 95% confidence interval of the mean latency. Symmetric log scale: 0 is drawn at 0.'
  );
}
