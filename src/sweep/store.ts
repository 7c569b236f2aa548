/**
 * What a sweep keeps on disk, inside its output folder:
 *
 *   OUT/sweep.json          the spec, its hash, the shard (null: the whole sweep) — written last
 *   OUT/points/<id>.json    one finished point: id, index, input hash, cell label, RunResult
 *   OUT/traces/             generated workload traces while the sweep runs (a cache, not kept)
 *
 * Point files are written atomically as each point finishes, so an interrupted sweep keeps every
 * finished point; a restarted sweep reuses a point file only when its input hash still matches.
 */
import { runResultShape } from '../check/run-result-shape.ts';
import { readJsonFile } from '../io/json.ts';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { RunResult } from '../result/run-result.ts';
import type { Shard } from './shard.ts';
import { SWEEP_FORMAT, SWEEP_VERSION, type SweepSpec } from './spec.ts';

/** Format tag of a point file. */
export const POINT_FORMAT = 'hmsim-sweep-point';

/** Sub-folder of finished points. */
export const POINTS_DIR = 'points';
/** Sub-folder of generated traces (a cache while the sweep runs). */
export const TRACES_DIR = 'traces';
/** The sweep description file. */
export const SWEEP_FILE = 'sweep.json';

/** A finished point as saved. */
export interface PointRecord {
  readonly format: typeof POINT_FORMAT;
  readonly version: typeof SWEEP_VERSION;
  readonly id: string;
  readonly index: number;
  /** The task's input hash (see plan.ts). */
  readonly hash: string;
  /** Grid cell label (the configuration name in reports). */
  readonly cell: string;
  readonly result: RunResult;
}

/** The content of sweep.json. */
export interface SweepFile {
  readonly format: typeof SWEEP_FORMAT;
  readonly version: typeof SWEEP_VERSION;
  readonly specHash: string;
  /** Points in the whole sweep. */
  readonly points: number;
  /** The shard this folder holds; null: the whole sweep. */
  readonly shard: Shard | null;
  /** Commit of the hmsim checkout that wrote the folder (null outside git): the report's provenance. */
  readonly gitCommit: string | null;
  readonly spec: SweepSpec;
}

/** Point file text (deterministic). */
export function pointJson(record: PointRecord): string {
  return `${JSON.stringify(record)}\n`;
}

/** Saves a finished point atomically. */
export async function savePoint(outDir: string, record: PointRecord): Promise<void> {
  await writeFileAtomic(join(outDir, POINTS_DIR, `${record.id}.json`), pointJson(record));
}

/** A saved point, or null when it is absent or unreadable (then it is simply recomputed). */
export async function loadPoint(outDir: string, id: string): Promise<PointRecord | null> {
  const path = join(outDir, POINTS_DIR, `${id}.json`);
  if (!existsSync(path)) return null;
  try {
    const r = JSON.parse(await readFile(path, 'utf8')) as Partial<PointRecord>;
    if (r.format !== POINT_FORMAT || r.id !== id || typeof r.hash !== 'string' || !sameShape(r.result, runResultShape(), 3)) return null;
    return r as PointRecord;
  } catch {
    return null;
  }
}

/**
 * True when `v` has every field of `shape` with the same kind of value (number, string, boolean, array,
 * object), `depth` levels down: a damaged point file (`"result": {}`, a total written as null) is then
 * treated as absent.
 */
function sameShape(v: unknown, shape: unknown, depth: number): boolean {
  if (Array.isArray(shape)) return Array.isArray(v);
  if (shape === null || typeof shape !== 'object') {
    // A primitive field: the same type (a number finite: NaN and Infinity were written as null); where
    // the shape holds null (time.requestsPerSecond, config.vmallocBytes) a number or null.
    if (shape === null) return v === null || (typeof v === 'number' && Number.isFinite(v));
    return typeof v === typeof shape && (typeof v !== 'number' || Number.isFinite(v));
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  if (depth === 0) return true;
  const o = v as Record<string, unknown>;
  return Object.entries(shape as Record<string, unknown>).every(([k, s]) => Object.hasOwn(o, k) && sameShape(o[k], s, depth - 1));
}

/** Every readable point file of a folder (merge). */
export async function loadAllPoints(dir: string): Promise<PointRecord[]> {
  const pdir = join(dir, POINTS_DIR);
  if (!existsSync(pdir)) return [];
  // Hidden names are temporaries of an interrupted write.
  const names = (await readdir(pdir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  const out: PointRecord[] = [];
  for (const n of names) {
    const r = await loadPoint(dir, n.slice(0, -'.json'.length));
    if (r !== null) out.push(r);
  }
  return out;
}

/** sweep.json text (deterministic). */
export function sweepFileJson(file: SweepFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Reads DIR/sweep.json; a folder without one is not a sweep output (UserError naming the folder). */
export async function readSweepFile(dir: string): Promise<SweepFile> {
  const path = join(dir, SWEEP_FILE);
  if (!existsSync(path)) throw new InputError(`merge: ${dir} has no ${SWEEP_FILE} (expected the --out folder of an hmsim sweep)`);
  const doc = readJsonFile(path, `merge: ${path}`, 'an hmsim sweep file');
  const parsed = (doc !== null && typeof doc === 'object' ? doc : {}) as Partial<SweepFile>;
  if (parsed.format !== SWEEP_FORMAT || typeof parsed.specHash !== 'string' || parsed.spec === undefined) {
    throw new InputError(`merge: ${path}: not an hmsim sweep file (expected format "${SWEEP_FORMAT}")`);
  }
  if (parsed.version !== SWEEP_VERSION)
    throw new InputError(`merge: ${path}: sweep file version ${String(parsed.version)} (this hmsim reads version ${SWEEP_VERSION})`);
  return parsed as SweepFile;
}
