import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig } from '../../src/layout/configs.ts';
import { replay } from '../../src/machine/replay.ts';
import { loadModel } from '../../src/models/load.ts';
import { CYCLE_CATEGORIES, type RunResult } from '../../src/result/run-result.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { writeCompareReport, type Summary } from '../../src/report/write.ts';
import { replicationSeeds } from '../../src/stats/replications.ts';

const ROOT = mkdtempSync(join(tmpdir(), 'hmsim-report-replay-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

describe('a report of real replays', () => {
  it('replays a small kmap-heavy trace under two configurations with two replications each and reports it', async () => {
    const trace = 'traces/kmap-storm-small.hmt';
    const model = await loadModel('core2');
    const configs = ['3g1g-highmem', '2g2g'].map((name) => resolveConfig({ config: name }));
    const seeds = replicationSeeds(11, 2);
    const runs: RunResult[] = [];
    for (const config of configs) {
      for (const seed of seeds) runs.push(await replay({ tracePath: trace, config, model, seed, prefault: false }));
    }
    const out = join(ROOT, 'report');
    await writeCompareReport(out, {
      baseline: '3g1g-highmem',
      runs,
      layouts: configs.map(computeLayout),
      provenance: collectProvenance(runs, {
        command: ['hmsim', 'compare', '--trace', trace, '--replications', '2', '--seed', '11'],
        seed: 11,
        replications: 2,
      }),
    });

    expect(readdirSync(out).filter((f) => f.endsWith('.svg'))).toHaveLength(6);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    expect(summary.runs.map((r) => [r.configName, r.seed])).toEqual([
      ['3g1g-highmem', seeds[0]],
      ['3g1g-highmem', seeds[1]],
      ['2g2g', seeds[0]],
      ['2g2g', seeds[1]],
    ]);
    const [base, other] = summary.aggregate.configs;
    // Against itself every seed's overhead is exactly 0: identical values, so no interval.
    expect(base!.overhead).toEqual({ method: 'paired', n: 2, mean: 0, lo: null, hi: null });
    expect(other!.overhead!.method).toBe('paired');
    // The aggregate's categories add up to its total, as each run's do (the engine's accounting closes).
    const stats = other!.stats!;
    const sum = CYCLE_CATEGORIES.reduce((s, c) => s + stats.breakdown[c].mean, 0);
    expect(sum).toBeCloseTo(stats.totalCycles.mean, 3);
    expect(summary.provenance.traces).toEqual([{ path: trace, sha256: runs[0]!.trace.sha256, records: runs[0]!.trace.records }]);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('| 2g2g | 2 |');
  });
});
