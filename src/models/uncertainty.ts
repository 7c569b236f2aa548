/**
 * Model uncertainty: a cost that is an anchor known only to within a factor (`within` in the model file,
 * spec.ts — the shipped models put 2 on every estimate no source confirms, a ±2× anchor) is not one
 * number but a range. `--model-uncertainty` makes each replication draw one value from each such range,
 * so the spread of the replications (and the intervals of reports) is the model's uncertainty as well as
 * the trace's noise.
 *
 * A draw scales every uncertain cost by a factor f = within^(2u − 1), u uniform in [0, 1) — log-uniform
 * in [1 / within, within], so 1/2 and 2 are as likely as each other — from an RNG seeded with
 * deriveSeed(seed, 'model-uncertainty'), one u per uncertain cost in canonical key order. The seed is the
 * replication's, the same for every configuration of that replication (replicationSeeds): configurations
 * compared in one replication share one draw, and their difference is paired.
 *
 * Scaling multiplies every number of the form that is cycles: constant, linear a and b, table y values,
 * the mean and sd of normal/lognormal, uniform bounds, empirical samples, a plug-in hook's scale.
 */
import { createRng, deriveSeed } from '../random/rng.ts';
import { sha256 } from './canonical-json.ts';
import type { CostForm, ResolvedModel, ResolvedParam } from './spec.ts';

/** What a draw did: the seed it was drawn with and the factor of each uncertain cost. */
export interface ModelDraw {
  readonly seed: number;
  /** Hash of the model as written (the drawn model's own hash covers the factors too). */
  readonly base: string;
  /** Canonical cost key → the factor its value was multiplied by. */
  readonly factors: Readonly<Record<string, number>>;
}

/** `form` with every cycle figure multiplied by `s`. */
export function scaleCostForm(form: CostForm, s: number): CostForm {
  if ('constant' in form) return { constant: form.constant * s };
  if ('linear' in form) return { linear: { a: form.linear.a * s, b: form.linear.b * s } };
  if ('table' in form) return { table: { ...form.table, points: form.table.points.map(([n, y]) => [n, y * s] as const) } };
  if ('normal' in form) return { normal: { mean: form.normal.mean * s, sd: form.normal.sd * s } };
  if ('lognormal' in form) return { lognormal: { mean: form.lognormal.mean * s, sd: form.lognormal.sd * s } };
  if ('uniform' in form) return { uniform: { min: form.uniform.min * s, max: form.uniform.max * s } };
  if ('empirical' in form) return { empirical: form.empirical.map((v) => v * s) };
  return { hook: form.hook, scale: form.scale * s };
}

/** The costs of `model` known to within a factor, as [key, within], in the model's (canonical) key order. */
export function uncertainCosts(model: ResolvedModel): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const [key, p] of model.params) if (p.kind === 'cost' && p.within !== undefined && p.within > 1) out.push([key, p.within]);
  return out;
}

/**
 * One draw of `model`'s uncertain costs with `seed` (see the module comment): the model with those costs
 * scaled, its hash (the original's and the factors'), and what was drawn.
 */
export function drawModel(model: ResolvedModel, hash: string, seed: number): { model: ResolvedModel; hash: string; draw: ModelDraw } {
  const rng = createRng(deriveSeed(seed, 'model-uncertainty'));
  const factors: Record<string, number> = {};
  const params = new Map<string, ResolvedParam>(model.params);
  for (const [key, within] of uncertainCosts(model)) {
    const f = within ** (2 * rng.next() - 1);
    factors[key] = f;
    const p = params.get(key)!;
    if (p.kind === 'cost') params.set(key, { ...p, value: scaleCostForm(p.value, f) });
  }
  return { model: { ...model, params }, hash: sha256(hash, JSON.stringify(factors)), draw: { seed, base: hash, factors } };
}
