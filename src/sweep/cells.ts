/**
 * Grid cells: the points of one configuration and one value of every axis, across replications.
 * Per cell: mean total cycles and elapsed time with their 95% intervals, and (with two or more
 * configurations) their overheads relative to the first configuration at the same axis values, paired by seed.
 */
import type { RunResult } from '../result/run-result.ts';
import { meanInterval, type Interval } from '../stats/interval.ts';
import { overheadVsBaseline, type Overhead } from '../stats/overhead.ts';
import type { SweepPoint } from './points.ts';

/** One cell's statistics (over its feasible replications). */
export interface SweepCell {
  /** Cell label (the configuration name of its runs in the report). */
  readonly cell: string;
  /** Configuration name. */
  readonly config: string;
  /** Axis values as given. */
  readonly coords: Readonly<Record<string, string>>;
  readonly replications: number;
  /** True when every replication was feasible. */
  readonly feasible: boolean;
  /** Total cycles; null when no replication was feasible. */
  readonly totalCycles: Interval | null;
  /** Overhead vs the first configuration at the same axis values, percent; null for it or when not computable. */
  readonly overhead: Overhead | null;
  /** Elapsed time, seconds (RunResult.time: the slowest CPU's cycles and device waits); null when no replication was feasible. */
  readonly elapsedSeconds: Interval | null;
  /** Time the CPUs waited on the device, seconds, summed over CPUs; null when no replication was feasible. */
  readonly ioWaitSeconds: Interval | null;
  /** The elapsed time's overhead vs the same baseline as `overhead`, percent. */
  readonly elapsedOverhead: Overhead | null;
  /** RAM installed, usable and lost under the cell's configuration (RunResult.config.ram), bytes; null when unknown. */
  readonly ram: { readonly installedBytes: number; readonly usableBytes: number; readonly lostBytes: number } | null;
}

/** A finished point with its result, as the report consumes it. */
export interface FinishedPoint {
  readonly point: SweepPoint;
  readonly cell: string;
  readonly result: RunResult;
}

function ramOf(r: RunResult): SweepCell['ram'] {
  const ram = r.config['ram'] as { installedBytes?: unknown; usableBytes?: unknown; lostBytes?: unknown } | undefined;
  if (
    ram === undefined ||
    typeof ram.installedBytes !== 'number' ||
    typeof ram.usableBytes !== 'number' ||
    typeof ram.lostBytes !== 'number'
  )
    return null;
  return { installedBytes: ram.installedBytes, usableBytes: ram.usableBytes, lostBytes: ram.lostBytes };
}

/** The cells of a sweep, in point order. `finished` must be in index order. */
export function sweepCells(finished: readonly FinishedPoint[]): SweepCell[] {
  const groups = new Map<string, FinishedPoint[]>();
  for (const f of finished) {
    const g = groups.get(f.cell);
    if (g) g.push(f);
    else groups.set(f.cell, [f]);
  }
  const configOf = (f: FinishedPoint): string => f.point.config ?? f.result.configName;
  const firstConfig = finished[0] === undefined ? '' : configOf(finished[0]);
  const coordsKey = (c: Readonly<Record<string, string>>): string => JSON.stringify(c);
  const baseByCoords = new Map<string, FinishedPoint[]>();
  for (const g of groups.values()) {
    const f = g[0] as FinishedPoint;
    if (configOf(f) === firstConfig) baseByCoords.set(coordsKey(f.point.coords), g);
  }
  const multiConfig = new Set(finished.map(configOf)).size > 1;
  const cells: SweepCell[] = [];
  for (const [cell, g] of groups) {
    const f = g[0] as FinishedPoint;
    const config = configOf(f);
    const ok = g.filter((x) => x.result.feasible);
    const base = (baseByCoords.get(coordsKey(f.point.coords)) ?? []).filter((x) => x.result.feasible);
    const seeded = (xs: readonly FinishedPoint[], value: (r: RunResult) => number = (r) => r.cycles.total) =>
      xs.map((x) => ({ seed: x.result.seed, value: value(x.result) }));
    const elapsed = (r: RunResult): number => r.time.elapsedSeconds;
    const versus = multiConfig && config !== firstConfig && ok.length > 0 && base.length > 0;
    cells.push({
      cell,
      config,
      coords: f.point.coords,
      replications: g.length,
      feasible: ok.length === g.length,
      totalCycles: ok.length > 0 ? meanInterval(ok.map((x) => x.result.cycles.total)) : null,
      overhead: versus ? overheadVsBaseline(seeded(ok), seeded(base)) : null,
      elapsedSeconds: ok.length > 0 ? meanInterval(ok.map((x) => elapsed(x.result))) : null,
      ioWaitSeconds: ok.length > 0 ? meanInterval(ok.map((x) => x.result.time.ioWaitSeconds)) : null,
      elapsedOverhead: versus ? overheadVsBaseline(seeded(ok, elapsed), seeded(base, elapsed)) : null,
      ram: ramOf(f.result),
    });
  }
  return cells;
}
