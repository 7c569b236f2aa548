import type { CostForm } from './spec.ts';
import type { CostFn } from './types.ts';
import { lognormalParameters, sampleEmpirical, sampleNormal, sampleUniform, standardNormal } from './distributions.ts';
import { compileTable } from './table.ts';

/** Functions supplied by a code plug-in, by canonical key. */
export type HookTable = ReadonlyMap<string, CostFn>;

/**
 * Compiles one validated cost form into a CostFn, once, at load time: the returned closure does no
 * parsing or dispatch on the form, only arithmetic (and RNG draws for random forms).
 */
export function compileCost(form: CostForm, hooks: HookTable = new Map()): CostFn {
  if ('constant' in form) {
    const c = form.constant;
    return () => c;
  }
  if ('linear' in form) {
    const { a, b } = form.linear;
    return (n) => a + b * n;
  }
  if ('table' in form) {
    const table = compileTable(
      form.table.points.map((p) => p[0]),
      form.table.points.map((p) => p[1]),
      form.table.extrapolate,
    );
    return (n) => table(n);
  }
  if ('normal' in form) {
    const { mean, sd } = form.normal;
    return (_n, rng) => sampleNormal(mean, sd, rng);
  }
  if ('lognormal' in form) {
    const { mu, sigma } = lognormalParameters(form.lognormal.mean, form.lognormal.sd);
    return (_n, rng) => Math.exp(mu + sigma * standardNormal(rng));
  }
  if ('uniform' in form) {
    const { min, max } = form.uniform;
    return (_n, rng) => sampleUniform(min, max, rng);
  }
  if ('empirical' in form) {
    const samples = [...form.empirical];
    return (_n, rng) => sampleEmpirical(samples, rng);
  }
  const fn = hooks.get(form.hook);
  if (fn === undefined) throw new Error(`cost hook ${form.hook} was not supplied`);
  const scale = form.scale;
  return scale === 1 ? fn : (n, rng) => fn(n, rng) * scale;
}
