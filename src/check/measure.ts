import { mean } from 'simple-statistics';
import { join } from 'node:path';
import { replicationSeeds } from '../stats/replications.ts';
import type { RunResult } from '../result/run-result.ts';
import type { BaselineProvenance } from './baseline.ts';
import type { CheckBackend } from './backend.ts';
import { evaluateMetric, type ReplicationRuns } from './metric-eval.ts';
import type { Scenario, Watch } from './scenario.ts';
import { HMSIM_VERSION } from '../version.ts';
import { collectProvenance, type Provenance } from '../report/provenance.ts';
import { UserError } from '../errors.ts';

/** One expanded metric of a scenario, measured over every replication. */
export interface MetricMeasurement {
  /** Expanded metric name, e.g. `cycles.breakdown.invlpg`. */
  readonly name: string;
  readonly watch: Watch;
  /** One value per replication, in replication order. */
  readonly samples: readonly number[];
  /** Mean of the samples. */
  readonly value: number;
}

/** What running a scenario produced: its metrics and where they came from. */
export interface ScenarioMeasurement {
  readonly scenario: Scenario;
  readonly metrics: readonly MetricMeasurement[];
  readonly provenance: BaselineProvenance;
  /** Reasons a run was infeasible under its configuration (empty when every run was feasible). */
  readonly infeasible: readonly string[];
  /** What was run (the header of the scenario's table: src/report/run-header.ts); absent in hand-made measurements. */
  readonly header?: Provenance;
}

/** Context of a check: the backend, the command line's overrides, where generated traces go. */
export interface MeasureContext {
  readonly backend: CheckBackend;
  /** The command line's `--set key=value` list (applied after the scenario's own). */
  readonly sets: readonly string[];
  /** A temporary folder for generated traces. */
  readonly workDir: string;
  /**
   * Generated traces by identity (workload, params, seed) → path; shared across scenarios (and across
   * checks, when the caller keeps it) so the same trace is generated once.
   */
  readonly traces: Map<string, Promise<string>>;
  /** Aborts the check (Ctrl-C): the replay in progress rejects and no further run starts. */
  readonly signal?: AbortSignal;
}

/**
 * Runs a scenario: for each replication, get its trace (generate or use the file), replay it under the
 * scenario's configuration (and its reference configuration when it has one), evaluate every watched
 * metric. Replications run one after another (the replay is CPU-bound; concurrency would not help here).
 */
export async function measureScenario(s: Scenario, ctx: MeasureContext, display: string = s.file): Promise<ScenarioMeasurement> {
  try {
    return await measure(s, ctx);
  } catch (err) {
    // A bad generator parameter, configuration or model name is the scenario's input: say which file.
    if (err instanceof UserError && !err.message.startsWith(display)) throw err.withMessage(`${display}: ${err.message}`);
    throw err;
  }
}

async function measure(s: Scenario, ctx: MeasureContext): Promise<ScenarioMeasurement> {
  const sets = [...s.sets, ...ctx.sets];
  const seeds = replicationSeeds(s.seed, s.replications);
  const perReplication: Array<Map<string, { watch: Watch; value: number }>> = [];
  const traces = new Map<string, { sha256: string; records: number; seed: number | null }>();
  const infeasible = new Set<string>();
  let model = { name: s.model, hash: '' };
  const ran: RunResult[] = [];

  for (const seed of seeds) {
    const tracePath = await traceFor(s, seed, ctx);
    const run = (preset: string): Promise<RunResult> => {
      ctx.signal?.throwIfAborted();
      return ctx.backend.run({ tracePath, config: { ...s.config, preset }, model: s.model, sets, seed, prefault: s.prefault }, ctx.signal);
    };
    const main = await run(s.config.preset);
    const reference = s.reference === null ? null : await run(s.reference);
    model = main.model;
    traces.set(main.trace.sha256, {
      sha256: main.trace.sha256,
      records: main.trace.records,
      seed: s.trace.kind === 'generator' ? (s.trace.seed ?? seed) : null,
    });
    for (const r of [main, reference]) {
      if (r !== null && !r.feasible)
        for (const why of r.infeasible.length > 0 ? r.infeasible : ['infeasible']) infeasible.add(`${r.configName}: ${why}`);
    }
    perReplication.push(evaluateAll(s, { main, reference }));
    // A generated trace is named by what generated it (its file is a temporary one).
    const label =
      s.trace.kind === 'generator'
        ? `gen:${s.trace.workload}${Object.entries(s.trace.params)
            .map(([k, v]) => ` ${k}=${String(v)}`)
            .join('')} seed=${s.trace.seed ?? seed}`
        : null;
    // The reference run first: the header marks the first configuration as the baseline, and overhead() divides by the reference.
    for (const r of [reference, main]) if (r !== null) ran.push(label === null ? r : { ...r, trace: { ...r.trace, path: label } });
  }

  const first = perReplication[0] ?? new Map<string, { watch: Watch; value: number }>();
  const metrics: MetricMeasurement[] = [...first.entries()].map(([name, { watch }]) => {
    const samples = perReplication.map((m) => m.get(name)?.value ?? Number.NaN);
    return { name, watch, samples, value: samples.length === 1 ? (samples[0] ?? Number.NaN) : mean(samples) };
  });
  return {
    scenario: s,
    metrics,
    infeasible: [...infeasible],
    header: collectProvenance(ran, { command: [], seed: s.seed, replications: s.replications, gitCommit: null, modelOverrides: sets }),
    provenance: {
      hmsimVersion: HMSIM_VERSION,
      model,
      config: s.config.preset,
      reference: s.reference,
      seed: s.seed,
      replications: s.replications,
      sets,
      traces: [...traces.values()],
    },
  };
}

/** Evaluates every watch of a scenario on one replication; a later watch of the same metric wins. */
function evaluateAll(s: Scenario, runs: ReplicationRuns): Map<string, { watch: Watch; value: number }> {
  const out = new Map<string, { watch: Watch; value: number }>();
  for (const w of s.watch) {
    for (const v of evaluateMetric(w.metric, runs, `${w.at}.metric`)) out.set(v.name, { watch: w, value: v.value });
  }
  return out;
}

async function traceFor(s: Scenario, replicationSeed: number, ctx: MeasureContext): Promise<string> {
  if (s.trace.kind === 'file') return s.trace.path;
  const seed = s.trace.seed ?? replicationSeed;
  const { workload, params } = s.trace;
  const key = JSON.stringify([workload, Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1)), seed]);
  let path = ctx.traces.get(key);
  if (path === undefined) {
    const outPath = join(ctx.workDir, `${workload}-${ctx.traces.size}-${seed}.hmt`);
    path = ctx.backend.generate({ workload, params, seed, outPath }).then(() => outPath);
    ctx.traces.set(key, path);
  }
  return path;
}
