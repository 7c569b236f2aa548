/**
 * Page faults (DESIGN.md "User access"): first touch of a page, and copy-on-write.
 *
 * First touch: count the fault and its handling cost; make sure the PTE page exists (allocated from
 * lowmem — or highmem under HIGHPTE — and cleared); then either map the page-cache frame of a file
 * mapping, or allocate an anonymous frame (zonelist HIGHMEM → NORMAL → DMA) and clear it (a highmem frame
 * through the profile's clearPage API); write the PTE (under HIGHPTE through a temporary mapping of the
 * PTE page, the profile's pteAccess API).
 * Copy-on-write (a store to a present read-only PTE): copy the frame unless this mm is its last user,
 * write the PTE, flush the page where the mm is loaded.
 *
 * A fault from user mode under PTI or 4G/4G also pays the entry and exit CR3 writes.
 * Every step that can sleep (a pkmap API on a full pool) happens before any state changes or is undone,
 * so the faulting record can simply be retried when the CPU wakes up.
 */
import { Cat } from './accounting.ts';
import { PAGE_SIZE } from '../units/address.ts';
import { cr3Reload, flushUserPage } from './flush.ts';
import { mapHigh, touchFrame, unmapHigh } from './kmap/kernel-touch.ts';
import type { Machine } from './machine.ts';
import { Gfp, PageUse } from './memory.ts';
import { makePte, PTE_FILE, PTE_WRITE, ptePfn } from './pagetable.ts';
import type { Mm, Vma } from './process.ts';
import { dirOf, mapPtePage } from './pte-walk.ts';
import { KPath } from './kernel-footprint.ts';

/**
 * Entry or exit of the kernel from user mode: a CR3 write under PTI and 4G/4G; under PTI also the rest of
 * the entry or exit code (costs.ptiTrampoline: entry_32.S copies the frame between the entry stack in
 * the cpu_entry_area and the task stack, SWITCH_TO_KERNEL_STACK / SWITCH_TO_ENTRY_STACK). 4G/4G's own
 * trampoline is not charged apart: p4-prescott's cr3Write, derived from Molnar's per-syscall 4G/4G figure,
 * includes it; the other models' CR3 figures do not, so their 4G/4G entries are low by that much.
 */
export function kernelEntryCr3(m: Machine, cpu: number, cat: number): void {
  if (!m.shape.cr3PerEntry) return;
  cr3Reload(m, cpu, cat);
  if (m.config.pti) m.charge(cpu, cat, m.ptiTrampolineCost());
}

/** Makes sure the PTE page covering `vpn` exists. Returns false if the CPU slept or memory ran out. */
export function ensurePtePage(m: Machine, cpu: number, mm: Mm, vpn: number): boolean {
  if (mm.pt.hasPtePage(vpn)) return true;
  const gfp = m.config.highpte ? Gfp.highuser : Gfp.kernel;
  const pfn = m.allocFrame(gfp, PageUse.pageTables);
  if (pfn < 0) return false;
  // __GFP_ZERO: a highmem PTE page is cleared through a temporary mapping (a page-table kmap).
  if (m.isHigh(pfn)) m.counts.ptKmaps++;
  if (!touchFrame(m, cpu, pfn, m.policy.clearPage, PAGE_SIZE) || m.cpus[cpu]!.state !== 'running') {
    if (m.isHigh(pfn)) m.counts.ptKmaps--;
    m.mem.free(pfn, PageUse.pageTables);
    return false;
  }
  mm.pt.addPtePage(vpn);
  mm.ptePagePfns.set(Math.floor(vpn / mm.pt.ptrsPerPte), pfn);
  return true;
}

/** Writes one PTE of `mm` (through a temporary mapping of a highmem PTE page under HIGHPTE). */
export function writePte(m: Machine, cpu: number, mm: Mm, vpn: number, pte: number, cat: number): void {
  const ptePage = mm.ptePagePfns.get(Math.floor(vpn / mm.pt.ptrsPerPte)) ?? 0;
  const viaKmap = m.isHigh(ptePage);
  // pte_offset_map is atomic context: it never uses the sleeping pkmap pool.
  const api = m.pathApi(m.policy.pteAccess) === 'pkmap' ? 'atomic' : m.pathApi(m.policy.pteAccess);
  const vaddr = viaKmap ? mapHigh(m, cpu, ptePage, api) : -1;
  if (viaKmap) m.counts.ptKmaps++;
  m.charge(cpu, cat, m.pteWriteCost());
  mm.pt.set(vpn, pte);
  if (vaddr >= 0) unmapHigh(m, cpu, ptePage, api);
}

/** Fault-around window of a read fault on a file mapping: fault_around_bytes = 64 KiB (mm/memory.c). */
const FAULT_AROUND_PAGES = 16;

/**
 * First touch of user page `vpn`. Returns false when the record must stop (slept, out of memory).
 *
 * Under HIGHPTE (6.1 mm/memory.c): handle_pte_fault maps an existing PTE page to read orig_pte; a new one
 * is allocated zeroed instead. Then the path that installs the PTE maps it again: do_anonymous_page and
 * finish_fault (pte_offset_map_lock), or for a read fault on a file mapping do_fault_around →
 * filemap_map_pages, which maps the PTE page once and installs every page of the 64 KiB window (clipped
 * to the VMA and the PTE page) that is in the page cache; when the faulting page was not among them,
 * __do_fault reads it and finish_fault maps the PTE page once more.
 */
export function pageFault(m: Machine, cpu: number, mm: Mm, vpn: number, write: boolean, fromUser: boolean): boolean {
  const existed = mm.pt.hasPtePage(vpn);
  if (!ensurePtePage(m, cpu, mm, vpn)) return false;
  const addr = vpn * PAGE_SIZE;
  const vma = mm.fileVmaAt(addr);
  let pte: number;
  let around = false;
  if (vma !== undefined) {
    const index = Math.floor((vma.offset + (addr - vma.start)) / PAGE_SIZE);
    const cachedBefore = m.cache.lookup(vma.file, index) >= 0;
    const frame = m.storage.faultPage(cpu, mm.pid, vma.file, index);
    if (frame < 0) return false;
    if (!write && !vma.shared) {
      if (cachedBefore) around = true;
      // Not cached: do_fault_around maps the cached pages of the window (one mapping of the PTE page, when
      // there is one), then __do_fault reads this page and finish_fault installs it (one more).
      else if (faultAround(m, cpu, mm, vma, vpn, true) > 0) {
        mapPtePage(m, cpu, mm, dirOf(mm, vpn));
        faultAround(m, cpu, mm, vma, vpn, false);
      }
    }
    if (vma.shared || !write) {
      pte = makePte(frame, PTE_FILE | (vma.shared ? PTE_WRITE : 0));
      m.procs.cacheMapped.set(frame, (m.procs.cacheMapped.get(frame) ?? 0) + 1);
    } else {
      const copy = m.allocFrame(Gfp.highuser, PageUse.user);
      if (copy < 0) return false;
      if (!copyFrame(m, cpu, frame, copy)) {
        m.mem.free(copy, PageUse.user);
        return false;
      }
      vma.anon = true;
      pte = makePte(copy, PTE_WRITE);
    }
  } else {
    const frame = m.allocFrame(Gfp.highuser, PageUse.user);
    if (frame < 0) return false;
    if (!touchFrame(m, cpu, frame, m.policy.clearPage, PAGE_SIZE) || m.cpus[cpu]!.state !== 'running') {
      m.mem.free(frame, PageUse.user);
      return false;
    }
    const anonVma = mm.vmaAt(addr);
    if (anonVma !== undefined) anonVma.anon = true;
    pte = makePte(frame, PTE_WRITE);
  }
  m.counts.pageFaults++;
  if (fromUser) kernelEntryCr3(m, cpu, Cat.pageFault);
  m.charge(cpu, Cat.pageFault, m.model.costs.pageFault(0, m.rng));
  m.footprint.touch(m, cpu, KPath.pageFault);
  if (existed) mapPtePage(m, cpu, mm, dirOf(mm, vpn));
  if (around) {
    // filemap_map_pages installs the faulting page with the cached pages around it, one mapping of the PTE page.
    writePte(m, cpu, mm, vpn, pte, Cat.pageFault);
    faultAround(m, cpu, mm, vma!, vpn, false);
  } else writePte(m, cpu, mm, vpn, pte, Cat.pageFault);
  if (fromUser) kernelEntryCr3(m, cpu, Cat.pageFault);
  return true;
}

/**
 * The other pages of the fault-around window of `vpn` in private file mapping `vma`: each one in the page
 * cache whose PTE is none is mapped read-only (a PTE write each, under the caller's one mapping of the PTE
 * page). With `countOnly` nothing changes: returns how many pages would be mapped.
 */
function faultAround(m: Machine, cpu: number, mm: Mm, vma: Vma, vpn: number, countOnly: boolean): number {
  const per = mm.pt.ptrsPerPte;
  const vmaLo = Math.floor(vma.start / PAGE_SIZE);
  const vmaEnd = Math.ceil(vma.end / PAGE_SIZE);
  const lo = Math.max(vpn - (vpn % FAULT_AROUND_PAGES), vmaLo);
  const end = Math.min(lo + FAULT_AROUND_PAGES, vmaEnd, (dirOf(mm, lo) + 1) * per);
  let n = 0;
  for (let v = lo; v < end; v++) {
    if (v === vpn || mm.pt.get(v) !== 0) continue;
    const frame = m.cache.lookup(vma.file, Math.floor((vma.offset + (v * PAGE_SIZE - vma.start)) / PAGE_SIZE));
    if (frame < 0) continue;
    n++;
    if (countOnly) continue;
    m.charge(cpu, Cat.pageFault, m.pteWriteCost());
    mm.pt.set(v, makePte(frame, PTE_FILE));
    m.procs.cacheMapped.set(frame, (m.procs.cacheMapped.get(frame) ?? 0) + 1);
  }
  return n;
}

/** copy_user_highpage: reads `from` and writes `to`, each through the cowCopy API when highmem. */
function copyFrame(m: Machine, cpu: number, from: number, to: number): boolean {
  const api = m.policy.cowCopy;
  if (!touchFrame(m, cpu, from, api, 0) || m.cpus[cpu]!.state !== 'running') return false; // read side: no copy charge
  if (!touchFrame(m, cpu, to, api, PAGE_SIZE) || m.cpus[cpu]!.state !== 'running') return false;
  return true;
}

/** A store to present read-only PTE `pte` of `vpn`: copy-on-write. Returns false when the record must stop. */
/**
 * After a copy-on-write gave one mapper its own copy of frame `old`: one sharer fewer — of the page-cache
 * page (`isFile`) or of the anonymous page shared by `sharers` mms since fork.
 */
export function dropCowSharer(m: Machine, old: number, isFile: boolean, sharers: number): void {
  if (isFile) {
    const n = (m.procs.cacheMapped.get(old) ?? 1) - 1;
    if (n <= 0) m.procs.cacheMapped.delete(old);
    else m.procs.cacheMapped.set(old, n);
  } else if (sharers === 2) m.procs.anonShared.delete(old);
  else m.procs.anonShared.set(old, sharers - 1);
}

export function cowFault(m: Machine, cpu: number, mm: Mm, vpn: number, pte: number, fromUser: boolean): boolean {
  const old = ptePfn(pte);
  const isFile = (pte & PTE_FILE) !== 0;
  const sharers = isFile ? 2 : (m.procs.anonShared.get(old) ?? 1);
  let next: number;
  if (sharers > 1) {
    const frame = m.allocFrame(Gfp.highuser, PageUse.user);
    if (frame < 0) return false;
    if (!copyFrame(m, cpu, old, frame)) {
      m.mem.free(frame, PageUse.user);
      return false;
    }
    dropCowSharer(m, old, isFile, sharers);
    next = makePte(frame, PTE_WRITE);
    const v = mm.vmaAt(vpn * PAGE_SIZE);
    if (v !== undefined) v.anon = true;
  } else {
    next = makePte(old, PTE_WRITE); // the last user reuses the frame (do_wp_page reuse)
  }
  m.counts.pageFaults++;
  if (fromUser) kernelEntryCr3(m, cpu, Cat.pageFault);
  m.charge(cpu, Cat.pageFault, m.model.costs.pageFault(0, m.rng));
  // handle_pte_fault mapped the PTE page to read orig_pte; do_wp_page reuses the page under that mapping,
  // wp_page_copy drops it and maps the PTE page again (pte_offset_map_lock) to install the copy.
  if (sharers > 1) mapPtePage(m, cpu, mm, dirOf(mm, vpn));
  m.footprint.touch(m, cpu, KPath.pageFault);
  writePte(m, cpu, mm, vpn, next, Cat.pageFault);
  flushUserPage(m, cpu, mm, vpn);
  if (fromUser) kernelEntryCr3(m, cpu, Cat.pageFault);
  return true;
}
