/**
 * The stdout table of `hmsim compare --replications R` (R > 1): per configuration, the mean of total
 * cycles and of the overhead relative to the baseline, each with its 95% confidence-interval half-width
 * ("mean ± half-width", Student t over the replications; src/stats/aggregate.ts). Built from the
 * aggregate only, so it agrees with summary.json, summary.md and the charts of `--out`.
 */
import { formatInt } from '../report/format.ts';
import { replicationsIdentical, type Aggregate } from '../stats/aggregate.ts';
import type { Provenance } from '../report/provenance.ts';
import { runHeaderText } from '../report/run-header.ts';
import { textTable } from './run-summary.ts';

/** "mean ± half-width" with `f` for both, or the mean alone when there is no interval (n < 2). */
function plusMinus(mean: number, halfWidth: number | null, f: (x: number) => string): string {
  return halfWidth === null ? f(mean) : `${f(mean)} ± ${f(halfWidth)}`;
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

/** The replicated comparison table (mean ± 95% CI half-width of cycles and overhead). */
export function formatReplicatedCompareTable(agg: Aggregate, provenance: Provenance): string {
  const rows = agg.configs.map((c) => {
    const t = c.stats?.totalCycles;
    const o = c.overhead;
    let overhead = 'n/a';
    if (c.config === agg.baseline) overhead = 'baseline';
    else if (o !== null) overhead = o.lo === null || o.hi === null ? signedPct(o.mean) : `${signedPct(o.mean)} ± ${pct((o.hi - o.lo) / 2)}`;
    return [
      c.config,
      c.feasible ? 'yes' : 'NO',
      String(c.replications),
      t === undefined ? 'infeasible' : plusMinus(t.mean, t.halfWidth, formatInt),
      overhead,
    ];
  });
  const notes = agg.configs.filter((c) => c.infeasible.length > 0).map((c) => `${c.config}: ${c.infeasible.join('; ')}`);
  return (
    runHeaderText(provenance) +
    (replicationsIdentical(agg)
      ? textTable(['config', 'feasible', 'runs', 'cycles (mean; replications identical, no CI)', `overhead vs ${agg.baseline}`], rows)
      : textTable(['config', 'feasible', 'runs', 'cycles (mean ± 95% CI)', `overhead vs ${agg.baseline} (mean ± 95% CI)`], rows)) +
    (notes.length > 0 ? `\ninfeasible:\n${notes.map((n) => `  - ${n}`).join('\n')}\n` : '')
  );
}
