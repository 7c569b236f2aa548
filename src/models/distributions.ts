import type { Rng } from './types.ts';

/**
 * Samplers for the random cost forms. Each draws only from the RNG it is given (no hidden state, so the
 * same RNG sequence always gives the same samples, whatever else the model was used for before).
 */

/**
 * A standard normal deviate by the Box-Muller transform; consumes exactly two uniforms.
 * @example standardNormal(createRng(1)) // a number, the same for every call sequence from seed 1
 */
export function standardNormal(rng: Rng): number {
  const u1 = 1 - rng.next(); // (0, 1]: log is finite
  const u2 = rng.next();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Normal(mean, sd) in cycles; a negative draw reads as 0 (a cost cannot be negative). */
export function sampleNormal(mean: number, sd: number, rng: Rng): number {
  const x = mean + sd * standardNormal(rng);
  return x > 0 ? x : 0;
}

/** The (mu, sigma) of the underlying normal of a lognormal with the given arithmetic mean and sd. */
export function lognormalParameters(mean: number, sd: number): { mu: number; sigma: number } {
  const sigma2 = Math.log(1 + (sd * sd) / (mean * mean));
  return { mu: Math.log(mean) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
}

/** Uniform in [min, max). */
export function sampleUniform(min: number, max: number, rng: Rng): number {
  return min + (max - min) * rng.next();
}

/** One of the samples, each equally likely. */
export function sampleEmpirical(samples: readonly number[], rng: Rng): number {
  return samples[Math.floor(rng.next() * samples.length)] ?? 0;
}
