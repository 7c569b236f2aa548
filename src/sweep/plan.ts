/**
 * Planning: every point of a spec becomes a self-contained, serializable PointTask (what a worker
 * thread needs), and every configuration (with its layout), model and workload combination is validated
 * once, up front, by the run service, so a bad grid value fails in milliseconds with a line naming
 * `--grid`, not after hours of points.
 *
 * A task's `hash` covers everything its result depends on (resolved configuration, model hash, trace
 * identity, seed, prefault, hmsim version): a saved point is reused only when its hash still matches.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UserError, InputError } from '../errors.ts';
import { setConfigOption, type ConfigOptions } from '../layout/configs.ts';
import { canonicalJson, sha256 } from '../models/canonical-json.ts';
import { getGenerator } from '../trace/generators/registry.ts';
import { parseParams } from '../trace/generators/params.ts';
import { RunService } from '../run/service.ts';
import { HMSIM_VERSION } from '../version.ts';
import { WORKLOAD_PREFIX } from './grid.ts';
import { cellLabel, type SweepPoint } from './points.ts';
import type { SweepSpec } from './spec.ts';
import type { Warmup } from '../result/run-spec.ts';
import { openTrace } from '../trace/hmt/reader.ts';

/** How to generate a point's trace (workload sweeps). */
export interface TraceGen {
  readonly workload: string;
  /** `NAME=VALUE` texts: the fixed --param ones, then the grid's. */
  readonly params: readonly string[];
  readonly seed: number;
  /** Cache key: equal keys → the same trace file. */
  readonly key: string;
}

/** One point, ready to execute anywhere (plain data; crosses the worker boundary). */
export interface PointTask {
  readonly index: number;
  readonly id: string;
  /** Hex sha256 of the point's inputs (see the module comment). */
  readonly hash: string;
  /** Label of the point's grid cell (configuration and axis values): the configuration name in reports. */
  readonly cell: string;
  readonly configOptions: ConfigOptions;
  readonly modelName: string;
  readonly modelSets: readonly string[];
  readonly seed: number;
  readonly prefault: boolean;
  readonly warmup?: Warmup;
  readonly modelUncertainty?: true;
  /** Where the trace file is (generated traces: where it will be). */
  readonly tracePath: string;
  /** The trace's name in results (`trace.path`): the same wherever the sweep runs. */
  readonly traceLabel: string;
  readonly gen: TraceGen | null;
}

/**
 * The trace's identity in point hashes: the content digest an uncompressed HMT 2.0 file stores in its
 * footer (read at open, no pass over the records), as `content:HEX`; otherwise the SHA-256 of the file's
 * bytes. A compressed file's footer is only known after decompressing it all, which costs more than
 * hashing the compressed bytes.
 */
export async function traceIdentity(path: string): Promise<string> {
  const reader = await openTrace(path);
  if (reader.digest === 'content' && reader.footer?.sha256 !== undefined) return `content:${reader.footer.sha256}`;
  return fileSha256(path);
}

/** Hex sha256 of a file's bytes. */
async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The configuration options of a point: fixed flags, its configuration name, its config-axis values. */
export function pointConfigOptions(spec: SweepSpec, point: SweepPoint): ConfigOptions {
  const opts: ConfigOptions = { ...spec.configOptions };
  if (point.config !== null) opts.config = point.config;
  for (const axis of spec.axes) {
    if (axis.kind !== 'config') continue;
    const v = point.coords[axis.key] as string;
    setConfigOption(opts, axis.key, v, `--grid ${axis.key}`);
  }
  return opts;
}

/** The model `--set` texts of a point: the fixed ones, then its model-axis values. */
export function pointModelSets(spec: SweepSpec, point: SweepPoint): string[] {
  return [...spec.modelSets, ...spec.axes.filter((a) => a.kind === 'model').map((a) => `${a.key}=${point.coords[a.key] as string}`)];
}

/** The workload `--param` texts of a point: the fixed ones, then its workload-axis values. */
export function pointWorkloadParams(spec: SweepSpec, point: SweepPoint): string[] {
  if (spec.trace.kind !== 'workload') return [];
  return [
    ...spec.trace.params,
    ...spec.axes.filter((a) => a.kind === 'workload').map((a) => `${a.key.slice(WORKLOAD_PREFIX.length)}=${point.coords[a.key] as string}`),
  ];
}

/** The axis values of `point` of the given kind, as `--grid k=v` text for messages. */
function gridText(spec: SweepSpec, point: SweepPoint, kind: string): string {
  return spec.axes
    .filter((a) => a.kind === kind)
    .map((a) => `${a.key}=${point.coords[a.key] as string}`)
    .join(' ');
}

/** Rethrows a UserError raised for a grid value as one line (a multi-line problem list joined) naming `--grid`. */
async function underGrid<T>(label: string, body: () => T | Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UserError && label !== '')
      throw err.withMessage(
        `--grid ${label}: ${err.message
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '')
          .join('; ')}`,
      );
    throw err;
  }
}

/**
 * Validates the spec and turns `points` into tasks. Generated traces are placed under `traceDir`.
 * Checks: the trace exists (fixed trace), each configuration resolves, each model loads with its
 * overrides, each workload parameter set parses.
 */
export async function planSweep(spec: SweepSpec, points: readonly SweepPoint[], traceDir: string): Promise<PointTask[]> {
  let traceHash: string | null = null;
  if (spec.trace.kind === 'file') {
    if (!existsSync(spec.trace.path)) throw new InputError(`--trace ${spec.trace.path}: no such file`);
    traceHash = await traceIdentity(spec.trace.path);
  }
  const service = new RunService();
  const configs = new Map<string, { json: string; name: string }>();
  const models = new Map<string, string>();
  const workloads = new Map<string, string>();
  const tasks: PointTask[] = [];
  for (const point of points) {
    const configOptions = pointConfigOptions(spec, point);
    const configKey = canonicalJson(configOptions);
    let config = configs.get(configKey);
    if (config === undefined) {
      const resolved = await underGrid(gridText(spec, point, 'config'), () => service.resolve(configOptions).config);
      config = { json: canonicalJson(resolved), name: resolved.name };
      configs.set(configKey, config);
    }
    const modelSets = pointModelSets(spec, point);
    const modelKey = canonicalJson(modelSets);
    let modelHash = models.get(modelKey);
    if (modelHash === undefined) {
      const model = await underGrid(gridText(spec, point, 'model'), () => service.model(spec.model, modelSets));
      modelHash = model.hash;
      models.set(modelKey, modelHash);
    }
    let gen: TraceGen | null = null;
    let tracePath: string;
    let traceLabel: string;
    if (spec.trace.kind === 'workload') {
      const params = pointWorkloadParams(spec, point);
      const seed = point.traceSeed as number;
      const paramKey = canonicalJson(params);
      let resolvedParams = workloads.get(paramKey);
      if (resolvedParams === undefined) {
        const workload = spec.trace.workload;
        resolvedParams = await underGrid(gridText(spec, point, 'workload'), () => {
          const g = getGenerator(workload);
          const values = parseParams(g.name, g.params, params);
          g.validate?.(values);
          return Object.entries(values.toJSON())
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
        });
        workloads.set(paramKey, resolvedParams);
      }
      const key = sha256(spec.trace.workload, resolvedParams, String(seed));
      gen = { workload: spec.trace.workload, params, seed, key };
      tracePath = join(traceDir, `${spec.trace.workload}-${key.slice(0, 16)}.hmt`);
      traceLabel = `gen:${spec.trace.workload} ${resolvedParams} seed=${seed}`;
    } else {
      tracePath = spec.trace.path;
      traceLabel = spec.trace.path;
    }
    const cell = cellLabel(point, config.name);
    const hash = sha256(
      canonicalJson({
        hmsim: HMSIM_VERSION,
        config: JSON.parse(config.json) as unknown,
        cell,
        model: { name: spec.model, hash: modelHash },
        trace: gen === null ? { path: traceLabel, sha256: traceHash } : { gen: gen.key, label: traceLabel },
        seed: point.seed,
        prefault: spec.prefault,
        ...(spec.warmup !== undefined ? { warmup: spec.warmup } : {}),
        ...(spec.modelUncertainty === true ? { modelUncertainty: true } : {}),
      }),
    );
    tasks.push({
      index: point.index,
      id: point.id,
      hash,
      cell,
      configOptions,
      modelName: spec.model,
      modelSets,
      seed: point.seed,
      prefault: spec.prefault,
      ...(spec.warmup !== undefined ? { warmup: spec.warmup } : {}),
      ...(spec.modelUncertainty === true ? { modelUncertainty: true as const } : {}),
      tracePath,
      traceLabel,
      gen,
    });
  }
  return tasks;
}
