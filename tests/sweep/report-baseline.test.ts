/**
 * A sweep report has one baseline: with two or more configurations every cell is compared with the first
 * configuration's cell at the same grid values — in the compare tables, summary.csv, chart 2, the sweep
 * table and chart 7 alike (it used to be the first cell, 3g1g-highmem at the first RAM size, for the first
 * four and the same RAM for the last two). And a trace without compute records is named in the header.
 */
import { describe, expect, it } from 'vitest';
import { buildSweepReport } from '../../src/sweep/report.ts';
import type { FinishedPoint } from '../../src/sweep/cells.ts';
import type { SweepSpec } from '../../src/sweep/spec.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { runHeaderText } from '../../src/report/run-header.ts';
import { fixtureRun } from '../report/fixtures.ts';
import { ROOT } from '../helpers/cli.ts';
import { runCaptured } from '../helpers/in-process.ts';

const spec: SweepSpec = {
  configs: ['3g1g-highmem', '2g2g-highmem'],
  configOptions: {},
  axes: [{ key: 'ram', kind: 'config', values: ['3G', '6G'] }],
  model: 'core2',
  modelSets: [],
  replications: 1,
  seed: 1,
  prefault: false,
  trace: { kind: 'file', path: 'fixture.hmt' },
};

/** Total cycles per cell: more RAM makes both faster, so the first cell (3G) and the same RAM differ. */
const TOTALS: ReadonlyArray<[string, string, number]> = [
  ['3g1g-highmem', '3G', 100_000_000],
  ['3g1g-highmem', '6G', 80_000_000],
  ['2g2g-highmem', '3G', 110_000_000],
  ['2g2g-highmem', '6G', 84_000_000],
];

function finished(): FinishedPoint[] {
  return TOTALS.map(([config, ram, total], index) => {
    const r = fixtureRun(config, 1);
    const cell = `${config} ram=${ram}`;
    return {
      point: { index, id: `p${index}`, config, coords: { ram }, replication: 0, seed: 1, traceSeed: null },
      cell,
      result: { ...r, configName: config, cycles: { ...r.cycles, total } },
    };
  });
}

describe('sweep report baseline', () => {
  it('every table and chart compares a cell with the first configuration at the same ram', async () => {
    const { files, header } = await buildSweepReport(spec, finished(), null, { formats: ['html'] });
    // 2g2g at 3G: 110 / 100 − 1 = +10 %; at 6G: 84 / 80 − 1 = +5 % (against the first cell, 6G would read −16 %).
    const md = String(files.get('summary.md'));
    expect(md).toContain('Baseline: **3g1g-highmem at the same ram**.');
    expect(md).toContain('| configuration | runs | total cycles (mean) | 95% CI | overhead vs 3g1g-highmem at the same ram | 95% CI |');
    expect(md).toContain('| 3g1g-highmem ram=6G | 1 | 80,000,000 | n/a (1 replication) | baseline |  |');
    expect(md).toContain('| 2g2g-highmem ram=3G | 1 | 110,000,000 | n/a (1 replication) | +10.00 % | n/a (1 replication) |');
    expect(md).toContain('| 2g2g-highmem ram=6G | 1 | 84,000,000 | n/a (1 replication) | +5.00 % | n/a (1 replication) |');
    // The sweep table says the same.
    expect(md).toContain('| configuration | ram | total cycles | 95% CI | overhead vs 3g1g-highmem at the same ram | 95% CI |');
    expect(md).toMatch(/\| 2g2g-highmem \| 6G \| 84,000,000 \| n\/a \(1 replication\) \| \+5\.00 % \|/);
    const csv = String(files.get('summary.csv'));
    expect(csv).toContain('2g2g-highmem ram=6G,overheadPercent,% vs 3g1g-highmem ram=6G,1,5.000000000000004,,,');
    expect(csv).toContain('3g1g-highmem ram=6G,overheadPercent,% vs 3g1g-highmem ram=6G,1,0,,,');
    // Chart 2 and chart 7 draw the same figures against the same baseline.
    const chart2 = JSON.parse(String(files.get('2-overhead.vl.json'))) as {
      data: { values: Array<{ config: string; overhead: number }> };
      title: { text: string };
    };
    expect(chart2.title.text).toBe('Overhead relative to 3g1g-highmem at the same ram');
    expect(chart2.data.values.map((v) => [v.config, Number(v.overhead.toFixed(9))])).toEqual([
      ['3g1g-highmem ram=3G', 0],
      ['3g1g-highmem ram=6G', 0],
      ['2g2g-highmem ram=3G', 10],
      ['2g2g-highmem ram=6G', 5],
    ]);
    const chart7 = String(files.get('7-sweep.vl.json'));
    expect(chart7).toContain('overhead vs 3g1g-highmem at the same ram (%)');
    // Both 3g1g-highmem cells are baselines in the header.
    expect(header).toContain('3g1g-highmem ram=3G (baseline): ');
    expect(header).toContain('3g1g-highmem ram=6G (baseline): ');
    expect(header).not.toContain('2g2g-highmem ram=3G (baseline)');
  });
});

/** Elapsed seconds and device waits per cell: more RAM, fewer device reads (cycles as in TOTALS). */
const TIMES: ReadonlyArray<[number, number]> = [
  [40, 120],
  [25, 70],
  [50, 150],
  [25, 70],
];

describe('a sweep whose runs wait on a device', () => {
  it('leads the sweep table, sweep.csv, summary.md and chart 7 with the elapsed time, and says so', async () => {
    const points = finished().map((f, i) => {
      const [elapsedSeconds, ioWaitSeconds] = TIMES[i]!;
      return { ...f, result: { ...f.result, time: { ...f.result.time, elapsedSeconds, ioWaitSeconds } } };
    });
    const { files } = await buildSweepReport(spec, points, null, { formats: ['html'] });
    const md = String(files.get('summary.md'));
    // 2g2g at 3G: 50 / 40 − 1 = +25 % elapsed while its cycles are +10 %; at 6G both take 25 s (+0 %).
    expect(md).toContain('**Sweep: 4 cells × 1 replication (elapsed time = CPU cycles + device waits; cycles are CPU cycles only)**');
    expect(md).toContain(
      '| configuration | ram | elapsed | 95% CI | elapsed vs 3g1g-highmem at the same ram | 95% CI | I/O wait, all CPUs | ' +
        'total cycles | 95% CI | cycles vs 3g1g-highmem at the same ram | 95% CI | RAM installed / usable / lost MB |',
    );
    expect(md).toMatch(
      /\| 2g2g-highmem \| 3G \| 50\.00 s \| n\/a \(1 replication\) \| \+25\.00 % \| n\/a \(1 replication\) \| 150\.0 s \| 110,000,000 \|/,
    );
    expect(md).toMatch(/\| 2g2g-highmem \| 6G \| 25\.00 s \| n\/a \(1 replication\) \| \+0\.00 % \|/);
    // The compare table of the cells leads the same way.
    expect(md).toContain('**Elapsed time (CPU cycles + device waits) and total CPU cycles, relative to 3g1g-highmem at the same ram**');
    expect(md).toContain(
      '| 2g2g-highmem ram=3G | 1 | 50.00 s | n/a (1 replication) | +25.00 % | n/a (1 replication) | 150.0 s | 110,000,000 |',
    );
    // sweep.csv keeps its columns and adds the elapsed ones after them.
    const csv = String(files.get('sweep.csv')).split('\n');
    expect(csv[0]).toBe(
      'configuration,ram,replications,feasible,cycles_mean,cycles_ci95_lo,cycles_ci95_hi,overhead_pct_mean,overhead_pct_ci95_lo,' +
        'overhead_pct_ci95_hi,elapsed_s_mean,elapsed_s_ci95_lo,elapsed_s_ci95_hi,elapsed_overhead_pct_mean,' +
        'elapsed_overhead_pct_ci95_lo,elapsed_overhead_pct_ci95_hi,io_wait_s_mean',
    );
    expect(csv[3]).toBe('2g2g-highmem,3G,1,yes,110000000,,,10.000000000000009,,,50,,,25,,,150');
    // Chart 2: the elapsed time's overhead, titled as such.
    const chart2 = JSON.parse(String(files.get('2-overhead.vl.json'))) as {
      data: { values: Array<{ config: string; overhead: number }> };
      title: { text: string };
    };
    expect(chart2.title.text).toBe('Elapsed-time overhead relative to 3g1g-highmem at the same ram');
    expect(chart2.data.values.map((v) => [v.config, v.overhead])).toEqual([
      ['3g1g-highmem ram=3G', 0],
      ['3g1g-highmem ram=6G', 0],
      ['2g2g-highmem ram=3G', 25],
      ['2g2g-highmem ram=6G', 0],
    ]);
    // Chart 7: the elapsed time of every cell, the baseline's own gain from more RAM included.
    const chart7 = JSON.parse(String(files.get('7-sweep.vl.json'))) as {
      title: { text: string };
      data: { values: Array<{ config: string; x: number; mean: number }> };
    };
    expect(chart7.title.text).toBe('elapsed time (s: CPU cycles + device waits) vs ram (GiB)');
    expect(chart7.data.values.map((v) => [v.config, v.x, v.mean])).toEqual([
      ['3g1g-highmem', 3, 40],
      ['3g1g-highmem', 6, 25],
      ['2g2g-highmem', 3, 50],
      ['2g2g-highmem', 6, 25],
    ]);
  });
});

describe('a trace without compute records', () => {
  it('is one warning line in the header; a trace with them has none', () => {
    const run = fixtureRun('3g1g-highmem', 1);
    const context = { command: ['hmsim', 'run'], seed: 1, replications: 1, gitCommit: null };
    const withCompute = { ...run, counts: { ...run.counts, records: { ...run.counts.records, access: 100, compute: 5 } } };
    const without = {
      ...run,
      cycles: { ...run.cycles, breakdown: { ...run.cycles.breakdown, compute: 0 } },
      counts: { ...run.counts, records: { ...run.counts.records, access: 100, compute: 0 } },
    };
    expect(runHeaderText(collectProvenance([withCompute], context))).not.toContain('warning');
    const lines = runHeaderText(collectProvenance([without], context))
      .split('\n')
      .filter((l) => l.startsWith('warning'));
    expect(lines).toEqual([
      'warning        the trace has no compute records (no user work): cycles, time and overheads are of memory ' +
        "management alone, not of the workload's run time, so an overhead here magnifies its effect on the workload",
    ]);
  });

  it('run on a shipped trace of memory references alone (stream-small: accesses, no compute) prints it once', async () => {
    const r = await runCaptured(['run', '--trace', `${ROOT}traces/stream-small.hmt`, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^warning +the trace has no compute records/gm)).toHaveLength(1);
  });
});
