import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, listModels, loadModel, PARAMS, resolveModel } from '../../src/models/index.ts';
import { buildModelSchema } from '../../src/models/schema.ts';
import { createRng } from '../../src/random/rng.ts';
import { ROOT } from '../helpers/cli.ts';

const SHIPPED = ['atom-n270', 'core2', 'haswell', 'p4-prescott', 'pentium-m'];

describe('shipped cost models', () => {
  it('lists the five shipped models, the default among them', () => {
    const names = listModels().map((m) => m.name);
    expect(names).toEqual(SHIPPED);
    expect(names).toContain(DEFAULT_MODEL);
    expect(DEFAULT_MODEL).toBe('core2');
  });

  it.each(SHIPPED)('%s loads, cites a source for every parameter, and every cost is a finite non-negative number', async (name) => {
    const model = await loadModel(name);
    expect(model.name).toBe(name);
    expect(model.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(model.params ?? {})).toEqual(PARAMS.map((p) => p.key));
    for (const p of Object.values(model.params ?? {})) expect(p.source, p.key).toMatch(/\S/);
    const rng = createRng(1);
    for (const [key, fn] of Object.entries(model.costs)) {
      for (const n of [0, 1, 2, 4, 8, 4096]) {
        const c = fn(n, rng);
        expect(Number.isFinite(c) && c >= 0, `${key}(${n}) = ${c}`).toBe(true);
      }
    }
    expect(model.flushCeiling).toBe(33); // cost-figures.md §3
  });

  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(`${ROOT}models/schema.json`, 'utf8')) as object,
  );
  it.each(SHIPPED)('%s validates against models/schema.json with ajv', (name) => {
    const ok = validate(JSON.parse(readFileSync(`${ROOT}models/${name}.json`, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema agrees with the loader on the example and test files', () => {
    const read = (f: string): unknown => JSON.parse(readFileSync(`${ROOT}${f}`, 'utf8'));
    expect(validate(read('models/examples/noisy-invlpg.json'))).toBe(true);
    expect(validate(read('tests/models/fixtures/unsourced.json'))).toBe(true);
    expect(validate(read('tests/models/fixtures/invalid.json'))).toBe(false);
    // an unknown key is reported at its parent, with the key in params.additionalProperty
    const paths = (validate.errors ?? []).map((e) => {
      const extra = (e.params as { additionalProperty?: string }).additionalProperty;
      return extra === undefined ? e.instancePath : `${e.instancePath}/${extra}`;
    });
    for (const p of ['/tlb/replacment', '/costs/invlpgg', '/tlb/l1d', '/costs/cr3Write', '/costs/walk', '/lock/kind']) {
      expect(
        paths.some((q) => q.startsWith(p)),
        p,
      ).toBe(true);
    }
  });

  it('models/schema.json is exactly the schema built from the parameter table (regenerate: npm run schema)', () => {
    expect(JSON.parse(readFileSync(`${ROOT}models/schema.json`, 'utf8'))).toEqual(buildModelSchema());
  });

  it('marks values borrowed from another CPU: core2 takes INVLPG/CR3/global-flush costs from Westmere (§10.2)', async () => {
    const { model } = await resolveModel('core2');
    for (const key of ['costs.invlpg', 'costs.cr3Write', 'costs.globalFlush']) {
      expect(model.params.get(key)?.borrowedFrom, key).toBe('westmere');
    }
    // haswell's own measurements are not borrowed (I4, F2)
    const haswell = (await resolveModel('haswell')).model;
    expect(haswell.params.get('costs.invlpg')).toMatchObject({ value: { constant: 216 } });
    expect(haswell.params.get('costs.invlpg')?.borrowedFrom).toBeUndefined();
  });

  it('uses the cited geometry: core2 ITLB 128/4, DTLB0 16/4, DTLB1 256/4 (G3); P4 64 fully associative, no STLB (G1)', async () => {
    const core2 = await loadModel('core2');
    expect(core2.tlb).toEqual({
      l1i: { entries: 128, ways: 4 },
      l1d: { entries: 16, ways: 4 },
      stlb: { entries: 256, ways: 4 },
      large: { entries: 16, ways: 4 },
      replacement: 'lru',
    });
    const p4 = await loadModel('p4-prescott');
    expect(p4.tlb.l1d).toEqual({ entries: 64, ways: 64 });
    expect(p4.tlb.stlb.entries).toBe(0);
  });

  it('gives the same hash for the same values and a different one when any value changes', async () => {
    const a = await loadModel('core2');
    const b = await loadModel('core2');
    const c = await loadModel('core2', ['costs.invlpg=233']);
    expect(a.hash).toBe(b.hash);
    expect(c.hash).not.toBe(a.hash);
  });
});
