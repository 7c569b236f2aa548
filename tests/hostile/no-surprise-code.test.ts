/**
 * Issue items 2 and 4: no code runs by surprise, no file outside the project is read through a scenario,
 * no file content is echoed, and no key reaches Object.prototype.
 *
 * - A model JSON's `extends` names only JSON models: a .json whose `extends` is a .mjs is refused by
 *   `models validate`, `models show` and `run --model` (the module is never imported).
 * - A scenario's `model` may name a plug-in only with `check --allow-plugins`.
 * - A scenario's `trace.path` and `model` path stay inside the project folder (`--root`, default the
 *   current folder), symbolic links resolved.
 * - `--set` keys and values, scenario `set` lists, model and scenario files with `__proto__`,
 *   `constructor` or `prototype` keys are refused.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaptured, type CapturedRun } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-surprise-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const D = (name: string): string => join(dir, name);
const MARKER = D('plugin-ran');
const GOOD_TRACE = 'traces/stream-small.hmt';

/** A plug-in that leaves a marker file when it is imported (the proof that code ran). */
writeFileSync(
  D('evil.mjs'),
  `import { writeFileSync } from 'node:fs';\n` +
    `writeFileSync(${JSON.stringify(MARKER)}, 'ran');\nexport default { extends: 'core2', name: 'evil' };\n`,
);
// A second copy: a module imported once is cached, so each test that expects code to run has its own.
writeFileSync(
  D('evil2.mjs'),
  `import { writeFileSync } from 'node:fs';\n` +
    `writeFileSync(${JSON.stringify(MARKER)}, 'ran');\nexport default { extends: 'core2', name: 'evil' };\n`,
);
writeFileSync(D('extends-code.json'), JSON.stringify({ extends: './evil.mjs', description: 'looks like data' }));
writeFileSync(D('secret.json'), 'root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n');
mkdirSync(D('project/scenarios'), { recursive: true });
mkdirSync(D('outside'), { recursive: true });
writeFileSync(D('outside/t.hmt'), 'root:$6$SECRET-HASH');
symlinkSync(D('outside/t.hmt'), D('project/link.hmt'));

const STREAM = { generator: 'stream', params: { size: '64K' } };
function scenario(name: string, body: Record<string, unknown>): string {
  const path = D(`project/scenarios/${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      trace: STREAM,
      config: '2g2g',
      model: 'core2',
      watch: [{ metric: 'cycles.total', rule: { kind: 'exact' } }],
      ...body,
    }),
  );
  return path;
}

function expectOneLine(r: CapturedRun, expected: string): void {
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toBe(`hmsim: ${expected}`);
  expect(r.code).toBe(2);
}

describe("a model JSON's extends never runs code", () => {
  const refused =
    "extends './evil.mjs': a code plug-in cannot be extended (expected a shipped " +
    'model name or a .json model; name a plug-in with --model on the command line)';
  it.each([
    ['models validate', () => ['models', 'validate', D('extends-code.json')]],
    ['models show', () => ['models', 'show', D('extends-code.json')]],
    ['run --model', () => ['run', '--trace', GOOD_TRACE, '--quiet', '--model', D('extends-code.json')]],
  ])('%s: refused, the module is not imported', async (_what, argv) => {
    rmSync(MARKER, { force: true });
    const r = await runCaptured(argv());
    expect(r.stderr).toContain(refused);
    expect(r.code).toBe(2);
    expect(existsSync(MARKER)).toBe(false);
  });

  it('a plug-in named on the command line still runs (the explicit way)', async () => {
    rmSync(MARKER, { force: true });
    const r = await runCaptured(['models', 'show', D('evil.mjs')]);
    expect(r.code).toBe(0);
    expect(existsSync(MARKER)).toBe(true);
  });
});

describe("a scenario's model runs code only with check --allow-plugins", () => {
  it('refused by default, before anything runs', async () => {
    rmSync(MARKER, { force: true });
    const file = scenario('plugin-model', { model: '../../evil.mjs' });
    const r = await runCaptured(['check', '--root', dir, file]);
    expectOneLine(
      r,
      `${file}: $.model: '../../evil.mjs' is a code plug-in, which check runs ` +
        `only with --allow-plugins (expected a shipped model name or a .json model)`,
    );
    expect(existsSync(MARKER)).toBe(false);
  });

  it('runs with --allow-plugins', async () => {
    rmSync(MARKER, { force: true });
    const file = scenario('plugin-model-allowed', { model: '../../evil2.mjs' });
    const r = await runCaptured(['check', '--root', dir, '--allow-plugins', '--baseline', D('baselines'), file]);
    expect(existsSync(MARKER), r.stderr).toBe(true);
  });
});

describe("a scenario's paths stay inside the project folder", () => {
  it('trace.path with ../ out of the project: refused, nothing of the file echoed', async () => {
    const file = scenario('escape', { trace: { path: '../../outside/t.hmt' } });
    const r = await runCaptured(['check', '--root', D('project'), file]);
    expectOneLine(
      r,
      `${file}: $.trace.path: '../../outside/t.hmt' is outside the project folder ${D('project')} ` +
        `(expected a path inside it; check --root DIR sets another project folder)`,
    );
    expect(r.stderr).not.toContain('SECRET');
  });

  it('an absolute trace.path such as /etc/passwd: refused', async () => {
    const file = scenario('absolute', { trace: { path: '/etc/passwd' } });
    const r = await runCaptured(['check', '--root', D('project'), file]);
    expectOneLine(
      r,
      `${file}: $.trace.path: '/etc/passwd' is outside the project folder ${D('project')} ` +
        `(expected a path inside it; check --root DIR sets another project folder)`,
    );
  });

  it('a symbolic link inside the project that points out of it: refused', async () => {
    const file = scenario('symlink', { trace: { path: '../link.hmt' } });
    const r = await runCaptured(['check', '--root', D('project'), file]);
    expectOneLine(
      r,
      `${file}: $.trace.path: '../link.hmt' is outside the project folder ${D('project')} ` +
        `(expected a path inside it; check --root DIR sets another project folder)`,
    );
  });

  it('a model path out of the project: refused', async () => {
    const file = scenario('model-escape', { model: '../../secret.json' });
    const r = await runCaptured(['check', '--root', D('project'), file]);
    expectOneLine(
      r,
      `${file}: $.model: '../../secret.json' is outside the project folder ${D('project')} ` +
        `(expected a path inside it; check --root DIR sets another project folder)`,
    );
  });

  it('the default project folder is the current one (a scenario from elsewhere cannot reach out)', async () => {
    const file = scenario('default-root', { trace: { path: '../../outside/t.hmt' } });
    const r = await runCaptured(['check', file]);
    expect(r.stderr).toContain(`$.trace.path: '../../outside/t.hmt' is outside the project folder ${process.cwd()}`);
    expect(r.code).toBe(2);
  });
});

describe('errors never echo the content of a file', () => {
  it('a .json model that is not JSON: the position, not the text', async () => {
    const r = await runCaptured(['models', 'show', D('secret.json')]);
    expect(r.stderr).toBe(`hmsim: ${D('secret.json')}: invalid JSON at line 1 column 1: expected a value, found a word\n`);
    expect(r.stderr).not.toContain('root:x');
    expect(r.code).toBe(2);
  });
});

describe('no key reaches Object.prototype', () => {
  const proto = Object.prototype as unknown as Record<string, unknown>;
  it.each([
    ['costs.invlpg.__proto__.toString=1', "'__proto__' is not a model key"],
    ['costs.invlpg.constructor.prototype.polluted=1', "'constructor' is not a model key"],
    ['tlb.large={"__proto__":{"polluted":1}}', "the value names '__proto__', which is not a model key"],
    ['costs.invlpg.toString=1', 'costs.invlpg.toString does not exist in this model'],
  ])('--set %s: refused', async (set, message) => {
    const r = await runCaptured(['models', 'show', 'core2', '--set', set]);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
    expect(typeof proto['toString']).toBe('function');
    expect(proto['polluted']).toBeUndefined();
  });

  it("a scenario's set list: refused", async () => {
    const file = scenario('proto-set', { set: ['costs.invlpg.__proto__.toString=1'] });
    const r = await runCaptured(['check', '--root', dir, '--baseline', D('baselines'), file]);
    expect(r.stderr).toContain("'__proto__' is not a model key");
    expect(r.code).toBe(2);
    expect(typeof proto['toString']).toBe('function');
  });

  it('a model file with a __proto__ key: refused', async () => {
    writeFileSync(D('proto.json'), '{"extends":"core2","costs":{"__proto__":{"polluted":1}}}');
    const r = await runCaptured(['models', 'show', D('proto.json')]);
    expectOneLine(r, `${D('proto.json')}: has a key '__proto__' (not a key of any hmsim document; it would reach the object's prototype)`);
  });

  it('a scenario file with a __proto__ key: refused', async () => {
    const path = D('project/scenarios/proto-key.json');
    writeFileSync(
      path,
      '{"trace":{"generator":"stream","params":{"__proto__":{"polluted":1}}},"config":"2g2g","model":"core2","watch":[]}',
    );
    const r = await runCaptured(['check', '--root', dir, path]);
    expectOneLine(r, `${path}: has a key '__proto__' (not a key of any hmsim document; it would reach the object's prototype)`);
  });
});
