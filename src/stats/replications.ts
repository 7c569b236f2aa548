import { deriveSeed } from '../random/rng.ts';

/**
 * The seeds of `r` replications from the base seed `seed`: replication i runs with
 * deriveSeed(seed, 'replication', i). Every configuration uses the same list, so replication i of two
 * configurations shares its random stream (common random numbers) and overheads can be paired.
 * @example replicationSeeds(1, 3).length === 3
 */
export function replicationSeeds(seed: number, r: number): number[] {
  if (!Number.isInteger(r) || r < 1) throw new Error(`replicationSeeds: r must be a positive integer, got ${r}`);
  return Array.from({ length: r }, (_, i) => deriveSeed(seed, 'replication', i));
}
