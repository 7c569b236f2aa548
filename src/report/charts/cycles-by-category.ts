import type { TopLevelSpec } from 'vega-lite';
import { CYCLE_CATEGORIES } from '../../result/run-result.ts';
import { replicationsIdentical, type Aggregate } from '../../stats/aggregate.ts';
import type { Theme } from '../theme.ts';
import { VEGA_LITE_SCHEMA, intervalSentence, messageSpec, replicationNote, siAxis, type ChartEntry } from './chart.ts';
import { minReplications } from './data.ts';

/** Human labels of the cycle categories (legend, tooltips, tables). */
export const CATEGORY_LABELS: Readonly<Record<(typeof CYCLE_CATEGORIES)[number], string>> = {
  compute: 'compute',
  tlbWalk: 'TLB walk',
  pageFault: 'page fault',
  kmap: 'kmap',
  kmapLockSpin: 'kmap lock spin',
  kmapSleep: 'kmap sleep',
  invlpg: 'INVLPG',
  localFlush: 'local flush',
  globalFlush: 'global flush',
  shootdown: 'shootdown IPI',
  contextSwitch: 'context switch',
  syscall: 'syscall',
  copy: 'copy',
  timer: 'timer interrupt',
  reclaim: 'direct reclaim',
};

/**
 * Chart 1, the headline: mean cycles per configuration as a horizontal stacked bar, one segment per
 * cycle category (categories that are zero everywhere are left out), with the 95% confidence
 * interval of the total as a black rule at the end of each bar.
 */
export function cyclesByCategoryChart(agg: Aggregate, theme: Theme): ChartEntry {
  const title = 'Cycles by category';
  const configs = agg.configs.flatMap((c) => (c.stats ? [{ config: c.config, stats: c.stats }] : []));
  const description =
    'Mean simulated cycles of each configuration, split into the categories the engine accounts for. ' +
    intervalSentence(
      configs.some((c) => c.stats.totalCycles.lo !== null),
      'The black rule at the end of a bar is the 95% confidence interval of the total.',
      minReplications(agg),
      replicationsIdentical(agg),
    );
  const present = CYCLE_CATEGORIES.filter((cat) => configs.some((c) => c.stats.breakdown[cat].mean > 0));
  if (configs.length === 0) {
    return { id: 'cycles-by-category', title, description, spec: messageSpec(theme, title, 'No feasible configuration.') };
  }
  const labels = present.map((cat) => CATEGORY_LABELS[cat]);
  const segments = configs.flatMap(({ config, stats }) =>
    present.map((cat, order) => ({
      config,
      category: CATEGORY_LABELS[cat],
      order,
      cycles: stats.breakdown[cat].mean,
      lo: stats.breakdown[cat].lo,
      hi: stats.breakdown[cat].hi,
      share: stats.breakdown[cat].mean / stats.totalCycles.mean,
    })),
  );
  const totals = configs.map(({ config, stats }) => ({
    config,
    total: stats.totalCycles.mean,
    lo: stats.totalCycles.lo,
    hi: stats.totalCycles.hi,
  }));
  const hasCi = totals.some((t) => t.lo !== null);
  const y = { field: 'config', type: 'nominal', sort: configs.map((c) => c.config), title: null } as const;
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle: replicationNote(minReplications(agg), replicationsIdentical(agg)) },
    config: theme.config,
    width: theme.width,
    height: { step: theme.band },
    layer: [
      {
        data: { values: segments },
        mark: { type: 'bar', ...(theme.segmentStroke ? { stroke: theme.segmentStroke, strokeWidth: 0.5 } : {}) },
        encoding: {
          y,
          x: { field: 'cycles', type: 'quantitative', stack: 'zero', title: 'cycles', axis: siAxis() },
          color: {
            field: 'category',
            type: 'nominal',
            title: 'category',
            scale: { domain: labels, range: theme.palette(labels.length) },
          },
          order: { field: 'order', type: 'quantitative' },
          tooltip: [
            { field: 'config', type: 'nominal', title: 'configuration' },
            { field: 'category', type: 'nominal' },
            { field: 'cycles', type: 'quantitative', format: ',.0f', title: 'mean cycles' },
            { field: 'lo', type: 'quantitative', format: ',.0f', title: '95% CI low' },
            { field: 'hi', type: 'quantitative', format: ',.0f', title: '95% CI high' },
            { field: 'share', type: 'quantitative', format: '.1%', title: 'share of total' },
          ],
        },
      },
      ...(hasCi
        ? [
            {
              data: { values: totals.filter((t) => t.lo !== null) },
              mark: { type: 'rule' as const, color: 'black', strokeWidth: 1.5 },
              encoding: {
                y,
                x: { field: 'lo', type: 'quantitative' as const },
                x2: { field: 'hi' },
                tooltip: [
                  { field: 'config', type: 'nominal' as const, title: 'configuration' },
                  { field: 'total', type: 'quantitative' as const, format: ',.0f', title: 'mean total cycles' },
                  { field: 'lo', type: 'quantitative' as const, format: ',.0f', title: '95% CI low' },
                  { field: 'hi', type: 'quantitative' as const, format: ',.0f', title: '95% CI high' },
                ],
              },
            },
          ]
        : []),
    ],
  };
  return { id: 'cycles-by-category', title, description, spec };
}
