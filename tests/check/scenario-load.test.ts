import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileScenarioSchema, loadScenario } from '../../src/check/load-scenario.ts';
import { UserError } from '../../src/errors.ts';
import { ROOT } from '../helpers/cli.ts';
import { scratchDirs } from './scratch.ts';

const tmp = scratchDirs();
afterAll(() => tmp.cleanup());

const dir = tmp.make('load');
const validate = compileScenarioSchema();

const valid = {
  description: 'kmap storm on 3G/1G',
  trace: { generator: 'kmap-storm', params: { cpus: 2 }, seed: 3 },
  config: '3g1g-highmem',
  model: 'core2',
  replications: 3,
  watch: [
    { metric: 'cycles.total', rule: { kind: 'relative', tolerance: 0.01 } },
    { metric: 'cycles.breakdown.*', rule: { kind: 'statistical' } },
  ],
};

async function load(name: string, content: string | object) {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return loadScenario(file, validate, `scenarios/${name}.json`);
}

async function errorOf(name: string, content: string | object): Promise<string> {
  try {
    await load(name, content);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('scenario files', () => {
  it('load with defaults applied', async () => {
    const s = await load('ok', valid);
    expect(s.name).toBe('ok');
    expect(s.trace).toEqual({ kind: 'generator', workload: 'kmap-storm', params: { cpus: 2 }, seed: 3 });
    expect(s.config).toEqual({ preset: '3g1g-highmem', kernel: null, ram: null, cpus: null });
    expect(s.seed).toBe(1);
    expect(s.prefault).toBe(false);
    expect(s.watch[1]?.rule).toEqual({ kind: 'statistical', test: 'welch', alpha: 0.01, minEffect: 0.02 });
  });

  it('resolve a trace path against the scenario folder', async () => {
    const s = await load('file', { ...valid, trace: { path: '../traces/a.hmt' } });
    expect(s.trace).toEqual({ kind: 'file', path: join(dir, '../traces/a.hmt') });
  });

  it('name the file, line and column of a JSON syntax error', async () => {
    expect(await errorOf('syntax', '{\n  "config": "2g2g",\n  "model": core2\n}')).toBe(
      'scenarios/syntax.json: invalid JSON at line 3 column 12: expected a value, found a word',
    );
    expect(await errorOf('comma', '{"config": "2g2g",}')).toBe(
      "scenarios/comma.json: invalid JSON at line 1 column 19: expected a property name in double quotes, found '}'",
    );
    expect(await errorOf('empty', '')).toBe('scenarios/empty.json: invalid JSON at line 1 column 1: expected a value, found end of input');
  });

  it('name the JSON path of an unknown property', async () => {
    const bad = { ...valid, watch: [{ metric: 'cycles.total', rule: { kind: 'exact' }, tolerance: 1 }] };
    expect(await errorOf('unknown', bad)).toBe("scenarios/unknown.json: $.watch[0]: unknown property 'tolerance'");
  });

  it('name the JSON path of a missing property', async () => {
    const { model: _model, ...bad } = valid;
    expect(await errorOf('missing', bad)).toBe("scenarios/missing.json: $: missing property 'model'");
  });

  it('name an unknown rule kind and list the kinds', async () => {
    const bad = { ...valid, watch: [{ metric: 'cycles.total', rule: { kind: 'fuzzy' } }] };
    expect(await errorOf('kind', bad)).toBe(
      'scenarios/kind.json: $.watch[0].rule.kind: "fuzzy" is not a rule ' +
        'kind (expected one of "exact", "relative", "absolute", "statistical")',
    );
  });

  it('name a negative tolerance', async () => {
    const bad = { ...valid, watch: [{ metric: 'cycles.total', rule: { kind: 'relative', tolerance: -1 } }] };
    expect(await errorOf('neg', bad)).toBe('scenarios/neg.json: $.watch[0].rule.tolerance: must be >= 0');
  });

  it('refuse a statistical rule without replications', async () => {
    expect(await errorOf('reps', { ...valid, replications: 1 })).toBe(
      'scenarios/reps.json: $.watch[1].rule: a statistical rule needs "replications" of at least 2 (the scenario has 1)',
    );
  });

  it('refuse a metric that is not in a RunResult', async () => {
    const bad = { ...valid, watch: [{ metric: 'cycles.breakdown.invplg', rule: { kind: 'exact' } }] };
    expect(await errorOf('metric', bad)).toMatch(
      new RegExp(
        String.raw`^scenarios\/metric\.json: \$\.watch\[0\]\.metric: 'cycles\.breakdown\.invplg' is not in a RunResult: ` +
          String.raw`no 'invplg' in 'cycles\.breakdown' \(expected one of compute, .*invlpg`,
      ),
    );
  });

  it('refuse overhead() without a reference configuration', async () => {
    const bad = { ...valid, watch: [{ metric: 'overhead(cycles.total)', rule: { kind: 'exact' } }] };
    expect(await errorOf('ref', bad)).toMatch(
      /^scenarios\/ref\.json: \$\.watch\[0\]\.metric: 'overhead\(cycles\.total\)' reads the reference run; add "reference"/,
    );
  });

  it('refuse a trace with both a path and a generator', async () => {
    expect(await errorOf('both', { ...valid, trace: { path: 'a.hmt', generator: 'stream' } })).toBe(
      'scenarios/both.json: $.trace: give exactly one of "path" (an HMT file) and "generator" (a workload name)',
    );
  });

  it('report a missing file', async () => {
    await expect(loadScenario(join(dir, 'nope.json'), validate, 'scenarios/nope.json')).rejects.toThrow(
      'scenarios/nope.json: cannot read scenario (no such file)',
    );
  });

  it('errors are single lines', async () => {
    for (const m of [await errorOf('l1', '{'), await errorOf('l2', { ...valid, seed: -1 }), await errorOf('l3', [])]) {
      expect(m).not.toContain('\n');
    }
  });
});

describe('the scenario format documentation', () => {
  it('its example in scenarios/README.md is a valid scenario', async () => {
    const readme = readFileSync(join(ROOT, 'scenarios', 'README.md'), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const s = await load('readme-example', (example ?? '').replace('"./schema.json"', '"schema.json"'));
    expect(s.reference).toBe('x86_64');
    expect(s.watch.map((w) => w.rule.kind)).toEqual(['relative', 'relative', 'exact', 'statistical']);
  });
});
