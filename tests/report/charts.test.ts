import { beforeAll, describe, expect, it } from 'vitest';
import { aggregate } from '../../src/stats/aggregate.ts';
import { buildCharts } from '../../src/report/charts/index.ts';
import { VEGA_LITE_SCHEMA } from '../../src/report/charts/chart.ts';
import { cyclesByCategoryChart } from '../../src/report/charts/cycles-by-category.ts';
import { overheadChart } from '../../src/report/charts/overhead.ts';
import { kmapLatencyChart } from '../../src/report/charts/kmap-latency.ts';
import { timelineChart } from '../../src/report/charts/timeline.ts';
import { fitLabels, layoutSegments, textWidth, topSegments, topWindowStart } from '../../src/report/charts/address-space.ts';
import { emptyTimelineMessage } from '../../src/report/charts/timeline.ts';
import { latencyDescription } from '../../src/report/charts/kmap-latency.ts';
import { siAxis, wrapText } from '../../src/report/charts/chart.ts';
import { tickStep } from '../../src/report/charts/overhead.ts';
import { lowmemBudget } from '../../src/report/charts/lowmem-budget.ts';
import { sweepHeatmapChart, sweepLineChart, type SweepPoint } from '../../src/report/charts/sweep-overhead.ts';
import { compileSpec, renderSvg } from '../../src/report/render.ts';
import { renderPng } from '../../src/report/figure-images.ts';
import { theme, THEME_NAMES } from '../../src/report/theme.ts';
import type { TopLevelSpec } from 'vega-lite';
import { fixtureLayout, fixtureRun, fixtureRuns } from './fixtures.ts';
import { loadVega } from '../../src/report/vega.ts';

// Charts and palettes use Vega, which the report code loads on first need.
beforeAll(async () => {
  await loadVega();
});

const CONFIGS = ['3g1g-highmem', '2g2g-highmem', '4g4g'];
const RUNS = fixtureRuns(CONFIGS, 1, 3);
const AGG = aggregate(RUNS, { baseline: '3g1g-highmem' });
const LAYOUTS = CONFIGS.map(fixtureLayout);
const GiB = 1024 ** 3;

/** Width and height of a PNG from its IHDR chunk (bytes 16–23, big-endian). */
function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

/** The data rows of a single-view or faceted spec with top-level inline data. */
function values(spec: TopLevelSpec): Array<Record<string, unknown>> {
  const data = (spec as { data?: { values?: Array<Record<string, unknown>> } }).data;
  return data?.values ?? [];
}

async function expectRenders(spec: TopLevelSpec): Promise<void> {
  expect(spec.$schema).toBe(VEGA_LITE_SCHEMA);
  expect(JSON.stringify(spec)).not.toMatch(/"url"\s*:/); // data inline, never fetched
  expect(compileSpec(spec).warnings).toEqual([]);
  const svg = await renderSvg(spec);
  expect(svg.startsWith('<svg')).toBe(true);
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  expect(m).not.toBeNull();
  const png = renderPng(svg, 2);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const [w, h] = pngSize(png);
  expect(w).toBe(Math.ceil(2 * Number(m![1])));
  expect(h).toBe(Math.ceil(2 * Number(m![2])));
}

describe('compare charts', () => {
  for (const name of THEME_NAMES) {
    it(`every chart compiles without warnings and renders to SVG and a 2× PNG (theme ${name})`, async () => {
      const charts = buildCharts({ aggregate: AGG, runs: RUNS, layouts: LAYOUTS, theme: theme(name) });
      expect(charts.map((c) => c.id)).toEqual([
        '1-cycles-by-category',
        '2-overhead',
        '3-kmap-latency',
        '4-timeline',
        '5-address-space',
        '6-lowmem-budget',
      ]);
      for (const c of charts) await expectRenders(c.spec);
      if (name === 'paper') {
        for (const c of charts) expect((c.spec.config as { font: string }).font).toMatch(/serif$/);
        expect(await renderSvg(charts[1]!.spec)).toContain('Times New Roman');
      }
    });
  }

  it('leaves the address-space chart out when no layout is given', () => {
    const ids = buildCharts({ aggregate: AGG, runs: RUNS, theme: theme() }).map((c) => c.id);
    expect(ids).not.toContain('5-address-space');
    expect(ids).toHaveLength(5);
  });

  it('stacks only the categories that are non-zero somewhere, in category order', () => {
    const runs = fixtureRuns(['4g4g'], 1, 2);
    const spec = cyclesByCategoryChart(aggregate(runs), theme()).spec as {
      layer: Array<{ encoding: { color: { scale: { domain: string[] } } } }>;
    };
    // 4g4g fixture: no kmap, no global flush, no shootdown (fixtures.ts FIXTURE_SHAPES).
    expect(spec.layer[0]!.encoding.color.scale.domain).toEqual([
      'compute',
      'TLB walk',
      'page fault',
      'INVLPG',
      'local flush',
      'context switch',
      'syscall',
      'copy',
    ]);
  });

  it('draws no error bars and says so with a single replication', async () => {
    const runs = fixtureRuns(['3g1g-highmem', '4g4g'], 1, 1);
    const agg = aggregate(runs);
    const c1 = cyclesByCategoryChart(agg, theme());
    expect((c1.spec as { layer: unknown[] }).layer).toHaveLength(1);
    expect(JSON.stringify(c1.spec.title)).toContain('1 replication: no confidence interval');
    const c2 = overheadChart(agg, theme());
    expect(JSON.stringify(c2.spec.title)).toContain('1 replication: no confidence interval');
    expect(values(c2.spec).map((r) => r['lo'])).toEqual([null, null]);
    await expectRenders(c2.spec);
  });

  it('captions of charts 1 and 2 describe error bars only when they are drawn', () => {
    const cycles = 'Mean simulated cycles of each configuration, split into the categories the engine accounts for. ';
    const overhead = 'Total cycles of each configuration relative to the baseline 3g1g-highmem, in percent. ';
    const rule = 'The black rule at the end of a bar is the 95% confidence interval of the total.';
    const bars =
      'Error bars are 95% confidence intervals (Student t); with the same seeds on both sides the ' +
      'overhead is computed per seed (paired), otherwise from the ratio of means (delta method).';
    // One replication: nothing drawn, and the caption says why.
    const one = aggregate(fixtureRuns(['3g1g-highmem', '4g4g'], 1, 1));
    expect(cyclesByCategoryChart(one, theme()).description).toBe(cycles + 'No confidence interval is drawn: one replication.');
    expect(overheadChart(one, theme()).description).toBe(overhead + 'No confidence interval is drawn: one replication.');
    // Three copies of the same runs under three seeds: identical replications, no interval either.
    const single = fixtureRuns(['3g1g-highmem', '4g4g'], 1, 1);
    const same = aggregate([1, 2, 3].flatMap((seed) => single.map((r) => ({ ...r, seed }))));
    const why = 'No confidence interval is drawn: the 3 replications were identical (nothing sampled).';
    expect(cyclesByCategoryChart(same, theme()).description).toBe(cycles + why);
    expect(overheadChart(same, theme()).description).toBe(overhead + why);
    // Three varied replications (the fixture's seeds change its cycles): intervals drawn and described.
    expect(AGG.configs.every((c) => c.stats?.totalCycles.lo !== null)).toBe(true);
    expect(cyclesByCategoryChart(AGG, theme()).description).toBe(cycles + rule);
    expect(overheadChart(AGG, theme()).description).toBe(overhead + bars);
  });

  it('puts the baseline at exactly 0 % in the overhead chart', () => {
    const rows = values(overheadChart(AGG, theme()).spec);
    // Against itself every seed's overhead is exactly 0: no interval (identical values), no error bar.
    expect(rows[0]).toMatchObject({ config: '3g1g-highmem', overhead: 0, lo: null, hi: null, method: 'paired' });
  });

  it('takes kmap quantiles as the mean over replications and skips configurations without kmap', () => {
    const rows = values(kmapLatencyChart(AGG, RUNS, theme()).spec);
    expect(rows.map((r) => `${r['config']}/${r['metric']}`)).toEqual([
      '3g1g-highmem/kmap (map + unmap)',
      '3g1g-highmem/kmap_lock spin',
      '2g2g-highmem/kmap (map + unmap)',
      '2g2g-highmem/kmap_lock spin',
    ]);
    const mine = RUNS.filter((r) => r.configName === '3g1g-highmem');
    expect(rows[0]!['p99']).toBeCloseTo(mine.reduce((s, r) => s + r.latency.kmap.p99, 0) / 3, 9);
    // The mean's 95% interval over the replications (Student t, 2 degrees of freedom: t = 4.302653).
    const varied = RUNS.map((r, i) =>
      r.configName === '3g1g-highmem' ? { ...r, latency: { ...r.latency, kmap: { ...r.latency.kmap, mean: [250, 260, 280][i % 3]! } } } : r,
    );
    const ci = values(kmapLatencyChart(aggregate(varied), varied, theme()).spec)[0]!;
    const sd = Math.sqrt(((250 - 263.3333333) ** 2 + (260 - 263.3333333) ** 2 + (280 - 263.3333333) ** 2) / 2);
    expect(ci['mean']).toBeCloseTo(263.333333, 5);
    expect(ci['meanLo']).toBeCloseTo(263.333333 - (4.302653 * sd) / Math.sqrt(3), 4);
    expect(ci['meanHi']).toBeCloseTo(263.333333 + (4.302653 * sd) / Math.sqrt(3), 4);
    // One replication: no interval.
    const single = fixtureRuns(['3g1g-highmem'], 1, 1);
    expect(values(kmapLatencyChart(aggregate(single), single, theme()).spec)[0]).not.toHaveProperty('meanLo');
  });

  it('shows a message instead of an empty kmap chart when no configuration has HIGHMEM', async () => {
    const runs = fixtureRuns(['4g4g'], 1, 2);
    const c = kmapLatencyChart(aggregate(runs), runs, theme());
    expect(values(c.spec)).toEqual([{ message: ['No configuration mapped a highmem page (no kmap).'] }]);
    await expectRenders(c.spec);
  });

  it('draws the timeline of the first replication of each configuration', () => {
    const rows = values(timelineChart(AGG, RUNS, theme()).spec);
    const first = RUNS.find((r) => r.configName === '4g4g')!;
    expect(rows.filter((r) => r['config'] === '4g4g')).toHaveLength(first.timeline.length);
    expect(new Set(rows.map((r) => r['kind']))).toEqual(new Set(['pkmap flush', 'IPI', 'global TLB flush', 'pkmap wait', 'TLB shootdown']));
  });
});

describe('address-space segments', () => {
  it('tiles the 4 GB virtual space without gaps or overlaps and places lowmem above PAGE_OFFSET', () => {
    const segs = layoutSegments(fixtureLayout('3g1g-highmem'), 4).filter((s) => s.column === 'virtual');
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.from).toBe(segs[i - 1]!.to);
    expect(segs[0]!.from).toBe(0);
    expect(segs.at(-1)!.to).toBe(4);
    expect(segs.find((s) => s.name === 'user')).toMatchObject({ kind: 'user space', from: 0, to: 3, size: '3 GB' });
    expect(segs.find((s) => s.name === 'lowmem')).toMatchObject({
      kind: 'lowmem (direct map)',
      from: 3,
      start: '0xc0000000',
      size: '880 MB',
    });
    expect(segs.find((s) => s.name === 'pkmap')).toMatchObject({ kind: 'pkmap', start: '0xff000000', end: '0xff400000', size: '4 MB' });
  });

  it('shows RAM above lowmem as HighMem, and RAM a non-HIGHMEM kernel cannot use as not usable', () => {
    const ram = layoutSegments(fixtureLayout('3g1g-highmem'), 4).filter((s) => s.column === 'RAM');
    expect(ram.map((s) => [s.name, s.kind])).toEqual([
      ['DMA', 'lowmem (direct map)'],
      ['Normal', 'lowmem (direct map)'],
      ['HighMem', 'highmem (kmap only)'],
    ]);
    expect(ram.at(-1)!.to).toBe(3);
    const base = fixtureLayout('3g1g-highmem');
    const noHigh = { ...base, zones: base.zones.filter((z) => z.name !== 'HighMem') };
    const last = layoutSegments(noHigh, 4)
      .filter((s) => s.column === 'RAM')
      .at(-1)!;
    expect(last).toMatchObject({ kind: 'RAM not usable', from: 880 / 1024, to: 3 });
  });

  it('gives user and kernel separate columns when they overlap (4G/4G)', () => {
    const cols = new Set(layoutSegments(fixtureLayout('4g4g'), 4).map((s) => s.column));
    expect(cols).toEqual(new Set(['user', 'kernel', 'RAM']));
  });

  it('extends the address axis beyond 4 GB for more RAM (PAE)', () => {
    const l = fixtureLayout('3g1g-highmem');
    const big = { ...l, config: { ...l.config, ramBytes: 6 * GiB } };
    const ram = layoutSegments(big, 6).filter((s) => s.column === 'RAM');
    expect(ram.at(-1)).toMatchObject({ kind: 'RAM not usable', to: 6, end: '0x180000000' });
  });
});

describe('address-space zoom row', () => {
  it('starts 4 MB below the lowest pkmap or fixmap region of the 32-bit layouts', () => {
    // Fixtures: pkmap at 0xff000000 (3g1g-highmem); 4g4g has none, its fixmap starts at 0xffd39000.
    expect(topWindowStart([fixtureLayout('3g1g-highmem'), fixtureLayout('4g4g')])).toBe(0xfec00000);
    expect(topWindowStart([fixtureLayout('4g4g')])).toBe(0xff900000);
  });

  it('tiles the window in MB, and a region cut by its edge says how much of it is shown', () => {
    const segs = topSegments(fixtureLayout('3g1g-highmem'), 0xfec00000);
    expect(segs[0]).toMatchObject({
      name: 'vmalloc',
      column: 'virtual',
      from: 4076,
      size: '4 MB of 120 MB',
      label: 'vmalloc 4 MB of 120 MB',
    });
    expect(segs.find((s) => s.name === 'pkmap')).toMatchObject({
      from: 4080,
      to: 4084,
      start: '0xff000000',
      end: '0xff400000',
      label: 'pkmap 4 MB',
    });
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.from).toBe(segs[i - 1]!.to);
    expect(segs.at(-1)!.to).toBe(4096);
    // Level labels are fitted to the panel (fitLabels): in the default theme's 360 px of 24 MB, a
    // 2 MB region is 30 px high (room for a 10 px line), the 8 KB guard 0.1 px (none).
    const fitted = fitLabels(segs, 360, 130, 10, false);
    expect(fitted.find((s) => s.size === '8 KB')!.label).toBe('');
    expect(fitted.find((s) => s.name === 'pkmap')!.label).toBe('pkmap 4 MB');
    expect(topSegments(fixtureLayout('4g4g'), 0xfec00000).every((s) => s.column === 'kernel')).toBe(true);
  });
});

describe('lowmem budget', () => {
  it('splits the lowmem zones by use and closes on their total', () => {
    const run = fixtureRun('3g1g-highmem', 4);
    const b = lowmemBudget(run);
    const lowTotal = run.memory.zones.filter((z) => z.name !== 'HighMem').reduce((s, z) => s + z.totalPages, 0);
    expect(Object.values(b).reduce((s, x) => s + x, 0)).toBe(lowTotal);
    expect(lowTotal).toBe(880 * 256);
    expect(b.memMap).toBe((3072 * 256 * 32) / 4096); // 32 bytes of struct page per 4 KiB page
  });

  it('takes mem_map from the layout when the run does not account it', () => {
    const run = fixtureRun('3g1g-highmem', 4);
    const stripped = {
      ...run,
      memory: {
        ...run.memory,
        zones: run.memory.zones.map((z) => {
          const { memMap: _drop, ...rest } = z.byUse;
          return { ...z, byUse: rest, usedPages: z.usedPages - (z.byUse['memMap'] ?? 0) };
        }),
      },
    };
    const layout = fixtureLayout('3g1g-highmem');
    expect(lowmemBudget(stripped, layout).memMap).toBe(layout.memMapBytes / 4096);
  });
});

describe('sweep charts', () => {
  const points: SweepPoint[] = [1, 2, 3, 4].flatMap((ramGiB) =>
    ['2g2g-highmem', '4g4g'].flatMap((config) =>
      [1, 2, 4].map((cpus) => ({
        params: { ramGiB, cpus },
        config,
        mean: ramGiB * cpus * (config === '4g4g' ? 2 : 1),
        lo: ramGiB === 1 ? null : ramGiB * cpus - 0.5,
        hi: ramGiB === 1 ? null : ramGiB * cpus + 0.5,
      })),
    ),
  );

  it('draws overhead against a swept parameter with a confidence band', async () => {
    const c = sweepLineChart(
      points.filter((p) => p.params['cpus'] === 2),
      'ramGiB',
      theme('paper'),
      {
        id: 'overhead-vs-ram',
        title: 'Overhead vs RAM',
        measure: 'overhead (%)',
      },
    );
    expect(values(c.spec)).toHaveLength(8);
    await expectRenders(c.spec);
  });

  it('the line chart has one legend swatch per configuration in its line colour, with or without bands', async () => {
    for (const withBand of [true, false]) {
      const pts = points.filter((p) => p.params['cpus'] === 2).map((p) => (withBand ? p : { ...p, lo: null, hi: null }));
      for (const name of THEME_NAMES) {
        const svg = await renderSvg(sweepLineChart(pts, 'ramGiB', theme(name), { id: 'x', title: 'x', measure: 'overhead (%)' }).spec);
        const legend = [...svg.matchAll(/role-legend-symbol[\s\S]*?<\/g><\/g>/g)].map((m) => m[0]).join('');
        const swatches = [...legend.matchAll(/stroke="(rgb\([^)]*\))"[^>]*opacity="([\d.]+)"/g)].map((m) => [m[1], m[2]]);
        const lines = [...svg.matchAll(/aria-roledescription="line mark" d="[^"]*" stroke="(rgb\([^)]*\))"/g)].map((m) => m[1]);
        expect(lines, `${name} band=${withBand}`).toHaveLength(2);
        expect(swatches, `${name} band=${withBand}`).toEqual(lines.map((c) => [c, '1']));
      }
    }
  });

  it('draws a heat map per configuration over a two-parameter grid', async () => {
    const c = sweepHeatmapChart(points, 'ramGiB', 'cpus', theme(), { id: 'grid', title: 'Overhead grid', measure: 'overhead (%)' });
    expect(values(c.spec)).toHaveLength(24);
    const y = (c.spec as { spec: { encoding: { y: { sort: number[] } } } }).spec.encoding.y.sort;
    expect(y).toEqual([4, 2, 1]); // largest value on top
    await expectRenders(c.spec);
  });

  it('says so when the swept parameter is not numeric', () => {
    const c = sweepLineChart([{ params: { kernel: '6.1' }, config: 'a', mean: 1, lo: null, hi: null }], 'kernel', theme(), {
      id: 'x',
      title: 'x',
      measure: 'm',
    });
    expect(values(c.spec)).toEqual([{ message: ['Parameter kernel is not numeric at every point.'] }]);
  });
});

describe('address-space segments of a 64-bit layout', () => {
  it('draws only the RAM column (the 4 GB picture does not apply)', () => {
    const l = fixtureLayout('4g4g');
    const x64 = {
      ...l,
      config: { ...l.config, name: 'x86_64', split: 'x86_64' as const },
      pageOffset: 0xffff8880_00000000,
      taskSize: 0x7fff_ffff_f000,
    };
    expect(new Set(layoutSegments(x64, 4).map((s) => s.column))).toEqual(new Set(['RAM']));
  });
});

describe('labels fit their rectangles', () => {
  it('a rotated label is kept only when its text runs within the rectangle height, with padding', () => {
    const [seg] = layoutSegments(fixtureLayout('3g1g-highmem'), 4).filter((sg) => sg.name.startsWith('lowmem'));
    const need = textWidth(seg!.label, 10) + 8; // 4 px each end
    const fractionPx = (h: number) => seg!.fraction * h;
    const exact = need / seg!.fraction;
    expect(fitLabels([seg!], exact, 70, 10, true)[0]!.label).toBe(seg!.label);
    expect(fitLabels([seg!], exact - 1, 70, 10, true)[0]!.label).toBe('');
    expect(fractionPx(exact)).toBeCloseTo(need, 9);
  });

  it('the chart drawn in every theme keeps no label that would overflow (the one the paper theme cut)', () => {
    for (const name of THEME_NAMES) {
      const paper = name === 'paper';
      const height = paper ? 220 : 420;
      const font = paper ? 6 : 10;
      for (const config of ['3g1g-highmem', '2g2g-highmem', '4g4g']) {
        const segs = layoutSegments(fixtureLayout(config), 4);
        for (const sg of fitLabels(segs, height, paper ? 46 : 70, font, true)) {
          if (sg.label) expect(textWidth(sg.label, font) + 8, `${name} ${config} ${sg.label}`).toBeLessThanOrEqual(sg.fraction * height);
        }
      }
    }
  });
});

describe('axes and messages say what is drawn', () => {
  it('SI axes label zero "0", not "0M"', () => {
    expect(siAxis().labelExpr).toBe("datum.value === 0 ? '0' : format(datum.value, '~s')");
  });

  it('overhead ticks fall on 1, 2 or 5 × 10^k', () => {
    expect(
      tickStep([
        { overhead: -11.2, lo: null, hi: null },
        { overhead: 16.4, lo: null, hi: null },
      ]),
    ).toBe(5);
    expect(tickStep([{ overhead: 0.31, lo: 0.2, hi: 0.42 }])).toBe(0.05);
    expect(tickStep([{ overhead: 0, lo: null, hi: null }])).toBe(1);
  });

  it('long messages wrap at spaces', () => {
    expect(wrapText('aaa bbb ccc dddd', 7)).toEqual(['aaa bbb', 'ccc', 'dddd']);
  });

  it('the kmap latency description names only the panels drawn', () => {
    expect(latencyDescription(['kmap'])).toMatch(
      /^Quantiles of the time one kmap took, per configuration \(no configuration spun on kmap_lock/,
    );
    expect(latencyDescription(['kmap'])).not.toMatch(/bottom/);
    expect(latencyDescription(['kmap', 'kmapLockSpin'])).toMatch(/\(top panel\) and of the spin on kmap_lock \(bottom panel\)/);
  });

  it('an empty timeline names the INVLPGs it does not draw, with their count and cycles', () => {
    const runs = fixtureRuns(['3g1g-highmem', '4g4g'], 1, 1).map((r) => ({ ...r, timeline: [] }));
    const agg = aggregate(runs);
    const most = runs.reduce((a, b) => (b.cycles.breakdown.invlpg > a.cycles.breakdown.invlpg ? b : a));
    const msg = emptyTimelineMessage(agg);
    if (most.counts.invlpg === 0) expect(msg).toMatch(/No INVLPG either\.$/);
    else
      expect(msg).toBe(
        'No global or pkmap flush, IPI, shootdown or pkmap wait in any configuration. Per-page INVLPGs are not drawn: ' +
          `up to ${most.counts.invlpg.toLocaleString('en-US')} ` +
          `(${Math.round(most.cycles.breakdown.invlpg).toLocaleString('en-US')} cycles, ${most.configName}) — see chart 1.`,
      );
    expect(values(timelineChart(agg, runs, theme()).spec)[0]!['message']).toEqual(wrapText(msg, Math.floor(560 / (12 * 0.62))));
  });
});
