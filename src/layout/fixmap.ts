/**
 * The fixmap enum of one kernel build, evaluated for a configuration (arch/x86/include/asm/fixmap.h).
 *
 * Index 0 is the page at FIXADDR_TOP and indices grow downwards: slot i lives at FIXADDR_TOP - i*4K.
 * Permanent entries end at __end_of_permanent_fixed_addresses (FIXADDR_START = FIXADDR_TOP minus that
 * many pages). Then come the boot-time FIX_BTMAP slots; since 2.6.3x their start index is moved up so
 * that they do not straddle a page-table page:
 *
 *   FIX_BTMAP_END = (END ^ (END + TOTAL - 1)) & -PTRS_PER_PTE
 *                   ? END + TOTAL - (END & (TOTAL - 1))
 *                   : END
 *
 * with END = __end_of_permanent_fixed_addresses and TOTAL = the number of boot slots. The last few
 * entries (FIX_WP_TEST, FIX_TBOOT_BASE) follow, ending at __end_of_fixed_addresses (FIXADDR_TOT_START).
 */
import type { FixmapEntry, FixmapFacts } from './facts.ts';

/** One evaluated fixmap entry: its first index and page count. */
export interface FixmapSlot {
  readonly name: string;
  readonly firstIndex: number;
  readonly pages: number;
  readonly config: string;
}

/** The evaluated enum. All counts are pages (indices). */
export interface FixmapLayout {
  readonly slots: readonly FixmapSlot[];
  /** __end_of_permanent_fixed_addresses. */
  readonly permanentPages: number;
  /** FIX_BTMAP_END (lowest boot-slot index). */
  readonly btmapEnd: number;
  /** FIX_BTMAP_BEGIN (highest boot-slot index). */
  readonly btmapBegin: number;
  /** __end_of_fixed_addresses. */
  readonly totalPages: number;
}

/** Pages of one entry under a configuration; 0 when its `when` condition is not met. */
export function entryPages(e: FixmapEntry, highmem: boolean, nrCpus: number): number {
  if (e.when === 'highmem' && !highmem) return 0;
  return e.pages + e.pagesPerCpu * nrCpus;
}

/**
 * FIX_BTMAP_END for `end` permanent pages, `total` boot slots (a power of two) and `ptrsPerPte` entries
 * per page-table page; `align` false gives the pre-2.6.3x placement (directly after the permanent ones).
 */
export function btmapEndIndex(end: number, total: number, ptrsPerPte: number, align: boolean): number {
  if (!align) return end;
  // (a ^ b) & -n tests whether a and b lie in different n-aligned blocks.
  const straddles = Math.floor(end / ptrsPerPte) !== Math.floor((end + total - 1) / ptrsPerPte);
  return straddles ? end + total - (end % total) : end;
}

/** Evaluates the enum for `highmem` (CONFIG_HIGHMEM), `nrCpus` (CONFIG_NR_CPUS) and the paging mode. */
export function computeFixmap(facts: FixmapFacts, highmem: boolean, nrCpus: number, ptrsPerPte: number): FixmapLayout {
  const slots: FixmapSlot[] = [];
  let idx = 0;
  for (const e of facts.permanent) {
    const pages = entryPages(e, highmem, nrCpus);
    if (pages === 0) continue;
    slots.push({ name: e.name, firstIndex: idx, pages, config: e.config });
    idx += pages;
  }
  const permanentPages = idx;
  const btmapEnd = btmapEndIndex(permanentPages, facts.bootSlots, ptrsPerPte, facts.bootAlignToPtePage);
  const btmapBegin = btmapEnd + facts.bootSlots - 1;
  slots.push({ name: 'FIX_BTMAP_END..FIX_BTMAP_BEGIN', firstIndex: btmapEnd, pages: facts.bootSlots, config: 'early_ioremap' });
  idx = btmapBegin + 1;
  for (const e of facts.afterBoot) {
    const pages = entryPages(e, highmem, nrCpus);
    if (pages === 0) continue;
    slots.push({ name: e.name, firstIndex: idx, pages, config: e.config });
    idx += pages;
  }
  return { slots, permanentPages, btmapEnd, btmapBegin, totalPages: idx };
}
