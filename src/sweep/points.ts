/**
 * Expansion of a sweep spec into its points, in a fixed order: configurations (outermost), then each
 * grid axis in the order given, then replications (innermost). A point is one replay. Its index is
 * its place in that order; its id (`3g1g-highmem-ram=2G-r1-1a2b3c4d`) names it in points/ and depends
 * only on its configuration, axis values and replication — not on how the sweep is run (jobs, shards),
 * nor on the other grid values (a grown grid reuses the points it already has).
 */
import { replicationSeeds } from '../stats/replications.ts';
import { deriveSeed } from '../random/rng.ts';
import { sha256 } from '../models/canonical-json.ts';
import type { SweepSpec } from './spec.ts';

/** One point: a configuration, a value of every axis, a replication. */
export interface SweepPoint {
  /** Position in the expansion order (0-based). */
  readonly index: number;
  /** Stable id, also the file name under points/ (without .json). */
  readonly id: string;
  /** Configuration name from --configs, or null for the configuration the flags describe. */
  readonly config: string | null;
  /** Value of every axis, keyed by axis key, in axis order (the text as given). */
  readonly coords: Readonly<Record<string, string>>;
  /** Replication index (0-based). */
  readonly replication: number;
  /** Seed of the replay (shared by every cell's replication of this index: overheads pair by seed). */
  readonly seed: number;
  /** Seed of the generated trace (workload sweeps), else null. */
  readonly traceSeed: number | null;
}

/** Number of points of a spec. */
export function pointCount(spec: SweepSpec): number {
  return Math.max(spec.configs.length, 1) * spec.axes.reduce((n, a) => n * a.values.length, 1) * spec.replications;
}

/** Every point of `spec`, in index order. */
export function expandPoints(spec: SweepSpec): SweepPoint[] {
  const seeds = replicationSeeds(spec.seed, spec.replications);
  const configs: Array<string | null> = spec.configs.length > 0 ? [...spec.configs] : [null];
  const points: SweepPoint[] = [];
  let combos: Array<Record<string, string>> = [{}];
  for (const axis of spec.axes) combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })));
  for (const config of configs) {
    for (const coords of combos) {
      for (let r = 0; r < spec.replications; r++) {
        const index = points.length;
        points.push({
          index,
          id: pointId(config, coords, r),
          config,
          coords,
          replication: r,
          seed: seeds[r] as number,
          traceSeed: spec.trace.kind === 'workload' ? deriveSeed(spec.seed, 'workload', r) : null,
        });
      }
    }
  }
  return points;
}

/** The label of a point's grid cell (configuration and axis values, not the replication). */
export function cellLabel(point: Pick<SweepPoint, 'config' | 'coords'>, fallbackConfig: string): string {
  return [point.config ?? fallbackConfig, ...Object.entries(point.coords).map(([k, v]) => `${k}=${v}`)].join(' ');
}

function pointId(config: string | null, coords: Record<string, string>, r: number): string {
  const parts = [...(config === null ? [] : [config]), ...Object.entries(coords).map(([k, v]) => `${k}=${v}`), `r${r}`];
  // A readable, portable file name (anything outside [A-Za-z0-9._=+-] becomes '_', long names are cut),
  // made unique by a short hash of the exact coordinates.
  const readable = parts
    .join('-')
    .replace(/[^A-Za-z0-9._=+-]/g, '_')
    .slice(0, 100);
  return `${readable}-${sha256(JSON.stringify([config, Object.entries(coords), r])).slice(0, 8)}`;
}

/** The points of shard `i` of `n`: every point whose index is i modulo n (balanced, deterministic). */
export function shardPoints(points: readonly SweepPoint[], shard: { index: number; count: number } | null): SweepPoint[] {
  if (shard === null) return [...points];
  return points.filter((p) => p.index % shard.count === shard.index);
}
