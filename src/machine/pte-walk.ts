/**
 * Where the kernel maps a user PTE page (HIGHPTE: a highmem page-table page is reached through a temporary
 * mapping — `pte_offset_map`, kmap_atomic in 6.1 include/linux/pgtable.h, kmap_local_page from 6.5). Each
 * kernel path that walks page tables maps the PTE page once per VMA it walks across it (path in Linux 6.1, maps
 * per PTE page in parentheses):
 *
 * - fault (2; 1 when the PTE page is new: it is cleared instead; 1 for a COW fault that reuses the page):
 *   handle_pte_fault reads orig_pte (pte_offset_map), then do_anonymous_page / finish_fault / filemap_map_pages
 *   / wp_page_copy map it again to write (pte_offset_map_lock) — mm/memory.c
 * - fork (2 per (VMA, PTE page)): copy_pte_range maps the child's (pte_alloc_map_lock) and the parent's
 *   (pte_offset_map) PTE page, per VMA that vma_needs_copy (it has an anon_vma, or is VM_PFNMAP) — mm/memory.c
 * - exit, exec's old mm, munmap (1 per (VMA, PTE page)): zap_pte_range (pte_offset_map_lock) per VMA per PTE
 *   page — mm/memory.c
 * - mprotect (1 per (VMA, PTE page)): change_pte_range (pte_offset_map_lock) per VMA per PTE page —
 *   mm/mprotect.c
 * - exec (see execRecord): get_arg_page → get_user_pages_remote → follow_page_pte (pte_offset_map_lock), the
 *   arg page's fault; setup_arg_pages' mprotect_fixup and shift_arg_pages → move_ptes (old and new) —
 *   fs/exec.c, mm/gup.c, mm/mremap.c
 *
 * A new PTE page is allocated zeroed (GFP_PGTABLE_USER has __GFP_ZERO; under HIGHPTE it comes from
 * highmem and is cleared through kmap_local_page, mm/page_alloc.c) — one more map of a page-table page.
 * `counts.ptKmaps` counts all of them for highmem PTE pages (with HIGHPTE off they are in lowmem and need
 * no mapping). VMAs are the trace's `mmap` records; memory touched outside them (the stack, heap and bss an
 * exec set up) counts as one more VMA per PTE page where it has a present PTE.
 */
import { touchFrame } from './kmap/kernel-touch.ts';
import type { Machine } from './machine.ts';
import type { Mm } from './process.ts';
import { PAGE_SIZE } from '../units/address.ts';

/** The API that maps PTE pages: the profile's pteAccess, never the sleeping pkmap pool (atomic context). */
export function pteApi(m: Machine): 'atomic' | 'local' {
  const api = m.pathApi(m.policy.pteAccess);
  return api === 'pkmap' ? 'atomic' : api;
}

/**
 * One pte_offset_map / pte_unmap of the PTE page at directory index `dir` of `mm` by the kernel on `cpu`
 * (read or written through the mapping; the PTE writes are charged by the caller). Nothing for a lowmem
 * PTE page (direct map).
 */
export function mapPtePage(m: Machine, cpu: number, mm: Mm, dir: number): void {
  const pfn = mm.ptePagePfns.get(dir);
  if (pfn === undefined || !m.isHigh(pfn)) return;
  m.counts.ptKmaps++;
  touchFrame(m, cpu, pfn, pteApi(m), 0);
}

/** Directory index of the PTE page covering `vpn`. */
export function dirOf(mm: Mm, vpn: number): number {
  return Math.floor(vpn / mm.pt.ptrsPerPte);
}

/**
 * How many VMAs a page-table walk over [loVpn, endVpn) (inside one PTE page) goes through: the recorded
 * VMAs that intersect it (with `copyOnly`, those fork copies: vma_needs_copy — they have an anon_vma), plus
 * one when a present PTE lies outside every recorded VMA (the stack/heap/bss of an exec, anonymous).
 */
export function walkUnits(mm: Mm, loVpn: number, endVpn: number, copyOnly: boolean): number {
  let n = 0;
  for (const v of mm.vmas) {
    const a = Math.max(loVpn, Math.floor(v.start / PAGE_SIZE));
    const b = Math.min(endVpn, Math.ceil(v.end / PAGE_SIZE));
    if (b > a && (!copyOnly || v.anon)) n++;
  }
  let outside = false;
  mm.pt.forEachPresent(loVpn, endVpn, (vpn) => {
    if (!outside && mm.vmaAt(vpn * PAGE_SIZE) === undefined) outside = true;
  });
  return n + (outside ? 1 : 0);
}

/** zap_pte_range / change_pte_range over [firstVpn, endVpn): one map per (VMA, existing PTE page). */
export function mapPtePagesOfRange(m: Machine, cpu: number, mm: Mm, firstVpn: number, endVpn: number): void {
  const per = mm.pt.ptrsPerPte;
  for (let dir = dirOf(mm, firstVpn); dir * per < endVpn; dir++) {
    if (!mm.ptePagePfns.has(dir)) continue;
    const units = walkUnits(mm, Math.max(firstVpn, dir * per), Math.min(endVpn, (dir + 1) * per), false);
    for (let k = 0; k < units; k++) mapPtePage(m, cpu, mm, dir);
  }
}
