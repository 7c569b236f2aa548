import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { loadModel, resolveModel } from '../../src/models/index.ts';
import { validateDocument } from '../../src/models/validate.ts';

const FIXTURES = 'tests/models/fixtures';

async function messageOf(load: Promise<unknown>): Promise<string[]> {
  try {
    await load;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    return (err as Error).message.split('\n');
  }
  throw new Error('expected the model to be rejected');
}

describe('model file validation', () => {
  it('reports every problem of a file at once, each with its JSON path', async () => {
    expect(await messageOf(loadModel(`${FIXTURES}/invalid.json`))).toEqual([
      `model ${FIXTURES}/invalid.json: 12 problems`,
      // FILE:LINE:COLUMN of the key (or array element) in the file that gives the value
      `  ${FIXTURES}/invalid.json:5:14: tlb.l1d.entries: expected a number, got a string "sixteen"`,
      `  ${FIXTURES}/invalid.json:6:31: tlb.stlb.ways: must divide entries (256); got 3`,
      `  ${FIXTURES}/invalid.json:7:5: tlb.replacment: unknown key (did you mean tlb.replacement?)`,
      `  ${FIXTURES}/invalid.json:14:5: costs.walk: more than one cost form (constant, linear); expected exactly one`,
      `  ${FIXTURES}/invalid.json:10:5: costs.invlpgg: unknown key (did you mean costs.invlpg?)`,
      `  ${FIXTURES}/invalid.json:11:5: costs.cr3Write: must not be negative, got -5`,
      `  ${FIXTURES}/invalid.json:12:5: costs.globalFlush: must be finite, got Infinity`,
      // a missing key stands at the object that lacks it
      `  ${FIXTURES}/invalid.json:13:14: costs.ipi.linear.b: missing`,
      `  ${FIXTURES}/invalid.json:16:43: costs.syscall.normal.sd: must not be negative, got -1`,
      `  ${FIXTURES}/invalid.json:17:48: costs.contextSwitch.uniform.max: must be ≥ min (10), got 5`,
      `  ${FIXTURES}/invalid.json:15:60: costs.copy.table.points[2][0]: n must increase strictly (previous point has n = 4096)`,
      `  ${FIXTURES}/invalid.json:19:13: lock.kind: expected one of "ticket", "queued", got "mcs"`,
    ]);
  });

  it('TLB geometry: ways divide entries, and tree pseudo-LRU needs a power-of-two number of ways', async () => {
    // 12 entries in 3 ways: 4 sets of 3 — valid under LRU, but a PLRU tree has ways − 1 inner nodes of a
    // complete binary tree, so only 1, 2, 4, 8 … ways.
    await expect(loadModel('core2', ['tlb.l1d.entries=12', 'tlb.l1d.ways=3'])).resolves.toBeDefined();
    expect(await messageOf(loadModel('core2', ['tlb.replacement=plru', 'tlb.l1d.entries=12', 'tlb.l1d.ways=3']))).toEqual([
      'model core2: tlb.l1d.ways: tlb.replacement plru needs a power-of-two number of ways; got 3 (from --set tlb.l1d.ways=3)',
    ]);
    expect(await messageOf(loadModel('core2', ['tlb.l1i.entries=64', 'tlb.l1i.ways=3']))).toEqual([
      'model core2: tlb.l1i.ways: must divide entries (64); got 3 (from --set tlb.l1i.ways=3)',
    ]);
    expect(await messageOf(loadModel('core2', ['tlb.l1i.entries=0']))).toEqual([
      'model core2: tlb.l1i.entries: an L1 TLB needs at least one entry (from --set tlb.l1i.entries=0)',
    ]);
  });

  it('a model that extends nothing must give every parameter', async () => {
    const lines = await messageOf(loadModel(`${FIXTURES}/incomplete.json`));
    // It gives the TLB, the lock and the clock: every one of the 24 costs.* keys is missing.
    expect(lines[0]).toBe(`model ${FIXTURES}/incomplete.json: 24 problems`);
    expect(lines.slice(1).every((l) => /^ {2}costs\.\w+: missing \(/.test(l))).toBe(true);
    expect(lines).toContain('  costs.invlpg: missing (Cycles of one INVLPG.)');
    expect(lines).toContain(
      '  costs.ptiTrampoline: missing (Cycles of the PTI entry or exit code besides its CR3 write, ' +
        'per crossing (the entry-stack frame copy).)',
    );
  });

  it('user models may omit sources, shipped (or --strict) models may not', async () => {
    await expect(loadModel(`${FIXTURES}/unsourced.json`)).resolves.toMatchObject({ name: 'unsourced' });
    const missing = 'missing source (every value of a shipped model cites where it comes from: { "source": "…" })';
    expect(await messageOf(resolveModel(`${FIXTURES}/unsourced.json`, [], { requireSources: true }))).toEqual([
      `model ${FIXTURES}/unsourced.json: 3 problems`,
      `  ${FIXTURES}/unsourced.json:5:21: tlb.l1d.entries.source: ${missing}`,
      `  ${FIXTURES}/unsourced.json:4:14: costs.invlpg: ${missing}`,
      `  ${FIXTURES}/unsourced.json:4:29: costs.ipi.source: ${missing}`,
    ]);
  });

  it('suggests nothing for a key far from every known key', () => {
    const { problems } = validateDocument({ zzzzzzzzzz: 1 }, { requireSources: false });
    expect(problems[0]).toEqual({ path: 'zzzzzzzzzz', message: 'unknown key' });
  });

  it('checks the inside of cost objects: unknown form fields, provenance types, table shape', () => {
    const { problems } = validateDocument(
      {
        costs: {
          invlpg: { constant: 1, sorce: 'typo' },
          ipi: { linear: { a: 1, b: 2, c: 3 } },
          copy: { table: { points: [[1]], extrapolate: 'cubic' } },
          walk: { empirical: [] },
          syscall: { constant: 1, unverified: 'yes', borrowedFrom: '' },
          stlbHit: 'fast',
        },
      },
      { requireSources: false },
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath).toMatchObject({
      'costs.invlpg.sorce': 'unknown key (did you mean source?)',
      'costs.ipi.linear.c': 'unknown key',
      'costs.copy.table.extrapolate': 'expected one of "clamp", "linear", got "cubic"',
      'costs.copy.table.points[0]': 'expected an [n, cycles] pair, got an array of 1 item',
      'costs.walk.empirical': 'expected a non-empty array of sample costs, got an empty array',
      'costs.syscall.unverified': 'expected true or false, got a string',
      'costs.syscall.borrowedFrom': 'expected a non-empty string, got ""',
      'costs.stlbHit':
        'expected a number or a cost object with one of constant, linear, table, normal, lognormal, uniform, empirical; got a string',
    });
  });

  it('rejects an unknown model name with the closest shipped one, and bad JSON with its line', async () => {
    expect(await messageOf(loadModel('core3'))).toEqual([
      "unknown model 'core3' (did you mean core2?); expected one of atom-n270, core2, " +
        'haswell, p4-prescott, pentium-m, or a path to a .json, .ts, .js or .mjs model',
    ]);
    const lines = await messageOf(loadModel(`${FIXTURES}/not-json.json`));
    // The trailing comma after 5 on line 3: a property name was expected where the '}' stands (column 27: two
    // spaces, `"costs": { "invlpg": 5, ` are 26 characters).
    expect(lines[0]).toBe(
      "tests/models/fixtures/not-json.json: invalid JSON at line 3 column 27: expected a property name in double quotes, found '}'",
    );
  });

  it('detects an extends cycle', async () => {
    const lines = await messageOf(loadModel(`${FIXTURES}/cycle-a.json`));
    expect(lines[0]).toMatch(/'extends' forms a cycle \(cycle-a\.json → cycle-b\.json → cycle-a\.json\)/);
  });
});
