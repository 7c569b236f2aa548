/**
 * Number formatting for tables, locale-independent so reports are byte-identical everywhere.
 */

/** Integer with thin-space-free comma grouping: 1234567.8 → "1,234,568". */
export function formatInt(x: number): string {
  const rounded = Math.round(x);
  const sign = rounded < 0 ? '-' : '';
  return sign + String(Math.abs(rounded)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A mean with magnitude-appropriate precision: integers above 100, else 3 significant digits. */
export function formatMean(x: number): string {
  if (Math.abs(x) >= 100 || Number.isInteger(x)) return formatInt(x);
  return String(Number(x.toPrecision(3)));
}

/** Seconds with 4 significant digits (one decimal from 100 s): 0.01234 s, 12.34 s, 256.1 s. */
export function formatSeconds(x: number): string {
  return `${x >= 100 ? x.toFixed(1) : x.toPrecision(4)} s`;
}

/** Signed percentage with two decimals: 3.14159 → "+3.14 %". */
export function formatPercent(x: number): string {
  const s = x.toFixed(2);
  return `${x >= 0 && !s.startsWith('-') ? '+' : ''}${s} %`;
}

/** "[lo, hi]" with the given formatter, or the no-interval note (`n`: the replications behind it). */
export function formatInterval(lo: number | null, hi: number | null, f: (x: number) => string, n = 1): string {
  if (lo !== null && hi !== null) return `[${f(lo)}, ${f(hi)}]`;
  return n >= 2 ? NO_INTERVAL_IDENTICAL : NO_INTERVAL;
}

/** What tables print where a single replication gives no interval. */
export const NO_INTERVAL = 'n/a (1 replication)';
/** What tables print where replications were identical (nothing sampled): no interval either. */
export const NO_INTERVAL_IDENTICAL = 'n/a (replications identical)';
