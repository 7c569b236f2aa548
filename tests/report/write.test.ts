import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCompareReport, type CompareReportInput, type Summary } from '../../src/report/write.ts';
import { renderFigure, type FigureRenderer } from '../../src/report/figure-render.ts';
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

  it('given a renderer (worker threads), submits every figure at once, largest spec first, only the formats asked for', async () => {
    const submitted: Array<{ size: number; formats: readonly string[] }> = [];
    let running = 0;
    let most = 0;
    const renderer: FigureRenderer = async (request) => {
      submitted.push({ size: JSON.stringify(request.spec).length, formats: request.formats });
      most = Math.max(most, ++running);
      // Let every other submission happen before this one renders.
      await new Promise((resolve) => setImmediate(resolve));
      const figure = await renderFigure(request);
      running--;
      return figure;
    };
    const c = join(ROOT, 'c');
    await writeCompareReport(c, input(3, 7, true), { renderFigure: renderer });
    expect(submitted.length).toBe(6);
    expect(most).toBe(6);
    expect(submitted.map((r) => r.size)).toEqual(submitted.map((r) => r.size).sort((x, y) => y - x));
    expect(submitted.every((r) => r.formats.join() === 'svg,png,pdf')).toBe(true);
    // The same bytes as one figure after the other in this thread.
    expect(readdirSync(c).sort()).toEqual(readdirSync(a).sort());
    for (const f of readdirSync(a)) expect(readFileSync(join(c, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    // PNG only: the renderer is asked for PNG alone; no SVG or PDF file, and no HTML.
    submitted.length = 0;
    const d = join(ROOT, 'd');
    await writeCompareReport(d, input(3, 7, true), { renderFigure: renderer, formats: ['png'] });
    expect(submitted.map((r) => r.formats.join())).toEqual(Array(6).fill('png'));
    expect(readdirSync(d).filter((f) => !f.endsWith('.vl.json') && !f.startsWith('summary.'))).toEqual([
      '.hmsim-output',
      ...['1-cycles-by-category', '2-overhead', '3-kmap-latency', '4-timeline', '5-address-space', '6-lowmem-budget'].map(
        (x) => `${x}.png`,
      ),
    ]);
    expect(readFileSync(join(d, '5-address-space.png')).equals(readFileSync(join(a, '5-address-space.png')))).toBe(true);
  }, 120_000);
});
