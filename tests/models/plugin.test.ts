import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { loadModel } from '../../src/models/index.ts';
import { createRng } from '../../src/random/rng.ts';

const EXAMPLE = 'models/examples/degrading-lock.ts';
const rng = createRng(1);
const dir = mkdtempSync(join(tmpdir(), 'hmsim-plugin-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function plugin(name: string, source: string): string {
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe('code plug-ins', () => {
  it('the example plug-in replaces the lock hand-off: 75 cycles up to 4 waiters, then 75 + 400·(n − 4)²', async () => {
    const m = await loadModel(EXAMPLE);
    expect(m.name).toBe('core2-degrading-lock');
    expect(m.lock.kind).toBe('ticket');
    expect([1, 2, 4, 5, 6, 8].map((n) => m.lock.handoff(n, rng))).toEqual([75, 75, 75, 475, 1675, 6475]);
  });

  it('the example degrades beyond 4 waiters where the core2 ticket lock grows linearly', async () => {
    const base = await loadModel('core2');
    const m = await loadModel(EXAMPLE);
    // ticket core2: 75 + 75·n/2 (cost-figures.md §7 L1/L7) — cheaper at 8 waiters than the degraded lock
    expect(base.lock.handoff(8, rng)).toBe(375);
    expect(m.lock.handoff(8, rng)).toBeGreaterThan(base.lock.handoff(8, rng));
    expect(m.lock.handoff(2, rng)).toBeLessThan(base.lock.handoff(2, rng));
  });

  it('keeps every other value of the model it extends', async () => {
    const base = await loadModel('core2');
    const m = await loadModel(EXAMPLE);
    expect(m.costs.invlpg(0, rng)).toBe(base.costs.invlpg(0, rng));
    expect(m.tlb).toEqual(base.tlb);
    expect(m.params?.['lock.handoff']?.source).toBe(`code plug-in ${EXAMPLE}`);
  });

  it('a function cost overrides the CostFn (export default { extends, costs: { invlpg: (n, rng) => 500 } })', async () => {
    const file = plugin('invlpg500.mjs', "export default { extends: 'core2', costs: { invlpg: (n, rng) => 500 } };\n");
    const m = await loadModel(file);
    expect(m.costs.invlpg(0, rng)).toBe(500);
    expect(m.costs.cr3Write(0, rng)).toBe(108); // core2, cost-figures.md F1
  });

  it('--set scales a plug-in function too', async () => {
    const file = plugin('invlpg500b.mjs', "export default { extends: 'core2', costs: { invlpg: () => 500 } };\n");
    const m = await loadModel(file, ['costs.invlpg=+20%']);
    expect(m.costs.invlpg(0, rng)).toBe(600);
  });

  it('a plug-in may use the run RNG and stays deterministic under a seed', async () => {
    const file = plugin('noisy.mjs', "export default { extends: 'core2', costs: { invlpg: (n, rng) => 200 + 64 * rng.next() } };\n");
    const m = await loadModel(file);
    const a = [1, 2, 3].map(() => m.costs.invlpg(0, createRng(11)));
    expect(new Set(a).size).toBe(1);
    expect(m.costs.invlpg(0, createRng(11))).not.toBe(m.costs.invlpg(0, createRng(12)));
  });

  it('a function returning a negative or non-finite cost is a user error when called', async () => {
    const file = plugin('bad.mjs', "export default { extends: 'core2', costs: { invlpg: (n) => 1 - n } };\n");
    const m = await loadModel(file);
    expect(m.costs.invlpg(0, rng)).toBe(1);
    expect(() => m.costs.invlpg(3, rng)).toThrow(UserError);
    expect(() => m.costs.invlpg(3, rng)).toThrow(/costs\.invlpg\(3\) returned -2 \(expected a finite, non-negative number of cycles\)/);
  });

  it('plug-in data is validated like a file (a function where a number belongs, unknown keys)', async () => {
    const file = plugin('badshape.mjs', "export default { extends: 'core2', clockGHz: () => 3, costs: { invlpgg: 1 } };\n");
    await expect(loadModel(file)).rejects.toThrow(
      /2 problems\n {2}clockGHz: expected a number, got a function\n {2}costs\.invlpgg: unknown key \(did you mean costs\.invlpg\?\)$/,
    );
  });

  it('a module without a model export is rejected', async () => {
    const file = plugin('empty.mjs', 'export const x = 1;\n');
    await expect(loadModel(file)).rejects.toThrow(/expected the module to export a model object as default/);
  });

  it('the hash covers the plug-in source text', async () => {
    const a = await loadModel(plugin('h1.mjs', "export default { extends: 'core2', costs: { invlpg: () => 500 } };\n"));
    const b = await loadModel(plugin('h2.mjs', "export default { extends: 'core2', costs: { invlpg: () => 501 } };\n"));
    expect(a.hash).not.toBe(b.hash);
    expect(a.hash).not.toBe((await loadModel('core2')).hash);
  });
});
