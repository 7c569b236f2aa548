/**
 * `hmsim compare` wiring of the report options: --replications R (R runs per configuration, seeds from
 * replicationSeeds, 95% intervals in summary.json and on stdout), --theme (passed to the report writer)
 * and determinism (the same command twice writes a byte-identical summary.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replicationSeeds } from '../../src/stats/replications.ts';
import { ROOT } from '../helpers/cli.ts';
import { runMain } from './in-process.ts';

const TRACE = `${ROOT}traces/fileserver-4cpu.hmt`;
// A random INVLPG cost, so replications differ and the intervals have a width.
const NOISY = ['--set', 'costs.invlpg={"normal":{"mean":216,"sd":60}}'];
const BASE = ['compare', '--trace', TRACE, '--configs', '3g1g-highmem,4g4g', '--quiet', '--seed', '7', ...NOISY];
const dir = mkdtempSync(join(tmpdir(), 'hmsim-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface SummaryFile {
  provenance: { replications: number; seed: number };
  aggregate: {
    configs: Array<{
      config: string;
      replications: number;
      seeds: number[];
      stats: { totalCycles: { n: number; halfWidth: number | null } };
    }>;
  };
  runs: Array<{ configName: string; seed: number }>;
}
const summaryOf = (out: string): SummaryFile => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryFile;
const fontOf = (out: string): string =>
  (JSON.parse(readFileSync(join(out, '1-cycles-by-category.vl.json'), 'utf8')) as { config: { font: string } }).config.font;

describe('hmsim compare --replications, --theme, --out', () => {
  it('--replications 3 replays every configuration 3 times with replicationSeeds and reports 95% intervals', async () => {
    const out = join(dir, 'paper');
    const r = await runMain([...BASE, '--replications', '3', '--theme', 'paper', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const seeds = replicationSeeds(7, 3);
    const s = summaryOf(out);
    expect(s.provenance.replications).toBe(3);
    expect(s.runs.map((run) => [run.configName, run.seed])).toEqual([
      ...seeds.map((seed) => ['3g1g-highmem', seed]),
      ...seeds.map((seed) => ['4g4g', seed]),
    ]);
    for (const c of s.aggregate.configs) {
      expect(c.replications).toBe(3);
      expect(c.seeds).toEqual(seeds);
      expect(c.stats.totalCycles.n).toBe(3);
      expect(c.stats.totalCycles.halfWidth).toBeGreaterThan(0);
    }
    // stdout: mean ± half-width for the elapsed time (the trace waits on the disk: it leads) and its
    // overhead, then for cycles and for their overhead.
    expect(r.stdout).toContain('elapsed time (CPU cycles + device waits) leads; "cycles" and "overhead" are CPU cycles only');
    expect(r.stdout).toMatch(/^3g1g-highmem\s+yes\s+3\s+[\d.]+ s ± [\d.]+ µs\s+baseline\s+[\d,]+ ± [\d,]+\s+baseline$/m);
    expect(r.stdout).toMatch(
      /^4g4g\s+yes\s+3\s+[\d.]+ s ± [\d.]+ µs\s+[+-]\d+\.\d\d % ± \d+\.\d\d %\s+[\d,]+ ± [\d,]+\s+\+\d+\.\d\d % ± \d+\.\d\d %$/m,
    );
    expect(fontOf(out)).toMatch(/serif$/);
    expect(fontOf(out)).not.toMatch(/sans-serif/);
  });

  it('--theme default writes sans-serif charts, and the same command twice writes a byte-identical summary.json', async () => {
    const out = join(dir, 'default');
    const first = await runMain([...BASE, '--theme', 'default', '--out', out, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const before = readFileSync(join(out, 'summary.json'));
    expect(fontOf(out)).toMatch(/sans-serif$/);
    const second = await runMain([...BASE, '--theme', 'default', '--out', out, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(join(out, 'summary.json')).equals(before)).toBe(true);
    expect(second.stdout).toBe(first.stdout);
    // One replication runs with --seed itself, as `hmsim run --seed 7` does.
    expect(summaryOf(out).runs.map((run) => run.seed)).toEqual([7, 7]);
  });

  it('--json with replications lists each configuration once with its mean and interval', async () => {
    const r = await runMain([...BASE, '--replications', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as {
      replications: number;
      configs: Array<{ name: string; replications: number; cycles: number; cyclesCi: [number, number] | null; overheadPercent: number }>;
      runs: unknown[];
    };
    expect(s.replications).toBe(2);
    expect(s.configs.map((c) => [c.name, c.replications])).toEqual([
      ['3g1g-highmem', 2],
      ['4g4g', 2],
    ]);
    expect(s.configs[0]!.overheadPercent).toBe(0);
    for (const c of s.configs) {
      expect(c.cyclesCi).not.toBeNull();
      expect(c.cyclesCi![0]).toBeLessThanOrEqual(c.cycles);
      expect(c.cyclesCi![1]).toBeGreaterThanOrEqual(c.cycles);
    }
    expect(s.runs).toHaveLength(4);
  });

  it('a bad --theme or --replications is one line on stderr, exit 2', async () => {
    for (const args of [
      ['--theme', 'poster'],
      ['--replications', '0'],
      ['--replications', 'x'],
    ]) {
      const r = await runMain([...BASE, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
