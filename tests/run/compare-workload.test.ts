/**
 * `compare --workload NAME --param K=V`: every replication replays its own trace, generated with the
 * replication's seed, the same trace for every configuration. Checked against `hmsim gen` and
 * `hmsim run` with the same seeds (replicationSeeds: the first is --seed itself).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/run-result.ts';
import { replicationSeeds } from '../../src/stats/replications.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { runMain } from './in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-cw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('compare --workload', () => {
  it('regenerates the trace per replication with its seed; each run equals run on that trace and seed', async () => {
    const r = await runMain([
      'compare',
      '--workload',
      'syscall-loop',
      '--param',
      'calls=300',
      '--param',
      'unmap=2',
      '--configs',
      '3g1g-highmem,x86_64',
      '--replications',
      '2',
      '--seed',
      '5',
      '--json',
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const { runs } = JSON.parse(r.stdout) as { runs: RunResult[] };
    const seeds = replicationSeeds(5, 2);
    expect(runs.map((x) => [x.configName, x.seed])).toEqual([
      ['3g1g-highmem', seeds[0]],
      ['3g1g-highmem', seeds[1]],
      ['x86_64', seeds[0]],
      ['x86_64', seeds[1]],
    ]);
    for (const [i, seed] of seeds.entries()) {
      const trace = join(dir, `t${i}.hmt`);
      expect(
        (await runMain(['gen', 'syscall-loop', '--param', 'calls=300', '--param', 'unmap=2', '--seed', String(seed), '-o', trace])).code,
      ).toBe(0);
      // The trace's identity as every reader gives it (HMT 2.0 stores a content digest; older files: the file's sha256).
      const digest = await (await openTrace(trace)).sha256();
      for (const config of ['3g1g-highmem', 'x86_64']) {
        const got = runs.find((x) => x.configName === config && x.seed === seed)!;
        expect(got.trace.path).toBe(`gen:syscall-loop calls=300 unmap=2 seed=${seed}`);
        expect(got.trace.sha256).toBe(digest);
        const one = JSON.parse(
          (await runMain(['run', '--trace', trace, '--config', config, '--seed', String(seed), '--json', '--quiet'])).stdout,
        ) as RunResult;
        expect(got.cycles).toEqual(one.cycles);
      }
    }
  });

  it('bad combinations are one line, exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['--workload', 'nope'],
        "hmsim: --workload: unknown workload 'nope' (expected one of: fileserver, " +
          'database, build, stream, kmap-storm, forkexec, syscall-loop)\n',
      ],
      [
        ['--trace', 'traces/stream-small.hmt', '--workload', 'stream'],
        'hmsim: --trace: give either --trace FILE (one trace for every replication) ' +
          'or --workload NAME (a trace generated per replication), not both\n',
      ],
      [['--param', 'calls=3'], 'hmsim: --param: workload parameters need --workload NAME\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await runMain(['compare', ...args, '--quiet']);
      expect([r.code, r.stdout, r.stderr], args.join(' ')).toEqual([2, '', stderr]);
    }
  });
});
