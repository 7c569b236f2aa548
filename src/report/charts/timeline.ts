import type { TopLevelSpec } from 'vega-lite';
import type { RunResult, TimelineEvent } from '../../result/run-result.ts';
import type { Aggregate } from '../../stats/aggregate.ts';
import type { Theme } from '../theme.ts';
import { VEGA_LITE_SCHEMA, messageSpec, siAxis, type ChartEntry } from './chart.ts';
import { configOrder, feasibleRuns } from './data.ts';

/** Legend labels of the timeline event kinds, in legend order. */
export const TIMELINE_KIND_LABELS: Readonly<Record<TimelineEvent['kind'], string>> = {
  pkmapFlush: 'pkmap flush',
  globalFlush: 'global TLB flush',
  ipi: 'IPI',
  shootdown: 'TLB shootdown',
  pkmapWait: 'pkmap wait',
};

/**
 * Chart 4: timeline per CPU of the cross-CPU events (pkmap flushes, global flushes, IPIs, shootdowns,
 * pkmap waits), one panel per configuration, from the first feasible replication of each (a timeline
 * is one run's story, and RunResult keeps a bounded sample of it). Kind is shown by colour and shape.
 */
export function timelineChart(agg: Aggregate, runs: readonly RunResult[], theme: Theme): ChartEntry {
  const title = 'Timeline of flushes, IPIs and pkmap waits';
  const description =
    'When each CPU flushed its TLB, sent or took an IPI, or waited for a free pkmap slot, in simulated ' +
    'cycles, from the first replication of each configuration (a bounded sample of events). A pkmap ' +
    'flush happens when the pkmap cursor wraps; a pkmap wait when every slot is in use. Each kind has its ' +
    "own lane within a CPU's row, so a pkmap flush is not hidden under the global flush it causes. " +
    'Per-page INVLPGs (kmap_local unmaps, munmap of up to 33 pages) are too many to draw: chart 1 has their ' +
    'cycles. Configurations without any drawn event have no panel. ' +
    'Hover a mark for its cost.';
  const byConfig = feasibleRuns(runs);
  const kinds = Object.keys(TIMELINE_KIND_LABELS) as Array<TimelineEvent['kind']>;
  const rows = configOrder(agg).flatMap((config) => {
    const first = byConfig.get(config)?.[0];
    if (!first) return [];
    return first.timeline.map((e) => ({
      config,
      cpu: `CPU ${e.cpu}`,
      cpuIndex: e.cpu,
      at: e.at,
      kind: TIMELINE_KIND_LABELS[e.kind],
      cycles: e.cycles,
    }));
  });
  if (rows.length === 0) {
    return { id: 'timeline', title, description, spec: messageSpec(theme, title, emptyTimelineMessage(agg)) };
  }
  const labels = kinds.map((k) => TIMELINE_KIND_LABELS[k]);
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle: ['first replication of each configuration', 'x = simulated cycles on that CPU'] },
    config: theme.config,
    data: { values: rows },
    facet: {
      row: { field: 'config', type: 'nominal', title: null, sort: configOrder(agg), header: { labelAngle: 0, labelAlign: 'left' } },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: theme.width,
      height: { step: theme.band * 1.5 },
      mark: { type: 'point', filled: true, opacity: 0.8 },
      encoding: {
        y: { field: 'cpu', type: 'ordinal', title: null, sort: { field: 'cpuIndex', op: 'min' } },
        // One lane per event kind inside a CPU's row: a pkmap flush and the global flush it triggers
        // happen at the same cycle and would otherwise be drawn on top of each other.
        yOffset: { field: 'kind', type: 'nominal', sort: labels, scale: { domain: labels } },
        x: { field: 'at', type: 'quantitative', title: 'cycles', axis: siAxis() },
        color: { field: 'kind', type: 'nominal', title: 'event', scale: { domain: labels, range: theme.palette(labels.length) } },
        shape: { field: 'kind', type: 'nominal', title: 'event', scale: { domain: labels } },
        tooltip: [
          { field: 'config', type: 'nominal', title: 'configuration' },
          { field: 'cpu', type: 'nominal' },
          { field: 'kind', type: 'nominal', title: 'event' },
          { field: 'at', type: 'quantitative', format: ',.0f', title: 'at cycle' },
          { field: 'cycles', type: 'quantitative', format: ',.0f', title: 'cost (cycles)' },
        ],
      },
    },
  };
  return { id: 'timeline', title, description, spec };
}

/**
 * What chart 4 says when no configuration has a drawn event: true of what happened, so a reader of a
 * run whose INVLPGs cost millions of cycles is not told there was "no flush".
 */
export function emptyTimelineMessage(agg: Aggregate): string {
  const invlpg = agg.configs.flatMap((c) => (c.stats && c.stats.counts.invlpg.mean > 0 ? [c] : []));
  const none = 'No global or pkmap flush, IPI, shootdown or pkmap wait in any configuration.';
  if (invlpg.length === 0) return `${none} No INVLPG either.`;
  const most = invlpg.reduce((a, b) => (b.stats!.breakdown.invlpg.mean > a.stats!.breakdown.invlpg.mean ? b : a));
  const n = Math.round(most.stats!.counts.invlpg.mean).toLocaleString('en-US');
  const cycles = Math.round(most.stats!.breakdown.invlpg.mean).toLocaleString('en-US');
  return `${none} Per-page INVLPGs are not drawn: up to ${n} (${cycles} cycles, ${most.config}) — see chart 1.`;
}
