import { describe, expect, it } from 'vitest';
import { parseRelocation, Relocator, relocatingSink, formatRelocationReport } from '../../src/trace/relocate.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';

describe('relocation rules', () => {
  it('moves the 32-bit top region under stack=TOP keeping the distance from the top', () => {
    const r = new Relocator(parseRelocation('stack=0x40000000'));
    // busybox-gzip-3k under valgrind: stack at 0xfee7c614 → 0x3ee7c614; text at 0x08048000 unchanged.
    expect(r.map(0xfee7c614, 4)).toBe(0x3ee7c614);
    expect(r.map(0x08048000, 4)).toBe(0x08048000);
    const rep = r.report();
    expect(rep.moved).toBe(1);
    expect(rep.splits.map((s) => s.fits)).toEqual([true, true, true, true, true]);
  });

  it('moves an explicit range to a new base, end exclusive', () => {
    const r = new Relocator(parseRelocation('0xb0000000-0xc0000000=0x30000000'));
    expect(r.map(0xbff97324, 1)).toBe(0x3ff97324);
    expect(r.map(0xc0000000, 1)).toBe(0xc0000000);
  });

  it('compacts 64-bit granules in order of first appearance, keeping a fresh mapping contiguous', () => {
    const r = new Relocator(parseRelocation('auto'));
    expect(r.map(0x7f0000234567, 0)).toBe(0x00434567);
    expect(r.map(0x55aa00000000, 3 * 0x100000)).toBe(0x00500000); // three granules: 0x005–0x007
    expect(r.map(0x55aa00200010, 0)).toBe(0x00700010);
    expect(r.map(0x7f0000234000, 0)).toBe(0x00434000); // same granule, same place
    const again = new Relocator(parseRelocation('auto'));
    expect([0x7f0000234567, 0x55aa00000000].map((a) => again.map(a, 0))).toEqual([0x00434567, 0x00500000]);
  });

  it('reports which regions do not fit which split', () => {
    const r = new Relocator(parseRelocation('none'));
    r.map(0x08048000, 4);
    r.map(0xbff00000, 4);
    const rep = r.report();
    expect(rep.splits.map((s) => [s.split, s.fits])).toEqual([
      ['3G', true],
      ['3G_OPT', false],
      ['2G', false],
      ['2G_OPT', false],
      ['1G', false],
    ]);
    expect(rep.splits[4]!.outside).toEqual([{ start: 0xbff00000, end: 0xc0000000 }]);
    expect(formatRelocationReport(rep)).toContain('  does not fit 2G (TASK_SIZE 0x80000000): 0xbff00000-0xc0000000');
  });

  it('refuses an address above 4 GiB that no rule covers, naming the record', () => {
    const out: TraceRecord[] = [];
    const sink = relocatingSink(
      { push: (x) => void out.push(x), close: async () => undefined },
      new Relocator(parseRelocation('stack=0xc0000000')),
    );
    sink.push({ kind: EventKind.compute, cpu: 0, len: 5 });
    sink.push({ kind: EventKind.access, cpu: 0, addr: 0xfffff000, len: 4 });
    expect(out[1]!.addr).toBe(0xbffff000);
    expect(() => sink.push({ kind: EventKind.mmap, cpu: 0, addr: 2 ** 40, len: 4096 })).toThrow(
      /^record 2 \(mmap\): user address 0x10000000000 length 4096 does not fit 32 bits after --relocate 'stack=0xc0000000'$/,
    );
  });

  it('rejects malformed rules with the accepted syntax', () => {
    expect(() => parseRelocation('heap=0x1000')).toThrow(
      /^--relocate 'heap=0x1000': not a relocation rule \(expected stack=TOP, FROM-TO=BASE, auto\[=BASE\] or none/,
    );
    expect(() => parseRelocation('stack=0x123')).toThrow(/must be page-aligned/);
    expect(() => parseRelocation('0x2000-0x1000=0')).toThrow(/must be above its start/);
  });
});

describe('hmsim import --relocate', () => {
  it('relocates a strace log by default (auto) and prints the per-split fit', () => {
    const r = runCli([
      'import',
      'strace',
      'tests/fixtures/strace/cat.log',
      '-o',
      join(mkdtempSync(join(tmpdir(), 'hmsim-reloc-')), 'cat.hmt'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('relocation: auto');
    expect(r.stdout).toContain('  fits 1G (TASK_SIZE 0x40000000)');
  });
});

describe('relocation through an importer mapper', () => {
  it('maps a whole range with the mapper range method and counts it once', () => {
    const r = new Relocator(parseRelocation('auto'));
    const mapper = r.addressMapper();
    expect(mapper.range(0x7f0000000000, 0x250000)).toBe(0x00400000); // three granules: 0x004–0x006
    expect(mapper(0x7f0000240000)).toBe(0x00640000);
    expect(r.report().moved).toBe(2);
    expect(r.report().regions).toEqual([{ start: 0x00400000, end: 0x00700000 }]);
  });
});

describe('relocateTrace (HMT → HMT)', () => {
  it('moves the stack of a written trace and keeps everything else', async () => {
    const { openTraceWriter } = await import('../../src/trace/hmt/writer.ts');
    const { readAllRecords } = await import('../../src/trace/hmt/reader.ts');
    const { relocateTrace } = await import('../../src/trace/relocate.ts');
    const d = mkdtempSync(join(tmpdir(), 'hmsim-reloc-'));
    const w = await openTraceWriter(join(d, 'in.hmt'), { source: 'lackey', cpus: 1 });
    w.push({ kind: EventKind.access, cpu: 0, pid: 5, op: 1, addr: 0xfee7c614, len: 4 });
    w.push({ kind: EventKind.access, cpu: 0, pid: 5, op: 2, addr: 0x08048000, len: 2 });
    w.push({ kind: EventKind.kmap, cpu: 0, pid: 5, op: 2, addr: 0xfffff });
    await w.close();
    const report = await relocateTrace(join(d, 'in.hmt'), join(d, 'out.hmt'), parseRelocation('stack=0x40000000'));
    expect((await readAllRecords(join(d, 'out.hmt'))).map((r) => r.addr)).toEqual([0x3ee7c614, 0x08048000, 0xfffff]);
    expect(report.splits.every((s) => s.fits)).toBe(true);
  });
});
