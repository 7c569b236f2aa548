/**
 * The x86_64 reference configuration: no highmem, every byte of RAM in the direct map, 4-level paging.
 * Addresses from Documentation/arch/x86/x86_64/mm.rst (4-level layout) and
 * arch/x86/include/asm/page_64_types.h / pgtable_64_types.h / fixmap.h:
 *   direct map   ffff888000000000 (64 TiB)     vmalloc  ffffc90000000000 - ffffe8ffffffffff (32 TiB)
 *   cpu_entry    fffffe0000000000 (0.5 TiB)    fixmap   ends at FIXADDR_TOP = ffffffffff7ff000
 *   TASK_SIZE    00007ffffffff000
 * Zones: DMA [0, 16 MiB), DMA32 [16 MiB, 4 GiB), Normal above. struct page is 64 bytes.
 * These 64-bit constants are exactly representable as JS numbers (few significant bits).
 */
import { PAGE_SIZE } from '../units/address.ts';
import type { LayoutDetail } from './detail.ts';
import type { MachineConfig, Zone } from './types.ts';
import { MAX_DMA_PFN } from './zones.ts';
import { defaultRamBelow4g, pagesBelow, pcE820 } from './lowmem.ts';

export const X86_64 = {
  pageOffset: 0xffff888000000000,
  taskSize: 0x7ffffffff000,
  vmallocStart: 0xffffc90000000000,
  vmallocEnd: 0xffffe90000000000,
  cpuEntryArea: 0xfffffe0000000000,
  cpuEntryAreaEnd: 0xfffffe8000000000,
  fixaddrTop: 0xffffffffff7ff000,
  structPageBytes: 64,
  /** DMA32 ends at 4 GiB. */
  maxDma32Pfn: 1 << 20,
} as const;

/** Layout of the x86_64 reference for `cfg` (RAM and NR_CPUS only matter). */
export function computeX8664Layout(cfg: MachineConfig): LayoutDetail {
  // The same PC: RAM above the PCI hole from 4 GiB up, all of it usable (no 4 GiB limit).
  const below = Math.min(cfg.ramBytes, cfg.ramBelow4gBytes ?? defaultRamBelow4g(cfg.ramBytes));
  const ranges = pcE820(cfg.ramBytes, below);
  const maxPfn = ranges[ranges.length - 1]![1];
  const e820Bytes = pagesBelow(ranges, Infinity) * PAGE_SIZE;
  const zones: Zone[] = [{ name: 'DMA', startPfn: 0, endPfn: Math.min(MAX_DMA_PFN, maxPfn) }];
  if (maxPfn > MAX_DMA_PFN) zones.push({ name: 'DMA32', startPfn: MAX_DMA_PFN, endPfn: Math.min(maxPfn, X86_64.maxDma32Pfn) });
  if (maxPfn > X86_64.maxDma32Pfn) zones.push({ name: 'Normal', startPfn: X86_64.maxDma32Pfn, endPfn: maxPfn });
  const highMemory = X86_64.pageOffset + maxPfn * PAGE_SIZE;
  return {
    config: cfg,
    splitLabel: 'x86_64',
    pageOffset: X86_64.pageOffset,
    taskSize: X86_64.taskSize,
    maxPfn,
    maxLowPfn: maxPfn,
    // Every RAM page is direct-mapped: "lowmem" is all the e820 RAM (not max_pfn, whose span includes the PCI hole).
    lowmemMB: Math.floor(e820Bytes / 2 ** 20),
    highmemMB: 0,
    vmallocStart: X86_64.vmallocStart,
    vmallocEnd: X86_64.vmallocEnd,
    pkmapBase: 0,
    lastPkmap: 0,
    fixaddrStart: X86_64.fixaddrTop,
    memMapBytes: maxPfn * X86_64.structPageBytes,
    regions: [
      { name: 'cpu_entry', start: X86_64.cpuEntryArea, end: X86_64.cpuEntryAreaEnd },
      { name: 'vmalloc', start: X86_64.vmallocStart, end: X86_64.vmallocEnd },
      { name: 'lowmem', start: X86_64.pageOffset, end: highMemory },
    ],
    zones,
    ram: {
      installedBytes: cfg.ramBytes,
      below4gBytes: below,
      usableBytes: e820Bytes,
      firmwareBytes: cfg.ramBytes - e820Bytes,
      ignoredBytes: 0,
      ranges,
    },
    warnings: [],
    highMemory,
    maxmemBytes: 64 * 2 ** 40,
    vmallocReserveBytes: 0,
    fixaddrTop: X86_64.fixaddrTop,
    fixaddrTotStart: X86_64.fixaddrTop,
    fixmapPermanentPages: 0,
    fixmapTotalPages: 0,
    cpuEntryArea: { name: 'cpu_entry', start: X86_64.cpuEntryArea, end: X86_64.cpuEntryAreaEnd },
    ldtRemap: null,
    pkmap: null,
    pmdSize: 2 * 2 ** 20,
    pagingLevels: 4,
    structPageBytes: X86_64.structPageBytes,
    ramBytes: cfg.ramBytes,
    ignoredRamBytes: 0,
    // Every byte of RAM is direct-mapped ("lowmem"); the direct map also spans the PCI hole below
    // max_pfn, which is not memory, so lowmem is the e820 RAM, not max_pfn pages.
    lowmemBytes: e820Bytes,
    highmemBytes: 0,
    dmesg: [],
    notes: [],
  };
}
