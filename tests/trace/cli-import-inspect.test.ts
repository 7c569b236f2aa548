import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { inspectTrace } from '../../src/trace/inspect.ts';
import { formatInspection } from '../../src/cli/trace.ts';
import { runImport } from '../../src/cli/import.ts';
import { InputError, UsageError } from '../../src/errors.ts';
import { tempDir } from './hmt-helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);

const LACKEY = ['==77== Lackey', 'I  08049b00,2', ' L bffff000,4', ' S 7ffff000,8', ' M 0804a000,4', 'I  08049ffe,4', ''].join('\n');

describe('hmsim import and hmsim trace inspect', () => {
  it('imports gzip lackey from stdin and inspect --json prints one object with the counts', () => {
    const out = join(tmp.dir, 'a.hmt');
    const imp = runCli(['import', 'lackey', '-', '-o', out], { input: gzipSync(Buffer.from(LACKEY)) });
    expect(imp.stderr).toBe('');
    expect(imp.code).toBe(0);
    expect(imp.stdout).toBe(`${out}: 5 records from 6 lines of stdin (lackey)\n`);
    const r = runCli(['trace', 'inspect', out, '--json']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(info['records']).toBe(5);
    expect(info['byKind']).toMatchObject({ access: 5, compute: 0, kmap: 0 });
    expect(info['byPid']).toEqual({ '77': 5 });
    // Pages: 0x08049 (twice), 0x0804a (from the straddling fetch 0x08049ffe+4, and the modify), 0xbffff, 0x7ffff.
    expect(info['distinctPages']).toBe(4);
    expect(info['pageReferences']).toEqual({ instruction: 3, data: 3 });
    expect(info['maxUserAddress']).toBe(0xbffff003);
    expect(info['fits']).toEqual([
      { split: '1G', taskSize: 0x40000000, fits: false },
      { split: '2G_OPT', taskSize: 0x78000000, fits: false },
      { split: '2G', taskSize: 0x80000000, fits: false },
      { split: '3G_OPT', taskSize: 0xb0000000, fits: false },
      { split: '3G', taskSize: 0xc0000000, fits: true },
      { split: '4G4G', taskSize: 0xff000000, fits: true }, // the 4G/4G patch's TASK_SIZE (src/layout/splits.ts)
    ]);
  });

  it('imports din into a gzip trace that inspect summarizes as text', async () => {
    const out = join(tmp.dir, 'b.hmt.gz');
    writeFileSync(join(tmp.dir, 'b.din'), 'r 1000 4\nw 2000 4\n');
    expect(runCli(['import', 'din', join(tmp.dir, 'b.din'), '-o', out, '--pid', '5']).code).toBe(0);
    const text = formatInspection(await inspectTrace(await openTrace(out)));
    expect(text).toContain(`trace        ${out} (gzip)\n`);
    expect(text).toContain('records      2 in 1 chunk\n');
    expect(text).toContain('by kind      access 2\n');
    expect(text).toContain('by pid       5: 2\n');
    expect(text).toContain('max address  0x00002003\n');
    expect(text).toContain('fits         1G yes, 2G_OPT yes, 2G yes, 3G_OPT yes, 3G yes, 4G4G yes\n');
  });

  it('--skip-bad imports the good lines and reports the bad ones on stderr; without it nothing is written', async () => {
    const input = join(tmp.dir, 'c.lackey');
    writeFileSync(input, 'I  1000,4\nnot lackey\nI  2000,4\n');
    const out = join(tmp.dir, 'c.hmt');
    await expect(runImport('lackey', input, { out })).rejects.toThrow(
      new InputError(
        `${input}:2: unrecognized lackey line "not lackey" (expected 'I  ` +
          `ADDR,SIZE', ' L ADDR,SIZE', ' S ADDR,SIZE', ' M ADDR,SIZE' or '==PID== ...')`,
      ),
    );
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('.hmsim-tmp'))).toEqual([]);
    const skip = runCli(['import', 'lackey', input, '-o', out, '--skip-bad']);
    expect(skip.code).toBe(0);
    expect(skip.stdout).toBe(`${out}: 2 records from 3 lines of ${input} (lackey)\n`);
    expect(skip.stderr).toBe(
      `hmsim: import: skipped 1 bad line; first: ${input}:2: unrecognized lackey line "not lackey" ` +
        `(expected 'I  ADDR,SIZE', ' L ADDR,SIZE', ' S ADDR,SIZE', ' M ADDR,SIZE' or '==PID== ...')\n`,
    );
  });

  it('bad format, missing input and a non-trace file are one-line errors (exit code 2 from the CLI)', async () => {
    await expect(runImport('pin', '-', { out: join(tmp.dir, 'd.hmt') })).rejects.toThrow(
      /^import: unknown format 'pin' \(expected one of: lackey, din, din-binary.*\)$/,
    );
    await expect(runImport('din', join(tmp.dir, 'nope'), { out: join(tmp.dir, 'd.hmt') })).rejects.toThrow(
      new InputError(`${join(tmp.dir, 'nope')}: no such file (expected an input trace, or - for stdin)`),
    );
    await expect(runImport('din', '-', { out: join(tmp.dir, 'd.hmt'), cpu: '2', cpus: '2' })).rejects.toThrow(
      new UsageError('--cpu 2: not below --cpus 2 (expected a CPU 0..1)'),
    );
    writeFileSync(join(tmp.dir, 'e.hmt'), 'hello');
    const notTrace = runCli(['trace', 'inspect', join(tmp.dir, 'e.hmt')]);
    expect(notTrace.code).toBe(2);
    expect(notTrace.stderr).toBe(
      `hmsim: ${join(tmp.dir, 'e.hmt')} at byte 0: not an HMT trace: bad magic ` +
        `bytes 68 65 6c 6c 6f (expected an HMT header frame: c9 LL LL LL LL 48)\n`,
    );
  });
});
