/**
 * `hmsim run --explain`: where each cycle figure of the run comes from. Per mechanism
 * (src/report/mechanisms.ts): its cycles and the parts they are made of, then every model key that prices
 * it with its value as resolved (after `--set`) and its source, marked `[borrowed from CPU]` and
 * `[unverified]` exactly as the model file marks them. A key the model does not carry (a hand-built or
 * plug-in model) is said to be missing, never invented.
 */
import type { CostModel } from '../models/types.ts';
import { formatFlags, formatValue } from '../models/format.ts';
import type { RunResult } from '../result/run-result.ts';
import { formatInt } from './format.ts';
import { kmapInvlpgs, MECHANISM_LEGEND, mechanismCycles } from './mechanisms.ts';

/** "costs.invlpg = 232 — cost-figures.md §1 I3 (...) [borrowed from westmere]". */
export function explainKey(model: CostModel, key: string): string {
  const p = model.params?.[key];
  if (p === undefined) return `${key}: not in model ${model.name} (no source to show)`;
  const flags = formatFlags(p);
  return `${key} = ${formatValue(p)} — ${p.source ?? 'no source given'}${flags === '' ? '' : ` [${flags}]`}`;
}

/** The explanation of `r` under `model` (the model the run used), as text. */
export function formatExplain(r: RunResult, model: CostModel): string {
  const total = r.cycles.total;
  const out: string[] = [
    `where the cycles come from (model ${model.name}; sources as the model ` +
      `file gives them, [borrowed from CPU] and [unverified] as it marks them)`,
    '',
  ];
  const mechanisms = mechanismCycles(r);
  for (const m of mechanisms) {
    const legend = MECHANISM_LEGEND.find((l) => l.id === m.id)!;
    const pct = total > 0 ? ` (${((100 * m.cycles) / total).toFixed(1)} %)` : '';
    out.push(`${m.label}: ${formatInt(m.cycles)} cycles${pct} — ${legend.meaning}`);
    if (m.parts.length > 1) for (const p of m.parts) out.push(`  part  ${p.what}: ${formatInt(p.cycles)}`);
    if (m.id === 'kmap') {
      const n = kmapInvlpgs(r);
      const mean = r.counts.invlpg > 0 ? r.cycles.breakdown.invlpg / r.counts.invlpg : 0;
      out.push(
        `  how   ${formatInt(n)} kmap_local/kmap_atomic unmaps × ${formatInt(mean)} cycles per INVLPG (the run's ` +
          `mean: ${formatInt(r.cycles.breakdown.invlpg)} INVLPG cycles / ${formatInt(r.counts.invlpg)} INVLPGs)`,
      );
    }
    for (const key of legend.keys) out.push(`  model ${explainKey(model, key)}`);
    out.push('');
  }
  return out.join('\n');
}
