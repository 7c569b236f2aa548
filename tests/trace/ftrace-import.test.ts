import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/import.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { ftraceImporter } from '../../src/trace/importers/ftrace.ts';
import { ftraceLineConverter } from '../../src/trace/importers/ftrace.ts';
import {
  AccessFlags,
  AccessOp,
  EventKind,
  KmapApi,
  KmapPurpose,
  TLB_FLUSH_ALL,
  TlbFlushFlags,
  TlbFlushReason,
  type TraceRecord,
} from '../../src/trace/records.ts';
import { importToMemory, byKind } from './strace-helpers.ts';

const CAPTURE = 'tests/fixtures/validation/ftrace/debian-6.1-pae-2G-smp2-dd.trace.gz';
/** The capture imported once for the tests that only read the result. */
let imported: ReturnType<typeof importToMemory> | undefined;
const importCapture = (): ReturnType<typeof importToMemory> =>
  (imported ??= importToMemory(ftraceImporter, { file: CAPTURE }, { cpus: 2 }));

describe('ftrace importer on the real 2-CPU capture (tests/fixtures/validation/ftrace)', () => {
  it('emits exactly the records the events imply', async () => {
    const { records, stats } = await importCapture();
    // zcat … | wc -l → 36,473 lines (12 header lines + 36,461 events).
    expect(stats).toMatchObject({ lines: 36473, records: 36433 + 102, badLines: 0 });
    // grep -c ' kmap_local:' → 17,694; kunmap_local with addr=0xc… → 74 (each becomes kmap + kunmap);
    // grep -c ' sched_switch:' → 64; ' page_fault_user:' → 316; 'sys_write(' → 517; tlb_flush → 102 (24 task
    // switches that loaded another mm, 78 local mm flushes).
    expect(byKind(records)).toEqual({ kmap: 17694 + 74, kunmap: 17694 + 74, switch: 64, access: 316, syscall: 517, tlbflush: 102 });
  });

  it('maps highmem and lowmem pages alike with api local, pairing fixmap unmaps with their kmap', async () => {
    const { records } = await importCapture();
    const maps = records.filter((r) => r.kind === EventKind.kmap);
    expect(maps.every((r) => r.op === KmapApi.local)).toBe(true);
    // grep -o 'pfn=[0-9]*' | sort -u | wc -l → 8,281 highmem pfns; 40 distinct direct-map pages (0xc… addresses).
    const highPfns = new Set(maps.filter((r) => r.addr! >= 0x38000).map((r) => r.addr));
    const lowPfns = new Set(maps.filter((r) => r.addr! < 0x38000).map((r) => r.addr));
    expect(highPfns.size).toBe(8281);
    // kmaps of pages that were highmem in the captured kernel: one per kmap_local event (grep -c ' kmap_local:').
    expect(maps.filter((r) => r.addr! >= 0x38000)).toHaveLength(17694);
    expect(lowPfns.size).toBe(40);
    // First direct-map unmap: addr=0xc1a68000 → pfn 0x1a68, as an adjacent kmap/kunmap pair.
    const i = records.findIndex((r) => r.kind === EventKind.kmap && r.addr === 0x1a68);
    expect(records[i + 1]).toMatchObject({ kind: EventKind.kunmap, addr: 0x1a68, cpu: 1, pid: 1, time: 4600582000 });
    // Every kunmap closes the innermost open kmap of its (CPU, pid): a per-task stack replays cleanly.
    const stacks = new Map<string, number[]>();
    for (const r of records) {
      const key = `${r.cpu}:${r.pid}`;
      const s = stacks.get(key) ?? [];
      stacks.set(key, s);
      if (r.kind === EventKind.kmap) s.push(r.addr!);
      if (r.kind === EventKind.kunmap) expect(s.pop()).toBe(r.addr);
    }
    expect([...stacks.values()].every((s) => s.length === 0)).toBe(true);
  });

  it('counts switches per CPU and derives fault ops from the error code', async () => {
    const { records } = await importCapture();
    const sw = records.filter((r) => r.kind === EventKind.switch);
    // grep ' sched_switch:' | grep -c '\[000\]' → 31; '\[001\]' → 33.
    expect(sw.filter((r) => r.cpu === 0)).toHaveLength(31);
    expect(sw.filter((r) => r.cpu === 1)).toHaveLength(33);
    // error_code with the write bit (grep -c 'error_code=0x[0-9a-f]*[2367abef]$') → 117 stores.
    expect(records.filter((r) => r.kind === EventKind.access && r.op === AccessOp.store)).toHaveLength(117);
  });

  it('turns tlb_flush into tlbflush records and keeps flush_zero_pkmaps as a count', () => {
    const out: TraceRecord[] = [];
    const c = ftraceLineConverter(2, (r) => out.push(r));
    c.line('  init-1 [001] d..1.  4.601238: tlb_flush: pages:-1 reason:local mm shootdown (3)');
    // A task switch's flush fires before the task column changes: it is the switched-to task's (sh-93).
    c.line('  dd-91  [000] d..2.  4.601690: sched_switch: prev_comm=dd prev_pid=91 prev_state=S ==> next_comm=sh next_pid=93');
    c.line('  dd-91  [000] d..2.  4.601693: tlb_flush: pages:-1 reason:flush on task switch (0)');
    c.line('  dd-91  [000] ....   4.7: flush_zero_pkmaps: (flush_all_zero_pkmaps+0x0/0x80)');
    c.line('  dd-91  [000] ....   4.8: kmap_high: (kmap_high+0x0/0x100) page=0xf7a1c020');
    c.line('  dd-91  [000] ....   4.9: kunmap_high: (kunmap_high+0x0/0x100) page=0xf7a1c020');
    // A range from the kit's tlb_range kprobe: this CPU's own flush and its IPIs use it, another CPU's
    // shootdown takes the latest range of another CPU.
    c.line('  sh-93  [000] ...1.  5.0: tlb_range: (flush_tlb_mm_range+0x0/0x170) start=0xb7f00000 end=0xb7f03000');
    c.line('  sh-93  [000] d..1.  5.1: tlb_flush: pages:3 reason:remote ipi send (4)');
    c.line('  sh-94  [001] d.h1.  5.2: tlb_flush: pages:3 reason:remote shootdown (1)');
    c.line('  sh-93  [000] d..1.  5.3: tlb_flush: pages:3 reason:local mm shootdown (3)');
    // Used up by the local flush: a later flush without a range has no address.
    c.line('  sh-93  [000] d..1.  5.4: tlb_flush: pages:3 reason:local mm shootdown (3)');
    // No range, but one page in a copy-on-write fault window: the fault's page.
    c.line('  sh-93  [000] d....  5.5: page_fault_user: address=0xbff97324 ip=0x809c129 error_code=0x7');
    c.line('  sh-93  [000] d..1.  5.6: tlb_flush: pages:1 reason:local mm shootdown (3)');
    c.line('  sh-93  [000] d..1.  5.7: tlb_flush: pages:0 reason:local mm shootdown (3)');
    expect(c.converter.counts.tlbFlushByReason).toEqual({ '0': 1, '1': 1, '3': 5, '4': 1 });
    expect(c.converter.counts.tlbRanges).toBe(1);
    expect(c.converter.counts.tlbFlushAddressed).toBe(4);
    expect(c.converter.counts.flushZeroPkmaps).toBe(1);
    const flushes = out.filter((r) => r.kind === EventKind.tlbflush).map((r) => [r.cpu, r.op, r.len, r.addr ?? 0, r.arg ?? 0]);
    expect(out.find((r) => r.kind === EventKind.tlbflush && r.op === TlbFlushReason.taskSwitch)?.pid).toBe(93);
    expect(flushes).toEqual([
      [1, TlbFlushReason.localMmShootdown, TLB_FLUSH_ALL, 0, 0],
      [0, TlbFlushReason.taskSwitch, TLB_FLUSH_ALL, 0, 0],
      [0, TlbFlushReason.remoteSendIpi, 3, 0xb7f00000, TlbFlushFlags.addressKnown],
      [1, TlbFlushReason.remoteShootdown, 3, 0xb7f00000, TlbFlushFlags.addressKnown],
      [0, TlbFlushReason.localMmShootdown, 3, 0xb7f00000, TlbFlushFlags.addressKnown],
      [0, TlbFlushReason.localMmShootdown, 3, 0, 0],
      [0, TlbFlushReason.localMmShootdown, 1, 0xbff97000, TlbFlushFlags.addressKnown],
      [0, TlbFlushReason.localMmShootdown, 0, 0, 0],
    ]);
    expect(out.filter((r) => r.kind === EventKind.kmap || r.kind === EventKind.kunmap).map((r) => [r.kind, r.op, r.addr])).toEqual([
      [EventKind.kmap, KmapApi.pkmap, 0xc0000],
      [EventKind.kunmap, KmapApi.pkmap, 0xc0000],
    ]);
    expect(() => c.line('  sh-93  [000] d..1.  5.8: tlb_flush: pages:x reason:local mm shootdown (3)')).toThrow(
      "a tlb_flush with pages:N (N ≥ -1) and reason:... (0..4), found 'pages:x reason:local mm shootdown (3)'",
    );
  });
});

describe('ftrace importer: malformed input', () => {
  it('names file:line and what was expected', async () => {
    const text = '# tracer: nop\n  dd-91 [000] ....  4.5: sched_switch: prev_pid=91 next_pid=7\nnot a trace line\n';
    await expect(importToMemory(ftraceImporter, { text, name: 'cap.txt' })).rejects.toThrow(
      /^cap\.txt:3: expected 'TASK-PID \[CPU\] FLAGS SECONDS\.MICROS: EVENT: fields' \(ftrace text\), got 'not a trace line'$/,
    );
  });

  it('rejects a CPU beyond --cpus and counts it with skipBad', async () => {
    const text =
      '  dd-91 [003] ....  4.5: sched_switch: prev_pid=91 next_pid=7\n  dd-91 [000] ....  4.6: sched_switch: prev_pid=91 next_pid=8\n';
    await expect(importToMemory(ftraceImporter, { text, name: 'c.txt' }, { cpus: 2 })).rejects.toThrow(
      /^c\.txt:1: expected a CPU number below 2/,
    );
    const { records, stats } = await importToMemory(ftraceImporter, { text, name: 'c.txt' }, { cpus: 2, skipBad: true });
    expect(stats.badLines).toBe(1);
    expect(records).toEqual([{ kind: EventKind.switch, cpu: 0, pid: 8, time: 4600000000 }]);
  });
});

describe('ftrace importer: trace-cmd report text', () => {
  it('reads sched_switch as trace-cmd prints it and lines without the flags column', () => {
    const out: TraceRecord[] = [];
    const c = ftraceLineConverter(2, (r) => out.push(r));
    c.line('cpus=2');
    c.line('              dd-91    [000]     4.601693: sched_switch:         dd:91 [120] R ==> kworker/0:0:7 [120]');
    c.line('              dd-91    [001]     4.601700: kmap_local:           (__kmap_local_pfn_prot+0x0/0x180) pfn=522607');
    c.line('              dd-91    [001]     4.601710: kunmap_local:         (kunmap_local_indexed+0x0/0x110) addr=0xfffab000');
    expect(out).toEqual([
      { kind: EventKind.switch, cpu: 0, pid: 7, time: 4601693000 },
      { kind: EventKind.kmap, op: KmapApi.local, addr: 522607, arg: KmapPurpose.pageCache, cpu: 1, pid: 91, time: 4601700000 },
      { kind: EventKind.kunmap, op: KmapApi.local, addr: 522607, arg: KmapPurpose.pageCache, cpu: 1, pid: 91, time: 4601710000 },
    ]);
  });
});

describe('ftrace importer: CPU count', () => {
  it('says which --cpus the capture needs, from its #P:N header', async () => {
    await expect(importToMemory(ftraceImporter, { file: CAPTURE })).rejects.toThrow(
      new RegExp(
        String.raw`debian-6\.1-pae-2G-smp2-dd\.trace\.gz:3: expected at most 1 CPU \(the trace's CPU count\): ` +
          "this capture has 2, use --cpus 2, got '# entries-in-buffer",
      ),
    );
  });
});

describe('ftrace importer: what was observed', () => {
  it("flags faults and gives each map the purpose its pattern shows, holding a CPU's records until its maps are undone", () => {
    const out: TraceRecord[] = [];
    const c = ftraceLineConverter(2, (r) => out.push(r));
    // A copy-on-write fault as the capture shows one (lines 53-63 of the real capture, abridged).
    c.line('  init-1 [001] d....  4.601549: page_fault_user: address=0xbff97324 ip=0x809c129 error_code=0x7');
    c.line('  init-1 [001] ...1.  4.601608: kmap_local: (__kmap_local_pfn_prot+0x0/0x180) pfn=522632');
    expect(out.map((r) => r.kind)).toEqual([EventKind.access]); // the map waits for its unmap
    c.line('  init-1 [001] ...11  4.601618: kunmap_local: (kunmap_local_indexed+0x0/0x110) addr=0xfffabcb8');
    c.line('  init-1 [001] .....  4.601629: kmap_local: (__kmap_local_pfn_prot+0x0/0x180) pfn=523315');
    c.line('  init-1 [001] ....1  4.601634: kunmap_local: (kunmap_local_indexed+0x0/0x110) addr=0xfffab000');
    c.line('  init-1 [001] .....  4.601641: kmap_local: (__kmap_local_pfn_prot+0x0/0x180) pfn=523312');
    c.line('  init-1 [001] ....1  4.601643: kmap_local: (__kmap_local_pfn_prot+0x0/0x180) pfn=523315');
    c.line('  init-1 [001] ....2  4.601650: kunmap_local: (kunmap_local_indexed+0x0/0x110) addr=0xfffaa000');
    c.line('  init-1 [001] ....1  4.601655: kunmap_local: (kunmap_local_indexed+0x0/0x110) addr=0xfffab000');
    // A write syscall ends the fault window: its copy is a page-cache copy.
    c.line('  init-1 [001] ...1.  4.7: sys_write(fd: 1, buf: 8758d70, count: 1)');
    c.line('  init-1 [001] ...1.  4.8: kmap_local: (__kmap_local_pfn_prot+0x0/0x180) pfn=600000');
    c.line('  init-1 [001] ...11  4.9: kunmap_local: (kunmap_local_indexed+0x0/0x110) addr=0xfffab000');
    expect(out[0]).toMatchObject({ kind: EventKind.access, op: AccessOp.store, arg: AccessFlags.observedFault });
    const maps = out.filter((r) => r.kind === EventKind.kmap).map((r) => [r.addr, r.arg]);
    expect(maps).toEqual([
      [522632, KmapPurpose.pageTable],
      [523315, KmapPurpose.clear],
      [523312, KmapPurpose.cowCopy],
      [523315, KmapPurpose.cowCopy],
      [600000, KmapPurpose.pageCache],
    ]);
    // Each unmap carries its map's purpose; the records stay in the capture's order.
    expect(out.filter((r) => r.kind === EventKind.kunmap).map((r) => r.arg)).toEqual([1, 2, 3, 3, 4]);
    expect(out.map((r) => r.time)).toEqual([...out.map((r) => r.time!)].sort((a, b) => a - b));
    expect(c.converter.counts.byPurpose).toEqual({ other: 0, pageTable: 1, clear: 1, cowCopy: 2, pageCache: 1 });
  });
});

describe('ftrace import: the captured box in the header (HMT 1.1)', () => {
  it("takes the CPU count from #P:N and the box from the capture kit's lines, options overriding them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmsim-ftrace-hdr-'));
    try {
      const input = join(dir, 'cap.txt');
      writeFileSync(
        input,
        '# hmsim-capture: release=6.1.0-50-686-pae ram=2147352576 cpus=2 ' +
          'pti=1\n# tracer: nop\n# entries-in-buffer/entries-written: 2/2   #P:2\n' +
          '  dd-91 [001] ....  4.5: sched_switch: prev_pid=91 next_pid=7\n  dd-91 [000] ....  4.6: sched_switch: prev_pid=91 next_pid=8\n',
      );
      const out = join(dir, 'cap.hmt');
      await runImport('ftrace', input, { out });
      const t = await openTrace(out);
      // 2.1: a capture's TLB flushes are records (the 2.0 and 1.1 additions included).
      expect(t.header).toMatchObject({ version: '2.1', observed: ['tlbFlushes'] });
      expect(t.header.cpus).toBe(2);
      // ram= is the end of RAM the box's kernel saw (a QEMU -m 2G box: max_pfn 0x7ffe0); the installed RAM is 2 GiB.
      expect(t.header.capture).toEqual({
        config: '3g1g-pae-pti',
        kernel: 'debian-6.1-686-pae',
        ram: 2 ** 31,
        cpus: 2,
        release: '6.1.0-50-686-pae',
      });
      await runImport('ftrace', input, { out, captureConfig: '2g2g', captureRam: '1G' });
      expect((await openTrace(out)).header.capture).toMatchObject({ config: '2g2g', kernel: 'debian-6.1-686-pae', ram: 2 ** 30 });
      // An end of RAM that no installed size has (4 GiB exactly: 3.5 GiB and more are split around the PCI hole).
      writeFileSync(input, readFileSync(input, 'utf8').replace('ram=2147352576', 'ram=4294967296'));
      await expect(runImport('ftrace', input, { out })).rejects.toThrow(
        /^# hmsim-capture: ram=4294967296: no installed RAM size ends there .*give the installed RAM with --capture-ram$/,
      );
      // Without anything naming the box: no capture map.
      writeFileSync(input, '# tracer: nop\n  dd-91 [000] ....  4.5: sched_switch: prev_pid=91 next_pid=7\n');
      await runImport('ftrace', input, { out });
      expect((await openTrace(out)).header).toMatchObject({ version: '2.1', cpus: 1 });
      expect((await openTrace(out)).header.capture).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
