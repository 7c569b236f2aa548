import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { inspectTrace } from '../../src/trace/inspect.ts';
import { formatInspection } from '../../src/cli/trace.ts';
import { AccessOp, EventKind, KmapApi, type TraceRecord } from '../../src/trace/records.ts';
import { tempDir } from './hmt-helpers.ts';
import { ROOT } from '../helpers/cli.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);

async function inspect(name: string, records: TraceRecord[], cpus = 2) {
  const path = join(tmp.dir, name);
  const w = await openTraceWriter(path, { source: 'test', cpus });
  for (const r of records) w.push(r);
  await w.close();
  return inspectTrace(await openTrace(path));
}

describe('trace inspect', () => {
  it('counts by kind, CPU and pid, and takes the highest user address from accesses, buffers and mappings', async () => {
    const info = await inspect('a.hmt', [
      { kind: EventKind.access, cpu: 0, op: AccessOp.load, pid: 1, addr: 0x1000, len: 4 },
      { kind: EventKind.access, cpu: 1, op: AccessOp.store, pid: 2, addr: 0x1ffe, len: 4 }, // straddles 0x1000/0x2000
      { kind: EventKind.read, cpu: 0, pid: 1, addr: 0x7000_0000, len: 0x1000, arg: 3 },
      { kind: EventKind.mmap, cpu: 1, pid: 2, addr: 0x7fff_0000, len: 0x1_0000 }, // last byte 0x7fffffff
      { kind: EventKind.kmap, cpu: 0, op: KmapApi.pkmap, pid: 1, addr: 0xfffff }, // a pfn, not a user address
      { kind: EventKind.compute, cpu: 0, pid: 1, len: 1000 },
      { kind: EventKind.compute, cpu: 1, pid: 2, len: 500 },
    ]);
    expect(info.records).toBe(7);
    expect(info.byKind).toMatchObject({ access: 2, read: 1, mmap: 1, kmap: 1, compute: 2, write: 0 });
    expect(info.byCpu).toEqual({ '0': 4, '1': 3 });
    expect(info.byPid).toEqual({ '1': 4, '2': 3 });
    expect(info.distinctPages).toBe(3); // (1, 0x1), (2, 0x1), (2, 0x2)
    expect(info.pageReferences).toEqual({ instruction: 0, data: 3 });
    expect(info.straddlingAccesses).toBe(1);
    expect(info.maxUserAddress).toBe(0x7fff_ffff);
    expect(info.fits.map((f) => [f.split, f.fits])).toEqual([
      ['1G', false],
      ['2G_OPT', false],
      ['2G', true],
      ['3G_OPT', true],
      ['3G', true],
      ['4G4G', true],
    ]);
    expect(info.duration).toEqual({ kind: 'cycles', cycles: 1500 });
  });

  it("an address at or above 0xff000000 does not fit 4G/4G: its TASK_SIZE is the layout's, not 4 GiB", async () => {
    // The 4G/4G patch: TASK_SIZE 0xff000000 (src/layout/splits.ts), the top 16 MiB stay the kernel's.
    const below = await inspect('top-a.hmt', [{ kind: EventKind.access, cpu: 0, op: AccessOp.load, pid: 1, addr: 0xfeff_fffc, len: 4 }], 1);
    expect(below.fits.find((f) => f.split === '4G4G')).toEqual({ split: '4G4G', taskSize: 0xff00_0000, fits: true });
    const above = await inspect('top-b.hmt', [{ kind: EventKind.access, cpu: 0, op: AccessOp.load, pid: 1, addr: 0xff00_0000, len: 4 }], 1);
    expect(above.fits.find((f) => f.split === '4G4G')).toEqual({ split: '4G4G', taskSize: 0xff00_0000, fits: false });
  });

  it('reports the timestamp span as the duration when records have timestamps', async () => {
    const info = await inspect('b.hmt', [
      { kind: EventKind.kmap, cpu: 0, addr: 0x40000, time: 5_000 },
      { kind: EventKind.kunmap, cpu: 1, addr: 0x40000, time: 2_005_000 },
    ]);
    expect(info.duration).toEqual({ kind: 'time', ns: 2_000_000 });
    expect(info.maxUserAddress).toBeNull();
    expect(formatInspection(info)).toContain('duration     0.002000 s (timestamp span)\n');
    expect(formatInspection(info)).toContain('max address  - (no user addresses): fits every split\n');
  });

  it('a kernel capture: the box it was captured on, what it observed, and its tlbflush records', async () => {
    const info = inspectTrace(await openTrace(join(ROOT, 'traces/ftrace-dd-2cpu.hmt.gz')));
    const text = formatInspection(await info);
    expect(text).toContain('header       HMT 2.1, source ftrace, 2 CPUs, page size 4096, 32-bit addresses\n');
    expect(text).toContain('captured on  3g1g-pae, kernel debian-6.1-686-pae, RAM end 2,147,483,648 bytes, 2 CPUs\n');
    expect(text).toContain('observed     tlbFlushes (records of their own: the replay does not derive them)\n');
    // traces/README.md "The ftrace sample": its 102 tlb_flush events (24 task switches, 78 local flushes).
    expect(text).toContain('by kind      access 316, switch 64, syscall 517, kmap 17,768, kunmap 17,768, tlbflush 102\n');
  });

  it('an empty trace has zero counts and fits every split', async () => {
    const info = await inspect('c.hmt', [], 1);
    expect(info.records).toBe(0);
    expect(info.chunks).toBe(0);
    expect(info.distinctPages).toBe(0);
    expect(info.fits.every((f) => f.fits)).toBe(true);
  });
});
