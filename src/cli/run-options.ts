/**
 * The options `run`, `compare` and `sweep` share: `--trace`, `--model`, `--seed`, `--set` (repeatable),
 * `--prefault`, `--warmup`, `--json`, `--out`, `--quiet`, `--force`, plus the configuration flags
 * (src/cli/config-options.ts). `--set` keys that name configuration values (ram, cpus, split, ...) apply
 * after the flags (a `--set ram=2G` wins over `--ram`); every other key overrides the cost model.
 */
import type { Command } from 'commander';
import { UserError, UsageError } from '../errors.ts';
import { setConfigOption, type ConfigOptions } from '../layout/configs.ts';
import { THEME_NAMES, type ThemeName } from '../report/theme.ts';
import { DEFAULT_MODEL } from '../models/registry.ts';
import type { CostModel } from '../models/types.ts';
import type { RunRequest } from '../run/service.ts';
import type { Warmup } from '../result/run-spec.ts';
import { parseCount } from '../units/size.ts';
import { addConfigOptions, configOptionsFrom } from './config-options.ts';
import { addSetOption, setsFromOptions } from './set-option.ts';

/** Default seed of every run (`--seed`). */
export const DEFAULT_SEED = 1;

/** Adds the shared run options to `cmd`. `traceDefault` documents a default trace (compare). */
export function addRunOptions(cmd: Command, traceDefault?: string, options: { hideConfig?: boolean } = {}): Command {
  cmd.option(
    '--trace <path>',
    traceDefault === undefined ? 'HMT trace to replay (.hmt or .hmt.gz)' : `HMT trace to replay (default ${traceDefault})`,
  );
  addConfigOptions(cmd, options);
  cmd
    .option('--model <name|path>', `cost model: a name under models/ or a .json/.js/.ts file (default ${DEFAULT_MODEL})`)
    .option('--seed <n>', `seed of the run's random numbers (default ${DEFAULT_SEED})`)
    .option('--prefault', 'every user page present, no faults and no kernel activity: a pure TLB replay')
    .option(
      '--warmup <n|p%>',
      'replay the first N records (or P% of the trace) to fill TLBs, page ' +
        'tables and the page cache, then count only the records after them',
    )
    .option(
      '--model-uncertainty',
      "draw each cost the model knows only to within a factor ('within', e.g. a ±2× estimate) per replication, " +
        'so replications vary the model too (the same draw for every configuration of a replication)',
    )
    .option('--json', 'print exactly one JSON object on stdout instead of the table')
    .option('--out <dir>', 'also write the results into this folder (atomically)')
    .option('--force', 'with --out: replace a folder hmsim did not write')
    .option('--quiet', 'no progress bar on stderr');
  addSetOption(cmd);
  return cmd;
}

/** The parsed shared options. */
export interface RunOptions {
  readonly tracePath: string | undefined;
  readonly configOptions: ConfigOptions;
  readonly modelName: string;
  readonly modelSets: readonly string[];
  readonly seed: number;
  readonly prefault: boolean;
  /** `--model-uncertainty`: each replication draws the model's costs known to within a factor. */
  readonly modelUncertainty: boolean;
  /** `--warmup` (absent: none). */
  readonly warmup: Warmup | undefined;
  readonly json: boolean;
  readonly out: string | undefined;
  readonly force: boolean;
  readonly quiet: boolean;
}

/** Reads the shared options from commander's parsed options of `cmd`. */
export function runOptionsFrom(opts: Record<string, unknown>, cmd: Command): RunOptions {
  const sets = setsFromOptions(opts as { set?: string[] });
  const configOptions: ConfigOptions = { ...configOptionsFrom(opts, cmd) };
  for (const [key, value] of Object.entries(sets.config)) {
    setConfigOption(configOptions, key, value, `--set ${key}=${value}`);
  }
  const seedText = opts['seed'];
  const seed = typeof seedText === 'string' ? parseCount('--seed', seedText, 0, 2 ** 32 - 1) : DEFAULT_SEED;
  return {
    tracePath: typeof opts['trace'] === 'string' ? (opts['trace'] as string) : undefined,
    configOptions,
    modelName: typeof opts['model'] === 'string' ? (opts['model'] as string) : DEFAULT_MODEL,
    modelSets: sets.model,
    seed,
    prefault: opts['prefault'] === true,
    modelUncertainty: opts['modelUncertainty'] === true,
    warmup: typeof opts['warmup'] === 'string' ? parseWarmup(opts['warmup']) : undefined,
    json: opts['json'] === true,
    out: typeof opts['out'] === 'string' ? (opts['out'] as string) : undefined,
    force: opts['force'] === true,
    quiet: opts['quiet'] === true,
  };
}

/** Most replications `--replications` accepts. */
export const MAX_REPLICATIONS = 10000;

/** Adds `--replications R` (run, compare; sweep has its own). */
export function addReplicationsOption(cmd: Command): Command {
  return cmd.option('--replications <n>', 'runs per configuration, seeds derived from --seed (default 1: --seed itself)');
}

/** Adds `--theme default|paper` (commands that write a report with --out). */
export function addThemeOption(cmd: Command): Command {
  return cmd.option('--theme <name>', `style of the --out report charts: ${THEME_NAMES.join(' or ')} (default default)`);
}

/** `--replications` from commander's options (default 1). */
export function replicationsFrom(opts: Record<string, unknown>): number {
  const text = opts['replications'];
  return typeof text === 'string' ? parseCount('--replications', text, 1, MAX_REPLICATIONS) : 1;
}

/** `--theme` from commander's options (default 'default'). */
export function themeFrom(opts: Record<string, unknown>): ThemeName {
  const text = opts['theme'];
  if (text === undefined) return 'default';
  const name = THEME_NAMES.find((t) => t === text);
  if (name === undefined) throw new UsageError(`--theme ${String(text)}: expected ${THEME_NAMES.join(' or ')}`);
  return name;
}

/** The run service's request for the options' trace `tracePath` under configuration `config`. */
export function runRequestOf(options: RunOptions, tracePath: string, config: ConfigOptions): RunRequest {
  return {
    tracePath,
    config,
    model: options.modelName,
    modelSets: options.modelSets,
    seed: options.seed,
    prefault: options.prefault,
    ...(options.warmup !== undefined ? { warmup: options.warmup } : {}),
    ...(options.modelUncertainty ? { modelUncertainty: true } : {}),
  };
}

/** `--warmup N` (records, N ≥ 1) or `--warmup P%` (0 < P < 100, of the trace's records). */
export function parseWarmup(text: string): Warmup {
  const t = text.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct !== null) {
    const percent = Number(pct[1]);
    if (percent > 0 && percent < 100) return { percent };
  } else if (/^\d+$/.test(t)) {
    const records = Number(t);
    if (Number.isSafeInteger(records) && records >= 1) return { records };
  }
  throw new UsageError(
    `--warmup ${text}: expected a number of records (1 or more) or a percentage of the trace's records above 0 and below 100 (like 10%)`,
  );
}

/**
 * An AbortSignal that fires on SIGINT/SIGTERM while `body` runs; an aborted run becomes a one-line
 * UserError with exit code 130. (Commands run through `main()` can use the program's interrupt scope
 * instead: src/cli/signals.ts `interruptSignalOf`.)
 */
export async function withInterrupt<T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(controller.signal);
  } catch (err) {
    if (controller.signal.aborted) throw new UserError('interrupted: no result written', 130);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The one warning of a command whose replications could not vary (src/stats/aggregate.ts
 * replicationsIdentical): said once on stderr, before the table that then shows no interval.
 */
export function warnIdenticalReplications(replications: number, model: CostModel): void {
  const sampled = Object.values(model.params ?? {}).some((p) => p.kind === 'cost' && SAMPLED_FORMS.some((f) => f in p.value));
  const why = sampled ? `no sampled cost of model ${model.name} was drawn` : `model ${model.name} samples no cost`;
  process.stderr.write(
    `hmsim: warning: the ${replications} replications of every configuration gave identical results (a fixed trace, and ${why}): ` +
      'no confidence interval is shown; vary the trace per replication (compare --workload, sweep --workload) ' +
      'or the model (--model-uncertainty)\n',
  );
}

/** Cost forms that draw (or, a plug-in's hook, may draw) from the run's random numbers (src/models/spec.ts CostForm). */
const SAMPLED_FORMS = ['normal', 'lognormal', 'uniform', 'empirical', 'hook'] as const;
