/**
 * The sweep specification: everything that decides which points a sweep has and what each computes.
 * It is plain JSON (saved as sweep.json in every output and shard output) and carries no output path,
 * job count or shard: those change how a sweep runs, never what it computes.
 */
import type { ConfigOptions } from '../layout/configs.ts';
import { canonicalJson, sha256 } from '../models/canonical-json.ts';
import type { Warmup } from '../result/run-spec.ts';

/** What a grid axis changes: a configuration value, a cost-model parameter, or a workload parameter. */
export type AxisKind = 'config' | 'model' | 'workload';

/** One `--grid KEY=V1,V2,...` option: its key, what it changes, and its values as typed. */
export interface SweepAxis {
  /** The key as typed (`ram`, `tlb.l1d.entries`, `workload.processes`). */
  readonly key: string;
  readonly kind: AxisKind;
  /** Values in the order given (the order of the points). */
  readonly values: readonly string[];
}

/** The trace every point replays: a fixed file, or one generated per point from a workload. */
export type SweepTrace =
  | { readonly kind: 'file'; readonly path: string }
  | {
      readonly kind: 'workload';
      /** Generator name (`hmsim gen --list`). */
      readonly workload: string;
      /** Fixed `--param NAME=VALUE` texts (grid axes `workload.NAME` add to them per point). */
      readonly params: readonly string[];
    };

/** Format tag of sweep.json. */
export const SWEEP_FORMAT = 'hmsim-sweep';
/** Version of the sweep.json layout. */
export const SWEEP_VERSION = 1;

/** A whole sweep, as parsed from the command line. */
export interface SweepSpec {
  /** Configuration names (`--configs`); empty: the one configuration the flags describe. */
  readonly configs: readonly string[];
  /** Fixed configuration flags (`--ram`, `--kernel`, ... and configuration `--set` keys). */
  readonly configOptions: ConfigOptions;
  /** Grid axes in the order given (the first varies slowest). */
  readonly axes: readonly SweepAxis[];
  /** Cost model name or path. */
  readonly model: string;
  /** Fixed model `--set` texts. */
  readonly modelSets: readonly string[];
  /** Replications of every grid cell (each with its own seed, shared by all cells). */
  readonly replications: number;
  /** Base seed. */
  readonly seed: number;
  readonly prefault: boolean;
  /** `--warmup` (absent without one, so the hash of a sweep without it is unchanged). */
  readonly warmup?: Warmup;
  /** `--model-uncertainty` (absent without it, so the hash of a sweep without it is unchanged). */
  readonly modelUncertainty?: true;
  readonly trace: SweepTrace;
}

/** Hex sha256 of the spec's canonical JSON: two outputs belong to the same sweep iff it is equal. */
export function specHash(spec: SweepSpec): string {
  return sha256(canonicalJson(spec));
}

/** Top-level fields in which two specs differ (for the merge error). */
export function specDifferences(a: SweepSpec, b: SweepSpec): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  return keys.filter((k) => canonicalJson(ra[k]) !== canonicalJson(rb[k]));
}

const FLAG_OF: Readonly<Record<string, string>> = {
  config: '--config',
  kernel: '--kernel',
  split: '--split',
  highmem: '--highmem',
  nrCpus: '--nr-cpus',
  cpus: '--cpus',
  ram: '--ram',
  ramBelow4g: '--ram-below-4g',
  vmalloc: '--vmalloc',
};

/**
 * The command line that reproduces the sweep, independent of how it was run (no --out, --jobs,
 * --shard): the provenance of a report, identical for an unsharded run and a merge of shards.
 */
export function canonicalCommand(spec: SweepSpec): string[] {
  const cmd = ['hmsim', 'sweep'];
  if (spec.trace.kind === 'file') cmd.push('--trace', spec.trace.path);
  else {
    cmd.push('--workload', spec.trace.workload);
    for (const p of spec.trace.params) cmd.push('--param', p);
  }
  if (spec.configs.length > 0) cmd.push('--configs', spec.configs.join(','));
  for (const [key, value] of Object.entries(spec.configOptions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (typeof value === 'boolean') cmd.push(value ? `--${key}` : `--no-${key}`);
    else if (value !== undefined) cmd.push(FLAG_OF[key] ?? `--${key}`, String(value));
  }
  cmd.push('--model', spec.model);
  for (const s of spec.modelSets) cmd.push('--set', s);
  for (const a of spec.axes) cmd.push('--grid', `${a.key}=${a.values.join(',')}`);
  cmd.push('--replications', String(spec.replications), '--seed', String(spec.seed));
  if (spec.prefault) cmd.push('--prefault');
  if (spec.modelUncertainty === true) cmd.push('--model-uncertainty');
  if (spec.warmup !== undefined) cmd.push('--warmup', 'records' in spec.warmup ? String(spec.warmup.records) : `${spec.warmup.percent}%`);
  return cmd;
}
