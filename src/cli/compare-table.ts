/**
 * The stdout table of `hmsim compare --replications R` (R > 1): per configuration, the mean of total
 * cycles and of the overhead relative to the baseline (led by the elapsed time and its overhead when a
 * run waited on a device), each with its 95% confidence-interval half-width
 * ("mean ± half-width", Student t over the replications; src/stats/aggregate.ts). Built from the
 * aggregate only, so it agrees with summary.json, summary.md and the charts of `--out`.
 */
import { formatInt, formatSeconds } from '../report/format.ts';
import { hasDeviceTime, replicationsIdentical, type Aggregate } from '../stats/aggregate.ts';
import type { Overhead } from '../stats/overhead.ts';
import type { Provenance } from '../report/provenance.ts';
import { runHeaderText } from '../report/run-header.ts';
import { textTable } from './run-summary.ts';

/** "mean ± half-width" with `f` for both (`h` for the half-width), or the mean alone when there is no interval (n < 2). */
function plusMinus(mean: number, halfWidth: number | null, f: (x: number) => string, h: (x: number) => string = f): string {
  return halfWidth === null ? f(mean) : `${f(mean)} ± ${h(halfWidth)}`;
}

/** A half-width of seconds: as formatSeconds from a millisecond up, in µs below (device-bound runs vary little). */
function halfSeconds(x: number): string {
  return x >= 1e-3 || x === 0 ? formatSeconds(x) : `${Number((x * 1e6).toPrecision(3))} µs`;
}

/** Percentage with two decimals, signed: 3.14159 → "+3.14 %". */
function signedPct(x: number): string {
  const s = x.toFixed(2);
  return `${x >= 0 && !s.startsWith('-') ? '+' : ''}${s} %`;
}
/** Percentage with two decimals, unsigned (a half-width): 0.5 → "0.50 %". */
function pct(x: number): string {
  return `${x.toFixed(2)} %`;
}

/**
 * The replicated comparison table (mean ± 95% CI half-width of cycles and overhead; the elapsed time and
 * its overhead first when the runs waited on a device).
 */
export function formatReplicatedCompareTable(agg: Aggregate, provenance: Provenance): string {
  const io = hasDeviceTime(agg);
  const versus = (c: (typeof agg.configs)[number], o: Overhead | null): string => {
    if (c.config === agg.baseline) return 'baseline';
    if (o === null) return 'n/a';
    return o.lo === null || o.hi === null ? signedPct(o.mean) : `${signedPct(o.mean)} ± ${pct((o.hi - o.lo) / 2)}`;
  };
  const rows = agg.configs.map((c) => {
    const t = c.stats?.totalCycles;
    const e = c.stats?.elapsedSeconds;
    return [
      c.config,
      c.feasible ? 'yes' : 'NO',
      String(c.replications),
      ...(io
        ? [e === undefined ? 'infeasible' : plusMinus(e.mean, e.halfWidth, formatSeconds, halfSeconds), versus(c, c.elapsedOverhead)]
        : []),
      t === undefined ? 'infeasible' : plusMinus(t.mean, t.halfWidth, formatInt),
      versus(c, c.overhead),
    ];
  });
  const notes = agg.configs.filter((c) => c.infeasible.length > 0).map((c) => `${c.config}: ${c.infeasible.join('; ')}`);
  const ci = replicationsIdentical(agg) ? 'mean; replications identical, no CI' : 'mean ± 95% CI';
  const ciPct = replicationsIdentical(agg) ? '' : ' (mean ± 95% CI)';
  return (
    runHeaderText(provenance) +
    (io ? 'elapsed time (CPU cycles + device waits) leads; "cycles" and "overhead" are CPU cycles only\n' : '') +
    textTable(
      [
        'config',
        'feasible',
        'runs',
        ...(io ? [`elapsed (${ci})`, `elapsed vs ${agg.baseline}${ciPct}`] : []),
        `cycles (${ci})`,
        `overhead vs ${agg.baseline}${ciPct}`,
      ],
      rows,
    ) +
    (notes.length > 0 ? `\ninfeasible:\n${notes.map((n) => `  - ${n}`).join('\n')}\n` : '')
  );
}
