/**
 * `hmsim gen WORKLOAD [--seed S] [--param k=v ...] -o OUT.hmt`: writes a generated trace.
 * `hmsim gen --list` lists the workloads; `hmsim gen WORKLOAD --help` documents every parameter.
 * The generation itself is src/trace/generators/generate.ts (run here on a worker thread).
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { parseCount } from '../units/size.ts';
import { GENERATORS, getGenerator, type Generator } from '../trace/generators/registry.ts';
import { describeParams } from '../trace/generators/params.ts';
import { generateOnThread } from './gen-thread.ts';
import { interruptSignalOf } from './signals.ts';

interface GenOptions {
  out?: string;
  seed?: string;
  param?: string[];
  list?: boolean;
  help?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('gen')
    .description('generate a synthetic workload trace (deterministic for a seed)')
    .argument('[workload]', `workload: ${[...GENERATORS.keys()].join(', ')}`)
    .option('-o, --out <file>', 'output trace (.hmt, or .hmt.gz for gzip)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--param <k=v>', 'workload parameter, repeatable (see hmsim gen WORKLOAD --help)', (v: string, acc: string[] = []) => [
      ...acc,
      v,
    ])
    .option('--list', 'list the workloads')
    .option('--json', 'print the summary as one JSON object')
    .helpOption(false)
    .option('-h, --help', 'show help (with a workload: its parameters)');
  cmd.action(async (workload: string | undefined, options: GenOptions) => {
    if (options.help) {
      process.stdout.write(workload === undefined ? cmd.helpInformation() + '\n' + listText() : workloadHelp(getGenerator(workload)));
      return;
    }
    if (options.list || workload === undefined) {
      if (!options.list)
        throw new UsageError('gen: missing WORKLOAD (expected one of: ' + [...GENERATORS.keys()].join(', ') + '; see hmsim gen --list)');
      process.stdout.write(listText());
      return;
    }
    if (options.out === undefined) throw new UsageError(`gen ${workload}: missing -o, --out <file> (the trace to write)`);
    const seed = options.seed === undefined ? 1 : parseCount('--seed', options.seed, 0, 0xffffffff);
    // On a worker thread: a generator runs synchronously to its end, so only there can Ctrl-C stop it.
    const summary = await generateOnThread(workload, options.out, seed, options.param ?? [], interruptSignalOf(cmd));
    if (options.json) process.stdout.write(JSON.stringify(summary) + '\n');
    else
      process.stdout.write(
        `${summary.out}: ${summary.records} records of ${summary.workload} ` +
          `on ${summary.cpus} CPU${summary.cpus === 1 ? '' : 's'} (seed ${summary.seed})\n`,
      );
  });
}

function listText(): string {
  const width = Math.max(...[...GENERATORS.keys()].map((k) => k.length));
  return (
    'Workloads (hmsim gen WORKLOAD --help for parameters):\n' +
    [...GENERATORS.values()].map((g) => `  ${g.name.padEnd(width)}  ${g.description}`).join('\n') +
    '\n'
  );
}

function workloadHelp(g: Generator): string {
  return [
    `Usage: hmsim gen ${g.name} [--seed S] [--param NAME=VALUE ...] -o OUT.hmt`,
    '',
    g.description,
    '',
    g.details,
    '',
    'Parameters (--param NAME=VALUE; sizes accept K/M/G suffixes):',
    ...describeParams(g.params),
    '',
  ].join('\n');
}
