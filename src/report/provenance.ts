import { execFileSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../package-root.ts';
import type { RunConfig, RunResult } from '../result/run-result.ts';
import { HMSIM_VERSION } from '../version.ts';
import type { Table } from './tables.ts';

/**
 * Provenance of a report: enough to reproduce every figure — the hmsim version and git commit, the
 * traces (path, sha256), the cost models (name, hash), each configuration, the seed, the replication
 * count and the exact command line. No wall-clock time (summary.json must be byte-identical for the
 * same inputs).
 */
export interface Provenance {
  readonly hmsimVersion: string;
  /** Commit of the hmsim checkout that produced the report; null outside a git checkout. */
  readonly gitCommit: string | null;
  /** The command line as argument vector, program name first (`hmsim compare ...`). */
  readonly command: readonly string[];
  /** Base seed (`--seed`); replication seeds derive from it. */
  readonly seed: number | null;
  readonly replications: number;
  readonly traces: ReadonlyArray<{ readonly path: string; readonly sha256: string; readonly records: number }>;
  readonly models: ReadonlyArray<{ readonly name: string; readonly hash: string }>;
  readonly configurations: ReadonlyArray<{ readonly name: string; readonly config: Readonly<RunConfig> }>;
  /** The model's `--set key=value` overrides, in order (the model hash already covers their effect). */
  readonly modelOverrides: readonly string[];
  /** The model's clock (GHz) that turns cycles into seconds; null when the caller did not say. */
  readonly clockGHz: number | null;
  /**
   * `--warmup`: the records replayed and not counted, each distinct figure of the runs once, in run order
   * (a percentage of traces of different lengths gives several). Absent without a warm-up.
   */
  readonly warmupRecords?: readonly number[];
  /**
   * Traces (paths) with no compute record among the records counted: no user work, so cycles, time and
   * overheads are of memory management alone. Absent when every trace has compute records.
   */
  readonly noCompute?: readonly string[];
  /**
   * `--model-uncertainty`: the costs known only to within a factor that each replication drew, with the
   * smallest and largest factor drawn among the runs. Absent without it (models then list the drawn
   * models by the hash of the model as written).
   */
  readonly modelDraws?: Readonly<Record<string, readonly [number, number]>>;
}

/** The hmsim checkout's HEAD commit, or null when it is not a git checkout (or git is missing). */
export function gitCommit(dir: string = PACKAGE_ROOT): string | null {
  try {
    const out = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    const sha = out.trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/** The command line of this process as `hmsim <args...>`. */
export function commandLine(argv: readonly string[] = process.argv): string[] {
  return ['hmsim', ...argv.slice(2)];
}

/**
 * Collects provenance from the runs (traces, models and configurations deduplicated, in run order)
 * and what only the caller knows (command line, seed, replications).
 */
export function collectProvenance(
  runs: readonly RunResult[],
  context: {
    command: readonly string[];
    seed: number | null;
    replications: number;
    gitCommit?: string | null;
    modelOverrides?: readonly string[];
    clockGHz?: number | null;
  },
): Provenance {
  const traces = new Map<string, { path: string; sha256: string; records: number }>();
  const models = new Map<string, { name: string; hash: string }>();
  const configurations = new Map<string, { name: string; config: RunConfig }>();
  const warmups = new Set<number>();
  const noCompute = new Set<string>();
  const draws = new Map<string, [number, number]>();
  for (const r of runs) {
    if ((r.counts.records['compute'] ?? 0) === 0 && r.cycles.breakdown.compute === 0) noCompute.add(r.trace.path);
    if (r.warmup !== undefined) warmups.add(r.warmup.records);
    traces.set(`${r.trace.path}\u0000${r.trace.sha256}`, { path: r.trace.path, sha256: r.trace.sha256, records: r.trace.records });
    const hash = r.model.draw?.base ?? r.model.hash;
    models.set(`${r.model.name}\u0000${hash}`, { name: r.model.name, hash });
    for (const [key, f] of Object.entries(r.model.draw?.factors ?? {})) {
      const seen = draws.get(key);
      draws.set(key, seen === undefined ? [f, f] : [Math.min(seen[0], f), Math.max(seen[1], f)]);
    }
    if (!configurations.has(r.configName)) configurations.set(r.configName, { name: r.configName, config: r.config });
  }
  return {
    hmsimVersion: runs[0]?.hmsimVersion ?? HMSIM_VERSION,
    gitCommit: context.gitCommit === undefined ? gitCommit() : context.gitCommit,
    command: [...context.command],
    seed: context.seed,
    replications: context.replications,
    traces: [...traces.values()],
    models: [...models.values()],
    configurations: [...configurations.values()],
    modelOverrides: [...(context.modelOverrides ?? [])],
    clockGHz: context.clockGHz ?? null,
    ...(warmups.size > 0 ? { warmupRecords: [...warmups] } : {}),
    ...(noCompute.size > 0 ? { noCompute: [...noCompute] } : {}),
    ...(runs.some((r) => r.model.draw !== undefined) ? { modelDraws: Object.fromEntries(draws) } : {}),
  };
}

/** Quotes one argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\-+=.,/:@%]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Provenance as a two-column table (what, value) for Markdown and HTML. */
export function provenanceTable(p: Provenance): Table {
  const rows: string[][] = [
    ['hmsim version', p.hmsimVersion],
    ['git commit', p.gitCommit ?? 'unknown (not a git checkout)'],
    ['command', p.command.map(shellQuote).join(' ')],
    ['seed', p.seed === null ? 'none' : String(p.seed)],
    ['replications', String(p.replications)],
    ...p.traces.map((t) => ['trace', `${t.path} (${t.records} records) sha256 ${t.sha256}`]),
    ...p.models.map((m) => ['model', `${m.name} (hash ${m.hash})`]),
    ['model overrides', p.modelOverrides.length === 0 ? 'none' : p.modelOverrides.join(' ')],
    ...(p.warmupRecords !== undefined ? [['warm-up', `${p.warmupRecords.join(', ')} records replayed first and not counted`]] : []),
    ...p.configurations.map((c) => [`configuration ${c.name}`, JSON.stringify(c.config)]),
  ];
  return { id: 'provenance', caption: 'Provenance', header: ['what', 'value'], align: ['left', 'left'], rows };
}
