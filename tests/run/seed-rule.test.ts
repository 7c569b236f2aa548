/**
 * One seed rule for run, compare, sweep and check (src/stats/replications.ts): replication 0 runs with
 * --seed itself, so one replication of any command is `hmsim run --seed S`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/run-result.ts';
import { runMain } from './in-process.ts';

const TRACE = 'traces/kmap-storm-small.hmt';
// A global flush drawn uniformly from [100, 300] cycles: the 40 flushes of this trace make the seed matter.
const DRAWN = ['--set', 'costs.globalFlush={"uniform":{"min":100,"max":300}}'];
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function runJson(args: readonly string[]): Promise<unknown> {
  const r = await runMain(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as unknown;
}

describe('one seed rule', () => {
  it('sweep --replications 1 --seed 1 and compare --seed 1 replay exactly what run --seed 1 does', async () => {
    const run = (await runJson([
      'run',
      '--trace',
      TRACE,
      '--config',
      '3g1g-highmem',
      '--seed',
      '1',
      ...DRAWN,
      '--json',
      '--quiet',
    ])) as RunResult;
    expect(run.seed).toBe(1);
    // The seed matters (drawn flush costs), so equal results mean equal seeds.
    const other = (await runJson([
      'run',
      '--trace',
      TRACE,
      '--config',
      '3g1g-highmem',
      '--seed',
      '2',
      ...DRAWN,
      '--json',
      '--quiet',
    ])) as RunResult;
    expect(other.cycles.total).not.toBe(run.cycles.total);

    const compare = (await runJson([
      'compare',
      '--trace',
      TRACE,
      '--configs',
      '3g1g-highmem',
      '--seed',
      '1',
      ...DRAWN,
      '--json',
      '--quiet',
    ])) as { runs: RunResult[] };
    expect(compare.runs).toEqual([run]);

    const out = await mkdtemp(join(tmpdir(), 'hmsim-seed-rule-'));
    dirs.push(out);
    const sweepOut = join(out, 'sweep');
    await runJson([
      'sweep',
      '--trace',
      TRACE,
      '--configs',
      '3g1g-highmem',
      '--replications',
      '1',
      '--seed',
      '1',
      ...DRAWN,
      '--jobs',
      '1',
      '--out',
      sweepOut,
      '--json',
      '--quiet',
    ]);
    const summary = JSON.parse(await readFile(join(sweepOut, 'summary.json'), 'utf8')) as { runs: RunResult[] };
    expect(summary.runs).toHaveLength(1);
    expect({ ...summary.runs[0], configName: run.configName }).toEqual(run);
  }, 300_000);
});
