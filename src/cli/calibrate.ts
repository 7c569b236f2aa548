import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { assertReplaceableOutput, writeDirAtomic } from '../io/atomic.ts';
import { loadSuite, readExperiment, type Experiment } from '../calibrate/experiment.ts';
import { runSuite } from '../calibrate/run.ts';
import { asExpected, calibrationFiles, calibrationText } from '../calibrate/report.ts';
import { loadModel } from '../models/load.ts';
import { collectProvenance, commandLine } from '../report/provenance.ts';
import { themeFrom } from './run-options.ts';

/**
 * `hmsim calibrate [--model M]... [--only ID]... [--suite DIR | FILE...] [--json] [--out DIR] [--theme T] [--force]`:
 * runs the calibration suite (calibration/*.json) and prints published vs model with the error. Exit 1
 * when a result is not where the suite expects it (outside its range, or a stated known miss that now
 * lands within it), 0 otherwise.
 */
export function register(program: Command): void {
  program
    .command('calibrate')
    .description('run the calibration suite: published experiments (calibration/*.json) against the cost models')
    .argument('[files...]', 'experiment files (default: every calibration/*.json)')
    .option('--model <name...>', 'only these shipped models')
    .option('--only <id...>', 'only these experiments')
    .option('--json', 'print the results as JSON')
    .option('--out <dir>', 'write a report (Markdown, CSV, JSON, a chart as Vega-Lite, SVG, PNG and PDF with their provenance) into DIR')
    .option('--theme <name>', 'chart style of the --out figure: default or paper (print size, serif)')
    .option('--force', 'replace an existing --out folder hmsim did not write')
    .action(
      async (
        files: string[],
        opts: { model?: string[]; only?: string[]; json?: boolean; out?: string; theme?: string; force?: boolean },
      ) => {
        const themeName = themeFrom(opts);
        if (opts.theme !== undefined && opts.out === undefined)
          throw new UsageError('calibrate --theme: it styles the --out figure (expected --out DIR with it)');
        let suite: Experiment[] = files.length > 0 ? files.map((f) => readExperiment(f)) : loadSuite();
        if (opts.only !== undefined) {
          const unknown = opts.only.filter((id) => !suite.some((e) => e.id === id));
          if (unknown.length > 0)
            throw new UsageError(
              `calibrate --only: unknown experiment ${unknown.join(', ')} (expected one of: ${suite.map((e) => e.id).join(', ')})`,
            );
          suite = suite.filter((e) => opts.only!.includes(e.id));
        }
        if (opts.out !== undefined) await assertReplaceableOutput(opts.out, opts.force === true);
        const results = await runSuite(suite, opts.model);
        if (results.length === 0)
          throw new UsageError('calibrate: no experiment applies to the models given (see each experiment\'s "models")');
        if (opts.json === true) process.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`);
        else process.stdout.write(calibrationText(results));
        if (opts.out !== undefined) {
          // What made the figure: the command and each model calibrated (name and hash); no trace, no seed.
          const models = await Promise.all(
            [...new Set(results.map((r) => r.model))].map(async (name) => ({ name, hash: (await loadModel(name)).hash })),
          );
          const provenance = { ...collectProvenance([], { command: commandLine(), seed: null, replications: 1 }), models };
          const out = await calibrationFiles(results, provenance, themeName);
          await writeDirAtomic(
            opts.out,
            async (tmp) => {
              for (const [name, data] of out) await writeFile(join(tmp, name), data);
            },
            { force: opts.force === true },
          );
          if (opts.json !== true) process.stdout.write(`report written to ${opts.out}/\n`);
        }
        if (!asExpected(results)) process.exitCode = 1;
      },
    );
}
