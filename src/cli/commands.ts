import type { Command } from 'commander';

/** One command of the table: what the top-level help lists, and how to load the command itself. */
export interface CommandEntry {
  readonly name: string;
  /** The term the top-level help shows: name, `[options]` when it has options, its arguments. */
  readonly term: string;
  /** Its description, as the command registers it. */
  readonly summary: string;
  readonly load: () => Promise<{ register: (program: Command) => void }>;
}

/**
 * The command table: one file per command under src/cli/, each exporting `register(program)`.
 * Add a line here when adding a command. Commands load lazily: `hmsim run …` loads only run.ts, and
 * the top-level help lists the table without loading any (tests/cli-lazy.test.ts checks that each
 * term and summary is what the command registers).
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'models',
    term: 'models',
    summary: 'List, show and validate CPU cost models (models/*.json, code plug-ins)',
    load: () => import('./models.ts'),
  },
  {
    name: 'import',
    term: 'import [options] <format> <input>',
    summary: 'convert a trace from a real tool into an HMT trace',
    load: () => import('./import.ts'),
  },
  {
    name: 'gen',
    term: 'gen [options] [workload]',
    summary: 'generate a synthetic workload trace (deterministic for a seed)',
    load: () => import('./gen.ts'),
  },
  { name: 'trace', term: 'trace', summary: 'work with HMT traces', load: () => import('./trace.ts') },
  {
    name: 'layout',
    term: 'layout [options]',
    summary: 'x86-32 kernel virtual memory layout, zones and lowmem/highmem sizes for a configuration',
    load: () => import('./layout.ts'),
  },
  {
    name: 'capacity',
    term: 'capacity [options]',
    summary: 'lowmem budget: mem_map, page tables, kernel stacks; how many processes fit; unusable RAM',
    load: () => import('./capacity.ts'),
  },
  {
    name: 'run',
    term: 'run [options]',
    summary: 'replay a trace on the modeled machine under one configuration and cost model',
    load: () => import('./run.ts'),
  },
  {
    name: 'compare',
    term: 'compare [options]',
    summary:
      'replay one trace under several configurations side by side, with the overhead relative to the first ' +
      '(defaults: --trace traces/fileserver-4cpu.hmt --configs 3g1g-highmem,3g1g-pae,2g2g,4g4g,x86_64)',
    load: () => import('./compare.ts'),
  },
  {
    name: 'sweep',
    term: 'sweep [options]',
    summary: 'replay a grid of configurations, parameters, replications and workloads (worker threads, shards, resumable)',
    load: () => import('./sweep.ts'),
  },
  {
    name: 'merge',
    term: 'merge [options] <dirs...>',
    summary: 'join the shard outputs of one sweep (hmsim sweep --shard i/n) into the unsharded result',
    load: () => import('./merge.ts'),
  },
  {
    name: 'check',
    term: 'check [options] [scenario...]',
    summary:
      'Regression-check cost models: replay scenarios and compare watched ' +
      'metrics with stored baselines (exit 0 pass, 1 regression, 2 bad input)',
    load: () => import('./check.ts'),
  },
  {
    name: 'calibrate',
    term: 'calibrate [options] [files...]',
    summary: 'run the calibration suite: published experiments (calibration/*.json) against the cost models',
    load: () => import('./calibrate.ts'),
  },
];

/**
 * Registers on `program` what `argv` needs: the one command it names (also after `help`), loaded;
 * otherwise (no command, --help, --version, an unknown name) every command as a stub that lists it —
 * its term and summary from the table, nothing loaded. Returns the names loaded.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<string[]> {
  const first = argv.findIndex((a) => !a.startsWith('-'));
  let name = first >= 0 ? argv[first] : undefined;
  if (name === 'help') name = argv.slice(first + 1).find((a) => !a.startsWith('-'));
  const entry = COMMANDS.find((c) => c.name === name);
  if (entry !== undefined) {
    (await entry.load()).register(program);
    return [entry.name];
  }
  const terms = new Map(COMMANDS.map((c) => [c.name, c.term]));
  for (const c of COMMANDS) program.command(c.name).description(c.summary);
  const helper = program.createHelp();
  program.configureHelp({ subcommandTerm: (cmd) => terms.get(cmd.name()) ?? helper.subcommandTerm(cmd) });
  return [];
}
