/**
 * The kernel regions above vmalloc, computed top-down with the kernel's own formulas.
 *
 *   FIXADDR_TOP ─ permanent fixmap ─ FIXADDR_START ─ boot fixmap ─ FIXADDR_TOT_START (FIXADDR_BOOT_START)
 *     [4.15+] CPU_ENTRY_AREA_BASE = (FIXADDR_TOT_START - (CPU_ENTRY_AREA_PAGES + 1)*4K) & PMD_MASK,
 *             mapped size 4K + NR_CPUS * sizeof(struct cpu_entry_area) (CPU_ENTRY_AREA_MAP_SIZE)
 *     [4.19+] LDT_BASE_ADDR       = (CPU_ENTRY_AREA_BASE - 4K) & PMD_MASK, one PMD long
 *     [HIGHMEM] PKMAP_BASE        = (LDT_BASE_ADDR or CPU_ENTRY_AREA_BASE - 4K) & PMD_MASK        (4.15+)
 *                                 = (FIXADDR_BOOT_START - 4K*(LAST_PKMAP + 1)) & PMD_MASK           (classic)
 *     VMALLOC_END = PKMAP_BASE - 2*4K (HIGHMEM), else (LDT_BASE_ADDR | CPU_ENTRY_AREA_BASE | FIXADDR_START) - 2*4K
 *
 * Sources: arch/x86/include/asm/pgtable_32_areas.h (6.x), pgtable_32_types.h (4.15-5.x),
 * include/asm-i386/pgtable.h and highmem.h (2.6.x).
 */
import { PAGE_SIZE, alignDown } from '../units/address.ts';
import type { LayoutFacts } from './facts.ts';
import { computeFixmap, type FixmapLayout } from './fixmap.ts';
import type { PagingShape } from './paging.ts';
import type { Region } from './types.ts';

/** The evaluated top area. Addresses in bytes; regions are [start, end). */
export interface TopArea {
  readonly fixmap: FixmapLayout;
  readonly fixaddrTop: number;
  /** FIXADDR_START: start of the permanent fixmap. */
  readonly fixaddrStart: number;
  /** FIXADDR_TOT_START (FIXADDR_BOOT_START before 4.15): start of the boot-time fixmap slots. */
  readonly fixaddrTotStart: number;
  /** [CPU_ENTRY_AREA_BASE, BASE + CPU_ENTRY_AREA_MAP_SIZE) — 4 KiB read-only IDT + NR_CPUS areas. */
  readonly cpuEntryArea: Region | null;
  /** [LDT_BASE_ADDR, LDT_END_ADDR). */
  readonly ldtRemap: Region | null;
  /** [PKMAP_BASE, PKMAP_BASE + LAST_PKMAP*4K). */
  readonly pkmap: Region | null;
  /** VMALLOC_END (exclusive end of the vmalloc area). */
  readonly vmallocEnd: number;
}

/** Which formulas to use: the profile's facts, or the classic ones (the 2003 4G/4G patch). */
export interface TopAreaInput {
  readonly facts: LayoutFacts;
  readonly highmem: boolean;
  readonly nrCpus: number;
  readonly paging: PagingShape;
  /** Drop cpu_entry_area and the LDT PMD and use the classic pkmap anchor (4G/4G). */
  readonly classicOverride: boolean;
}

/** Computes the top area for one configuration. */
export function computeTopArea(input: TopAreaInput): TopArea {
  const { facts, highmem, nrCpus, paging } = input;
  const fixmap = computeFixmap(facts.fixmap, highmem, nrCpus, paging.ptrsPerPte);
  const top = facts.fixaddrTop;
  const fixaddrStart = top - fixmap.permanentPages * PAGE_SIZE;
  const fixaddrTotStart = top - fixmap.totalPages * PAGE_SIZE;
  const ceaPages = input.classicOverride ? null : facts.cpuEntryAreaPagesPerCpu;
  const ceaReserved = facts.cpuEntryAreaReservedPagesPerCpu ?? ceaPages ?? 0;

  let cpuEntryArea: Region | null = null;
  let ldtRemap: Region | null = null;
  let pkmap: Region | null = null;
  let vmallocEnd: number;

  if (ceaPages !== null) {
    // The +1 page is the read-only IDT at CPU_ENTRY_AREA_BASE.
    const ceaBase = alignDown(fixaddrTotStart - PAGE_SIZE * (nrCpus * ceaReserved + 1), paging.pmdSize);
    cpuEntryArea = { name: 'cpu_entry', start: ceaBase, end: ceaBase + PAGE_SIZE + nrCpus * ceaPages * PAGE_SIZE };
    let anchor = ceaBase;
    if (facts.ldtRemap) {
      const ldtBase = alignDown(ceaBase - PAGE_SIZE, paging.pmdSize);
      ldtRemap = { name: 'ldt_remap', start: ldtBase, end: ldtBase + paging.pmdSize };
      anchor = ldtBase;
    }
    if (highmem) {
      const base = alignDown(anchor - PAGE_SIZE, paging.pmdSize);
      pkmap = { name: 'pkmap', start: base, end: base + paging.lastPkmap * PAGE_SIZE };
      vmallocEnd = base - 2 * PAGE_SIZE;
    } else {
      vmallocEnd = anchor - 2 * PAGE_SIZE;
    }
  } else if (highmem) {
    const base = alignDown(fixaddrTotStart - PAGE_SIZE * (paging.lastPkmap + 1), paging.pmdSize);
    pkmap = { name: 'pkmap', start: base, end: base + paging.lastPkmap * PAGE_SIZE };
    vmallocEnd = base - 2 * PAGE_SIZE;
  } else {
    vmallocEnd = fixaddrStart - 2 * PAGE_SIZE;
  }
  return { fixmap, fixaddrTop: top, fixaddrStart, fixaddrTotStart, cpuEntryArea, ldtRemap, pkmap, vmallocEnd };
}
