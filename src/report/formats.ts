/**
 * `--formats svg,png,pdf,html`: which files of a report to render. The summaries (summary.json, .md,
 * .csv) and every chart's Vega-Lite spec (`*.vl.json`) are always written: they are cheap and they are
 * the data. SVG, PNG (resvg) and PDF (PDFKit) are rendered headless from one SVG per chart, which is
 * not rendered at all when none of the three is asked for; index.html embeds the specs and links the
 * image files that were written.
 */
import { UsageError } from '../errors.ts';

/** A renderable report format. */
export type ReportFormat = 'svg' | 'png' | 'pdf' | 'html';

/** Every format, in the order of `--formats`' default. */
export const REPORT_FORMATS: readonly ReportFormat[] = ['svg', 'png', 'pdf', 'html'];

/** Parses `--formats A,B,...` (duplicates and order do not matter). */
export function parseFormats(text: string): ReportFormat[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === ''))
    throw new UsageError(`--formats ${text}: expected a comma-separated list of ${REPORT_FORMATS.join(', ')}`);
  const out = new Set<string>();
  for (const n of names) {
    if (!(REPORT_FORMATS as readonly string[]).includes(n))
      throw new UsageError(`--formats ${text}: '${n}' is not a report format (known: ${REPORT_FORMATS.join(', ')})`);
    out.add(n);
  }
  return REPORT_FORMATS.filter((f) => out.has(f));
}
