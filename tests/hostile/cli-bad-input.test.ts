/**
 * Every input path of the CLI answers bad input with one line on stderr — `hmsim: ` then the file (with
 * its line or byte) or the option, and the problem — exit code 2, and no stack trace. The table runs the
 * real command line in process (src/cli/main.ts `main`); a few cases run as a child process to cover the
 * entry point itself (exit code, stdout closed early).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { frame } from '../trace/hmt-helpers.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { runCaptured, type CapturedRun } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const D = (name: string): string => join(dir, name);
const GOOD_TRACE = 'traces/build-small.hmt';
/** The header frame type byte (0x48, 'H'), as in the reader's bad-magic message. */
const HEADER_FRAME = 0x48;

beforeAll(() => {
  const good = readFileSync(GOOD_TRACE);
  const header = { magic: 'HMT', version: [1, 0], source: 'test', pageSize: 4096, addressBits: 32, cpus: 1, footer: false, provenance: {} };
  const files: Record<string, string | Uint8Array> = {
    'junk.hmt': 'this is not a trace\n',
    'empty.hmt': '',
    'truncated.hmt': good.subarray(0, 3000),
    'version9.hmt': frame(HEADER_FRAME, { ...header, version: [9, 0] }),
    'huge-cpus.hmt': frame(HEADER_FRAME, { ...header, cpus: 2 ** 31 }),
    'junk.hmt.gz': gzipSync(Buffer.from('not an HMT trace either')),
    'cut.hmt.gz': gzipSync(good).subarray(0, 5000),
    'binary.bin': Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
    'long-line.lackey': 'I  0804a000,4\n' + 'x'.repeat((1 << 20) + 16) + '\n',
    'no-size.lackey': 'I  0804a000,4\n L bffff000\n',
    'no-result.strace': '100 1.000000 read(3, "", 4096)\n',
    'no-cpu.ftrace': '  dd-91 4.601693: kmap_local: (x) pfn=1\n',
    'bad-address.din': '0 08048000\n1 zzzz\n',
    'odd-size.din-binary': new Uint8Array(8 * 3 + 5),
    'syntax.json': '{ "name": "x", ',
    'wrong-type.json': JSON.stringify({ ...JSON.parse(readFileSync('models/core2.json', 'utf8')), clockGHz: 'fast' }),
    'scenario-empty.json': '{}',
    'scenario-syntax.json': '{ "trace": ',
    'not-a-folder': 'a file where a folder is expected',
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(D(name), content);
  mkdirSync(D('a-folder'));
});

/** Asserts the documented answer to bad input: exit 2, one `hmsim: ` line that says `expected`, no stack. */
function expectOneLineError(r: CapturedRun, expected: string | RegExp): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^hmsim: /);
  if (typeof expected === 'string') expect(lines[0]).toContain(expected);
  else expect(lines[0]).toMatch(expected);
  expect(r.code).toBe(2);
}

/** [what, argv, what the message must say (the file with its position, or the option)]. */
type Case = readonly [string, () => string[], string | RegExp];

const flagCases: readonly Case[] = [
  ['an unknown option', () => ['run', '--bogus'], "unknown option '--bogus'"],
  ['an option without its value', () => ['run', '--trace'], "'--trace <path>' argument missing"],
  ['an unknown command', () => ['no-such-command'], "unknown command 'no-such-command'"],
  ['a seed that is not a number', () => ['run', '--trace', GOOD_TRACE, '--seed', 'abc'], "--seed: 'abc'"],
  ['a negative seed', () => ['run', '--trace', GOOD_TRACE, '--seed', '-1'], "--seed: '-1'"],
  ['a seed beyond 32 bits', () => ['run', '--trace', GOOD_TRACE, '--seed', '1e99'], "--seed: '1e99'"],
  ['a size with an unknown suffix', () => ['run', '--trace', GOOD_TRACE, '--ram', '12Q'], "--ram: '12Q' is not a size"],
  ['a size outside the modelled range', () => ['run', '--trace', GOOD_TRACE, '--ram', '0'], "--ram: '0'"],
  ['a negative size', () => ['layout', '--vmalloc', '-5'], "--vmalloc: '-5'"],
  ['a CPU count of zero', () => ['run', '--trace', GOOD_TRACE, '--cpus', '0'], "--cpus: '0'"],
  ['a huge NR_CPUS', () => ['run', '--trace', GOOD_TRACE, '--nr-cpus', '99999999'], "--nr-cpus: '99999999'"],
  ['an unknown configuration', () => ['run', '--trace', GOOD_TRACE, '--config', 'nope'], "--config: unknown configuration 'nope'"],
  ['an unknown kernel profile', () => ['capacity', '--kernel', 'nope'], "--kernel: unknown kernel profile 'nope'"],
  ['an unknown split', () => ['layout', '--split', '5G'], "--split: '5G'"],
  ['an unknown highmem mode', () => ['run', '--trace', GOOD_TRACE, '--highmem', '8G'], "--highmem: '8G'"],
  ['an unknown model name', () => ['run', '--trace', GOOD_TRACE, '--model', 'nope'], "unknown model 'nope'"],
  ['a --set of a configuration key with a bad value', () => ['run', '--trace', GOOD_TRACE, '--set', 'pae=maybe'], '--set pae=maybe'],
  [
    'an unknown configuration in a list',
    () => ['compare', '--trace', GOOD_TRACE, '--configs', '2g2g,nope'],
    "unknown configuration 'nope'",
  ],
  ['an empty configuration list', () => ['compare', '--trace', GOOD_TRACE, '--configs', ','], '--configs'],
  ['an unknown import format', () => ['import', 'nope', D('binary.bin'), '-o', D('o.hmt')], "unknown format 'nope'"],
  ['an import CPU that is not a number', () => ['import', 'din', D('bad-address.din'), '-o', D('o.hmt'), '--cpu', 'x'], "--cpu: 'x'"],
  ['a bad relocation rule', () => ['import', 'din', D('bad-address.din'), '-o', D('o.hmt'), '--relocate', 'zzz'], "--relocate 'zzz'"],
  ['an unknown workload', () => ['gen', 'nope', '-o', D('g.hmt')], "unknown workload 'nope'"],
  ['a workload parameter that is not a size', () => ['gen', 'stream', '-o', D('g.hmt'), '--param', 'size=abc'], "--param size: 'abc'"],
  ['an unknown workload parameter', () => ['gen', 'stream', '-o', D('g.hmt'), '--param', 'nosuch=1'], "'nosuch'"],
  ['a workload parameter without a value', () => ['gen', 'stream', '-o', D('g.hmt'), '--param', 'size'], "--param 'size'"],
  ['an unknown check output format', () => ['check', '--format', 'x', D('scenario-empty.json')], "--format: 'x'"],
  ['a sweep grid key that is not key=values', () => ['sweep', '--trace', GOOD_TRACE, '--out', D('sw'), '--grid', 'nonsense'], '--grid'],
  ['a sweep with zero jobs', () => ['sweep', '--trace', GOOD_TRACE, '--out', D('sw'), '--jobs', '0'], "--jobs: '0'"],
  [
    'a sweep grid value that is not a size',
    () => ['sweep', '--trace', GOOD_TRACE, '--out', D('sw'), '--grid', 'ram=lots'],
    "--grid ram=lots: --ram: 'lots'",
  ],
  [
    'a merge of a folder that is no sweep',
    () => ['merge', D('a-folder'), '--out', D('merged')],
    `merge: ${D('a-folder')} has no sweep.json`,
  ],
  ['a sweep shard outside its count', () => ['sweep', '--trace', GOOD_TRACE, '--out', D('sw'), '--shard', '3/2'], '--shard'],
];

const fileCases: readonly Case[] = [
  ['a missing trace', () => ['run', '--trace', D('missing.hmt')], D('missing.hmt')],
  ['a folder given as the trace', () => ['run', '--trace', D('a-folder')], `${D('a-folder')}: not a file`],
  ['an empty trace', () => ['run', '--trace', D('empty.hmt')], `${D('empty.hmt')} at byte 0: empty file`],
  ['a text file given as a trace (bad magic)', () => ['trace', 'inspect', D('junk.hmt')], `${D('junk.hmt')} at byte 0: not an HMT trace`],
  ['a truncated trace', () => ['run', '--trace', D('truncated.hmt')], new RegExp(`^hmsim: ${D('truncated.hmt')} at byte \\d+: truncated`)],
  [
    'an unknown major version',
    () => ['trace', 'inspect', D('version9.hmt')],
    new RegExp(`^hmsim: ${D('version9.hmt')} at byte \\d+: .*version`),
  ],
  [
    'a header with an absurd CPU count',
    () => ['run', '--trace', D('huge-cpus.hmt')],
    new RegExp(`^hmsim: ${D('huge-cpus.hmt')} at byte \\d+: .*cpus`),
  ],
  ['a gzip trace whose content is not HMT', () => ['trace', 'inspect', D('junk.hmt.gz')], `${D('junk.hmt.gz')} at byte 0`],
  ['a cut gzip trace', () => ['run', '--trace', D('cut.hmt.gz')], new RegExp(`^hmsim: ${D('cut.hmt.gz')} at byte \\d+: `)],
  [
    'binary junk given to a text importer',
    () => ['import', 'lackey', D('binary.bin'), '-o', D('o.hmt')],
    `${D('binary.bin')}:1: unrecognized lackey line`,
  ],
  ['binary junk given to strace', () => ['import', 'strace', D('binary.bin'), '-o', D('o.hmt')], `${D('binary.bin')}:1: expected`],
  ['binary junk given to ftrace', () => ['import', 'ftrace', D('binary.bin'), '-o', D('o.hmt')], `${D('binary.bin')}:1: expected`],
  ['binary junk given to din', () => ['import', 'din', D('binary.bin'), '-o', D('o.hmt')], `${D('binary.bin')} at byte`],
  ['a line over 1 MiB', () => ['import', 'lackey', D('long-line.lackey'), '-o', D('o.hmt')], `${D('long-line.lackey')}:2: `],
  ['a lackey line without its size', () => ['import', 'lackey', D('no-size.lackey'), '-o', D('o.hmt')], `${D('no-size.lackey')}:2: `],
  [
    'an strace line without its result',
    () => ['import', 'strace', D('no-result.strace'), '-o', D('o.hmt')],
    `${D('no-result.strace')}:1: `,
  ],
  ['an ftrace line without its CPU', () => ['import', 'ftrace', D('no-cpu.ftrace'), '-o', D('o.hmt')], `${D('no-cpu.ftrace')}:1: `],
  ['a din line with a bad address', () => ['import', 'din', D('bad-address.din'), '-o', D('o.hmt')], `${D('bad-address.din')}:2: `],
  [
    'din binary input cut inside a record',
    () => ['import', 'din-binary', D('odd-size.din-binary'), '-o', D('o.hmt')],
    `${D('odd-size.din-binary')} at byte 24`,
  ],
  ['a folder given as import input', () => ['import', 'lackey', D('a-folder'), '-o', D('o.hmt')], `${D('a-folder')}: not a file`],
  ['a missing import input', () => ['import', 'lackey', D('missing.lackey'), '-o', D('o.hmt')], `${D('missing.lackey')}: no such file`],
  ['a folder given as the trace to write', () => ['gen', 'stream', '-o', D('a-folder')], `${D('a-folder')}: is a folder`],
  ['a trace to write under a file', () => ['gen', 'stream', '-o', join(D('not-a-folder'), 'x.hmt')], D('not-a-folder')],
  [
    'an output folder under a file',
    () => ['run', '--trace', GOOD_TRACE, '--quiet', '--out', join(D('not-a-folder'), 'out')],
    D('not-a-folder'),
  ],
  [
    'a file given as the output folder',
    () => ['run', '--trace', GOOD_TRACE, '--quiet', '--out', D('not-a-folder')],
    `--out ${D('not-a-folder')}: exists and is not a folder`,
  ],
  [
    'a file given as the baseline folder',
    () => ['check', '--baseline', D('not-a-folder'), 'scenarios/2g2g-nohighmem-stream.json'],
    `--baseline ${D('not-a-folder')}: not a folder`,
  ],
  [
    'a JUnit file under a file',
    () => ['check', '--junit', join(D('not-a-folder'), 'j.xml'), 'scenarios/2g2g-nohighmem-stream.json'],
    D('not-a-folder'),
  ],
  [
    'a model file that is not JSON',
    () => ['run', '--trace', GOOD_TRACE, '--model', D('syntax.json')],
    `${D('syntax.json')}: invalid JSON at line 1 column 16: expected a property name in double quotes, found end of input`,
  ],
  ['a model file that is binary junk', () => ['models', 'show', D('binary.bin')], D('binary.bin')],
  [
    'a scenario file that is not JSON',
    () => ['check', D('scenario-syntax.json')],
    `${D('scenario-syntax.json')}: invalid JSON at line 1 column`,
  ],
  ['a scenario without its trace', () => ['check', D('scenario-empty.json')], `${D('scenario-empty.json')}: $: missing property 'trace'`],
  ['a missing scenario', () => ['check', D('missing.json')], `${D('missing.json')}: no such scenario`],
  ['a binary scenario', () => ['check', D('binary.bin')], `${D('binary.bin')}: invalid JSON at line 1 column 1`],
];

describe('hmsim answers a bad flag value with one line naming the option (exit 2, no stack trace)', () => {
  it.each(flagCases)('%s', async (_what, argv, expected) => {
    expectOneLineError(await runCaptured(argv()), expected);
  });
});

describe('hmsim answers a bad file with one line naming the file and position (exit 2, no stack trace)', () => {
  it.each(fileCases)('%s', async (_what, argv, expected) => {
    expectOneLineError(await runCaptured(argv()), expected);
  });
});

describe('a cost model with problems', () => {
  it('one problem is one line naming the model file and the JSON path (exit 2, no stack trace)', async () => {
    const r = await runCaptured(['run', '--trace', GOOD_TRACE, '--model', D('wrong-type.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // one line of JSON: the column is that of the "clockGHz" key in JSON.stringify's output
    const col = JSON.stringify({ ...JSON.parse(readFileSync('models/core2.json', 'utf8')), clockGHz: 'fast' }).indexOf('"clockGHz"') + 1;
    expect(r.stderr).toBe(
      `hmsim: model ${D('wrong-type.json')}: ${D('wrong-type.json')}:1:${col}: clockGHz: expected a number, got a string "fast"\n`,
    );
  });
});

describe('the hmsim entry point (child process)', () => {
  it('exits 2 with one line for bad input', () => {
    const r = runCli(['trace', 'inspect', D('junk.hmt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `hmsim: ${D('junk.hmt')} at byte 0: not an HMT trace: bad magic bytes ` +
        `74 68 69 73 20 69 (expected an HMT header frame: c9 LL LL LL LL 48)\n`,
    );
  });

  it('stops quietly when its stdout is closed early (hmsim ... | head)', async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/hmsim.js`, 'layout', '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    // Read nothing and close the pipe at once: every write the command makes finds the reader gone.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
