/**
 * Reports: the public entry points for commands (compare, sweep).
 * writeCompareReport writes a whole report; the pieces are exported so a sweep can add its own charts.
 */
export { writeCompareReport, buildCompareReport, summaryJson, type CompareReportInput, type ReportOptions, type Summary } from './write.ts';
export { buildCharts, type ChartInput } from './charts/index.ts';
export type { ChartEntry } from './charts/chart.ts';
export { sweepLineChart, sweepHeatmapChart, type SweepPoint, type SweepChartOptions } from './charts/sweep-overhead.ts';
export { aggregate, type Aggregate } from '../stats/aggregate.ts';
export { replicationSeeds } from '../stats/replications.ts';
export { collectProvenance, commandLine, type Provenance } from './provenance.ts';
export { theme, THEME_NAMES, type ThemeName, type Theme } from './theme.ts';
export { createProgress, type ProgressReporter } from './progress.ts';
export { renderSvg, renderPng, compileSpec } from './render.ts';
