/**
 * Runs calibration experiments: each workload replayed under each configuration an experiment compares,
 * with each CPU model it applies to, and the metric computed from the RunResults (or from the model's
 * costs for the analytic ones) and set beside the published figure.
 *
 * ```
 *  experiment ──(1) variants (parameter sets / rates at the model's clock)──► traces (generated once, cached)
 *             ──(2) replay per (variant, configuration)──► RunResults
 *             ──(3) metric──► value ──(4) against the published range──► CalibrationResult
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../trace/generators/generate.ts';
import { resolveConfig } from '../layout/configs.ts';
import { replay } from '../machine/replay.ts';
import { loadModel } from '../models/load.ts';
import type { CostModel } from '../models/types.ts';
import { createRng } from '../random/rng.ts';
import type { CycleCategory, RunResult } from '../result/run-result.ts';
import { configLabel, configOptions, type ConfigRef, type Experiment, type Measure } from './experiment.ts';

/** One experiment with one model. */
export interface CalibrationResult {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly model: string;
  readonly unit: string;
  readonly published: number;
  readonly low: number;
  readonly high: number;
  readonly value: number;
  /** (value − published) / published. */
  readonly error: number;
  /** value within [low, high]. */
  readonly within: boolean;
  /** What the suite expects for this model ('miss' only with a stated reason). */
  readonly expected: 'pass' | 'miss';
  readonly independent: boolean;
  /** How the value was obtained (configurations, variants). */
  readonly how: string;
}

type Params = Readonly<Record<string, number | string>>;

/** The workload variants of an experiment at a model's clock: parameter sets for the generator. */
function variants(e: Experiment, model: CostModel): Array<{ params: Params; label: string }> {
  const w = e.workload;
  if (w === undefined || 'trace' in w) return [{ params: {}, label: '' }];
  const sets = Array.isArray(w.params) ? (w.params as Params[]) : [w.params as Params];
  const rates = w.perSecond === undefined ? [undefined] : Array.isArray(w.perSecond) ? (w.perSecond as number[]) : [w.perSecond as number];
  const out: Array<{ params: Params; label: string }> = [];
  for (const s of sets) {
    for (const r of rates) {
      const params: Record<string, number | string> = { ...s };
      if (r !== undefined) params['compute'] = Math.round((model.clockGHz * 1e9) / r);
      out.push({
        params,
        label: [
          Object.entries(s)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          r !== undefined ? `${r}/s` : '',
        ]
          .filter((x) => x)
          .join(', '),
      });
    }
  }
  return out;
}

/** Replays workloads, generating each trace once per calibration run (a cache keyed by generator and parameters). */
export class CalibrationRunner {
  private dir: string | null = null;
  private readonly traces = new Map<string, string>();

  private async tracePath(e: Experiment, params: Params): Promise<string> {
    const w = e.workload!;
    if ('trace' in w) return w.trace;
    const texts = Object.entries(params).map(([k, v]) => `${k}=${v}`);
    const key = `${w.generator} ${texts.join(' ')}`;
    const hit = this.traces.get(key);
    if (hit !== undefined) return hit;
    this.dir ??= await mkdtemp(join(tmpdir(), 'hmsim-calibrate-'));
    const path = join(this.dir, `${this.traces.size}.hmt`);
    await generate(w.generator, path, 1, texts);
    this.traces.set(key, path);
    return path;
  }

  private async run(e: Experiment, params: Params, config: ConfigRef, model: CostModel): Promise<RunResult> {
    const tracePath = await this.tracePath(e, params);
    return replay({ tracePath, config: resolveConfig(configOptions(config)), model, seed: 1, prefault: false });
  }

  /** Runs experiment `e` with shipped model `modelName`. */
  async experiment(e: Experiment, modelName: string): Promise<CalibrationResult> {
    const model = await loadModel(modelName, []);
    const m = e.metric;
    let value: number;
    let how: string;
    const rng = createRng(1);
    if (m.kind === 'walk') {
      value = model.costs.walk(m.refs, rng);
      how = `costs.walk(${m.refs})`;
    } else if (m.kind === 'crossover') {
      const entries = m.entries ?? model.tlb.l1d.entries + model.tlb.stlb.entries;
      const walk = model.costs.walk(4, rng);
      value = (model.costs.cr3Write(0, rng) + entries * walk) / model.costs.invlpg(0, rng);
      how = `(cr3Write + ${entries} entries × walk(4) ${walk}) / invlpg`;
    } else {
      const vs = variants(e, model);
      const configs: readonly ConfigRef[] = m.kind === 'perPageSlope' ? (m.configs ?? ['3g1g-pae']) : m.configs;
      const results: RunResult[][] = [];
      for (const v of vs) {
        const row: RunResult[] = [];
        for (const c of configs) row.push(await this.run(e, v.params, c, model));
        results.push(row);
      }
      const calls = Number(vs[0]!.params['calls'] ?? 1);
      const measure = (r: RunResult, which: Measure): number =>
        which === 'elapsed'
          ? Math.max(...r.cycles.perCpu)
          : which === 'system'
            ? r.cycles.total - r.cycles.breakdown.compute
            : r.cycles.total;
      const overhead = (row: RunResult[], which: Measure): number => (measure(row[0]!, which) / measure(row[1]!, which) - 1) * 100;
      const labels = configs.map(configLabel).join(' vs ');
      if (m.kind === 'perCall') {
        value = (results[0]![0]!.cycles.total - results[0]![1]!.cycles.total) / calls;
        how = `(${labels}) cycles / ${calls} calls`;
      } else if (m.kind === 'overhead') {
        value = overhead(results[0]!, m.measure);
        how = `${m.measure} ${labels}`;
      } else if (m.kind === 'overheadRatio') {
        value = overhead(results[0]!, m.measure) / overhead(results[1]!, m.measure);
        how = `${m.measure} overhead ${labels}: [${vs[0]!.label}] ÷ [${vs[1]!.label}]`;
      } else {
        const cat = m.category as CycleCategory | 'total';
        const cycles = (r: RunResult): number => (cat === 'total' ? r.cycles.total : r.cycles.breakdown[cat]);
        value = (cycles(results[0]![0]!) - cycles(results[1]![0]!)) / ((m.pages[0] - m.pages[1]) * calls);
        how = `${cat} cycles under ${labels}: [${vs[0]!.label}] − [${vs[1]!.label}] per page per call`;
      }
    }
    const p = e.published;
    return {
      id: e.id,
      title: e.title,
      source: e.source,
      model: modelName,
      unit: p.unit,
      published: p.value,
      low: p.low,
      high: p.high,
      value,
      error: (value - p.value) / p.value,
      within: value >= p.low && value <= p.high,
      expected: e.expect?.[modelName] ?? 'pass',
      independent: e.independent,
      how,
    };
  }

  /** Removes the generated traces. */
  async close(): Promise<void> {
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.traces.clear();
  }
}

/** Runs every (experiment, model) pair of `suite`, models restricted to `only` when given. */
export async function runSuite(suite: readonly Experiment[], only?: readonly string[]): Promise<CalibrationResult[]> {
  const runner = new CalibrationRunner();
  const out: CalibrationResult[] = [];
  try {
    for (const e of suite) {
      for (const model of e.models) {
        if (only !== undefined && !only.includes(model)) continue;
        out.push(await runner.experiment(e, model));
      }
    }
  } finally {
    await runner.close();
  }
  return out;
}
