/**
 * `hmsim merge DIR... --out DIR`: joins the output folders of the shards of one sweep
 * (`hmsim sweep ... --shard i/n --out DIR_i`) into exactly what one unsharded run writes.
 * A folder of another sweep, a missing point or a point computed twice from different inputs is a
 * one-line error. stdout: one line, or with --json `{ format: "hmsim-merge", out, points, cells }`.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { parseFormats, REPORT_FORMATS } from '../report/formats.ts';
import { mergeSweeps } from '../sweep/merge.ts';
import { THEME_NAMES } from '../report/theme.ts';
import { themeFrom } from './run-options.ts';

export function register(program: Command): void {
  program
    .command('merge')
    .description('join the shard outputs of one sweep (hmsim sweep --shard i/n) into the unsharded result')
    .argument('<dirs...>', 'output folders of the shards')
    .option('--out <dir>', 'folder to write (atomically)')
    .option('--force', 'replace a folder hmsim did not write')
    .option(
      '--formats <list>',
      `report files to render: any of ${REPORT_FORMATS.join(',')} (default all; summaries and chart specs always)`,
    )
    .option('--json', 'print one JSON object')
    .option('--theme <name>', `style of the report charts: ${THEME_NAMES.join(' or ')} (default default)`)
    .action(async (dirs: string[], opts: { out?: string; force?: boolean; json?: boolean; theme?: string; formats?: string }) => {
      const formats = opts.formats === undefined ? [...REPORT_FORMATS] : parseFormats(opts.formats);
      if (opts.out === undefined) throw new UsageError('merge: missing --out DIR (the folder to write the merged sweep into)');
      const outcome = await mergeSweeps(dirs, opts.out, {
        force: opts.force === true,
        theme: themeFrom(opts as Record<string, unknown>),
        formats,
      });
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ format: 'hmsim-merge', out: opts.out, points: outcome.points, cells: outcome.cells })}\n`);
      else process.stdout.write(`merge: ${dirs.length} folder${dirs.length === 1 ? '' : 's'}, ${outcome.points} points → ${opts.out}\n`);
    });
}
