/**
 * Calibration experiments (calibration/*.json): a published measurement the cost models must reproduce,
 * as data — the workload (a generator with parameters, or a shipped trace), the configurations compared,
 * the metric, the CPU models it applies to, the published figure with the range its own uncertainty
 * allows, and its source (a row of ../shared/reference/cost-figures.md). Read and checked at the edge.
 */
import { rootPath } from '../package-root.ts';
import { readJsonFile } from '../io/json.ts';
import { readdirSync } from 'node:fs';
import { sep } from 'node:path';
import { InputError } from '../errors.ts';
import type { ConfigOptions } from '../layout/configs.ts';
import { CYCLE_CATEGORIES } from '../result/run-result.ts';

/** The shipped suite's folder (calibration/ at the repository root). */
export const CALIBRATION_DIR: string = rootPath('calibration') + sep;

/** A workload: a shipped trace, or a generator run once per parameter set (and per rate). */
export type Workload =
  | { readonly trace: string }
  | {
      readonly generator: string;
      /** One parameter set, or two (the metric compares them). */
      readonly params: Readonly<Record<string, number | string>> | ReadonlyArray<Readonly<Record<string, number | string>>>;
      /** Sets the generator's `compute` so the loop runs about this many calls per second at the model's clock (two: compared). */
      readonly perSecond?: number | readonly number[];
    };

/** What is measured. */
export type Metric =
  /** (cycles of configs[0] − cycles of configs[1]) / the workload's `calls`. */
  | { readonly kind: 'perCall'; readonly configs: readonly [ConfigRef, ConfigRef] }
  /** (measure of configs[0] / measure of configs[1] − 1) × 100. */
  | { readonly kind: 'overhead'; readonly configs: readonly [ConfigRef, ConfigRef]; readonly measure: Measure }
  /** overhead of workload variant 0 ÷ overhead of variant 1 (two parameter sets or two rates). */
  | { readonly kind: 'overheadRatio'; readonly configs: readonly [ConfigRef, ConfigRef]; readonly measure: Measure }
  /**
   * (cycles of `category` — one of CYCLE_CATEGORIES, or `total` for all of them — in variant 0 − in variant 1)
   * / ((pages[0] − pages[1]) × calls), under the first config. `pages` are the values of the workload
   * parameter the two variants differ in: pages per call, or a loop's iterations (then calls is 1).
   */
  | {
      readonly kind: 'perPageSlope';
      readonly category: string;
      readonly pages: readonly [number, number];
      readonly configs?: readonly [ConfigRef];
    }
  /**
   * (cr3Write + entries × walk(4)) / invlpg: pages at which one full flush and the refill of `entries`
   * translations cost as much as per-page INVLPGs (entries: default the model's L1 D-TLB + STLB).
   */
  | { readonly kind: 'crossover'; readonly entries?: number }
  /** costs.walk(refs). */
  | { readonly kind: 'walk'; readonly refs: number };

/** `elapsed`: the largest per-CPU clock; `system`: all cycles but the trace's compute; `total`: all cycles. */
export type Measure = 'elapsed' | 'system' | 'total';

/** A configuration: a preset name, or options (`{ "config": "3g1g-pae", "highpte": true }`). */
export type ConfigRef = string | ConfigOptions;

/** One experiment. */
export interface Experiment {
  readonly id: string;
  readonly title: string;
  /** Row ID(s) in cost-figures.md and the publication. */
  readonly source: string;
  readonly published: { readonly value: number; readonly low: number; readonly high: number; readonly unit: string };
  /** Why the range is what it is. */
  readonly tolerance: string;
  readonly workload?: Workload;
  readonly metric: Metric;
  /** Shipped models it applies to. */
  readonly models: readonly string[];
  /** False when a model's value was derived from this very figure (then `dependence` says which). */
  readonly independent: boolean;
  readonly dependence?: string;
  readonly note?: string;
  /** `miss` when a shipped model is known to fall outside the range (then `missReason` says why). */
  readonly expect?: Readonly<Record<string, 'pass' | 'miss'>>;
  readonly missReason?: string;
}

/** Label of a configuration reference. */
export function configLabel(c: ConfigRef): string {
  if (typeof c === 'string') return c;
  const extra = Object.entries(c)
    .filter(([k]) => k !== 'config')
    .map(([k, v]) => `${k}=${String(v)}`);
  return [c.config ?? 'custom', ...extra].join(' ');
}

/** Options of a configuration reference. */
export function configOptions(c: ConfigRef): ConfigOptions {
  return typeof c === 'string' ? { config: c } : c;
}

function check(cond: unknown, file: string, what: string): asserts cond {
  if (!cond) throw new InputError(`${file}: ${what}`);
}

/** Reads and checks one experiment file. */
export function readExperiment(path: string): Experiment {
  const name = path.split('/').pop() ?? path;
  const doc = readJsonFile(path, name, 'a JSON calibration experiment');
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new InputError(`${name}: expected a JSON object at the top level`);
  const e = doc as Record<string, unknown>;
  check(typeof e['id'] === 'string' && `${e['id']}.json` === name, name, `field 'id' must equal the file name without .json`);
  for (const k of ['title', 'source', 'tolerance'])
    check(typeof e[k] === 'string' && (e[k] as string).length > 0, name, `field '${k}' must be a non-empty string`);
  const p = e['published'] as Record<string, unknown> | undefined;
  check(
    typeof p === 'object' &&
      p !== null &&
      [p['value'], p['low'], p['high']].every((v) => typeof v === 'number') &&
      typeof p['unit'] === 'string',
    name,
    `field 'published' must be { value, low, high: numbers, unit: string }`,
  );
  check(
    (p['low'] as number) <= (p['value'] as number) && (p['value'] as number) <= (p['high'] as number),
    name,
    `published range must hold its value (low ≤ value ≤ high)`,
  );
  check(
    Array.isArray(e['models']) && (e['models'] as unknown[]).every((m) => typeof m === 'string'),
    name,
    `field 'models' must be an array of model names`,
  );
  check(typeof e['independent'] === 'boolean', name, `field 'independent' must be true or false`);
  check(e['independent'] === true || typeof e['dependence'] === 'string', name, `a dependent experiment must say how in 'dependence'`);
  const m = e['metric'] as { kind?: unknown } | undefined;
  const kinds = ['perCall', 'overhead', 'overheadRatio', 'perPageSlope', 'crossover', 'walk'];
  check(
    typeof m === 'object' && m !== null && kinds.includes(m.kind as string),
    name,
    `field 'metric.kind' must be one of ${kinds.join(', ')}`,
  );
  if (m.kind === 'perPageSlope') {
    const cat = (m as { category?: unknown }).category;
    const cats = [...CYCLE_CATEGORIES, 'total'];
    check(typeof cat === 'string' && cats.includes(cat), name, `field 'metric.category' must be one of ${cats.join(', ')}`);
  }
  const needsWorkload = !['crossover', 'walk'].includes(m.kind as string);
  check(!needsWorkload || typeof e['workload'] === 'object', name, `metric ${String(m.kind)} needs a 'workload'`);
  return e as unknown as Experiment;
}

/** Every experiment of the shipped suite (or of `dir`), sorted by id. */
export function loadSuite(dir: string = CALIBRATION_DIR): Experiment[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (err) {
    throw new InputError(`${dir}: ${(err as Error).message}`);
  }
  return files.sort().map((f) => readExperiment(`${dir.endsWith('/') ? dir : `${dir}/`}${f}`));
}
