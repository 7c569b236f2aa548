import type { TopLevelSpec } from 'vega-lite';
import type { Layout } from '../../layout/types.ts';
import type { RunResult } from '../../result/run-result.ts';
import type { Aggregate } from '../../stats/aggregate.ts';
import { PAGE_SIZE, MiB } from '../../units/address.ts';
import type { Theme } from '../theme.ts';
import { VEGA_LITE_SCHEMA, messageSpec, type ChartEntry } from './chart.ts';
import { configOrder, feasibleRuns } from './data.ts';

/** Lowmem uses, in stacking order, with the ZoneUse.byUse key each one reads. */
export const LOWMEM_USES = [
  { key: 'memMap', label: 'mem_map' },
  { key: 'pageTables', label: 'page tables' },
  { key: 'kernel', label: 'kernel' },
  { key: 'user', label: 'user pages' },
  { key: 'pageCache', label: 'page cache' },
  { key: 'other', label: 'other' },
  { key: 'free', label: 'free' },
] as const;
type LowmemUse = (typeof LOWMEM_USES)[number]['key'];

/** ZoneUse.byUse keys that have their own segment; any other key is `other`. */
const ACCOUNTED_USES: ReadonlySet<string> = new Set(['memMap', 'pageTables', 'kernel', 'user', 'pageCache']);

/** True for a zone the kernel maps permanently (DMA, DMA32, Normal: anything but HighMem). */
export function isLowmemZone(name: string): boolean {
  return !/high/i.test(name);
}

/**
 * Lowmem of one run in pages by use. Uses not in LOWMEM_USES count as `other`; free = total − used.
 * When the run does not account mem_map itself, the layout's memMapBytes is used (taken from free).
 */
export function lowmemBudget(run: RunResult, layout?: Layout): Record<LowmemUse, number> {
  const out: Record<LowmemUse, number> = { memMap: 0, pageTables: 0, kernel: 0, user: 0, pageCache: 0, other: 0, free: 0 };
  for (const zone of run.memory.zones) {
    if (!isLowmemZone(zone.name)) continue;
    let accounted = 0;
    for (const [use, pages] of Object.entries(zone.byUse)) {
      const key: LowmemUse = ACCOUNTED_USES.has(use) ? (use as LowmemUse) : 'other';
      out[key] += pages;
      accounted += pages;
    }
    out.other += Math.max(0, zone.usedPages - accounted);
    out.free += zone.totalPages - Math.max(zone.usedPages, accounted);
  }
  if (out.memMap === 0 && layout && layout.memMapBytes > 0) {
    const pages = Math.min(out.free, Math.ceil(layout.memMapBytes / PAGE_SIZE));
    out.memMap = pages;
    out.free -= pages;
  }
  return out;
}

/**
 * Chart 6: the lowmem budget of each configuration — how the permanently mapped memory is used
 * (mem_map, page tables, kernel, user and page-cache pages in lowmem, free), in MB, mean over
 * replications, as a horizontal stacked bar. A configuration that ran out of lowmem is marked.
 */
export function lowmemBudgetChart(agg: Aggregate, runs: readonly RunResult[], layouts: readonly Layout[], theme: Theme): ChartEntry {
  const title = 'Lowmem budget';
  const description =
    'How each configuration’s lowmem (the RAM the kernel maps permanently: DMA + Normal zones) is used ' +
    'at the end of the run, in MB, mean over replications. mem_map and page tables must live here ' +
    '(unless HIGHPTE); when free lowmem runs out the kernel starves even with free highmem.';
  const byConfig = feasibleRuns(runs);
  const layoutOf = new Map(layouts.map((l) => [l.config.name, l]));
  const rows = configOrder(agg).flatMap((config) => {
    const group = byConfig.get(config);
    if (!group) return [];
    const budgets = group.map((r) => lowmemBudget(r, layoutOf.get(config)));
    const starved = group.some((r) => r.memory.lowmemStarved);
    return LOWMEM_USES.map((u, order) => ({
      config: starved ? `${config} (lowmem starved)` : config,
      use: u.label,
      order,
      mb: budgets.reduce((s, b) => s + b[u.key], 0) / budgets.length / (MiB / PAGE_SIZE),
    })).filter((row) => row.mb > 0);
  });
  if (rows.length === 0) {
    return { id: 'lowmem-budget', title, description, spec: messageSpec(theme, title, 'No feasible configuration.') };
  }
  const labels = LOWMEM_USES.filter((u) => rows.some((r) => r.use === u.label)).map((u) => u.label);
  const colours = theme.palette(labels.length).map((c, i) => (labels[i] === 'free' ? '#e8e8e8' : c));
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle: 'lowmem (DMA + Normal zones) by use at the end of the run, MB' },
    config: theme.config,
    width: theme.width,
    height: { step: theme.band },
    data: { values: rows },
    mark: { type: 'bar', ...(theme.segmentStroke ? { stroke: theme.segmentStroke, strokeWidth: 0.5 } : {}) },
    encoding: {
      y: { field: 'config', type: 'nominal', title: null, sort: [...new Set(rows.map((r) => r.config))] },
      x: { field: 'mb', type: 'quantitative', stack: 'zero', title: 'lowmem (MB)' },
      color: { field: 'use', type: 'nominal', title: 'use', scale: { domain: labels, range: colours } },
      order: { field: 'order', type: 'quantitative' },
      tooltip: [
        { field: 'config', type: 'nominal', title: 'configuration' },
        { field: 'use', type: 'nominal' },
        { field: 'mb', type: 'quantitative', format: ',.1f', title: 'MB (mean)' },
      ],
    },
  };
  return { id: 'lowmem-budget', title, description, spec };
}
