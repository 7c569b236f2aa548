import type { Layout } from '../../layout/types.ts';
import type { RunResult } from '../../result/run-result.ts';
import type { Aggregate } from '../../stats/aggregate.ts';
import type { Theme } from '../theme.ts';
import { addressSpaceChart } from './address-space.ts';
import type { ChartEntry } from './chart.ts';
import { cyclesByCategoryChart } from './cycles-by-category.ts';
import { kmapLatencyChart } from './kmap-latency.ts';
import { lowmemBudgetChart } from './lowmem-budget.ts';
import { overheadChart } from './overhead.ts';
import { timelineChart } from './timeline.ts';

/** What the compare charts are built from. */
export interface ChartInput {
  readonly aggregate: Aggregate;
  /** All replications of all configurations (the same runs the aggregate was built from). */
  readonly runs: readonly RunResult[];
  /** Layouts of the configurations (chart 5 needs them; it is left out without them). */
  readonly layouts?: readonly Layout[];
  readonly theme: Theme;
}

/**
 * The compare charts, numbered in file names in reading order:
 * 1 cycles by category (headline), 2 overhead vs baseline, 3 kmap latency, 4 timeline,
 * 5 address space (only with layouts), 6 lowmem budget.
 */
export function buildCharts(input: ChartInput): ChartEntry[] {
  const { aggregate: agg, runs, theme } = input;
  const layouts = input.layouts ?? [];
  const charts: Array<[number, ChartEntry]> = [
    [1, cyclesByCategoryChart(agg, theme)],
    [2, overheadChart(agg, theme)],
    [3, kmapLatencyChart(agg, runs, theme)],
    [4, timelineChart(agg, runs, theme)],
    ...(layouts.length > 0 ? [[5, addressSpaceChart(layouts, theme)] as [number, ChartEntry]] : []),
    [6, lowmemBudgetChart(agg, runs, layouts, theme)],
  ];
  return charts.map(([n, c]) => ({ ...c, id: `${n}-${c.id}` }));
}

export type { ChartEntry } from './chart.ts';
