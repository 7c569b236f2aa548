/**
 * The run service: one RunRequest → one RunResult. It is the only way `run`, `compare`, `sweep` and
 * `check` replay a trace, so the four resolve a configuration, a cost model and a seed the same way.
 *
 * ```
 *   RunRequest ─► (1) resolveConfig(options)        once per distinct configuration options
 *                 (2) computeLayout(config)          once per configuration (with (1))
 *                 (3) loadModel(name, sets)          once per (model, overrides)
 *                 (4) replay(spec, { layout })       src/machine/replay.ts
 * ```
 *
 * A service keeps what it resolved for its own life (one command, one sweep worker thread, one check):
 * configurations and models are immutable once resolved, so a later request reuses them. Seeds are the
 * caller's: replications take them from replicationSeeds (src/stats/replications.ts), the one seed rule.
 */
import { computeLayout } from '../layout/compute.ts';
import { resolveConfig, type ConfigOptions } from '../layout/configs.ts';
import type { Layout, MachineConfig } from '../layout/types.ts';
import { replay } from '../machine/replay.ts';
import { canonicalJson } from '../models/canonical-json.ts';
import { loadModel } from '../models/load.ts';
import type { CostModel } from '../models/types.ts';
import type { RunResult } from '../result/run-result.ts';
import type { ReplayOptions, Warmup } from '../result/run-spec.ts';
import { ConfigError } from '../errors.ts';
import { openTrace } from '../trace/hmt/reader.ts';

/** One replay, as every command asks for it (plain data: it crosses worker threads). */
export interface RunRequest {
  /** Path of an HMT trace (.hmt or .hmt.gz). */
  readonly tracePath: string;
  /** The configuration as the user gave it (preset, kernel profile, explicit options). */
  readonly config: ConfigOptions;
  /** Cost model: a shipped name, a model file or a code plug-in. */
  readonly model: string;
  /** The model's `--set key=value` overrides (model keys only), in order. */
  readonly modelSets: readonly string[];
  readonly seed: number;
  /** Every user page present: a pure TLB replay. */
  readonly prefault: boolean;
  /** Records replayed first and not counted (absent: none). */
  readonly warmup?: Warmup;
  /**
   * Draw the model's costs known to within a factor with this request's seed (`--model-uncertainty`,
   * src/models/uncertainty.ts): replications then vary the model too. Absent or false: costs as written.
   */
  readonly modelUncertainty?: boolean;
}

/** A resolved configuration and its boot-time layout. */
export interface ResolvedConfig {
  readonly config: MachineConfig;
  readonly layout: Layout;
}

/** Resolves, caches and replays; see the module comment. */
export class RunService {
  private readonly configs = new Map<string, ResolvedConfig>();
  private readonly models = new Map<string, Promise<CostModel>>();
  private readonly traces = new Map<string, Promise<number>>();

  /** `allowPlugins: false` refuses a model that names a JavaScript plug-in (scenarios: check --allow-plugins). */
  constructor(private readonly options: { allowPlugins?: boolean } = {}) {}

  /** The configuration of `options` and its layout (resolved and computed once). UserError when invalid. */
  resolve(options: ConfigOptions): ResolvedConfig {
    const key = canonicalJson(options);
    let resolved = this.configs.get(key);
    if (resolved === undefined) {
      const config = resolveConfig(options);
      resolved = { config, layout: computeLayout(config) };
      this.configs.set(key, resolved);
    }
    return resolved;
  }

  /**
   * The cost model `name` with `sets` applied (loaded once), or with `uncertaintySeed` one draw of its
   * uncertain costs (loaded once per seed). UserError when invalid.
   */
  model(name: string, sets: readonly string[], uncertaintySeed?: number): Promise<CostModel> {
    const key = JSON.stringify([name, sets, uncertaintySeed ?? null]);
    let model = this.models.get(key);
    if (model === undefined) {
      model = loadModel(name, sets, {
        allowPlugin: this.options.allowPlugins ?? true,
        ...(uncertaintySeed !== undefined ? { uncertaintySeed } : {}),
      });
      this.models.set(key, model);
      // A model that failed to load is not kept: the next request reports its error again.
      model.catch(() => this.models.delete(key));
    }
    return model;
  }

  /** The CPUs trace `path` has records for (its header; read once per path). UserError when unreadable. */
  traceCpus(path: string): Promise<number> {
    let cpus = this.traces.get(path);
    if (cpus === undefined) {
      cpus = openTrace(path).then((r) => r.header.cpus);
      this.traces.set(path, cpus);
      cpus.catch(() => this.traces.delete(path));
    }
    return cpus;
  }

  /**
   * The configuration `req` runs on its trace. A trace's records name the CPU that ran each, so the
   * machine has at least the trace's CPUs: without `cpus` the configuration takes the trace's count
   * (when it is more than the default), and a `cpus` below it is refused rather than ignored.
   */
  async resolveFor(req: Pick<RunRequest, 'tracePath' | 'config'>): Promise<ResolvedConfig> {
    const resolved = this.resolve(req.config);
    const traceCpus = await this.traceCpus(req.tracePath);
    if (resolved.config.cpus >= traceCpus) return resolved;
    if (req.config.cpus === undefined) return this.resolve({ ...req.config, cpus: traceCpus });
    throw new ConfigError(
      `--cpus ${String(req.config.cpus)}: ${req.tracePath} has records for ${traceCpus} CPUs (each record names the CPU that ran it); ` +
        `expected ${traceCpus} or more, or a trace recorded on ${String(req.config.cpus)} ` +
        `(hmsim gen WORKLOAD --param cpus=${String(req.config.cpus)})`,
    );
  }

  /** Replays `req`. */
  async run(req: RunRequest, options: Omit<ReplayOptions, 'layout'> = {}): Promise<RunResult> {
    const { config, layout } = await this.resolveFor(req);
    const model = await this.model(req.model, req.modelSets, req.modelUncertainty === true ? req.seed : undefined);
    return replay(
      {
        tracePath: req.tracePath,
        config,
        model,
        seed: req.seed,
        prefault: req.prefault,
        ...(req.warmup !== undefined ? { warmup: req.warmup } : {}),
      },
      { ...options, layout },
    );
  }
}
