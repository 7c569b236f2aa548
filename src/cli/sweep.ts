/**
 * `hmsim sweep`: a grid of replays — configurations (`--configs`), configuration values, kernel
 * profiles and model parameters (`--grid KEY=V1,V2,...`), replications (`--replications R --seed S`) and
 * workload parameters (`--workload NAME --grid workload.PARAM=...`, a trace generated per point) —
 * run on worker threads (`--jobs N`), optionally one shard of it (`--shard i/n`, joined by `hmsim merge`),
 * resumable (finished points are kept in OUT/points/). See docs/scale-out.md.
 *
 * stdout: a line saying what ran and the sweep table, or with --json one object
 * `{ format: "hmsim-sweep-run", out, total, points, computed, reused, threads, complete, cells, seconds, shard }`
 * (threads: worker threads started, each once for many points and figures; seconds: wall seconds of the
 * run's phases, src/sweep/run.ts SweepSeconds). `--formats` picks the report files.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { UserError, UsageError } from '../errors.ts';
import { parseFormats, REPORT_FORMATS, type ReportFormat } from '../report/formats.ts';
import { tableToMarkdown } from '../report/tables.ts';
import { getGenerator } from '../trace/generators/registry.ts';
import { parseCount } from '../units/size.ts';
import { parseConfigs, parseGrid } from '../sweep/grid.ts';
import { sweepTable } from '../sweep/report.ts';
import { runSweep, type SweepOutcome } from '../sweep/run.ts';
import { parseShard, type Shard } from '../sweep/shard.ts';
import type { SweepSpec, SweepTrace } from '../sweep/spec.ts';
import { addRunOptions, addThemeOption, runOptionsFrom, themeFrom, warnIdenticalReplications } from './run-options.ts';
import { identicalReplications } from '../stats/interval.ts';
import { loadModel } from '../models/load.ts';
import { interruptSignalOf } from './signals.ts';

const collect = (v: string, acc: string[] = []): string[] => [...acc, v];

/** The sweep spec and run settings in parsed options (every mistake a one-line UserError naming the flag). */
export function sweepFromOptions(
  raw: Record<string, unknown>,
  cmd: Command,
): {
  spec: SweepSpec;
  out: string;
  jobs: number | 'auto';
  shard: Shard | null;
  force: boolean;
  json: boolean;
  quiet: boolean;
  formats: ReportFormat[];
} {
  const options = runOptionsFrom(raw, cmd);
  const configs = parseConfigs(typeof raw['configs'] === 'string' ? raw['configs'] : undefined);
  if (configs.length > 0 && options.configOptions.config !== undefined) {
    throw new UsageError('--config: give the configurations of a sweep with --configs A,B,... (not both)');
  }
  const axes = parseGrid(Array.isArray(raw['grid']) ? (raw['grid'] as string[]) : []);
  for (const a of axes) {
    if (a.kind === 'config' && (options.configOptions as Record<string, unknown>)[a.key] !== undefined) {
      throw new UsageError(`--grid ${a.key}: ${a.key} is also fixed by a flag or --set; give it in one place`);
    }
  }
  const workload = typeof raw['workload'] === 'string' ? (raw['workload'] as string) : undefined;
  const params = Array.isArray(raw['param']) ? (raw['param'] as string[]) : [];
  let trace: SweepTrace;
  if (workload !== undefined) {
    if (options.tracePath !== undefined)
      throw new UsageError('--trace: give either --trace FILE (a fixed trace) or --workload NAME (a trace generated per point), not both');
    try {
      getGenerator(workload);
    } catch (err) {
      if (err instanceof UserError) throw err.withMessage(`--workload: ${err.message.replace(/^gen: /, '')}`);
      throw err;
    }
    trace = { kind: 'workload', workload, params };
  } else {
    if (options.tracePath === undefined)
      throw new UsageError('sweep: missing --trace FILE (a fixed trace) or --workload NAME (a trace generated per point)');
    if (params.length > 0) throw new UsageError('--param: workload parameters need --workload NAME');
    const wl = axes.find((a) => a.kind === 'workload');
    if (wl !== undefined) throw new UsageError(`--grid ${wl.key}: workload parameters need --workload NAME`);
    trace = { kind: 'file', path: options.tracePath };
  }
  if (options.out === undefined)
    throw new UsageError('sweep: missing --out DIR (finished points are kept there, so an interrupted sweep resumes)');
  const replications = typeof raw['replications'] === 'string' ? parseCount('--replications', raw['replications'], 1, 100000) : 1;
  const jobs = typeof raw['jobs'] === 'string' ? parseCount('--jobs', raw['jobs'], 1, 4096) : 'auto';
  const spec: SweepSpec = {
    configs,
    configOptions: options.configOptions,
    axes,
    model: options.modelName,
    modelSets: options.modelSets,
    replications,
    seed: options.seed,
    prefault: options.prefault,
    ...(options.warmup !== undefined ? { warmup: options.warmup } : {}),
    ...(options.modelUncertainty ? { modelUncertainty: true as const } : {}),
    trace,
  };
  const formats = typeof raw['formats'] === 'string' ? parseFormats(raw['formats']) : [...REPORT_FORMATS];
  return {
    spec,
    out: options.out,
    jobs,
    shard: parseShard(typeof raw['shard'] === 'string' ? raw['shard'] : undefined),
    force: options.force,
    json: options.json,
    quiet: options.quiet,
    formats,
  };
}

/** One-line account of a sweep run. */
export function outcomeLine(outcome: SweepOutcome, out: string, shard: Shard | null): string {
  const share =
    shard === null ? `${outcome.total} points` : `shard ${shard.index}/${shard.count}: ${outcome.points} of ${outcome.total} points`;
  const what = outcome.complete ? 'report written' : `points written (join the shards with hmsim merge)`;
  return `sweep: ${share}, ${outcome.computed} computed, ${outcome.reused} already done → ${out} (${what})\n`;
}

export function register(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('replay a grid of configurations, parameters, replications and workloads (worker threads, shards, resumable)')
    .option('--configs <list>', 'comma-separated configurations (the first is the baseline of the overheads)')
    .option(
      '--grid <key=v1,v2,...>',
      'a swept parameter, repeatable: a configuration key (ram, cpus, kernel, ' +
        'split, ...), a model key (tlb.l1d.entries, any --set key) or workload.PARAM',
      collect,
    )
    .option('--replications <n>', 'replications of every grid cell, each with its own seed (default 1)')
    .option('--workload <name>', 'generate the trace per point with this generator (hmsim gen --list) instead of --trace')
    .option('--param <k=v>', 'fixed workload parameter, repeatable (hmsim gen WORKLOAD --help)', collect)
    .option(
      '--jobs <n>',
      'points replayed in parallel: in this thread and on n − 1 worker threads (default: as many as the ' +
        'replay work pays for, up to the available cores: one thread per ~2 s of estimated replay)',
    )
    .option('--shard <i/n>', 'run only shard i of n (0 ≤ i < n; point k belongs to shard k mod n); join with hmsim merge')
    .option(
      '--formats <list>',
      `report files to render: any of ${REPORT_FORMATS.join(',')} (default all; summaries and chart specs always)`,
    );
  addRunOptions(cmd);
  addThemeOption(cmd);
  cmd.action(async (_opts: Record<string, unknown>, command: Command) => {
    const s = sweepFromOptions(command.opts(), command);
    const theme = themeFrom(command.opts());
    const tty = process.stderr.isTTY === true && !s.quiet;
    // Ctrl-C: running points stop, finished points stay saved in OUT/points (a rerun resumes).
    const signal = interruptSignalOf(command);
    const outcome = await runSweep(s.spec, {
      out: s.out,
      jobs: s.jobs,
      shard: s.shard,
      force: s.force,
      theme,
      formats: s.formats,
      ...(signal !== undefined ? { signal } : {}),
      ...(tty
        ? {
            onPoint: (done: number, total: number) =>
              void process.stderr.write(`\rsweep: ${done}/${total} points${done === total ? '\n' : ''}`),
          }
        : {}),
    });
    if (s.spec.replications > 1 && outcome.cells !== null && identicalReplications(outcome.cells.map((c) => c.totalCycles))) {
      warnIdenticalReplications(s.spec.replications, await loadModel(s.spec.model, s.spec.modelSets));
    }
    const auto = outcome.autoJobs;
    if (auto !== null && auto.records !== null && !s.quiet && !s.json && outcome.computed > 0) {
      const cores = availableParallelism();
      if (auto.jobs < cores)
        process.stderr.write(
          `sweep: ${auto.jobs === 1 ? 'one thread' : `${auto.jobs} threads`} for ${outcome.computed} points of ` +
            `${auto.records.toLocaleString('en-US')} records in all (about ${(auto.seconds ?? 0).toFixed(1)} s of replay; ` +
            `a worker thread pays for its start from about 2 s more): --jobs ${cores} to use every core\n`,
        );
    }
    if (s.json) {
      const { header: _header, ...summary } = outcome;
      process.stdout.write(`${JSON.stringify({ format: 'hmsim-sweep-run', out: s.out, ...summary, shard: s.shard })}\n`);
      return;
    }
    process.stdout.write(outcomeLine(outcome, s.out, s.shard));
    if (outcome.cells !== null) process.stdout.write(`\n${outcome.header ?? ''}${tableToMarkdown(sweepTable(s.spec, outcome.cells))}\n`);
  });
}
