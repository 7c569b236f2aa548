/**
 * Context switches (DESIGN.md "switch"): the scheduler's cost, the kmap_local save/restore of the
 * outgoing and incoming tasks (kernel-x86-32.md §6.3), and the address-space switch:
 *
 * - 32-bit: a CR3 write flushes every non-global TLB entry (no PCID on 32-bit).
 * - x86_64 reference: PCIDs. Each CPU keeps 6 recently used mms under their own PCIDs
 *   (TLB_NR_DYN_ASIDS); switching to one of them flushes nothing unless the mm was flushed elsewhere
 *   since (its tlb_gen moved on); switching to another mm takes the least recently used PCID and flushes
 *   that PCID's entries.
 * - A switch to pid 0 (idle / kernel thread) keeps the previous mm loaded (lazy TLB): no CR3 write.
 * - A kernel capture that observes TLB flushes (HMT 2.1) says itself when switch_mm wrote CR3: its
 *   task-switch tlbflush records (observed.ts). Its switch records then load no mm of their own, so a
 *   switch to a kernel thread and back, which the kernel makes without a CR3 write, costs none here.
 *
 * Categories: scheduler and CR3 write → contextSwitch; kmap_local PTE writes → kmap; their INVLPGs → invlpg.
 */
import { Cat } from './accounting.ts';
import { NR_DYN_ASIDS, type CpuState } from './cpu.ts';
import { cr3Reload, invlpg } from './flush.ts';
import type { Machine } from './machine.ts';
import type { Mm } from './process.ts';
import { mmFor } from './mm-lifecycle.ts';
import { KPath } from './kernel-footprint.ts';

/**
 * Loads `mm` on `cpu` (switch_mm): its CR3 write, unless the trace observes TLB flushes (a kernel
 * capture, HMT 2.1): then its task-switch tlbflush records are the CR3 writes (switchMmCr3), and a switch
 * that made none — to a kernel thread, which keeps the previous mm (lazy TLB) — loads nothing.
 */
export function loadMm(m: Machine, cpu: number, mm: Mm, cat: number): void {
  const c = m.cpus[cpu]!;
  if (c.mm === mm) return;
  if (c.mm !== null) c.mm.loadedOn[cpu] = 0;
  c.mm = mm;
  mm.loadedOn[cpu] = 1;
  if (!m.flushesObserved) switchMmCr3(m, cpu, cat);
}

/** The CR3 write of switch_mm on `cpu` for the mm it runs: non-global entries go (PCID: per its slot). */
export function switchMmCr3(m: Machine, cpu: number, cat: number): void {
  const c = m.cpus[cpu]!;
  if (!m.shape.pcid || c.mm === null) {
    cr3Reload(m, cpu, cat);
    return;
  }
  m.charge(cpu, cat, m.cr3WriteCost());
  m.counts.cr3Writes++;
  switchPcid(c, c.mm);
}

/** x86_64: choose the PCID for `mm` on CPU `c` and flush it when stale or recycled. */
function switchPcid(c: CpuState, mm: Mm): void {
  c.asidTick++;
  let slot = -1;
  for (let i = 0; i < NR_DYN_ASIDS; i++) if (c.asidMm[i] === mm.id) slot = i;
  if (slot >= 0) {
    c.tlb.setPcid(slot);
    if (c.asidGen[slot]! < mm.tlbGen) c.tlb.flushNonGlobal(slot);
  } else {
    slot = 0;
    for (let i = 1; i < NR_DYN_ASIDS; i++) if (c.asidUsed[i]! < c.asidUsed[slot]!) slot = i;
    c.asidMm[slot] = mm.id;
    c.tlb.setPcid(slot);
    c.tlb.flushNonGlobal(slot);
  }
  c.asidGen[slot] = mm.tlbGen;
  c.asidUsed[slot] = c.asidTick;
}

/**
 * A `switch` record: `cpu` now runs `pid`. Returns false when the replay stopped (memory) or the CPU waits
 * for the fork of `pid` (the record is replayed again once the child exists).
 */
export function contextSwitch(m: Machine, cpu: number, pid: number): boolean {
  const c = m.cpus[cpu]!;
  if (c.pid === pid) return true;
  if (waitsForFork(m, cpu, pid)) return false;
  m.counts.contextSwitches++;
  m.charge(cpu, Cat.contextSwitch, m.model.costs.contextSwitch(0, m.rng));
  if (c.pid >= 0) {
    const depth = m.locals.depth(cpu);
    for (let i = 0; i < depth; i++) {
      m.charge(cpu, Cat.kmap, m.pteWriteCost());
      invlpg(m, cpu, m.localAddr(cpu, i));
    }
    m.locals.switchOut(cpu, c.pid);
  }
  const restored = m.locals.switchIn(cpu, pid);
  for (let i = 0; i < restored; i++) m.charge(cpu, Cat.kmap, m.pteWriteCost());
  c.pid = pid;
  m.footprint.touch(m, cpu, KPath.contextSwitch);
  if (pid === 0) return true; // lazy TLB: keep the previous mm
  const mm = mmFor(m, cpu, pid);
  if (mm === null) return false;
  loadMm(m, cpu, mm, Cat.contextSwitch);
  return true;
}

/**
 * True when `pid` is a child whose fork the driver has queued and the replay not yet replayed, and which
 * has no process yet: `cpu` then waits for the fork (Machine.waitForFork).
 */
function waitsForFork(m: Machine, cpu: number, pid: number): boolean {
  if (m.pendingForks.size === 0 || !m.pendingForks.has(pid) || m.procs.get(pid) !== undefined) return false;
  m.waitForFork(cpu, pid);
  return true;
}

/**
 * Makes sure `cpu` runs `pid` before a user-level record of that pid: the first record of a CPU adopts
 * its pid for free; a later record of another pid is an implicit context switch.
 */
export function ensureRunning(m: Machine, cpu: number, pid: number): Mm | null {
  const c = m.cpus[cpu]!;
  if (c.pid === -1) {
    if (waitsForFork(m, cpu, pid)) return null;
    c.pid = pid;
    const mm = mmFor(m, cpu, pid);
    if (mm === null) return null;
    c.mm = mm;
    mm.loadedOn[cpu] = 1;
    if (m.shape.pcid) switchPcid(c, mm);
    return mm;
  }
  if (c.pid !== pid && !contextSwitch(m, cpu, pid)) return null;
  const mm = c.mm !== null && c.mm.pid === pid ? c.mm : mmFor(m, cpu, pid);
  if (mm === null) return null;
  if (c.mm !== mm) loadMm(m, cpu, mm, Cat.contextSwitch);
  return mm;
}
