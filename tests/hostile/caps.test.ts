/**
 * Bounds on what a user's file may ask for: model numbers (so totals stay finite), TLB sizes (so a typo
 * does not allocate gigabytes), JSON nesting of models, scenarios and --set values, and sweep point files
 * whose result has lost its shape (treated as absent, then recomputed).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaptured } from '../helpers/in-process.ts';
import { MAX_MODEL_NUMBER } from '../../src/models/keys.ts';
import { MAX_TLB_ENTRIES } from '../../src/models/validate.ts';
import { MAX_JSON_DEPTH, jsonDepth } from '../../src/io/json.ts';
import { loadPoint, pointJson, POINTS_DIR, POINT_FORMAT, type PointRecord } from '../../src/sweep/store.ts';
import { SWEEP_VERSION } from '../../src/sweep/spec.ts';
import { RunService } from '../../src/run/service.ts';
import { loadModel } from '../../src/models/load.ts';
import { createRng } from '../../src/random/rng.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-caps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TRACE = 'traces/build-small.hmt';

/** `{"a": … {"a": 1} … }` nested `depth` objects deep. */
function nested(depth: number): string {
  return '{"a": '.repeat(depth) + '1' + '}'.repeat(depth);
}

describe('model numbers and TLB sizes are bounded', () => {
  it('the bounds', () => {
    expect(MAX_MODEL_NUMBER).toBe(1e12);
    expect(MAX_TLB_ENTRIES).toBe(65_536);
    expect(MAX_JSON_DEPTH).toBe(32);
  });

  it('a cost above 1e12 cycles: one line naming the key, exit 2', async () => {
    const r = await runCaptured(['run', '--trace', TRACE, '--set', 'costs.invlpg=1e13']);
    expect(r.stderr).toBe(
      'hmsim: model core2: costs.invlpg.constant: must be at most 1000000000000 in size ' +
        '(so totals stay finite), got 10000000000000 (from --set costs.invlpg=1e13)\n',
    );
    expect(r.code).toBe(2);
  });

  it('exactly 1e12 is accepted (the bound is inclusive)', async () => {
    // Loaded, not replayed: a replay with 1e12-cycle INVLPGs is valid but long (each one spans ~10^5 timer ticks).
    const model = await loadModel('core2', ['costs.invlpg=1e12']);
    expect(model.costs.invlpg(0, createRng(1))).toBe(1e12);
  });

  it('a TLB level above 65,536 entries: one line, exit 2', async () => {
    const r = await runCaptured(['run', '--trace', TRACE, '--set', 'tlb.stlb.entries=131072']);
    expect(r.stderr).toBe(
      'hmsim: model core2: tlb.stlb.entries: must be at most 65536 entries, got 131072 (from --set tlb.stlb.entries=131072)\n',
    );
    expect(r.code).toBe(2);
  });
});

describe('JSON nesting is bounded', () => {
  it('jsonDepth counts containers, iteratively (a 100,000-deep array does not overflow the stack)', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [1, { b: 2 }] })).toBe(3);
    expect(jsonDepth(JSON.parse(nested(33)))).toBe(33);
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepth(deep)).toBe(100_000);
  });

  it('a model file nested 40 deep: one line, exit 2', async () => {
    const path = join(dir, 'deep-model.json');
    writeFileSync(path, `{"extends": "core2", "note": ${nested(39)}}`);
    const r = await runCaptured(['run', '--trace', TRACE, '--model', path]);
    // Depth 33 is reached at the 32nd '{' of the note, after the 29 characters before it: the column is
    // 29 + 31 × 6 + 1 (one-based); the whole document nests 40 deep.
    const column = 29 + 31 * '{"a": '.length + 1;
    expect(r.stderr).toBe(`hmsim: ${path}: nests objects and arrays 40 deep at line 1 column ${column} (expected at most 32)\n`);
    expect(r.code).toBe(2);
  });

  it('a --set value nested 33 deep: one line, exit 2; 32 deep passes the depth check', async () => {
    const r = await runCaptured(['run', '--trace', TRACE, '--set', `costs.invlpg=${nested(33)}`]);
    expect(r.stderr).toBe(`hmsim: model core2: --set costs.invlpg=${nested(33)}: the value nests deeper than 32 levels\n`);
    expect(r.code).toBe(2);
    const ok = await runCaptured(['run', '--trace', TRACE, '--set', `costs.invlpg=${nested(32)}`]);
    expect(ok.stderr).not.toContain('nests deeper');
    expect(ok.code).toBe(2); // still not a cost, but refused for that, not for its depth
  });
});

describe('sweep point files whose result lost its shape are treated as absent', () => {
  it('a real point loads; "result": {} or a non-finite total does not; a null requestsPerSecond does', async () => {
    const result = await new RunService().run({
      tracePath: TRACE,
      config: { config: '3g1g-highmem' },
      model: 'core2',
      modelSets: [],
      seed: 1,
      prefault: false,
    });
    const outDir = join(dir, 'sweep');
    mkdirSync(join(outDir, POINTS_DIR), { recursive: true });
    const save = (id: string, r: unknown): void => {
      const record = {
        format: POINT_FORMAT,
        version: SWEEP_VERSION,
        id,
        index: 0,
        hash: 'h',
        cell: 'c',
        result: r,
      } as unknown as PointRecord;
      writeFileSync(join(outDir, POINTS_DIR, `${id}.json`), pointJson(record));
    };
    save('good', result);
    expect((await loadPoint(outDir, 'good'))?.result.cycles.total).toBe(result.cycles.total);
    save('empty', {});
    expect(await loadPoint(outDir, 'empty')).toBeNull();
    save('nan', { ...result, cycles: { ...result.cycles, total: null } });
    expect(await loadPoint(outDir, 'nan')).toBeNull();
    save('string', { ...result, counts: 'many' });
    expect(await loadPoint(outDir, 'string')).toBeNull();
    save('norate', { ...result, time: { ...result.time, requestsPerSecond: null } });
    expect(await loadPoint(outDir, 'norate')).not.toBeNull();
  });
});
