/**
 * Running a sweep (or one shard of it) into an output folder:
 *
 *   spec ──(1) expandPoints, shardPoints──► this run's points
 *        ──(2) planSweep──► tasks (validated; input hash per point)
 *        ──(3) reuse: points/<id>.json with the same hash is not recomputed
 *        ──(4) execute the rest on the executor (workload traces generated once per key, first);
 *              each finished point saved at once (atomic), so an interruption loses only running points
 *        ──(5) writeSweepOutput: report (when this run holds every point), sweep.json, points/; with
 *              --jobs N its figures' steps (SVG, then PNG and PDF) run on the same threads (this one and
 *              N − 1 workers), all at once
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic.ts';
import { join } from 'node:path';
import { assertReplaceableOutput, OUTPUT_MARKER } from '../io/atomic.ts';
import {
  renderFigureWith,
  type FigureRequest,
  type FigureStep,
  type FigureStepOutput,
  type RenderedFigure,
} from '../report/figure-render.ts';
import { REPORT_FORMATS, type ReportFormat } from '../report/formats.ts';
import { loadVega } from '../report/vega.ts';
import { gitCommit } from '../report/provenance.ts';
import type { ThemeName } from '../report/theme.ts';
import type { SweepCell } from './cells.ts';
import type { Executor } from './jobs.ts';
import { writeSweepOutput } from './output.ts';
import { planSweep, type PointTask, type TraceGen } from './plan.ts';
import { openTrace } from '../trace/hmt/reader.ts';
import { expandPoints, shardPoints } from './points.ts';
import { inlineExecutor, workerPool } from './pool.ts';
import type { Shard } from './shard.ts';
import type { SweepSpec } from './spec.ts';
import { loadPoint, POINT_FORMAT, savePoint, TRACES_DIR, type PointRecord } from './store.ts';
import { SWEEP_VERSION } from './spec.ts';

/** How to run a sweep. */
export interface SweepRunOptions {
  /** Output folder (also where finished points are kept while running). */
  readonly out: string;
  /**
   * Points replayed at once: 1 runs in this thread, more on worker threads; 'auto' (the CLI's default):
   * as many threads as the points' replay work pays for, up to `cores` (autoJobs).
   */
  readonly jobs: number | 'auto';
  /** With jobs 'auto': the most threads to use (default: the available cores). */
  readonly cores?: number;
  readonly shard: Shard | null;
  /** Replace an output folder hmsim did not write. */
  readonly force: boolean;
  readonly signal?: AbortSignal;
  /** Commit recorded as the report's provenance (default: this checkout's HEAD). */
  readonly gitCommit?: string | null;
  /** Style of the report's charts (`--theme`; default `default`). */
  readonly theme?: ThemeName;
  /** Report files to render (default: every format). */
  readonly formats?: readonly ReportFormat[];
  /** Called after each point this run computes and saved (done so far, to compute in all, the point's id). */
  readonly onPoint?: (done: number, total: number, id: string) => void;
}

/** What a sweep run did. */
export interface SweepOutcome {
  /** Points in the whole sweep. */
  readonly total: number;
  /** Points of this run (its shard). */
  readonly points: number;
  /** Points replayed by this run. */
  readonly computed: number;
  /** Points found already finished in the output folder. */
  readonly reused: number;
  /** Worker threads this run started, each once for many points and figures (0: all ran in the main thread, or none ran). */
  readonly threads: number;
  /** With jobs 'auto': the threads chosen and why (null when --jobs was given). */
  readonly autoJobs: AutoJobs | null;
  /** True when the folder holds every point and the report was written. */
  readonly complete: boolean;
  /** The report's cells (complete runs only). */
  readonly cells: SweepCell[] | null;
  /** What was run (src/report/run-header.ts), as text for stdout (complete runs only). */
  readonly header: string | null;
  /** Wall seconds of this run's phases: where the time went (never part of a result). */
  readonly seconds: SweepSeconds;
}

/**
 * Wall seconds of a sweep run's phases. Points and figures run on every thread; the rest runs in the
 * main thread only: the serial part of a parallel sweep.
 */
export interface SweepSeconds {
  /** Process start to the sweep's start (Node, hmsim's modules, the options). */
  readonly startUp: number;
  /** Planning (configurations, models, trace identity) and looking for finished points. */
  readonly plan: number;
  /** Replaying the points (and generating their traces). */
  readonly points: number;
  /** The output folder: the report (complete runs), sweep.json, points/. */
  readonly output: number;
  /** Within `output`: from the first figure started to the last one rendered (0 without figures). */
  readonly figures: number;
}

/** Runs `spec` (or its shard) into `options.out`. */
export async function runSweep(spec: SweepSpec, options: SweepRunOptions): Promise<SweepOutcome> {
  const t0 = performance.now();
  await assertReplaceableOutput(options.out, options.force);
  // (1)
  const all = expandPoints(spec);
  const mine = shardPoints(all, options.shard);
  // (2)
  const tasks = await planSweep(spec, mine, join(options.out, TRACES_DIR));
  await mkdir(options.out, { recursive: true });
  if (!existsSync(join(options.out, OUTPUT_MARKER))) await writeFileAtomic(join(options.out, OUTPUT_MARKER), 'hmsim output folder\n');
  // (3)
  const records: PointRecord[] = [];
  const todo: PointTask[] = [];
  for (const task of tasks) {
    const saved = await loadPoint(options.out, task.id);
    if (saved !== null && saved.hash === task.hash && saved.index === task.index) records.push(saved);
    else todo.push(task);
  }
  const reused = records.length;
  const auto = options.jobs === 'auto' ? await autoJobs(todo, options.cores ?? availableParallelism()) : null;
  const jobs = auto?.jobs ?? (options.jobs as number);
  const t1 = performance.now();
  // (4) and (5) on one executor: it replays the points, then renders the report's figures (in this thread
  // one after the other, or all at once on the worker threads).
  const complete = mine.length === all.length;
  // A report with figures rendered on worker threads: this thread starts loading vega now, in the
  // background; each worker loads the renderer once every point is handed out (prepareRenderer), so
  // that the loading neither delays a point nor waits for the first figure.
  const images = complete && jobs > 1 && (options.formats ?? REPORT_FORMATS).some((f) => f !== 'html');
  const executor: Executor =
    jobs <= 1 ? inlineExecutor(options.signal) : workerPool(jobs, options.signal !== undefined ? { signal: options.signal } : {});
  if (images) void loadVega().catch(() => undefined);
  const onAbort = (): void => void executor.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // (4) every point is queued on the executor before the renderer is asked for
    const computing = todo.length > 0 ? computePoints(todo, executor, options) : Promise.resolve([]);
    if (images) executor.prepareRenderer();
    records.push(...(await computing));
    const t2 = performance.now();
    // (5)
    const figures = { first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY };
    const renderFigure = async (request: FigureRequest): Promise<RenderedFigure> => {
      figures.first = Math.min(figures.first, performance.now());
      const figure = await renderOn(executor, request);
      figures.last = performance.now();
      return figure;
    };
    const written = await writeSweepOutput(options.out, spec, all, records, options.shard, {
      force: options.force,
      complete,
      gitCommit: options.gitCommit === undefined ? gitCommit() : options.gitCommit,
      theme: options.theme ?? 'default',
      ...(options.formats !== undefined ? { formats: options.formats } : {}),
      renderFigure,
    });
    const t3 = performance.now();
    const sec = (ms: number): number => Math.round(ms) / 1000;
    return {
      total: all.length,
      points: mine.length,
      computed: todo.length,
      reused,
      threads: executor.threadsStarted(),
      autoJobs: auto,
      complete,
      cells: written?.cells ?? null,
      header: written?.header ?? null,
      seconds: {
        startUp: sec(t0),
        plan: sec(t1 - t0),
        points: sec(t2 - t1),
        output: sec(t3 - t2),
        figures: sec(Math.max(0, figures.last - figures.first)),
      },
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await executor.close();
  }
}

/**
 * Renders one figure of the report with its steps on the executor. The steps of a larger figure (more
 * data to draw: its spec's length) come first, its PNG and PDF before the SVG of a smaller one, so
 * that the longest chain of steps (the address-space figure's SVG, then its PNG) starts first.
 */
function renderOn(executor: Executor, request: FigureRequest): Promise<RenderedFigure> {
  const priority = JSON.stringify(request.spec).length;
  return renderFigureWith(request, async (step: FigureStep): Promise<FigureStepOutput> => {
    const out = await executor.run({ kind: 'figure', step }, priority);
    if (typeof out !== 'string' && !(out instanceof Uint8Array)) throw new Error(`sweep: a figure's ${step.step} step returned nothing`);
    return out;
  });
}

/** Replays `todo` on the executor, saving each point as it finishes. */
async function computePoints(todo: readonly PointTask[], executor: Executor, options: SweepRunOptions): Promise<PointRecord[]> {
  const traces = new Map<string, Promise<unknown>>();
  const traceOnce = (gen: TraceGen, path: string): Promise<unknown> => {
    let p = traces.get(gen.key);
    if (p === undefined) {
      p = executor.run({ kind: 'trace', gen, path });
      traces.set(gen.key, p);
    }
    return p;
  };
  let done = 0;
  // The first failure stops the executor (queued points reject) and is the one reported.
  let firstError: { error: unknown } | null = null;
  const one = async (task: PointTask): Promise<PointRecord> => {
    try {
      if (task.gen !== null) await traceOnce(task.gen, task.tracePath);
      const result = await executor.run({ kind: 'point', task });
      if (result === null || typeof result !== 'object' || result instanceof Uint8Array || !('cycles' in result))
        throw new Error(`sweep: point ${task.id} returned no result`);
      const record: PointRecord = {
        format: POINT_FORMAT,
        version: SWEEP_VERSION,
        id: task.id,
        index: task.index,
        hash: task.hash,
        cell: task.cell,
        result,
      };
      await savePoint(options.out, record);
      options.onPoint?.(++done, todo.length, task.id);
      return record;
    } catch (err) {
      if (firstError === null) {
        firstError = { error: err };
        void executor.close();
      }
      throw err;
    }
  };
  const settled = await Promise.allSettled(todo.map(one));
  if (firstError !== null) throw (firstError as { error: unknown }).error;
  return settled.map((s) => (s as PromiseFulfilledResult<PointRecord>).value);
}

/** How many threads a sweep chose with jobs 'auto', and what it went by. */
export interface AutoJobs {
  readonly jobs: number;
  /** The records the points to replay hold in all (null: not known before the run, e.g. generated or compressed traces). */
  readonly records: number | null;
  /** The replay seconds those records take at REPLAY_RATE (null when `records` is). */
  readonly seconds: number | null;
}

/**
 * Records a thread replays per second, to estimate a sweep's work before it runs: the full machine
 * replays 1.4-4.7 M records per CPU-second and a pure TLB replay (--prefault) 40-50 M (README "How fast",
 * the lower ends: the first replays of a thread run before V8 has optimized them).
 */
const REPLAY_RATE = { machine: 1.5e6, prefault: 40e6 } as const;

/**
 * Replay seconds a worker thread must take over before it pays for itself: starting one (its isolate,
 * the simulator's modules and their compilation, the renderer for the figures) costs about a CPU-second
 * (bench/sweep.bench.ts: a --jobs 2 sweep of 16 short points spends 30-50 % more CPU than --jobs 1, and on
 * two cores is no faster).
 */
const SECONDS_PER_THREAD = 2;

/**
 * The threads for the points left to replay: one, plus one per whole SECONDS_PER_THREAD of estimated
 * replay, up to `cores`. The records are read from the traces' footers (no pass over them); a
 * point whose trace does not tell (generated per point, compressed) counts as long: every core.
 */
export async function autoJobs(todo: readonly PointTask[], cores: number): Promise<AutoJobs> {
  const max = Math.max(1, Math.floor(cores));
  const counts = new Map<string, number | undefined>();
  let records = 0;
  let seconds = 0;
  for (const task of todo) {
    if (task.gen !== null) return { jobs: max, records: null, seconds: null };
    if (!counts.has(task.tracePath)) counts.set(task.tracePath, (await openTrace(task.tracePath)).recordCount);
    const n = counts.get(task.tracePath);
    if (n === undefined) return { jobs: max, records: null, seconds: null };
    records += n;
    seconds += n / (task.prefault ? REPLAY_RATE.prefault : REPLAY_RATE.machine);
  }
  const jobs = Math.min(max, 1 + Math.floor(seconds / SECONDS_PER_THREAD));
  return { jobs, records, seconds };
}
