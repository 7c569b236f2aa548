/**
 * Snapshot tests of the text tables (run summary, compare tables, the header of what was run,
 * summary.md) and of every Vega-Lite spec, on the report fixtures (tests/report/fixtures.ts: hand-made
 * RunResults, deterministic). The files under tests/report/snapshots/ were reviewed once; any change to
 * the output surface shows as a diff there (`npx vitest run -u tests/report/snapshots.test.ts` rewrites
 * them after a reviewed change).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReplicatedCompareTable } from '../../src/cli/compare-table.ts';
import { formatCompareTable, formatRunSummary } from '../../src/cli/run-summary.ts';
import { buildCharts } from '../../src/report/charts/index.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { runHeaderText } from '../../src/report/run-header.ts';
import { theme } from '../../src/report/theme.ts';
import { loadVega } from '../../src/report/vega.ts';
import { buildCompareReport } from '../../src/report/write.ts';
import { aggregate } from '../../src/stats/aggregate.ts';
import { fixtureLayout, fixtureRuns } from './fixtures.ts';

const CONFIGS = ['3g1g-highmem', '2g2g-highmem', '4g4g'];
const snap = (name: string): string => `./snapshots/${name}`;

beforeAll(async () => {
  await loadVega();
});

describe('text tables (snapshots)', () => {
  const one = fixtureRuns(CONFIGS, 1, 1);
  const three = fixtureRuns(CONFIGS, 1, 3);
  const context = { command: ['hmsim', 'compare'], seed: 1, gitCommit: null, modelOverrides: ['costs.invlpg=+10%'], clockGHz: 2.93 };

  it('run summary', async () => {
    const p = collectProvenance([one[0]!], { ...context, replications: 1 });
    await expect(formatRunSummary(one[0]!, p)).toMatchFileSnapshot(snap('run-summary.txt'));
  });

  it('compare table, one replication', async () => {
    await expect(formatCompareTable(one, collectProvenance(one, { ...context, replications: 1 }))).toMatchFileSnapshot(
      snap('compare-table.txt'),
    );
  });

  it('compare table, three replications', async () => {
    const text = formatReplicatedCompareTable(aggregate(three), collectProvenance(three, { ...context, replications: 3 }));
    await expect(text).toMatchFileSnapshot(snap('compare-replicated.txt'));
  });

  it('header of a workload sweep (traces summarised)', async () => {
    const runs = fixtureRuns(['3g1g-highmem'], 1, 4).map((r, i) => ({
      ...r,
      trace: { ...r.trace, path: `gen:stream seed=${i}`, sha256: String(i).repeat(64), records: 1000 + i },
    }));
    await expect(runHeaderText(collectProvenance(runs, { ...context, replications: 4 }))).toMatchFileSnapshot(snap('header-sweep.txt'));
  });

  it('summary.md', async () => {
    const files = await buildCompareReport(
      {
        baseline: '3g1g-highmem',
        runs: three,
        layouts: CONFIGS.map(fixtureLayout),
        provenance: collectProvenance(three, { ...context, replications: 3 }),
      },
      { formats: [] },
    );
    await expect(String(files.get('summary.md'))).toMatchFileSnapshot(snap('summary.md'));
  });
});

describe('Vega-Lite specs (snapshots)', () => {
  for (const name of ['default', 'paper'] as const) {
    it(`every chart, theme ${name}`, async () => {
      const runs = fixtureRuns(CONFIGS, 1, 3);
      const charts = buildCharts({ aggregate: aggregate(runs), runs, layouts: CONFIGS.map(fixtureLayout), theme: theme(name) });
      expect(charts.length).toBe(6);
      for (const c of charts) await expect(`${JSON.stringify(c.spec, null, 2)}\n`).toMatchFileSnapshot(snap(`${name}/${c.id}.vl.json`));
    });
  }
});
