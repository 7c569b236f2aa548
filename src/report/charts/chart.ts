import type { TopLevelSpec } from 'vega-lite';
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
  const fontSize = theme.name === 'paper' ? 8 : 12;
  const lines = wrapText(message, Math.floor(theme.width / (fontSize * 0.62)));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title,
    config: theme.config,
    width: theme.width,
    height: Math.max(theme.band * 2, (lines.length + 1) * fontSize * 1.3),
    data: { values: [{ message: lines }] },
    mark: { type: 'text', align: 'left', baseline: 'top', fontStyle: 'italic', fontSize, lineHeight: fontSize * 1.3 },
    encoding: { text: { field: 'message', type: 'nominal' }, x: { value: 0 }, y: { value: fontSize * 0.6 } },
  };
}

/** Splits text into lines of at most `width` characters at spaces (a longer word gets a line of its own). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * An axis of SI-formatted numbers (20k, 40M) whose zero reads "0": Vega picks one SI prefix for every
 * tick from the tick step, which turns 0 into "0M" or "0G".
 */
export function siAxis(extra: Readonly<Record<string, unknown>> = {}): { format: string; labelExpr: string } & Record<string, unknown> {
  return { format: '~s', labelExpr: "datum.value === 0 ? '0' : format(datum.value, '~s')", ...extra };
}

/**
 * Subtitle lines for replications: ["mean of 3 replications", "error bars: 95% confidence interval
 * (Student t, 2 df)"], ["1 replication: no confidence interval"] or, when the replications were identical,
 * ["3 identical replications (nothing sampled): no confidence interval"]. Short lines keep paper figures narrow.
 */
export function replicationNote(replications: number, identical = false): string[] {
  if (replications > 1 && identical) return [`${replications} identical replications (nothing sampled): no confidence interval`];
  return replications > 1
    ? [`mean of ${replications} replications`, `error bars: 95% confidence interval (Student t, ${replications - 1} df)`]
    : ['1 replication: no confidence interval'];
}

/**
 * The caption's sentence about intervals: `drawn` when the chart draws some, else why none is drawn
 * (one replication, or replications that were identical), so a caption never describes error bars
 * that are not there.
 */
export function intervalSentence(drawn: boolean, drawnSentence: string, replications: number, identical: boolean): string {
  if (drawn) return drawnSentence;
  return replications > 1 && identical
    ? `No confidence interval is drawn: the ${replications} replications were identical (nothing sampled).`
    : replications > 1
      ? 'No confidence interval is drawn: no configuration has one.'
      : 'No confidence interval is drawn: one replication.';
}
