/**
 * Escaping text that came from the user (trace paths, model, configuration and scenario names) into the
 * formats hmsim writes, so that a name is shown as written and never acts: Markdown (inline HTML,
 * table pipes, line breaks) and CSV (quoting, and cells that spreadsheets would run as formulas).
 * HTML escaping is src/report/html.ts escapeHtml; JUnit XML and GitHub workflow commands escape in their
 * formatters (src/check/format-junit.ts, format-github.ts).
 */

/** Text for a Markdown table cell or line: no raw HTML, no cell break, no line break. */
export function markdownText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, ' ');
}

/**
 * One CSV cell (RFC 4180 quoting). A text cell that a spreadsheet would evaluate — starting with =, +, -,
 * @, tab or CR — and that is not a number gets a leading apostrophe (the OWASP CSV-injection rule);
 * numbers, including negative ones, are written as they are.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !Number.isFinite(Number(s))) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
