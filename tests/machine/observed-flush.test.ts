/**
 * User TLB flushes a kernel capture observed (tlbflush records, HMT 2.1), replayed as they were made:
 * observe or derive, never both. The real captures' flushes are counted exactly in ftrace-capture.test.ts;
 * here each kind of record on a small trace, against the same trace with one thing changed.
 */
import { describe, expect, it } from 'vitest';
import {
  AccessFlags,
  AccessOp,
  EventKind,
  OBSERVED_TLB_FLUSHES,
  ProtBits,
  TLB_FLUSH_ALL,
  TlbFlushFlags,
  TlbFlushReason,
  type TraceRecord,
} from '../../src/trace/records.ts';
import { ROOT } from '../helpers/cli.ts';
import { runMain } from '../run/in-process.ts';
import { runRecords } from './helpers.ts';

/** models/core2.json: invlpg 232, cr3Write 108, ipiReceive 392, ipi 540 + 100·n cycles (constants). */
const CORE2 = { invlpg: 232, cr3Write: 108, ipiReceive: 392, ipi: (n: number): number => 540 + 100 * n };
const CONFIG = { config: '3g1g-pae', kernel: 'debian-6.1-686-pae', ram: '2G', cpus: 2 } as const;
const OBSERVED = { header: { version: '2.1', observed: [OBSERVED_TLB_FLUSHES] }, cpus: 2 } as const;
const PAGE = 0x08048000;
const load = (addr = PAGE): TraceRecord => ({ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.load, addr, len: 4 });
const flush = (reason: number, len: number, arg = 0, addr = 0, cpu = 0): TraceRecord => ({
  kind: EventKind.tlbflush,
  cpu,
  pid: 1,
  op: reason,
  addr,
  len,
  arg,
});

describe('observed user TLB flushes (tlbflush records)', () => {
  it('known pages: one INVLPG each, their entries dropped; unknown pages: the INVLPGs charged, no entry dropped', async () => {
    const known = [load(), load(), flush(TlbFlushReason.localMmShootdown, 2, TlbFlushFlags.addressKnown, PAGE), load()];
    const unknown = [load(), load(), flush(TlbFlushReason.localMmShootdown, 2), load()];
    const none = [load(), load(), load()];
    const k = (await runRecords(known, CONFIG, OBSERVED)).result;
    const u = (await runRecords(unknown, CONFIG, OBSERVED)).result;
    const n = (await runRecords(none, CONFIG, OBSERVED)).result;
    expect(k.counts.tlbFlushes).toEqual({ switches: 0, full: 0, pages: 2, received: 0, sent: 0 });
    expect(u.counts.tlbFlushes).toEqual({ switches: 0, full: 0, pages: 2, received: 0, sent: 0 });
    expect(k.counts.records['tlbflush']).toBe(1);
    // Two INVLPGs more than the trace without the flush, charged to invlpg at costs.invlpg (core2: 0 args).
    expect(k.counts.invlpg - n.counts.invlpg).toBe(2);
    expect(u.counts.invlpg - n.counts.invlpg).toBe(2);
    expect(k.cycles.breakdown.invlpg - n.cycles.breakdown.invlpg).toBe(2 * CORE2.invlpg);
    expect(u.cycles.breakdown.invlpg - n.cycles.breakdown.invlpg).toBe(2 * CORE2.invlpg);
    // The known page's entry went: the last load misses the data TLB; the unknown flush kept it.
    expect(k.counts.dtlbMisses - u.counts.dtlbMisses).toBe(1);
    expect(u.counts.dtlbMisses).toBe(n.counts.dtlbMisses);
  });

  it('a full flush (TLB_FLUSH_ALL) is one CR3 reload; a flush of no pages costs nothing', async () => {
    const full = [load(), flush(TlbFlushReason.localMmShootdown, TLB_FLUSH_ALL), load()];
    const zero = [load(), flush(TlbFlushReason.localMmShootdown, 0), load()];
    const none = [load(), load()];
    const f = (await runRecords(full, CONFIG, OBSERVED)).result;
    const z = (await runRecords(zero, CONFIG, OBSERVED)).result;
    const n = (await runRecords(none, CONFIG, OBSERVED)).result;
    expect(f.counts.tlbFlushes).toEqual({ switches: 0, full: 1, pages: 0, received: 0, sent: 0 });
    expect(f.counts.cr3Writes - n.counts.cr3Writes).toBe(1);
    expect(f.counts.dtlbMisses - n.counts.dtlbMisses).toBe(1);
    expect(f.cycles.breakdown.localFlush - n.cycles.breakdown.localFlush).toBe(CORE2.cr3Write);
    expect(z.counts.tlbFlushes).toEqual({ switches: 0, full: 0, pages: 0, received: 0, sent: 0 });
    expect(z.cycles.total).toBe(n.cycles.total);
  });

  it('a shootdown received pays the interrupt besides its flush; one sent pays the IPI round', async () => {
    const recv = [load(), flush(TlbFlushReason.remoteShootdown, 0)];
    const sent = [load(), flush(TlbFlushReason.remoteSendIpi, TLB_FLUSH_ALL)];
    const none = [load()];
    const r = (await runRecords(recv, CONFIG, OBSERVED)).result;
    const s = (await runRecords(sent, CONFIG, OBSERVED)).result;
    const n = (await runRecords(none, CONFIG, OBSERVED)).result;
    expect(r.counts.tlbFlushes).toEqual({ switches: 0, full: 0, pages: 0, received: 1, sent: 0 });
    // No PTI: the interrupt's entry and exit write no CR3, so it is costs.ipiReceive alone.
    expect(r.cycles.breakdown.shootdown).toBe(CORE2.ipiReceive);
    expect(n.cycles.breakdown.shootdown).toBe(0);
    expect(s.counts.tlbFlushes).toEqual({ switches: 0, full: 0, pages: 0, received: 0, sent: 1 });
    // Sending flushes nothing here (the initiator's own flush is a record of its own, reason 3): one IPI.
    expect(s.counts.ipis).toBe(1);
    expect(s.counts.cr3Writes).toBe(n.counts.cr3Writes);
    // costs.ipi is linear in the targets; the replay sees no other CPU running the mm, so one (the kernel sent).
    expect(s.cycles.breakdown.shootdown).toBe(CORE2.ipi(1));
  });

  it('task switches: the capture says when switch_mm wrote CR3; a switch to a kernel thread and back writes none', async () => {
    const to = (pid: number): TraceRecord => ({ kind: EventKind.switch, cpu: 0, pid });
    // pid 1 runs, the CPU switches to a kernel thread (pid 15) and back: the kernel loads no mm (lazy TLB).
    const lazy = [load(), to(15), to(1), load()];
    // pid 1 runs, then pid 2: switch_mm writes CR3 (a reason-0 tlb_flush, recorded with the new task's pid).
    const loaded = [load(), to(2), { ...flush(TlbFlushReason.taskSwitch, TLB_FLUSH_ALL), pid: 2 }, to(1), load()];
    const l = (await runRecords(lazy, CONFIG, OBSERVED)).result;
    const d = (await runRecords(lazy, CONFIG, { cpus: 2 })).result; // the same records, derived (HMT 1.x/2.0)
    const s = (await runRecords(loaded, CONFIG, OBSERVED)).result;
    expect(l.counts.contextSwitches).toBe(2);
    expect(l.counts.cr3Writes).toBe(0);
    expect(d.counts.cr3Writes).toBe(2);
    // The entry survived the kernel thread: the second load hits; derived, the two CR3 writes dropped it.
    expect(d.counts.dtlbMisses - l.counts.dtlbMisses).toBe(1);
    expect(s.counts.tlbFlushes).toEqual({ switches: 1, full: 0, pages: 0, received: 0, sent: 0 });
    expect(s.counts.cr3Writes).toBe(1);
    expect(s.cycles.breakdown.contextSwitch - l.cycles.breakdown.contextSwitch).toBe(CORE2.cr3Write);
    // An idle CPU (pid 0) that a shootdown moves to init_mm: the record carries pid 0, which is no process.
    const idle = [load(), to(0), { ...flush(TlbFlushReason.taskSwitch, TLB_FLUSH_ALL), pid: 0 }, to(1), load()];
    const i = (await runRecords(idle, CONFIG, OBSERVED)).result;
    expect(i.counts.cr3Writes).toBe(1);
    expect(i.memory.slab['task_struct']!.peakObjects).toBe(1); // pid 1's alone
    // The CR3 write dropped the entry: the load after it misses once more than across the kernel thread.
    expect(i.counts.dtlbMisses - l.counts.dtlbMisses).toBe(1);
  });

  it('an observed copy-on-write fault derives no flush when the trace observes flushes (its ptep_clear_flush is a record)', async () => {
    const file = 0x10000000;
    const cow: TraceRecord[] = [
      { kind: EventKind.mmap, cpu: 0, pid: 1, op: ProtBits.read | ProtBits.write, addr: file, len: 4096, arg: 3 },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.load, addr: file, len: 1, arg: AccessFlags.observedFault },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: file, len: 1, arg: AccessFlags.observedFault },
    ];
    const derived = (await runRecords(cow, CONFIG, { cpus: 2 })).result;
    const observed = (await runRecords(cow, CONFIG, OBSERVED)).result;
    expect(derived.counts.pageFaults).toBe(2);
    expect(observed.counts.pageFaults).toBe(2);
    // The 1.x trace derives flush_tlb_page for the copy-on-write: one INVLPG; the 2.1 trace none.
    expect(derived.counts.invlpg - observed.counts.invlpg).toBe(1);
    expect(derived.counts.tlbFlushes).toBeUndefined();
    expect(derived.counts.records['tlbflush']).toBeUndefined();
    expect(observed.counts.tlbFlushes).toEqual({ switches: 0, full: 0, pages: 0, received: 0, sent: 0 });
  });

  it('a munmap or an exit derives no flush either when the trace observes flushes: the kernel traced its own', async () => {
    const anon = 0x20000000;
    const records: TraceRecord[] = [
      { kind: EventKind.mmap, cpu: 0, pid: 1, op: ProtBits.read | ProtBits.write, addr: anon, len: 4096 },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: anon, len: 4 },
      { kind: EventKind.munmap, cpu: 0, pid: 1, addr: anon, len: 4096 },
      { kind: EventKind.exit, cpu: 0, pid: 1 },
    ];
    const derived = (await runRecords(records, CONFIG, { cpus: 2 })).result;
    const observed = (await runRecords(records, CONFIG, OBSERVED)).result;
    // Derived: munmap's flush_tlb_mm_range of its one page (an INVLPG) and exit's flush_tlb_mm (a CR3 reload).
    expect(derived.counts.invlpg - observed.counts.invlpg).toBe(1);
    expect(derived.counts.cr3Writes - observed.counts.cr3Writes).toBe(1);
    expect(observed.cycles.breakdown.localFlush).toBe(0);
  });

  it('--prefault, which derives a CR3 write per switch record, refuses a trace that records its flushes', async () => {
    const r = await runMain(['run', '--trace', `${ROOT}traces/ftrace-dd-2cpu.hmt.gz`, '--prefault']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `hmsim: ${ROOT}traces/ftrace-dd-2cpu.hmt.gz: --prefault derives a CR3 write from every switch record, and this trace ` +
        'records its TLB flushes (HMT 2.1, observed tlbFlushes): replay it without --prefault\n',
    );
  });
});
