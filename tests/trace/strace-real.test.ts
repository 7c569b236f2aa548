/**
 * strace output as it really looks (tests/fixtures/strace/README.md: recorded with strace 6.1 on this
 * machine): every log imports with zero skipped lines, and what each log holds is counted here in its
 * raw text, the way grep would.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/import.ts';
import { resolveConfig } from '../../src/layout/configs.ts';
import { replay } from '../../src/machine/replay.ts';
import { straceImporter } from '../../src/trace/importers/strace.ts';
import { ComputeFlags, EventKind, SyscallFlags } from '../../src/trace/records.ts';
import { parseRelocation, Relocator } from '../../src/trace/relocate.ts';
import { ROOT } from '../helpers/cli.ts';
import { runCaptured } from '../helpers/in-process.ts';
import { modelOf } from '../machine/helpers.ts';
import { byKind, importToMemory } from './strace-helpers.ts';

const DIR = 'tests/fixtures/strace';
const LOGS = ['pipeline-f.log', 'cat-y.log', 'pipe-yy-tt-T.log', 'poll-resumed.log', 'fork-exec-loop.log', 'ls-r.log', 'cloexec.log'];
const lines = (name: string): string[] =>
  readFileSync(`${ROOT}${DIR}/${name}`, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const auto = (): Relocator => new Relocator(parseRelocation('auto'));
const imp = (name: string, cpus = 2) =>
  importToMemory(straceImporter, { file: `${DIR}/${name}` }, { cpus, mapAddress: auto().addressMapper() });
/** Complete calls: every line but resumed halves, signals and exits (an unfinished half counts once). */
const calls = (ls: string[]): number => ls.filter((l) => !/<\.\.\. \w+ resumed>|--- SIG|\+\+\+ (exited|killed)/.test(l)).length;

describe('strace logs as strace writes them', () => {
  it.each(LOGS)('%s imports with zero skipped lines, one syscall record per call', async (name) => {
    const { records, stats } = await imp(name);
    const ls = lines(name);
    expect(stats.badLines).toBe(0);
    expect(stats.lines).toBe(ls.length);
    // One per call; the closes an exec made by close-on-exec are records of their own (kernel-made, HMT 2.2).
    const made = records.filter((r) => r.kind === EventKind.syscall && r.op === SyscallFlags.kernel).length;
    expect(byKind(records)['syscall']! - made).toBe(calls(ls));
    expect(made).toBe(name === 'cloexec.log' ? 3 : 0); // a.txt, c.txt, d.txt (strace-cloexec.test.ts)
  });

  it('-y: the decorated descriptors are the plain ones (the data file is read through the page cache)', async () => {
    const { records } = await imp('cat-y.log');
    // read(3</data/in.txt>, "...", 131072) = 27019: one page-cache read of the whole file at offset 0.
    const reads = records.filter((r) => r.kind === EventKind.read && r.len === 27019);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.off).toBe(0);
  });

  it("-yy -T: pipe pairs with decorations; every -T duration kept as the call's observed time", async () => {
    const { records, stats } = await imp('pipe-yy-tt-T.log');
    const ls = lines('pipe-yy-tt-T.log');
    const durations = ls
      .map((l) => /<(\d+)\.(\d{6})>$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => Number(m![1]) * 1e9 + Number(m![2]) * 1000);
    const d = stats.details as { timedCalls: number; observedSyscallNs: number };
    expect(d.timedCalls).toBe(durations.length);
    expect(d.observedSyscallNs).toBe(durations.reduce((a, b) => a + b, 0));
    const sys = records.filter((r) => r.kind === EventKind.syscall);
    expect(sys.reduce((a, r) => a + (r.len ?? 0), 0)).toBe(d.observedSyscallNs);
    // cat writes the file into the pipe that wc reads (pipe2([3<pipe:[…]>, 4<pipe:[…]>], 0)).
    expect(records.filter((r) => r.kind === EventKind.write && r.len === 27019)).toHaveLength(1);
  });

  it('<... poll resumed>) = 1 (...) and fcntl(F_GETFL) = 0x8000 (flags ...) are calls like any other', async () => {
    const ls = lines('poll-resumed.log');
    expect(ls.some((l) => /<\.\.\. poll resumed>\) = 1 \(\[\{fd=3, revents=POLLIN\}\]\)$/.test(l))).toBe(true);
    expect(ls.some((l) => /F_GETFL\) = 0x8000 \(flags O_RDONLY\|O_LARGEFILE\)$/.test(l))).toBe(true);
    const { records } = await imp('poll-resumed.log');
    // The child writes 63 bytes into the pipe; the parent reads them back after its poll.
    expect(records.filter((r) => r.kind === EventKind.write && r.len === 63)).toHaveLength(1);
    expect(records.filter((r) => r.kind === EventKind.read && r.len === 63)).toHaveLength(1);
  });

  it('-r: relative timestamps are summed; the last record is at the sum of every delta', async () => {
    const ls = lines('ls-r.log');
    const deltas = ls
      .map((l) => /^\d+\s+(\d+)\.(\d{6}) /.exec(l))
      .filter((m) => m !== null)
      .map((m) => Number(m![1]) * 1e6 + Number(m![2]));
    const { records, stats } = await imp('ls-r.log');
    expect((stats.details as { relativeTimestamps: boolean }).relativeTimestamps).toBe(true);
    expect(Math.max(...records.map((r) => r.time ?? 0))).toBe((deltas.reduce((a, b) => a + b, 0) - deltas[0]!) * 1000);
  });
});

describe('a fork+exec loop recorded with strace -f -ttt', () => {
  let dir = '';
  let trace = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hmsim-strace-loop-'));
    trace = join(dir, 'loop.hmt');
    await runImport('strace', `${ROOT}${DIR}/fork-exec-loop.log`, { out: trace, cpus: '2' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("replays with faults on exec and the time between calls as compute at the model's clock", async () => {
    const { records } = await imp('fork-exec-loop.log');
    const ls = lines('fork-exec-loop.log');
    const execs = ls.filter((l) => /execve\(.*\) = 0$|<\.\.\. execve resumed>.* = 0$/.test(l)).length;
    expect(execs).toBe(6); // sh, then /bin/true five times
    expect(byKind(records)['exec']).toBe(execs);
    expect(byKind(records)['fork']).toBe(5);
    const model = await modelOf();
    const config = resolveConfig({ config: '3g1g-highmem', ram: '2G', cpus: 2 });
    const r = await replay({ tracePath: trace, config, model, seed: 1, prefault: false });
    expect(r.feasible).toBe(true);
    // Each exec touches its text, its data and its stack top in a fresh mm: three first touches each.
    expect(r.counts.pageFaults).toBeGreaterThanOrEqual(3 * execs);
    // The compute records are the gaps between a process's calls, in ns: charged × clockGHz.
    const compute = records.filter((x) => x.kind === EventKind.compute);
    expect(compute.length).toBeGreaterThan(0);
    expect(compute.every((x) => x.arg === ComputeFlags.nanoseconds)).toBe(true);
    const cycles = compute.reduce((a, x) => a + Math.round(x.len! * model.clockGHz), 0);
    expect(r.cycles.breakdown.compute).toBe(cycles);
  });
});

describe('hmsim import: --json and the default output name', () => {
  it('every importer prints its statistics as one JSON object; -o defaults to the input with .hmt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmsim-import-json-'));
    try {
      const log = join(dir, 'cat-y.log');
      writeFileSync(log, readFileSync(`${ROOT}${DIR}/cat-y.log`));
      const r = await runCaptured(['import', 'strace', log, '--json']);
      expect(r.code).toBe(0);
      const s = JSON.parse(r.stdout) as { out: string; lines: number; badLines: number; details: { calls: number } };
      expect(s.out).toBe(join(dir, 'cat-y.hmt'));
      expect(existsSync(s.out)).toBe(true);
      expect([s.lines, s.badLines, s.details.calls]).toEqual([lines('cat-y.log').length, 0, calls(lines('cat-y.log'))]);
      const lackey = join(dir, 'tiny.lackey');
      writeFileSync(lackey, 'I  0023C790,2\n S BE80199C,4\n');
      const l = await runCaptured(['import', 'lackey', lackey, '--json']);
      expect(JSON.parse(l.stdout)).toMatchObject({ out: join(dir, 'tiny.hmt'), lines: 2, records: 2, badLines: 0 });
      const d = await runCaptured(['import', 'din', lackey, '-o', join(dir, 'x.hmt'), '--json', '--skip-bad']);
      expect(JSON.parse(d.stdout)).toMatchObject({ lines: 2, badLines: 2 });
      const f = await runCaptured([
        'import',
        'ftrace',
        `${ROOT}tests/fixtures/validation/ftrace/debian-6.1-pae-2G-smp2-dd.trace.gz`,
        '-o',
        join(dir, 'f.hmt'),
        '--json',
      ]);
      expect(JSON.parse(f.stdout)).toMatchObject({ badLines: 0, details: { headerCpus: 2, pageFaults: 316 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
