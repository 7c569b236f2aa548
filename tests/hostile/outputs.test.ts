/**
 * Output folders: `--out` refuses to replace a folder hmsim did not write unless `--force` (every command
 * that writes one), and the same inputs and seed give byte-identical results — across runs, and across
 * `--jobs` values for a sweep. Runs the real command line in process (src/cli/main.ts `main`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OUTPUT_MARKER } from '../../src/io/atomic.ts';
import { runCaptured } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const D = (name: string): string => join(dir, name);
const TRACE = 'traces/build-small.hmt';

/** A folder of the user's that hmsim did not write. */
function foreignFolder(name: string): string {
  const path = D(name);
  mkdirSync(path);
  writeFileSync(join(path, 'thesis.tex'), 'precious');
  return path;
}

/** Each command that writes an output folder, with the arguments that make it write `out`. */
const WRITERS: ReadonlyArray<readonly [string, (out: string) => string[]]> = [
  ['run', (out) => ['run', '--trace', TRACE, '--quiet', '--out', out]],
  ['compare', (out) => ['compare', '--trace', TRACE, '--configs', '3g1g-highmem,2g2g', '--quiet', '--out', out]],
  [
    'sweep',
    (out) => ['sweep', '--trace', TRACE, '--configs', '3g1g-highmem', '--grid', 'ram=2G,3G', '--jobs', '1', '--quiet', '--out', out],
  ],
];

describe('--out and a folder hmsim did not write', () => {
  it.each(WRITERS)('%s refuses it without --force and leaves it untouched (exit 2)', async (name, args) => {
    const out = foreignFolder(`${name}-refused`);
    const r = await runCaptured(args(out));
    expect(r.stderr).toBe(`hmsim: --out ${out}: folder exists and was not written by hmsim (use --force to replace it)\n`);
    expect(r.code).toBe(2);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it.each(WRITERS)('%s replaces it with --force', async (name, args) => {
    const out = foreignFolder(`${name}-forced`);
    const r = await runCaptured([...args(out), '--force']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'thesis.tex'))).toBe(false);
    expect(existsSync(join(out, OUTPUT_MARKER))).toBe(true);
  });
});

/** Two JSON files are byte-identical (compared as data first, so a failure shows where they differ). */
function expectSameBytes(a: string, b: string): void {
  const first = readFileSync(a);
  const second = readFileSync(b);
  expect(first.length).toBeGreaterThan(1000);
  expect(JSON.parse(second.toString('utf8'))).toEqual(JSON.parse(first.toString('utf8')));
  expect(second.equals(first)).toBe(true);
}

describe('determinism: the same inputs and seed give byte-identical results', () => {
  it('run --json prints the same bytes twice', async () => {
    const args = ['run', '--trace', TRACE, '--config', '3g1g-highmem', '--seed', '7', '--json', '--quiet'];
    const a = await runCaptured(args);
    const b = await runCaptured(args);
    expect(a.code).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(1000);
    expect(b.stdout).toBe(a.stdout);
  });

  it('compare --out writes the same summary.json twice', async () => {
    const args = (out: string): string[] => [
      'compare',
      '--trace',
      TRACE,
      '--configs',
      '3g1g-highmem,2g2g,4g4g',
      '--seed',
      '7',
      '--quiet',
      '--out',
      out,
    ];
    expect((await runCaptured(args(D('compare-1')))).code).toBe(0);
    expect((await runCaptured(args(D('compare-2')))).code).toBe(0);
    expectSameBytes(D('compare-1/summary.json'), D('compare-2/summary.json'));
  });

  it('sweep writes the same summary.json with --jobs 1 and --jobs 2', async () => {
    const args = (out: string, jobs: string): string[] => [
      'sweep',
      '--trace',
      TRACE,
      '--configs',
      '3g1g-highmem,2g2g',
      '--grid',
      'ram=2G,3G',
      '--seed',
      '7',
      '--jobs',
      jobs,
      '--quiet',
      '--out',
      out,
    ];
    const one = await runCaptured(args(D('sweep-jobs1'), '1'));
    expect(one.stderr).toBe('');
    const two = await runCaptured(args(D('sweep-jobs2'), '2'));
    expect(two.stderr).toBe('');
    expectSameBytes(D('sweep-jobs1/summary.json'), D('sweep-jobs2/summary.json'));
  }, 180_000); // two sweep processes, each rendering a report: minutes on a loaded shared machine
});
