/**
 * Every write error is a user error: a full disk (ENOSPC) or a read-only file system (EROFS) under any
 * output gives one line naming the user's path and the cause, exit 2, and no temporary file left behind.
 * The file systems are real: a 64 KiB tmpfs and a read-only tmpfs, mounted in a private mount namespace
 * (`unshare -rm`, which also works without root where user namespaces are allowed). Also: temporary names
 * are unpredictable, and what a killed run left behind is removed by the next write into that folder.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli } from '../helpers/cli.ts';
import { cleanStaleTemporaries, tempPrefix, temporarySibling } from '../../src/io/temp-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-write-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 32) || 'host';

/** True when this machine lets us mount a tmpfs in a private namespace (root, or user namespaces on). */
function canMount(): boolean {
  const probe = join(dir, 'probe');
  mkdirSync(probe, { recursive: true });
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$1"', 'sh', probe], { encoding: 'utf8' });
  return r.status === 0;
}
const MOUNTABLE = canMount();

/**
 * Runs each `hmsim ARGS` inside one private mount namespace where FULL is a 64 KiB tmpfs and RO a
 * read-only tmpfs; returns per command its exit code and stderr, and the listing of FULL and RO after.
 */
function inSmallFileSystems(commands: ReadonlyArray<readonly string[]>): {
  runs: Array<{ code: number; stderr: string }>;
  full: string[];
  ro: string[];
} {
  const full = join(dir, 'full');
  const ro = join(dir, 'ro');
  mkdirSync(full, { recursive: true });
  mkdirSync(ro, { recursive: true });
  const bin = join(ROOT, 'bin', 'hmsim.js');
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const script = [
    'set -u',
    `mount -t tmpfs -o size=64k tmpfs ${q(full)} || exit 99`,
    `mount -t tmpfs -o ro,size=64k tmpfs ${q(ro)} || exit 99`,
    ...commands.map(
      (c, i) => `${q(process.execPath)} ${q(bin)} ${c.map(q).join(' ')} >/dev/null 2>${q(join(dir, `err-${i}`))}; echo "rc $?"`,
    ),
    `echo "full $(ls -A ${q(full)} | tr '\\n' ' ')"`,
    `echo "ro $(ls -A ${q(ro)} | tr '\\n' ' ')"`,
  ].join('\n');
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(r.status).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const codes = lines.filter((l) => l.startsWith('rc ')).map((l) => Number(l.slice(3)));
  const listing = (tag: string): string[] =>
    (lines.find((l) => l.startsWith(`${tag} `)) ?? `${tag} `)
      .slice(tag.length + 1)
      .split(' ')
      .filter((s) => s !== '');
  return {
    runs: codes.map((code, i) => ({ code, stderr: spawnSync('cat', [join(dir, `err-${i}`)], { encoding: 'utf8' }).stdout })),
    full: listing('full'),
    ro: listing('ro'),
  };
}

describe.skipIf(!MOUNTABLE)('a full disk and a read-only file system under every output (real tmpfs mounts)', () => {
  it('one line naming the output path and the cause, exit 2, no temporary left', () => {
    const full = join(dir, 'full');
    const ro = join(dir, 'ro');
    const strace = join(ROOT, 'tests', 'fixtures', 'strace', 'cat.log');
    const {
      runs,
      full: left,
      ro: roLeft,
    } = inSmallFileSystems([
      ['gen', 'fileserver', '-o', join(full, 'x.hmt')],
      ['gen', 'fileserver', '-o', join(ro, 'x.hmt')],
      ['import', 'strace', strace, '-o', join(ro, 's.hmt')],
      ['run', '--trace', 'traces/fileserver-4cpu.hmt', '--out', join(ro, 'rep')],
      ['compare', '--trace', 'traces/fileserver-4cpu.hmt', '--configs', '3g1g-highmem,2g2g', '--out', join(full, 'cmp')],
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]!.stderr).toBe(`hmsim: ${full}/x.hmt: no space left on the device (write ENOSPC)\n`);
    expect(runs[1]!.stderr).toBe(`hmsim: ${ro}/x.hmt: read-only file system (open EROFS)\n`);
    expect(runs[2]!.stderr).toBe(`hmsim: ${ro}/s.hmt: read-only file system (open EROFS)\n`);
    expect(runs[3]!.stderr).toBe(`hmsim: ${ro}/rep: read-only file system (mkdir EROFS)\n`);
    // The output folder the user gave (a failed write(2) carries no file name; an open would name the file in it).
    expect(runs[4]!.stderr).toBe(`hmsim: ${full}/cmp: no space left on the device (write ENOSPC)\n`);
    expect(left).toEqual([]);
    expect(roLeft).toEqual([]);
  });
});

describe('temporary names', () => {
  it('are unpredictable and name their host and process', () => {
    const a = temporarySibling(join(dir, 'out.hmt'));
    const b = temporarySibling(join(dir, 'out.hmt'));
    expect(a).not.toBe(b);
    expect(a.startsWith(join(dir, `.hmsim-tmp-${HOST}-${process.pid}-`))).toBe(true);
    expect(a).toMatch(/-[0-9a-f]{16}-out\.hmt$/);
  });

  it('stale temporaries of a dead process of this host, older than this run, are removed by the next write there', () => {
    const out = join(dir, 'stale');
    mkdirSync(out, { recursive: true });
    // A pid that is not running: the first of a high range with no process.
    let dead = 4_000_000;
    while (spawnSync('kill', ['-0', String(dead)]).status === 0) dead++;
    const hourAgo = new Date(Date.now() - 3_600_000);
    const names = {
      deadOld: `${tempPrefix(dead)}0123456789abcdef-big.hmt`,
      deadOldFolder: `.hmsim-old-${HOST}-${dead}-report`,
      deadNew: `${tempPrefix(dead)}fedcba9876543210-new.hmt`,
      alive: `${tempPrefix(process.pid)}00112233445566aa-mine.hmt`,
      otherHost: `.hmsim-tmp-elsewhere-${dead}-0123456789abcdef-theirs.hmt`,
      unrelated: 'notes.txt',
    };
    for (const [key, name] of Object.entries(names)) {
      const path = join(out, name);
      if (key === 'deadOldFolder') mkdirSync(path);
      else writeFileSync(path, 'x');
      if (key !== 'deadNew') utimesSync(path, hourAgo, hourAgo);
      else utimesSync(path, new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000));
    }
    const r = runCli(['gen', 'fileserver', '--param', 'requests=10', '-o', join(out, 'y.hmt')]);
    expect(r.stderr).toBe('');
    expect(readdirSync(out).sort()).toEqual([names.deadNew, names.alive, names.otherHost, names.unrelated, 'y.hmt'].sort());
    // Once per folder per process: a second call in this process removes nothing more.
    expect(cleanStaleTemporaries(out)).toEqual([]);
  });
});
