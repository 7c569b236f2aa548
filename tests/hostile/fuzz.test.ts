/**
 * The bounded share of the fuzz run in `npm test`: 10 cases of every target of scripts/fuzz-cases.ts
 * (HMT reader + replay, hostile record values, every importer, model loader, --set, scenario loader),
 * in process. Every case must succeed or end in a one-line UserError. `npm run fuzz` runs 100,000 cases
 * in watched child processes (hangs and heap aborts counted too).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ_TARGETS, fuzzSamples, runFuzzCase } from '../../scripts/fuzz-cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-fuzz-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzz cases (seed 7, 10 per target)', () => {
  it('every case is accepted or answered with one line', async () => {
    const samples = fuzzSamples(dir);
    const outcomes = [];
    for (let n = 0; n < 10 * FUZZ_TARGETS.length; n++) outcomes.push(await runFuzzCase(samples, 7, n));
    expect(outcomes.filter((o) => o.result === 'crash')).toEqual([]);
    // The cases reach past the first checks: some of every kind of input are accepted.
    expect(outcomes.some((o) => o.target === 'hmt-values' && o.result === 'ok')).toBe(true);
    expect(outcomes.some((o) => o.target === 'lackey' && o.result === 'ok')).toBe(true);
  }, 120_000);
});
