import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCompareReport, type CompareReportInput, type Summary } from '../../src/report/write.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { messageSpec } from '../../src/report/charts/chart.ts';
import { theme } from '../../src/report/theme.ts';
import { UserError } from '../../src/errors.ts';
import { fixtureLayout, fixtureRuns } from './fixtures.ts';

// Each full report renders every chart to SVG and PNG (about a second), so the tests share reports.
const ROOT = mkdtempSync(join(tmpdir(), 'hmsim-report-write-'));
afterAll(() => rmSync(ROOT, { recursive: true, force: true }));

/** Fixture input; layouts (chart 5) only when asked. */
function input(r: number, seed = 1, withLayouts = false): CompareReportInput {
  const configs = ['3g1g-highmem', '2g2g-highmem'];
  const runs = fixtureRuns(configs, seed, r);
  return {
    baseline: '3g1g-highmem',
    runs,
    ...(withLayouts ? { layouts: configs.map(fixtureLayout) } : {}),
    provenance: collectProvenance(runs, { command: ['hmsim', 'compare', '--seed', String(seed)], seed, replications: r, gitCommit: null }),
  };
}

describe('writeCompareReport', () => {
  const a = join(ROOT, 'a');
  const b = join(ROOT, 'b');
  beforeAll(async () => {
    await writeCompareReport(a, input(3, 7, true));
    await writeCompareReport(b, input(3, 7, true));
  }, 120_000);

  it('writes the summaries, every chart as spec, SVG, PNG and PDF, and index.html', () => {
    const files = readdirSync(a).sort();
    const charts = ['1-cycles-by-category', '2-overhead', '3-kmap-latency', '4-timeline', '5-address-space', '6-lowmem-budget'];
    expect(files).toEqual(
      [
        '.hmsim-output',
        'index.html',
        'summary.csv',
        'summary.json',
        'summary.md',
        ...charts.flatMap((c) => [`${c}.pdf`, `${c}.png`, `${c}.svg`, `${c}.vl.json`]),
      ].sort(),
    );
    const summary = JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8')) as Summary;
    expect(summary.format).toBe('hmsim-summary');
    expect(summary.runs).toHaveLength(6); // every replication is kept
    expect(summary.aggregate.configs.map((c) => c.config)).toEqual(['3g1g-highmem', '2g2g-highmem']);
    expect(summary.provenance.command).toEqual(['hmsim', 'compare', '--seed', '7']);
    const spec = JSON.parse(readFileSync(join(a, '1-cycles-by-category.vl.json'), 'utf8')) as { $schema: string };
    expect(spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v6.json');
  });

  it('writes byte-identical summary.json, tables, charts and HTML for the same inputs', () => {
    for (const f of [
      'summary.json',
      'summary.md',
      'summary.csv',
      'index.html',
      '1-cycles-by-category.svg',
      '5-address-space.png',
      '2-overhead.pdf',
    ]) {
      expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    }
    expect(readFileSync(join(a, 'summary.json'), 'utf8')).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/); // no time stamp
  });

  it('refuses to replace a folder hmsim did not write, unless forced', async () => {
    const out = join(ROOT, 'foreign');
    mkdirSync(out);
    writeFileSync(join(out, 'thesis.tex'), 'precious');
    await expect(writeCompareReport(out, input(2))).rejects.toBeInstanceOf(UserError);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('precious');
    await writeCompareReport(out, input(2), { force: true });
    expect(existsSync(join(out, 'thesis.tex'))).toBe(false);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });

  it('leaves the previous report intact, and no temporary folder, when building the new one fails', async () => {
    const before = readFileSync(join(a, 'summary.json'));
    const broken = { ...messageSpec(theme(), 'broken', 'x'), mark: 'no-such-mark' } as never;
    const bad = { ...input(2), extraCharts: [{ id: 'broken', title: 'b', description: 'b', spec: broken }] };
    await expect(writeCompareReport(a, bad)).rejects.toThrow();
    expect(readFileSync(join(a, 'summary.json')).equals(before)).toBe(true);
    expect(readdirSync(ROOT).filter((f) => f.startsWith('.hmsim-'))).toEqual([]);
  });
});
