/**
 * Replications that cannot vary (a fixed trace under a model that samples nothing) give no interval:
 * not a zero-width one. compare warns once on stderr, its table and the report say why; with a sampled
 * cost the same command gives intervals where the runs differ.
 */
import { describe, expect, it } from 'vitest';
import { collectProvenance } from '../../src/report/provenance.ts';
import { buildCompareReport } from '../../src/report/write.ts';
import type { RunResult } from '../../src/result/run-result.ts';
import { identicalReplications, meanInterval } from '../../src/stats/interval.ts';
import { ROOT } from '../helpers/cli.ts';
import { runMain } from '../run/in-process.ts';

const STREAM = `${ROOT}traces/stream-small.hmt`;

const WARNING =
  'hmsim: warning: the 3 replications of every configuration gave identical results (a fixed trace, and model core2 samples no cost): ' +
  'no confidence interval is shown; vary the trace per replication (compare --workload, sweep --workload) ' +
  'or the model (--model-uncertainty)\n';

describe('identical replications', () => {
  it('meanInterval: equal values have sd 0 and no interval; one value none either', () => {
    expect(meanInterval([5, 5, 5])).toEqual({ n: 3, mean: 5, sd: 0, halfWidth: null, lo: null, hi: null });
    expect(meanInterval([5])).toEqual({ n: 1, mean: 5, sd: null, halfWidth: null, lo: null, hi: null });
    expect(identicalReplications([meanInterval([5, 5]), meanInterval([7, 7])])).toBe(true);
    expect(identicalReplications([meanInterval([5, 5]), meanInterval([7, 8])])).toBe(false);
    expect(identicalReplications([meanInterval([5])])).toBe(false);
  });

  it('compare --replications 3 on a fixed trace: one warning, no ±, and the report says why', async () => {
    const r = await runMain(['compare', '--trace', STREAM, '--configs', '3g1g-highmem,x86_64', '--replications', '3', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(WARNING);
    expect(r.stdout).toContain('cycles (mean; replications identical, no CI)');
    expect(r.stdout).not.toContain('±');
    const json = await runMain([
      'compare',
      '--trace',
      STREAM,
      '--configs',
      '3g1g-highmem,x86_64',
      '--replications',
      '3',
      '--quiet',
      '--json',
    ]);
    const { runs, configs } = JSON.parse(json.stdout) as { runs: RunResult[]; configs: Array<{ cyclesCi: unknown; overheadCi: unknown }> };
    expect(configs.map((c) => [c.cyclesCi, c.overheadCi])).toEqual([
      [null, null],
      [null, null],
    ]);
    const provenance = collectProvenance(runs, { command: ['hmsim', 'compare'], seed: 1, replications: 3, gitCommit: null });
    const files = await buildCompareReport({ baseline: '3g1g-highmem', runs, provenance }, { formats: [] });
    const md = String(files.get('summary.md'));
    expect(md).toContain(
      '3 replications per configuration, all identical: the trace is fixed and the model samples no cost, ' +
        'so nothing varied between them and no confidence interval is given (shown as "n/a" in the tables).',
    );
    expect(md).toMatch(/^\| 3g1g-highmem \| 3 \| [\d,]+ \| n\/a \(replications identical\) \| baseline \|/m);
    for (const id of ['1-cycles-by-category', '2-overhead']) {
      const spec = JSON.parse(String(files.get(`${id}.vl.json`))) as { title: { subtitle: string[] } };
      expect(spec.title.subtitle, id).toEqual(['3 identical replications (nothing sampled): no confidence interval']);
    }
  });

  it('a sampled INVLPG cost varies the runs that INVLPG: intervals there, none where nothing was drawn, no warning', async () => {
    const r = await runMain([
      'compare',
      '--trace',
      STREAM,
      '--configs',
      '3g1g-highmem,x86_64',
      '--replications',
      '3',
      '--quiet',
      '--set',
      'costs.invlpg={"normal":{"mean":232,"sd":20}}',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n');
    // 3g1g-highmem INVLPGs on every kmap_local unmap: its cycles vary; x86_64 maps no highmem and INVLPGs nothing here.
    expect(rows.find((l) => l.startsWith('3g1g-highmem '))).toMatch(/ ± /);
    expect(rows.find((l) => l.startsWith('x86_64 '))).toMatch(/^x86_64 +yes +3 +[\d,]+ +-\d+\.\d\d % ± \d+\.\d\d %$/);
  });
});
