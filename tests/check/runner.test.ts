import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatBaseline, readBaseline, writeBaseline, type Baseline } from '../../src/check/baseline.ts';
import { formatGithub } from '../../src/check/format-github.ts';
import { formatJunit } from '../../src/check/format-junit.ts';
import { formatTables } from '../../src/check/format-table.ts';
import { loadScenarios } from '../../src/check/load-scenario.ts';
import type { MeasureContext } from '../../src/check/measure.ts';
import { checkScenarios, updateBaselines, type CheckItem } from '../../src/check/runner.ts';
import { CYCLE_CATEGORIES } from '../../src/result/run-result.ts';
import { fakeBackend } from './fake-backend.ts';
import { parseXml } from './xml.ts';
import { scratchDirs } from './scratch.ts';

const tmp = scratchDirs();
afterAll(() => tmp.cleanup());

/** A scratch project: scenarios/ and baselines/ in a temp folder, scenarios written from objects. */
function project(scenarios: Record<string, object>) {
  const root = tmp.make('run');
  const files = Object.entries(scenarios).map(([name, s]) => {
    const path = join(root, `${name}.json`);
    writeFileSync(path, JSON.stringify(s));
    return { path, display: `scenarios/${name}.json` };
  });
  const baselineDir = join(root, 'baselines');
  const context = (sets: string[] = []): MeasureContext => ({ backend: fakeBackend(), sets, workDir: root, traces: new Map() });
  const items = async (): Promise<CheckItem[]> =>
    (await loadScenarios(files)).map((scenario, i) => ({ scenario, display: files[i]?.display ?? '' }));
  return { root, baselineDir, context, items, files };
}

/** Metrics of `breakdownExact`: cycles.total, one per cycle category, counts.pkmapFlushes. */
const EXACT_METRICS = 2 + CYCLE_CATEGORIES.length;
const breakdownExact = {
  trace: { generator: 'fileserver', params: { procs: 4 }, seed: 5 },
  config: '3g1g-highmem',
  model: 'core2',
  watch: [
    { metric: 'cycles.total', rule: { kind: 'relative', tolerance: 0.001 } },
    { metric: 'cycles.breakdown.*', rule: { kind: 'relative', tolerance: 0.001 } },
    { metric: 'counts.pkmapFlushes', rule: { kind: 'exact' } },
  ],
};
const statistical = {
  trace: { generator: 'fileserver', params: { procs: 4 } },
  config: '3g1g-highmem',
  reference: 'x86_64',
  model: 'core2',
  seed: 1,
  replications: 6,
  watch: [
    { metric: 'cycles.total', rule: { kind: 'statistical', test: 'welch', alpha: 0.01, minEffect: 0.02 } },
    { metric: 'cycles.breakdown.invlpg', rule: { kind: 'statistical', test: 'permutation', alpha: 0.05, minEffect: 0.02 } },
    { metric: 'overhead(cycles.total)', rule: { kind: 'statistical', alpha: 0.01, minEffect: 0.02 } },
  ],
};

describe('check runner (fake replay)', () => {
  it('--update then check passes, and a second update changes nothing', async () => {
    const p = project({ exact: breakdownExact, stat: statistical });
    const updates = await updateBaselines(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    expect(updates.map((u) => u.changes[0])).toEqual([`new baseline (${EXACT_METRICS} metrics)`, 'new baseline (3 metrics)']);
    const outcomes = await checkScenarios(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    expect(outcomes.map((o) => o.pass)).toEqual([true, true]);
    expect(outcomes.flatMap((o) => o.notes)).toEqual([]);
    const again = await updateBaselines(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    expect(again.map((u) => u.changes)).toEqual([[], []]);
  });

  it('a +10% cost fails the scenario, naming the metric', async () => {
    const p = project({ exact: breakdownExact, stat: statistical });
    await updateBaselines(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    const outcomes = await checkScenarios(await p.items(), { context: p.context(['costs.invlpg=+10%']), baselineDir: p.baselineDir });
    const failed = outcomes.map((o) => [o.name, o.metrics.filter((m) => m.verdict !== 'pass').map((m) => m.metric)]);
    expect(failed).toEqual([
      // invlpg is ~1/13 of the fake total, so the total moves by ~0.77% — beyond 0.1%, within 2%
      ['exact', ['cycles.total', 'cycles.breakdown.invlpg']],
      ['stat', ['cycles.breakdown.invlpg']],
    ]);
    const table = formatTables(outcomes);
    expect(table).toMatch(/cycles\.breakdown\.invlpg\s+\d+\s+\d+(\.\d+)?\s+\+10%\s+FAIL/);
    expect(table).toContain('note: overrides: baseline [], now [costs.invlpg=+10%]');
    // the override explains the model's new hash: no "model changed" note beside it
    expect(table).not.toMatch(/model \S+ changed since the baseline/);
    // only the failing metrics are listed, and the table says how many passing ones it left out
    const exact = outcomes[0]!;
    const passing = exact.metrics.filter((m) => m.verdict === 'pass').length;
    expect(table).toContain(`  (${passing} passing metric${passing === 1 ? '' : 's'} not shown: hmsim check --verbose lists all)`);
    expect(
      formatTables(outcomes, { verbose: true })
        .split('\n')
        .filter((l) => /\s(pass|FAIL)\s/.test(l)),
    ).toHaveLength(outcomes.reduce((n, o) => n + o.metrics.length, 0));
  });

  it('a pass is one line per scenario, then the summary', async () => {
    const p = project({ exact: breakdownExact, stat: statistical });
    await updateBaselines(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    const outcomes = await checkScenarios(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    const lines = formatTables(outcomes).trimEnd().split('\n');
    expect(lines).toEqual([
      ...outcomes.map((o) => `PASS  ${o.name}  (${o.file}): ${o.metrics.length} metrics`),
      '',
      `2 scenarios, ${outcomes.reduce((n, o) => n + o.metrics.length, 0)} metrics: all pass`,
    ]);
  });

  it('a change of seed alone passes the statistical rules', async () => {
    const p = project({ stat: statistical });
    await updateBaselines(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    for (const seed of [2, 3, 99]) {
      const q = project({ stat: { ...statistical, seed } });
      const outcomes = await checkScenarios(await q.items(), { context: q.context(), baselineDir: p.baselineDir });
      const o = outcomes[0];
      // The workload really differs (other traces, other values) ...
      expect(o?.metrics.every((m) => m.change !== 0)).toBe(true);
      expect(o?.notes.some((n) => n.startsWith('seed/replications changed'))).toBe(true);
      // ... and the rules see noise, not a regression.
      expect(o?.metrics.map((m) => [m.metric, m.verdict])).toEqual([
        ['cycles.total', 'pass'],
        ['cycles.breakdown.invlpg', 'pass'],
        ['overhead(cycles.total)', 'pass'],
      ]);
    }
  });

  it('a scenario without a baseline fails with a problem telling how to create it', async () => {
    const p = project({ lonely: breakdownExact });
    const [o] = await checkScenarios(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    expect(o?.pass).toBe(false);
    expect(o?.problems).toEqual(["no baseline for scenario 'lonely' (create it with hmsim check --update)"]);
    expect(o?.metrics.every((m) => m.verdict === 'missing')).toBe(true);
  });

  it('generates each distinct trace once per check', async () => {
    const p = project({ a: breakdownExact, b: { ...breakdownExact, config: '2g2g' } });
    const ctx = p.context();
    await updateBaselines(await p.items(), { context: ctx, baselineDir: p.baselineDir });
    expect(ctx.traces.size).toBe(1);
  });
});

describe('reports', () => {
  it('JUnit XML is well-formed and carries a failure per regression', async () => {
    const p = project({ exact: breakdownExact, stat: statistical, 'no-base': breakdownExact });
    const items = await p.items();
    await updateBaselines(items.slice(0, 2), { context: p.context(), baselineDir: p.baselineDir });
    const outcomes = await checkScenarios(items, { context: p.context(['costs.invlpg=+10%']), baselineDir: p.baselineDir });
    const xml = parseXml(formatJunit(outcomes));
    expect(xml.name).toBe('testsuites');
    expect(xml.attributes['tests']).toBe(String(EXACT_METRICS + 3 + EXACT_METRICS + 1));
    expect(xml.attributes['failures']).toBe(String(2 + 1 + EXACT_METRICS + 1));
    const suites = xml.children.filter((c) => c.name === 'testsuite');
    expect(suites.map((s) => s.attributes['name'])).toEqual(['exact', 'stat', 'no-base']);
    const failing = suites[0]?.children.filter((t) => t.children.some((c) => c.name === 'failure')) ?? [];
    expect(failing.map((t) => t.attributes['name'])).toEqual(['cycles.total', 'cycles.breakdown.invlpg']);
    const failure = failing[1]?.children[0];
    expect(failure?.attributes['type']).toBe('regression');
    expect(failure?.attributes['message']).toMatch(/^cycles\.breakdown\.invlpg: baseline \d+, now [\d.]+ \(\+10%\): \|Δ\| 10% > 0\.1%$/);
    expect(suites[2]?.children[0]?.attributes['name']).toBe('(scenario)');
  });

  it('JUnit XML escapes markup in names and messages', () => {
    const xml = formatJunit([
      {
        name: 'a<b>&"c"',
        file: 'x.json',
        metrics: [],
        problems: ['bad \u0001 <thing> & "quotes"\nsecond line'],
        notes: ['n & m'],
        pass: false,
      },
    ]);
    const doc = parseXml(xml);
    const suite = doc.children[0];
    expect(suite?.attributes['name']).toBe('a<b>&"c"');
    expect(suite?.children[1]?.children[0]?.attributes['message']).toBe('bad ? <thing> & "quotes"\nsecond line');
  });

  it('GitHub format prints one ::error annotation per failing metric, on the scenario file', async () => {
    const p = project({ exact: breakdownExact });
    await updateBaselines(await p.items(), { context: p.context(), baselineDir: p.baselineDir });
    const outcomes = await checkScenarios(await p.items(), { context: p.context(['costs.invlpg=+10%']), baselineDir: p.baselineDir });
    const lines = formatGithub(outcomes).split('\n');
    const errors = lines.filter((l) => l.startsWith('::error '));
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(
      /^::error file=scenarios\/exact\.json,title=hmsim check exact%3A cycles\.breakdown\.invlpg::cycles\.breakdown\.invlpg: baseline /,
    );
    expect(lines[0]).toBe('::group::FAIL exact');
  });
});

describe('baseline files', () => {
  it('round-trip exactly, including non-finite ratios', async () => {
    const dir = tmp.make('base');
    const b: Baseline = {
      format: 1,
      scenario: 's',
      provenance: {
        hmsimVersion: '0.1.0',
        model: { name: 'core2', hash: 'abc' },
        config: '2g2g',
        reference: null,
        seed: 1,
        replications: 2,
        sets: [],
        traces: [],
      },
      metrics: {
        a: { value: 0.1 + 0.2 },
        b: { value: Infinity, samples: [Infinity, Infinity] },
        c: { value: 1 / 3, samples: [1 / 3, 1 / 3] },
      },
    };
    await writeBaseline(dir, b);
    expect(await readBaseline(dir, 's')).toEqual(b);
    expect(readFileSync(join(dir, 's.json'), 'utf8')).toBe(formatBaseline(b));
  });

  it('a malformed baseline names the file and JSON path', async () => {
    const dir = tmp.make('base');
    writeFileSync(
      join(dir, 's.json'),
      JSON.stringify({
        format: 1,
        scenario: 's',
        provenance: { model: { name: 'a', hash: 'b' }, traces: [] },
        metrics: { x: { value: 'big' } },
      }),
    );
    await expect(readBaseline(dir, 's', 'baselines/s.json')).rejects.toThrow(
      'baselines/s.json: $.metrics["x"].value: must be a number (a baseline written by hmsim check --update was expected)',
    );
  });
});
