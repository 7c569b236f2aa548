import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultBackend } from '../../src/check/default-backend.ts';
import { discoverScenarios } from '../../src/check/discover.ts';
import { formatTables } from '../../src/check/format-table.ts';
import { loadScenarios } from '../../src/check/load-scenario.ts';
import { measureScenario, type MeasureContext } from '../../src/check/measure.ts';
import { checkScenarios, type CheckItem } from '../../src/check/runner.ts';
import { PRESET_NAMES } from '../../src/layout/configs.ts';
import { PARAMS } from '../../src/models/keys.ts';
import { listModels } from '../../src/models/registry.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { scratchDirs } from './scratch.ts';

const tmp = scratchDirs();
afterAll(() => tmp.cleanup());

/**
 * This repository's own regression check of its cost models: `hmsim check` over scenarios/ against
 * baselines/, as CI runs it through `npm test`. After an intended change of a model or of the machine,
 * run `npx hmsim check --update`, review the printed changes and commit baselines/ with the change.
 */
describe("the project's own check", () => {
  it('hmsim check passes every shipped scenario against its baseline', () => {
    const r = runCli(['check']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+ scenarios, \d+ metrics: all pass$/m);
    // A pass on the shipped scenarios is one line each: no provenance note. A note here ("trace content
    // differs from the baseline ...") means a generator's output changed without `hmsim check --update`,
    // and every user's check would report a change that did not happen to them.
    expect(r.stdout.split('\n').filter((line) => line.trimStart().startsWith('note:'))).toEqual([]);
    expect(r.code).toBe(0);
  });
});

/** Costs the machine does not charge anywhere yet: a change of them cannot move any result. */
const NOT_CHARGED: ReadonlyMap<string, string> = new Map([
  ['costs.walkDram', 'the machine model charges every walk through costs.walk; no path reads costs.walkDram'],
]);
const COSTS = PARAMS.filter((p) => p.kind === 'cost').map((p) => p.key);

describe('the shipped scenarios guard every cost', () => {
  let items: CheckItem[] = [];
  let context: (sets: string[]) => MeasureContext;

  beforeAll(async () => {
    const files = discoverScenarios([], ROOT);
    items = (await loadScenarios(files)).map((scenario, i) => ({ scenario, display: files[i]?.display ?? '' }));
    // One backend and one trace cache for every check below: traces are generated once.
    const backend = createDefaultBackend();
    const traces = new Map<string, Promise<string>>();
    const workDir = tmp.make('guard');
    context = (sets) => ({ backend, sets, workDir, traces });
  });

  it('cover every configuration preset and every shipped model', () => {
    expect(new Set(items.map((i) => i.scenario.config.preset))).toEqual(new Set(PRESET_NAMES));
    expect(new Set(items.map((i) => i.scenario.model))).toEqual(new Set(listModels().map((m) => m.name)));
  });

  it.each(COSTS.filter((c) => !NOT_CHARGED.has(c)))('%s=+10% fails at least one scenario, naming the metric', async (cost) => {
    const outcomes = await checkScenarios(items, {
      context: context([`${cost}=+10%`]),
      baselineDir: join(ROOT, 'baselines'),
      stopAtFirstFailure: true,
    });
    const failed = outcomes.find((o) => !o.pass);
    expect(failed, `no scenario noticed ${cost}=+10%`).toBeDefined();
    const metrics = failed?.metrics.filter((m) => m.verdict === 'fail').map((m) => m.metric) ?? [];
    expect(metrics.length).toBeGreaterThan(0);
    const table = formatTables(outcomes);
    for (const m of metrics) expect(table).toMatch(new RegExp(`^  ${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .* FAIL `, 'm'));
  });

  it('costs.invlpg=+10% fails on the INVLPG cycle category itself', async () => {
    const outcomes = await checkScenarios(items, { context: context(['costs.invlpg=+10%']), baselineDir: join(ROOT, 'baselines') });
    const invlpg = outcomes.flatMap((o) => o.metrics.filter((m) => m.metric === 'cycles.breakdown.invlpg' && m.verdict === 'fail'));
    expect(invlpg.length).toBeGreaterThan(0);
    for (const m of invlpg) expect(m.change).toBeCloseTo(0.1, 9); // a constant INVLPG cost: exactly +10% of its category
  });

  it.each([...NOT_CHARGED])('%s is not charged by the machine (%s), so no scenario can notice it', async (cost) => {
    // When the machine starts charging this cost, this fails: move the cost out of NOT_CHARGED then.
    const moved: string[] = [];
    for (const { scenario } of items) {
      const before = await measureScenario(scenario, context([]));
      const after = await measureScenario(scenario, context([`${cost}=+10%`]));
      after.metrics.forEach((m, i) => {
        if (m.value !== before.metrics[i]?.value) moved.push(`${scenario.name}: ${m.name}`);
      });
    }
    expect(moved).toEqual([]);
  });
});
