/** `--shard i/n`: shard i (0-based, as JOB_COMPLETION_INDEX and a 0-based Slurm array give it) of n. */
import { UsageError } from '../errors.ts';

/** One shard of a sweep. */
export interface Shard {
  /** 0-based shard index, < count. */
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n` (0 ≤ i < n); `--shard` absent → null (the whole sweep). */
export function parseShard(text: string | undefined): Shard | null {
  if (text === undefined) return null;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (m === null) throw new UsageError(`--shard '${text}': expected i/n with 0 ≤ i < n (e.g. --shard 0/4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${text}: expected i/n with 0 ≤ i < n (shard indices start at 0)`);
  return { index, count };
}
