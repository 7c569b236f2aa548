import type { CostForm, ResolvedParam } from './spec.ts';

/**
 * One-line human text of a parameter value, as `hmsim models show` prints it.
 * @example formatValue({ key: 'costs.ipi', kind: 'cost', value: { linear: { a: 540, b: 100 } } }) === '540 + 100·n'
 */
export function formatValue(p: ResolvedParam): string {
  if (p.kind !== 'cost') return String(p.value);
  return formatCost(p.value);
}

/** One-line text of a cost form. */
export function formatCost(f: CostForm): string {
  if ('constant' in f) return num(f.constant);
  if ('linear' in f) return f.linear.a === 0 ? `${num(f.linear.b)}·n` : `${num(f.linear.a)} + ${num(f.linear.b)}·n`;
  if ('table' in f) return `table ${f.table.points.map(([x, y]) => `${num(x)}→${num(y)}`).join(', ')} (${f.table.extrapolate})`;
  if ('normal' in f) return `normal(mean ${num(f.normal.mean)}, sd ${num(f.normal.sd)})`;
  if ('lognormal' in f) return `lognormal(mean ${num(f.lognormal.mean)}, sd ${num(f.lognormal.sd)})`;
  if ('uniform' in f) return `uniform[${num(f.uniform.min)}, ${num(f.uniform.max)})`;
  if ('empirical' in f) return `empirical(${f.empirical.length} samples)`;
  return f.scale === 1 ? `plug-in function` : `plug-in function × ${num(f.scale)}`;
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

/** Provenance flags in a short column: `borrowed from westmere`, `unverified`, `within ×2`. */
export function formatFlags(p: ResolvedParam): string {
  const flags: string[] = [];
  if (p.borrowedFrom !== undefined) flags.push(`borrowed from ${p.borrowedFrom}`);
  if (p.unverified === true) flags.push('unverified');
  if (p.within !== undefined) flags.push(`within ×${p.within}`);
  return flags.join('; ');
}
