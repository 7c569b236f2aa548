import { deriveSeed } from '../random/rng.ts';

/**
 * The seeds of `r` replications from the base seed `seed` — the one seed rule of run, compare, sweep and
 * check: replication 0 runs with the seed itself, replication i ≥ 1 with deriveSeed(seed, 'replication', i).
 * So one replication is `hmsim run --seed S`, and adding replications never changes the earlier ones.
 * Every configuration uses the same list, so replication i of two configurations shares its random
 * stream (common random numbers) and overheads can be paired.
 * @example replicationSeeds(7, 3)[0] === 7
 */
export function replicationSeeds(seed: number, r: number): number[] {
  if (!Number.isInteger(r) || r < 1) throw new Error(`replicationSeeds: r must be a positive integer, got ${r}`);
  return Array.from({ length: r }, (_, i) => (i === 0 ? seed : deriveSeed(seed, 'replication', i)));
}
