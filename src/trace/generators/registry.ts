import { UsageError } from '../../errors.ts';
import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import type { GenEmitter } from './emitter.ts';
import type { ParamSpec, ParamValues } from './params.ts';
import { fileserver } from './fileserver.ts';
import { database } from './database.ts';
import { build } from './build.ts';
import { stream } from './stream.ts';
import { kmapStorm } from './kmap-storm.ts';
import { forkexec } from './forkexec.ts';
import { syscallLoop } from './syscall-loop.ts';

/** A workload generator: declared parameters and a deterministic run (same params + RNG → same records). */
export interface Generator {
  /** Name as typed after `hmsim gen`. */
  readonly name: string;
  /** One line for `hmsim gen --list`. */
  readonly description: string;
  /** Longer explanation for `hmsim gen NAME --help`: what the trace contains. */
  readonly details: string;
  readonly params: readonly ParamSpec[];
  /** CPUs of the trace for these parameters. */
  cpus(p: ParamValues): number;
  /** Checks combinations of parameters (single values are checked by their spec); throws UserError. */
  validate?(p: ParamValues): void;
  /**
   * Keys the trace header's provenance gets for these parameters besides the generator's name, seed and
   * parameters: `files` (sizes of the files, [first id, last id, bytes] ranges — readahead stops at end
   * of file), `requestSyscall` (the syscall number that marks one request: throughput), `imitates`.
   */
  header?(p: ParamValues): Record<string, unknown>;
  /** Writes the workload's records (synchronously, streaming) through `out`. */
  run(p: ParamValues, rng: Rng, out: GenEmitter): void;
}

/** Every generator by name (`hmsim gen --list`). */
export const GENERATORS: ReadonlyMap<string, Generator> = new Map(
  [fileserver, database, build, stream, kmapStorm, forkexec, syscallLoop].map((g) => [g.name, g] as const),
);

/** The generator called `name`; an unknown name is a UserError listing the known ones. */
export function getGenerator(name: string): Generator {
  const g = GENERATORS.get(name);
  if (!g) throw new UsageError(`gen: unknown workload '${name}' (expected one of: ${[...GENERATORS.keys()].join(', ')})`);
  return g;
}
