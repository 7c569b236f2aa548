/**
 * TLB flush primitives and policies (kernel-x86-32.md §7).
 *
 * - User range flush (munmap, mprotect; flush_tlb_mm_range): a range of at most the model's
 *   `flushCeiling` pages (tlb_single_page_flush_ceiling, 33) is flushed with one INVLPG per page, a larger
 *   one with a full non-global flush (CR3 reload). The same happens on every other CPU that has the mm
 *   loaded, after an IPI; the initiator waits for their acknowledgement.
 * - Whole-mm flush (fork write-protects the parent, exit): a CR3 reload where the mm is loaded, IPIs to
 *   the other CPUs running it.
 * - All-CPU kernel flush (the pkmap wrap's flush_tlb_kernel_range over 512/1024 pages, always above the
 *   ceiling): IPIs to every other CPU, a global flush (CR4.PGE toggle) on each and locally; the initiator
 *   waits for all of them.
 *
 * Categories: INVLPGs → invlpg; CR3 reloads → localFlush; CR4.PGE toggles → globalFlush; IPI sending,
 * waiting and receiving → shootdown.
 */
import { Cat } from './accounting.ts';
import { PAGE_SIZE } from '../units/address.ts';
import type { Machine } from './machine.ts';
import type { Mm } from './process.ts';
import { KPath } from './kernel-footprint.ts';
import { kernelEntryCr3 } from './fault.ts';

/** One INVLPG of `vaddr` on `cpu`, charged to `cat` (default: invlpg). */
export function invlpg(m: Machine, cpu: number, vaddr: number, cat: number = Cat.invlpg): void {
  m.charge(cpu, cat, m.invlpgCost());
  m.counts.invlpg++;
  m.cpus[cpu]!.tlb.invalidatePage(vaddr);
}

/** A CR3 reload on `cpu` (all non-global entries of the current address space go), charged to `cat`. */
export function cr3Reload(m: Machine, cpu: number, cat: number = Cat.localFlush): void {
  m.charge(cpu, cat, m.cr3WriteCost());
  m.counts.cr3Writes++;
  m.cpus[cpu]!.tlb.flushNonGlobal();
}

/** Flushes user pages [firstVpn, lastVpn] of `mm` on `cpu` alone, by the ceiling policy. */
function flushRangeOn(m: Machine, cpu: number, firstVpn: number, lastVpn: number): void {
  const span = lastVpn - firstVpn + 1;
  if (span <= m.model.flushCeiling) {
    for (let v = firstVpn; v <= lastVpn; v++) invlpg(m, cpu, v * PAGE_SIZE);
  } else {
    cr3Reload(m, cpu);
  }
}

/** The initiator's side of an IPI round to `n` CPUs: sending and waiting for every acknowledgement. */
export function ipiSendWait(m: Machine, cpu: number, n: number): void {
  const at = m.now(cpu);
  const wait = m.model.costs.ipi(n, m.rng);
  m.charge(cpu, Cat.shootdown, wait);
  m.counts.ipis += n;
  m.timeline.add(cpu, at, 'ipi', wait);
}

/**
 * A target's side of a flush IPI: the interrupt enters the kernel from user mode (a CR3 write each way
 * under PTI and 4G/4G) and runs the flush IPI's kernel path (the flush itself is the caller's).
 */
export function ipiReceive(m: Machine, t: number): void {
  kernelEntryCr3(m, t, Cat.shootdown);
  m.charge(t, Cat.shootdown, m.model.costs.ipiReceive(0, m.rng));
  m.footprint.touch(m, t, KPath.ipi);
  kernelEntryCr3(m, t, Cat.shootdown);
}

/** IPIs from `cpu` to `targets`; charges the initiator's send-and-wait and each target's receive. */
function sendIpis(m: Machine, cpu: number, targets: readonly number[]): void {
  if (targets.length === 0) return;
  ipiSendWait(m, cpu, targets.length);
  for (const t of targets) ipiReceive(m, t);
}

/**
 * flush_tlb_mm_range: user pages [firstVpn, lastVpn] of `mm` changed (PTEs cleared or write-protected).
 * Flushes locally if `mm` is loaded on `cpu`, and on every other CPU that has it loaded. In a trace that
 * observes user TLB flushes (Machine.flushesObserved) the kernel's own flush is a record of its own
 * (observed.ts observedTlbFlush): nothing is derived here.
 */
export function flushUserRange(m: Machine, cpu: number, mm: Mm, firstVpn: number, lastVpn: number): void {
  if (lastVpn < firstVpn) return;
  mm.tlbGen++;
  if (m.flushesObserved) return;
  if (mm.loadedOn[cpu] === 1) flushRangeOn(m, cpu, firstVpn, lastVpn);
  const targets = mm.remoteCpus(cpu, m.scratch);
  if (targets.length === 0) return;
  const at = m.now(cpu);
  sendIpis(m, cpu, targets);
  for (const t of targets) flushRangeOn(m, t, firstVpn, lastVpn);
  m.timeline.add(cpu, at, 'shootdown', m.now(cpu) - at);
}

/** flush_tlb_page after a copy-on-write fault or a single PTE change. */
export function flushUserPage(m: Machine, cpu: number, mm: Mm, vpn: number): void {
  flushUserRange(m, cpu, mm, vpn, vpn);
}

/** flush_tlb_mm: every translation of `mm`, wherever it is loaded (derived only when flushes are not observed). */
export function flushMm(m: Machine, cpu: number, mm: Mm): void {
  mm.tlbGen++;
  if (m.flushesObserved) return;
  if (mm.loadedOn[cpu] === 1) cr3Reload(m, cpu);
  const targets = mm.remoteCpus(cpu, m.scratch);
  if (targets.length === 0) return;
  const at = m.now(cpu);
  sendIpis(m, cpu, targets);
  for (const t of targets) cr3Reload(m, t);
  m.timeline.add(cpu, at, 'shootdown', m.now(cpu) - at);
}

/**
 * flush_tlb_kernel_range over the whole pkmap window (pkmap wrap): an IPI to every other CPU, a global
 * flush on each and on `cpu`; the initiator waits for every acknowledgement.
 */
export function flushAllCpusGlobal(m: Machine, cpu: number): void {
  const costs = m.model.costs;
  const at = m.now(cpu);
  const others = m.scratch;
  others.length = 0;
  for (let c = 0; c < m.ncpu; c++) if (c !== cpu) others.push(c);
  sendIpis(m, cpu, others);
  const flushOne = (c: number): void => {
    const t0 = m.now(c);
    const cost = costs.globalFlush(0, m.rng);
    m.charge(c, Cat.globalFlush, cost);
    m.counts.globalFlushes++;
    m.cpus[c]!.tlb.flushAll();
    m.timeline.add(c, t0, 'globalFlush', cost);
  };
  flushOne(cpu);
  for (const c of others) flushOne(c);
  m.timeline.add(cpu, at, 'pkmapFlush', m.now(cpu) - at);
}
