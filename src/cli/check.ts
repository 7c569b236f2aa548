import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import type { CheckBackend } from '../check/backend.ts';
import { createDefaultBackend } from '../check/default-backend.ts';
import { DEFAULT_BASELINE_DIR, discoverScenarios } from '../check/discover.ts';
import { formatGithub } from '../check/format-github.ts';
import { formatJunit } from '../check/format-junit.ts';
import { formatTables } from '../check/format-table.ts';
import { formatCheckJson, formatUpdateJson } from '../check/format-json.ts';
import { formatUpdates } from '../check/format-update.ts';
import { loadScenarios } from '../check/load-scenario.ts';
import { checkScenarios, updateBaselines, type CheckItem } from '../check/runner.ts';
import { withInterrupt } from './run-options.ts';
import { addSetOption } from './set-option.ts';

/** Options of `hmsim check` as commander hands them over. */
export interface CheckCliOptions {
  readonly baseline: string;
  readonly update?: boolean;
  readonly junit?: string;
  readonly format: string;
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly set: string[];
  /** Let scenarios name code plug-ins as their model (`--allow-plugins`). */
  readonly allowPlugins?: boolean;
  /** The project folder scenario paths must stay inside (`--root`, default the current folder). */
  readonly root?: string;
}

/**
 * `hmsim check [SCENARIO...]`: replays each scenario, compares the watched metrics with the stored
 * baselines, prints a table per scenario (or GitHub annotations), optionally writes JUnit XML.
 * Exit 0 when everything passes, 1 on a regression, 2 on bad input. `--update` rewrites the baselines.
 */
export function register(program: Command): void {
  const cmd = program
    .command('check')
    .description(
      'Regression-check cost models: replay scenarios and compare watched ' +
        'metrics with stored baselines (exit 0 pass, 1 regression, 2 bad input)',
    )
    .argument('[scenario...]', 'scenario files (JSON) or folders of them (default: scenarios/)')
    .option('--baseline <dir>', 'folder of baseline files', DEFAULT_BASELINE_DIR)
    .option('--update', 'rewrite the baselines from this run and print what changed')
    .option('--junit <file>', 'also write a JUnit XML report to FILE (atomically)')
    .option('--format <format>', 'output: table | github (tables folded in groups, ::error annotations)', 'table')
    .option('--json', 'print exactly one JSON object (every scenario, metric, verdict and reason) instead')
    .option(
      '--verbose',
      'list every metric of every scenario (default: a passing scenario is one line, a failing one lists its failing metrics)',
    )
    .option('--root <dir>', "project folder: a scenario's trace and model paths must stay inside it (default: the current folder)")
    .option(
      '--allow-plugins',
      "let a scenario's model be a code plug-in (.ts/.js), which then runs; off by default, so checking a repository never runs its code",
    )
    .addHelpText(
      'after',
      '\nScenario files: see scenarios/schema.json. Metrics are RunResult paths (cycles.total, cycles.breakdown.*,\n' +
        'counts.pkmapFlushes), share(PATH), overhead(PATH) or ratio(PATH, PATH); rules: exact, relative, absolute,\n' +
        'statistical (Welch t-test or permutation test, with alpha and a minimum effect). --set applies to every scenario.',
    );
  addSetOption(cmd).action(async (scenarios: string[], opts: CheckCliOptions) => {
    process.exitCode = await runCheckCommand(scenarios, opts, createDefaultBackend({ allowPlugins: opts.allowPlugins === true }));
  });
}

/**
 * Runs the command with a given backend; returns the exit code. Results go to `write` (stdout).
 * Bad input throws a UserError (the CLI turns it into one line on stderr and exit code 2).
 */
export async function runCheckCommand(
  args: readonly string[],
  opts: CheckCliOptions,
  backend: CheckBackend,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  // 1. validate options and inputs (everything that is bad input fails before any replay)
  if (opts.format !== 'table' && opts.format !== 'github') {
    throw new UsageError(`--format: '${opts.format}' is not a format (expected table or github)`);
  }
  if (opts.update === true && opts.junit !== undefined)
    throw new UsageError('--junit: cannot be combined with --update (an update checks nothing)');
  for (const s of opts.set) if (!/^[^=]+=/.test(s)) throw new UsageError(`--set ${s}: expected key=value, e.g. --set costs.invlpg=+10%`);
  const files = discoverScenarios(args);
  const root = resolve(opts.root ?? '.');
  if (statSync(root, { throwIfNoEntry: false })?.isDirectory() !== true)
    throw new UsageError(`--root ${opts.root ?? '.'}: not a folder (expected the project folder)`);
  const scenarios = await loadScenarios(files, { root, allowPlugins: opts.allowPlugins === true });
  const items: CheckItem[] = scenarios.map((scenario, i) => ({ scenario, display: files[i]?.display ?? scenario.file }));
  const baselineDir = resolve(opts.baseline);
  if (statSync(baselineDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    throw new UsageError(`--baseline ${opts.baseline}: not a folder (expected the folder of baseline files)`);
  }

  // 2. run
  const workDir = await mkdtemp(join(tmpdir(), 'hmsim-check-'));
  try {
    const context = (signal: AbortSignal) => ({ backend, sets: opts.set, workDir, traces: new Map<string, Promise<string>>(), signal });
    if (opts.update === true) {
      // Each baseline file is replaced atomically; an interrupted update leaves every file old or new.
      const updates = await withInterrupt((signal) => updateBaselines(items, { context: context(signal), baselineDir }));
      write(opts.json === true ? formatUpdateJson(updates) : formatUpdates(updates));
      return EXIT.ok;
    }
    const outcomes = await withInterrupt((signal) => checkScenarios(items, { context: context(signal), baselineDir }));
    // 3. report
    write(
      opts.json === true
        ? formatCheckJson(outcomes)
        : opts.format === 'github'
          ? formatGithub(outcomes)
          : formatTables(outcomes, { verbose: opts.verbose === true }),
    );
    if (opts.junit !== undefined) await writeFileAtomic(resolve(opts.junit), formatJunit(outcomes));
    return outcomes.every((o) => o.pass) ? EXIT.ok : EXIT.regression;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
