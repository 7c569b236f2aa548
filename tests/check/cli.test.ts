import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckCommand } from '../../src/cli/check.ts';
import { fakeBackend } from './fake-backend.ts';
import { runCli } from '../helpers/cli.ts';
import { scratchDirs } from './scratch.ts';

const tmp = scratchDirs();
afterAll(() => tmp.cleanup());

const dir = tmp.make('cli');
function scenarioFile(name: string, content: string | object): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

describe('hmsim check: bad input exits 2 with one line', () => {
  it('names the file and JSON path of a malformed scenario', () => {
    const file = scenarioFile('bad-rule', {
      trace: { generator: 'stream' },
      config: '2g2g',
      model: 'core2',
      watch: [{ metric: 'cycles.total', rule: { kind: 'relative', tolerance: 'small' } }],
    });
    const r = runCli(['check', file, '--baseline', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`hmsim: ${file}: $.watch[0].rule.tolerance: must be number\n`);
  });

  it('names the line and column of broken JSON', () => {
    const file = scenarioFile('broken', '{\n  "config": "2g2g"\n  "model": "core2"\n}');
    const r = runCli(['check', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`hmsim: ${file}: invalid JSON at line 3 column 3: expected ',' or '}' after a property value, found '"'\n`);
  });

  it('rejects an unknown --format and a scenario path that does not exist (before running anything)', async () => {
    const backend = fakeBackend();
    const ok = scenarioFile('fine', {
      trace: { generator: 'stream' },
      config: '2g2g',
      model: 'core2',
      watch: [{ metric: 'cycles.total', rule: { kind: 'exact' } }],
    });
    const opts = { baseline: dir, format: 'table', set: [] };
    await expect(runCheckCommand([ok], { ...opts, format: 'xml' }, backend, () => {})).rejects.toThrow(
      "--format: 'xml' is not a format (expected table or github)",
    );
    await expect(runCheckCommand(['no/such/scenario.json'], opts, backend, () => {})).rejects.toThrow(
      'no/such/scenario.json: no such scenario file or folder',
    );
    await expect(runCheckCommand([ok], { ...opts, set: ['costs.invlpg'] }, backend, () => {})).rejects.toThrow(
      '--set costs.invlpg: expected key=value, e.g. --set costs.invlpg=+10%',
    );
    expect(backend.runs).toEqual([]);
  });

  it('names the scenario file when its generator, configuration or model is unknown', async () => {
    const file = scenarioFile('bad-config', {
      trace: { generator: 'stream', params: { size: '64K' } },
      config: '5g5g',
      model: 'core2',
      watch: [{ metric: 'cycles.total', rule: { kind: 'exact' } }],
    });
    const r = runCli(['check', file, '--baseline', join(dir, 'baselines')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^hmsim: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: --config: unknown configuration '5g5g' \\(known: .*\\)\n$`),
    );
  });
});
