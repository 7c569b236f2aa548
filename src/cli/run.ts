/**
 * `hmsim run`: replay one trace under one configuration and cost model.
 *
 * stdout: a readable summary table, or with --json exactly one RunResult object. --out DIR writes
 * DIR/run.json (the same object) atomically.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.ts';
import { assertReplaceableOutput, writeDirAtomic } from '../io/atomic.ts';
import { createProgress } from '../report/progress.ts';
import { collectProvenance, commandLine } from '../report/provenance.ts';
import type { RunResult } from '../result/run-result.ts';
import { RunService } from '../run/service.ts';
import { addRunOptions, runOptionsFrom, runRequestOf } from './run-options.ts';
import { interruptSignalOf } from './signals.ts';
import { formatRunSummary } from './run-summary.ts';
import { formatExplain } from '../report/explain.ts';

/** The JSON text of a RunResult as every command writes it (one line of JSON plus a newline). */
export function runJson(result: RunResult): string {
  return `${JSON.stringify(result)}\n`;
}

export function register(program: Command): void {
  const cmd = program.command('run').description('replay a trace on the modeled machine under one configuration and cost model');
  addRunOptions(cmd);
  cmd.option(
    '--explain',
    'after the summary, say where each cycle figure comes from: its parts and every model key that prices it, with value and source',
  );
  cmd.action(async (_opts: Record<string, unknown>, command: Command) => {
    const options = runOptionsFrom(command.opts(), command);
    if (options.tracePath === undefined) throw new UsageError('--trace: required (an HMT trace, e.g. traces/fileserver-4cpu.hmt)');
    // A folder --out may not replace is refused before the replay, not after it.
    if (options.out !== undefined) await assertReplaceableOutput(options.out, options.force);
    const service = new RunService();
    const request = runRequestOf(options, options.tracePath, options.configOptions);
    const { config } = service.resolve(request.config);
    const model = await service.model(request.model, request.modelSets);
    const progress = createProgress({ total: 0, label: config.name, quiet: options.quiet });
    const signal = interruptSignalOf(command);
    const result = await service
      .run(request, { ...(signal !== undefined ? { signal } : {}), onProgress: (done, total) => progress.update(done, total) })
      .finally(() => progress.finish());
    if (options.out !== undefined) {
      await writeDirAtomic(options.out, (tmp) => writeFile(join(tmp, 'run.json'), runJson(result)), { force: options.force });
    }
    if (options.json && command.opts()['explain'] === true)
      throw new UsageError('--explain: prints text; it cannot be combined with --json (the JSON result has every figure)');
    if (options.json) {
      process.stdout.write(runJson(result));
      return;
    }
    const provenance = collectProvenance([result], {
      command: commandLine(),
      seed: options.seed,
      replications: 1,
      gitCommit: null,
      modelOverrides: options.modelSets,
      clockGHz: model.clockGHz,
    });
    process.stdout.write(formatRunSummary(result, provenance));
    if (command.opts()['explain'] === true) process.stdout.write(`\n${formatExplain(result, model)}`);
  });
}
