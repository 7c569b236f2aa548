/**
 * Issue item 5: a pid or pfn above 2^32 − 1, or a 400-digit offset or timestamp, in strace or ftrace input
 * is a bad line naming FILE:LINE (exit 2), or a skipped line with --skip-bad — not a RangeError (exit 70).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaptured } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-importer-values-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NINES = '9'.repeat(400);
const KMAP = (task: string, ts: string, pfn: string) =>
  `            ${task}       [001] .....     ${ts}: kmap_local: (__kmap_local_pfn_prot+0x0/0x180) pfn=${pfn}\n`;

const cases: ReadonlyArray<[string, string, string, number, string]> = [
  [
    'strace pid above 2^32',
    'strace',
    '99999999999 1795628368.553792 execve("/usr/bin/sh", ["sh"], 0x7ffe93369f70 /* 2 vars */) = 0\n',
    1,
    'pid 99999999999 (expected an integer 0..4294967295: a 32-bit column)',
  ],
  [
    'strace 400-digit offset',
    'strace',
    `10 1795628368.553792 openat(AT_FDCWD, "/x", O_RDONLY) = 3\n10 1795628368.6 pread64(3, "", 4096, ${NINES}) = 4096\n`,
    2,
    'file offset Infinity (expected an integer 0..9007194959773696)',
  ],
  [
    'ftrace pfn above 2^32',
    'ftrace',
    KMAP('init-1', '4.600801', '99999999999'),
    1,
    'addr 99999999999 (expected an integer 0..4294967295: a 32-bit column)',
  ],
  [
    'ftrace pid above 2^32',
    'ftrace',
    KMAP('init-99999999999', '4.600801', '5'),
    1,
    'pid 99999999999 (expected an integer 0..4294967295: a 32-bit column)',
  ],
  [
    'ftrace 400-digit timestamp',
    'ftrace',
    KMAP('init-1', `${NINES}.600801`, '5'),
    1,
    'time Infinity (expected a finite number of nanoseconds ≥ 0)',
  ],
];

describe('importers: numbers a column cannot hold are bad lines', () => {
  it.each(cases)('%s: FILE:LINE, exit 2; skipped with --skip-bad', async (_what, format, text, line, problem) => {
    const input = join(dir, `${format}-${line}-${problem.length}.txt`);
    writeFileSync(input, text);
    const out = join(dir, 'out.hmt');
    const r = await runCaptured(['import', format, input, '-o', out, '--cpus', '2']);
    expect(r.stderr).toBe(`hmsim: ${input}:${line}: the line gives a record with ${problem}\n`);
    expect(r.code).toBe(2);
    const skipped = await runCaptured(['import', format, input, '-o', out, '--cpus', '2', '--skip-bad']);
    expect(skipped.stderr).toContain(`skipped 1 bad line; first: ${input}:${line}: the line gives a record with ${problem}`);
    expect(skipped.code).toBe(0);
  });
});

describe('strace timestamps that jump', () => {
  // Fuzz case 70538: one timestamp 70 million seconds early, skipped with --skip-bad, left its time as the
  // process's last call end; the next line's gap became 16 million compute records and 2 GiB.
  it('a line before the first timestamp is a bad line that leaves no state; a gap over an hour is a bad line', async () => {
    const input = join(dir, 'jump.log');
    writeFileSync(input, '10 1795628368.536410 getpid() = 10\n10 1725628368.536410 getpid() = 10\n10 1795628368.540157 getpid() = 10\n');
    const out = join(dir, 'jump.hmt');
    const r = await runCaptured(['import', 'strace', input, '-o', out, '--cpus', '1', '--skip-bad']);
    expect(r.stderr).toBe(
      `hmsim: import: skipped 1 bad line; first: ${input}:2: expected a timestamp ` +
        `not before the log's first, got '10 1725628368.536410 getpid() = 10'\n`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^.*jump\.hmt: 4 records from 3 lines/);
    const late = join(dir, 'late.log');
    writeFileSync(late, '10 1795628368.536410 getpid() = 10\n10 1795632000.000000 getpid() = 10\n');
    const l = await runCaptured(['import', 'strace', late, '-o', out, '--cpus', '1']);
    expect(l.stderr).toBe(
      `hmsim: ${late}:2: expected a timestamp at most an hour after pid 10's previous ` +
        `call (this one is 3631 s later), got '10 1795632000.000000 getpid() = 10'\n`,
    );
    expect(l.code).toBe(2);
  });
});
