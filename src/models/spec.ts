/**
 * The data shapes of a cost model before it is compiled into CostFns.
 *
 * A cost is written in one of these forms (exactly one form key per cost object):
 * - `232` or `{ "constant": 232 }`                       — always 232 cycles
 * - `{ "linear": { "a": 1000, "b": 230 } }`              — a + b·n cycles
 * - `{ "table": { "points": [[1, 1276], [33, 8534]], "extrapolate": "clamp" } }`
 *                                                          — piecewise-linear in n through the points;
 *                                                            outside them clamp (default) or extend the end segment
 * - `{ "normal": { "mean": 232, "sd": 20 } }`            — sampled, negative samples read as 0
 * - `{ "lognormal": { "mean": 232, "sd": 50 } }`         — sampled; mean and sd of the distribution itself
 * - `{ "uniform": { "min": 200, "max": 260 } }`          — sampled in [min, max)
 * - `{ "empirical": [230, 232, 240] }`                   — one of the samples, each equally likely
 * Random forms draw from the run's seeded RNG; they do not depend on n.
 * A cost object may also carry provenance: `source` (citation), `borrowedFrom` (the CPU whose figure is
 * used because none exists for this one), `note`, `unverified: true`, and `within: F` (the figure is an
 * anchor known to within a factor F: the true cost lies in [value / F, value × F]; `--model-uncertainty`
 * draws a factor in that range for each replication, src/models/uncertainty.ts).
 */

/** How a table behaves outside its first and last points. */
export type Extrapolate = 'clamp' | 'linear';

/** The value of a cost, by form. */
export type CostForm =
  | { readonly constant: number }
  | { readonly linear: { readonly a: number; readonly b: number } }
  | { readonly table: { readonly points: ReadonlyArray<readonly [number, number]>; readonly extrapolate: Extrapolate } }
  | { readonly normal: { readonly mean: number; readonly sd: number } }
  | { readonly lognormal: { readonly mean: number; readonly sd: number } }
  | { readonly uniform: { readonly min: number; readonly max: number } }
  | { readonly empirical: readonly number[] }
  /** A function from a code plug-in (not expressible in JSON), multiplied by `scale`. */
  | { readonly hook: string; readonly scale: number };

/** Names of the cost forms that may appear in a model file. */
export const COST_FORMS = ['constant', 'linear', 'table', 'normal', 'lognormal', 'uniform', 'empirical'] as const;

/** Where a value comes from. */
export interface Provenance {
  /** Citation: a row or section of cost-figures.md, or another reference. Required on shipped models. */
  readonly source?: string;
  /** The CPU whose figure stands in for this one, when no measurement exists for this CPU. */
  readonly borrowedFrom?: string;
  readonly note?: string;
  /** True when the figure is an estimate that no source confirms. */
  readonly unverified?: boolean;
  /** Costs only: the figure is known to within this factor (≥ 1): the true cost lies in [value / within, value × within]. */
  readonly within?: number;
}

/** Names of the provenance fields. */
export const PROVENANCE_KEYS = ['source', 'borrowedFrom', 'note', 'unverified', 'within'] as const;

/** A validated parameter: its canonical key, value and provenance. */
export type ResolvedParam = Provenance &
  (
    | { readonly key: string; readonly kind: 'cost'; readonly value: CostForm }
    | { readonly key: string; readonly kind: 'count' | 'positiveCount' | 'positive' | 'nonNegative'; readonly value: number }
    | { readonly key: string; readonly kind: 'enum' | 'device'; readonly value: string }
  );

/** A validated, fully resolved model: every canonical parameter present. */
export interface ResolvedModel {
  /** Registry name = file name = report label. */
  readonly name: string;
  readonly description: string;
  /** Where the model came from (file path or shipped name), for messages. */
  readonly origin: string;
  /** The chain of models it extends, nearest first. */
  readonly extends: readonly string[];
  /** Every parameter by canonical key, in PARAMS order. */
  readonly params: ReadonlyMap<string, ResolvedParam>;
}
