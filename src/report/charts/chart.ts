import type { TopLevelSpec } from 'vega-lite';
import type { StringFieldDef } from 'vega-lite/types_unstable/channeldef.js';
import type { Theme } from '../theme.ts';

/** The Vega-Lite schema every spec declares (v6). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** One chart of a report: a self-contained Vega-Lite spec (data inline) and its captions. */
export interface ChartEntry {
  /** File base name: `<id>.vl.json`, `<id>.svg`, `<id>.png`; also the HTML anchor. */
  readonly id: string;
  /** Heading in the HTML report. */
  readonly title: string;
  /** One or two sentences: what is drawn and how to read it (shown under the heading). */
  readonly description: string;
  readonly spec: TopLevelSpec;
}

/**
 * A chart that only says why there is nothing to draw (e.g. no kmap in any configuration), so that the
 * report keeps the same set of files and the reader learns the reason.
 */
export function messageSpec(theme: Theme, title: string, message: string): TopLevelSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    config: theme.config,
    width: theme.width,
    height: theme.band * 2,
    data: { values: [{ message }] },
    mark: { type: 'text', align: 'left', baseline: 'middle', fontStyle: 'italic' },
    encoding: { text: { field: 'message', type: 'nominal' }, x: { value: 0 }, y: { value: theme.band } },
  };
}

/**
 * Subtitle lines for replications: ["mean of 3 replications", "error bars: 95% confidence interval
 * (Student t, 2 df)"] or ["1 replication: no confidence interval"]. Short lines keep paper figures narrow.
 */
export function replicationNote(replications: number): string[] {
  return replications > 1
    ? [`mean of ${replications} replications`, `error bars: 95% confidence interval (Student t, ${replications - 1} df)`]
    : ['1 replication: no confidence interval'];
}

/** One tooltip field (a Vega-Lite string field definition). */
export type TooltipField = StringFieldDef<string>;
