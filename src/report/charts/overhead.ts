import type { TopLevelSpec } from 'vega-lite';
import type { LayerSpec } from 'vega-lite/types_unstable/spec/layer.js';
import { hasDeviceTime, isBaseline, replicationsIdentical, type Aggregate } from '../../stats/aggregate.ts';
import type { Theme } from '../theme.ts';
import { VEGA_LITE_SCHEMA, intervalSentence, messageSpec, replicationNote, type ChartEntry } from './chart.ts';
import { minReplications } from './data.ts';

/**
 * Chart 2: overhead of each configuration relative to the baseline, in percent of the baseline's total
 * cycles — or, when runs waited on a device, of its elapsed time (CPU cycles + device waits), which then
 * leads as in the tables — as a point with its 95% confidence interval as an error bar; a vertical rule
 * marks 0 %.
 */
export function overheadChart(agg: Aggregate, theme: Theme): ChartEntry {
  const io = hasDeviceTime(agg);
  const title = `${io ? 'Elapsed-time overhead' : 'Overhead'} relative to ${agg.baseline}`;
  const rows = agg.configs.flatMap((c) => {
    const o = io ? c.elapsedOverhead : c.overhead;
    return o ? [{ config: c.config, overhead: o.mean, lo: o.lo, hi: o.hi, method: o.method, n: o.n }] : [];
  });
  const description =
    `${io ? 'Elapsed time (CPU cycles + device waits)' : 'Total cycles'} of each configuration ` +
    `relative to the baseline ${agg.baseline}, in percent. ` +
    intervalSentence(
      rows.some((x) => x.lo !== null && x.hi !== null),
      'Error bars are 95% confidence intervals (Student t); with the same seeds on both sides the ' +
        'overhead is computed per seed (paired), otherwise from the ratio of means (delta method).',
      minReplications(agg),
      replicationsIdentical(agg),
    );
  if (rows.length === 0) {
    return { id: 'overhead', title, description, spec: messageSpec(theme, title, `Baseline ${agg.baseline} is infeasible: no overhead.`) };
  }
  const r = minReplications(agg);
  const baselines = new Set(agg.configs.filter((c) => isBaseline(agg, c)).map((c) => c.config));
  const methods = [...new Set(rows.filter((x) => !baselines.has(x.config)).map((x) => x.method))];
  const subtitle =
    r > 1 && replicationsIdentical(agg)
      ? replicationNote(r, true)
      : r > 1
        ? [
            `${r} replications; 95% confidence intervals`,
            methods.includes('delta') ? '(delta method where seeds differ)' : '(paired by seed)',
          ]
        : ['1 replication: no confidence interval'];
  const y = { field: 'config', type: 'nominal', sort: rows.map((x) => x.config), title: null } as const;
  const tooltip = [
    { field: 'config', type: 'nominal', title: 'configuration' },
    { field: 'overhead', type: 'quantitative', format: '+.2f', title: 'overhead %' },
    { field: 'lo', type: 'quantitative', format: '+.2f', title: '95% CI low %' },
    { field: 'hi', type: 'quantitative', format: '+.2f', title: '95% CI high %' },
    { field: 'method', type: 'nominal' },
    { field: 'n', type: 'quantitative', title: 'replications' },
  ] as const;
  const errorBars: LayerSpec<string>['layer'] = [
    {
      transform: [{ filter: 'datum.lo != null' }],
      mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
      encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' }, tooltip: [...tooltip] },
    },
    {
      transform: [{ filter: 'datum.lo != null' }],
      mark: { type: 'tick', orient: 'vertical', color: 'black', thickness: 1.5, size: theme.band * 0.5 },
      encoding: { y, x: { field: 'lo', type: 'quantitative' } },
    },
    {
      transform: [{ filter: 'datum.hi != null' }],
      mark: { type: 'tick', orient: 'vertical', color: 'black', thickness: 1.5, size: theme.band * 0.5 },
      encoding: { y, x: { field: 'hi', type: 'quantitative' } },
    },
  ];
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle },
    config: theme.config,
    width: theme.width,
    height: { step: theme.band },
    data: { values: rows },
    layer: [
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: '#888', strokeDash: [4, 3] },
        encoding: { x: { field: 'zero', type: 'quantitative' } },
      },
      // Error bars only when some configuration has an interval: a layer whose rows are all filtered
      // out leaves its scale with an infinite extent (a Vega warning), and draws nothing anyway.
      ...(rows.some((x) => x.lo !== null && x.hi !== null) ? errorBars : []),
      {
        mark: { type: 'point', filled: true, size: theme.band * 3, color: 'black' },
        encoding: {
          y,
          x: {
            field: 'overhead',
            type: 'quantitative',
            title: `${io ? 'elapsed time' : 'overhead'} vs ${agg.baseline} (%)`,
            axis: { format: '+~r', tickMinStep: tickStep(rows) },
          },
          tooltip: [...tooltip],
        },
      },
    ],
  };
  return { id: 'overhead', title, description, spec };
}

/**
 * The smallest tick step worth labelling on the overhead axis: a "nice" step (1, 2 or 5 × 10^k) of at
 * most a tenth of the range drawn, so ticks fall on round values (−4, −2, 0 …, never −4.5, −3.5) whatever
 * the overheads are.
 */
export function tickStep(rows: ReadonlyArray<{ overhead: number; lo: number | null; hi: number | null }>): number {
  const values = rows.flatMap((r) => [r.overhead, r.lo ?? r.overhead, r.hi ?? r.overhead, 0]);
  const span = Math.max(...values) - Math.min(...values);
  if (!(span > 0)) return 1;
  const raw = span / 10;
  const power = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 5, 10].find((m) => m * power >= raw) ?? 10;
  return nice * power;
}
