/**
 * Records of what a kernel capture observed (HMT 1.1): faults, and temporary mappings with a purpose.
 * Observe or derive, never both — what the capture recorded is replayed, not derived again:
 *
 * - An observed fault (access with AccessFlags.observedFault) installs what the kernel installed — the
 *   PTE page when missing, the page (anonymous, or the page-cache frame of a file mapping), the PTE, or
 *   the writable copy of a copy-on-write — so that page tables and TLBs stay right, and pays the fault's
 *   entry, handling and PTE store. It derives no page clear, no page-table page clear and no mapping of
 *   the PTE page: the capture holds those as kmap records of their own.
 * - A kmap/kunmap with a purpose is made with the kernel profile's API for that purpose (KmapPolicy):
 *   page-table → pteAccess (never the sleeping pool: pte_offset_map is atomic), clear → clearPage,
 *   copy-on-write → cowCopy, page-cache copy → pageCacheCopy; `other` keeps the record's API
 *   (Machine.eraApi). A page-table map costs nothing without HIGHPTE (the PTE page is lowmem then).
 *   Frames go through CapturedFrames when the replay's memory layout differs from the captured box's.
 * - A tlbflush (HMT 2.1, a trace whose header declares `observed: ['tlbFlushes']`) is a user TLB flush the
 *   captured kernel made (observedTlbFlush). Such a trace's observed faults derive no flush of their own:
 *   the copy-on-write's ptep_clear_flush is one of its tlbflush records.
 */
import { AccessOp, KMAP_API_NAMES, KmapPurpose, TLB_FLUSH_ALL, TlbFlushFlags, TlbFlushReason, type KmapApiName } from '../trace/records.ts';
import { PAGE_SIZE } from '../units/address.ts';
import { Cat } from './accounting.ts';
import { dropCowSharer, kernelEntryCr3 } from './fault.ts';
import { cr3Reload, flushUserPage, invlpg, ipiReceive, ipiSendWait } from './flush.ts';
import { mapHigh, unmapHigh } from './kmap/kernel-touch.ts';
import { switchMmCr3 } from './context-switch.ts';
import type { Machine } from './machine.ts';
import { Gfp, PageUse } from './memory.ts';
import { makePte, PTE_FILE, PTE_WRITE, ptePfn } from './pagetable.ts';
import type { Mm } from './process.ts';
import { PageSizeClass } from './tlb.ts';
import { TlbOutcome, TlbSide } from './tlb-hierarchy.ts';

/** The API the profile uses for `purpose`, or null when such a map costs nothing here. */
function purposeApi(m: Machine, purpose: number, recordApi: number): KmapApiName | null {
  switch (purpose) {
    case KmapPurpose.pageTable: {
      if (!m.config.highpte) return null;
      const api = m.pathApi(m.policy.pteAccess);
      return api === 'pkmap' ? 'atomic' : api;
    }
    case KmapPurpose.clear:
      return m.pathApi(m.policy.clearPage);
    case KmapPurpose.cowCopy:
      return m.pathApi(m.policy.cowCopy);
    case KmapPurpose.pageCache:
      return m.pathApi(m.policy.pageCacheCopy);
    default:
      return m.eraApi(KMAP_API_NAMES[recordApi] ?? 'local');
  }
}

/**
 * A captured kmap (`unmap` false) or kunmap of captured frame `captured`. Returns false when the CPU
 * went to sleep on a full pkmap pool (the record is retried when it wakes).
 */
export function capturedKmap(m: Machine, cpu: number, recordApi: number, captured: number, purpose: number, unmap: boolean): boolean {
  const api = purposeApi(m, purpose, recordApi);
  if (api === null) return true;
  const pfn = m.captured !== null ? m.captured.frame(m, captured, purpose) : captured;
  if (pfn < 0) return true;
  if (pfn >= m.mem.maxPfn) {
    m.infeasible.skip('frame beyond RAM', `pfn ${pfn} ≥ max_pfn ${m.mem.maxPfn} (CPU ${cpu})`);
    return true;
  }
  if (!m.isHigh(pfn)) return true;
  if (unmap) {
    unmapHigh(m, cpu, pfn, api);
    return true;
  }
  return mapHigh(m, cpu, pfn, api) >= 0 || m.cpus[cpu]!.state !== 'sleeping';
}

/**
 * An observed fault at `addr` by `mm` on `cpu` (see the module comment). Returns false when the record
 * must stop (memory ran out).
 */
export function observedFault(m: Machine, cpu: number, mm: Mm, op: number, addr: number): boolean {
  const vpn = addr >>> 12;
  if (addr >= m.shape.taskSize) {
    m.infeasible.skip(
      'user address at or above TASK_SIZE',
      `0x${addr.toString(16)} ≥ TASK_SIZE 0x${m.shape.taskSize.toString(16)} (CPU ${cpu}, pid ${mm.pid})`,
    );
    return true;
  }
  const side = op === AccessOp.ifetch ? TlbSide.instruction : TlbSide.data;
  const write = op === AccessOp.store || op === AccessOp.modify;
  const tlb = m.cpus[cpu]!.tlb;
  const vaddr = vpn * PAGE_SIZE;
  // The faulting reference: a TLB lookup, and a walk that finds no usable PTE.
  const r = tlb.translate(side, vaddr);
  if (r === TlbOutcome.stlbHit) m.charge(cpu, Cat.tlbWalk, m.stlbHitCost());
  else if (r === TlbOutcome.miss) m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
  const pte = mm.pt.get(vpn);
  let next = pte;
  if (pte === 0) {
    next = installPage(m, mm, vpn, write);
    if (next < 0) return false;
  } else if (write && (pte & PTE_WRITE) === 0) {
    next = cowInstall(m, pte);
    if (next < 0) return false;
  }
  m.counts.pageFaults++;
  kernelEntryCr3(m, cpu, Cat.pageFault);
  m.charge(cpu, Cat.pageFault, m.model.costs.pageFault(0, m.rng));
  if (next !== pte) {
    m.charge(cpu, Cat.pageFault, m.pteWriteCost());
    mm.pt.set(vpn, next);
    if (pte !== 0) flushUserPage(m, cpu, mm, vpn);
  }
  kernelEntryCr3(m, cpu, Cat.pageFault);
  // The retried reference walks again and fills the TLB.
  m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
  tlb.fill(side, vaddr, PageSizeClass.small, false);
  return true;
}

/** First touch: PTE page and page as the kernel allocated them (nothing cleared, nothing mapped). */
function installPage(m: Machine, mm: Mm, vpn: number, write: boolean): number {
  if (!mm.pt.hasPtePage(vpn)) {
    const ptePfn = m.allocFrame(m.config.highpte ? Gfp.highuser : Gfp.kernel, PageUse.pageTables);
    if (ptePfn < 0) return -1;
    mm.pt.addPtePage(vpn);
    mm.ptePagePfns.set(Math.floor(vpn / mm.pt.ptrsPerPte), ptePfn);
  }
  const addr = vpn * PAGE_SIZE;
  const vma = mm.fileVmaAt(addr);
  if (vma !== undefined) {
    const index = Math.floor((vma.offset + (addr - vma.start)) / PAGE_SIZE);
    let frame = m.cache.lookup(vma.file, index);
    if (frame < 0) {
      frame = m.allocFrame(Gfp.highuser, PageUse.pageCache);
      if (frame < 0) return -1;
      m.cache.insert(vma.file, index, frame);
    }
    if (vma.shared || !write) {
      m.procs.cacheMapped.set(frame, (m.procs.cacheMapped.get(frame) ?? 0) + 1);
      return makePte(frame, PTE_FILE | (vma.shared ? PTE_WRITE : 0));
    }
  }
  const frame = m.allocFrame(Gfp.highuser, PageUse.user);
  return frame < 0 ? -1 : makePte(frame, PTE_WRITE);
}

/** Copy-on-write: the writable page the kernel installed (its copy is in the capture, not derived). */
function cowInstall(m: Machine, pte: number): number {
  const old = ptePfn(pte);
  const isFile = (pte & PTE_FILE) !== 0;
  const sharers = isFile ? 2 : (m.procs.anonShared.get(old) ?? 1);
  if (sharers <= 1) return makePte(old, PTE_WRITE);
  const frame = m.allocFrame(Gfp.highuser, PageUse.user);
  if (frame < 0) return -1;
  dropCowSharer(m, old, isFile, sharers);
  return makePte(frame, PTE_WRITE);
}

/**
 * A user TLB flush the captured kernel made on `cpu` (a tlbflush record, HMT 2.1; the kernel's
 * switch_mm_irqs_off, flush_tlb_func and native_flush_tlb_multi, arch/x86/mm/tlb.c):
 * - a task switch's (reason 0) is switch_mm's CR3 write for the mm the CPU now runs (contextSwitch
 *   loaded it without one: context-switch.ts);
 * - a flush done here (reasons 1, 2, 3) of `pages` pages (TLB_FLUSH_ALL: all, which the kernel chose
 *   above tlb_single_page_flush_ceiling; 0: none, the mm's TLB was up to date) is made as the replay's
 *   configuration makes it: a CR3 reload (non-global entries go), or one INVLPG per page. When the capture did not say which pages
 *   (`flags` without addressKnown), each INVLPG is charged but no entry is dropped: the replay cannot
 *   know which, and keeps them until they are evicted or flushed (a few TLB hits the kernel missed);
 * - a flush done for another CPU's IPI (reason 1) also pays taking that interrupt (ipiReceive);
 * - reason 4, sending a shootdown's IPIs, pays the initiator's send-and-wait for the CPUs the replay
 *   sees running the task's mm (at least one: the capture says the kernel sent).
 * The replay's configuration prices each: CR3 writes, INVLPGs and interrupt entries differ under PTI
 * and 4G/4G.
 */
export function observedTlbFlush(m: Machine, cpu: number, mm: Mm | null, reason: number, addr: number, pages: number, flags: number): void {
  const f = m.counts.tlbFlushes;
  if (reason === TlbFlushReason.taskSwitch) {
    switchMmCr3(m, cpu, Cat.contextSwitch);
    if (f !== undefined) f.switches++;
    return;
  }
  if (reason === TlbFlushReason.remoteSendIpi) {
    const targets = Math.max(1, mm === null ? 0 : mm.remoteCpus(cpu, m.scratch).length);
    ipiSendWait(m, cpu, targets);
    if (f !== undefined) f.sent++;
    return;
  }
  if (reason === TlbFlushReason.remoteShootdown) {
    ipiReceive(m, cpu);
    if (f !== undefined) f.received++;
  }
  if (pages === 0) return;
  if (mm !== null) mm.tlbGen++;
  if (pages === TLB_FLUSH_ALL) {
    cr3Reload(m, cpu);
    if (f !== undefined) f.full++;
    return;
  }
  if ((flags & TlbFlushFlags.addressKnown) !== 0) {
    for (let p = 0; p < pages; p++) invlpg(m, cpu, addr + p * PAGE_SIZE);
  } else {
    for (let p = 0; p < pages; p++) m.charge(cpu, Cat.invlpg, m.invlpgCost());
    m.counts.invlpg += pages;
  }
  if (f !== undefined) f.pages += pages;
}
