/**
 * computeLayout: what an x86-32 kernel computes at boot for a MachineConfig.
 *
 *   MachineConfig ─► (1) paging shape (PAE or not)
 *                    (2) top area: fixmap enum → FIXADDR_START/TOT_START → cpu_entry_area → LDT PMD
 *                        → pkmap → VMALLOC_END                                    (top-area.ts)
 *                    (3) MAXMEM from VMALLOC_END (or -PAGE_OFFSET, classic) and the vmalloc reserve
 *                    (4) max_pfn / max_low_pfn with the kernel's clamps and messages  (lowmem.ts)
 *                    (5) high_memory, VMALLOC_START, zones, mem_map, printout lines
 *                ─► LayoutDetail (a Layout plus the intermediate values)
 *
 * x86_64 is the reference configuration and has its own constants (x86-64.ts). The 4G/4G split uses
 * the classic (2.6-era) formulas, as the 2003 patch did, with the profile's fixmap enum.
 */
import { ConfigError } from '../errors.ts';
import { FOUR_GIB, MiB, PAGE_SIZE, alignDown, alignUp, hex32 } from '../units/address.ts';
import type { LayoutDetail } from './detail.ts';
import { defaultRamBelow4g, findLowPfnRange, pagesBelow } from './lowmem.ts';
import { pagingShape } from './paging.ts';
import { SPLITS } from './splits.ts';
import { computeTopArea } from './top-area.ts';
import type { MachineConfig, Region } from './types.ts';
import { computeX8664Layout } from './x86-64.ts';
import { zoneRangeLines, zonesOf } from './zones.ts';

/** VMALLOC_OFFSET: the 8 MiB hole between the direct map and vmalloc. */
export const VMALLOC_OFFSET = 8 * MiB;
/** MAX_ORDER_NR_PAGES: mem_map is sized in blocks of this many pages (FLATMEM alloc_node_mem_map). */
export const MAX_ORDER_NR_PAGES = 1024;
/** Smallest lowmem a kernel can boot with in this model (the 16 MiB DMA zone). */
const MIN_LOWMEM = 16 * MiB;

/** Computes the layout of `cfg`. Throws UserError for a configuration no kernel could boot. */
export function computeLayout(cfg: MachineConfig): LayoutDetail {
  if (cfg.split === 'x86_64') return computeX8664Layout(cfg);
  const split = SPLITS[cfg.split];
  const facts = cfg.kernel.layout;
  const fourG = cfg.split === '4G4G';
  const classicMaxmem = fourG || facts.maxmem === 'classic';
  const roundedStart = fourG || facts.vmallocStartRounded;
  const addsOffset = !fourG && facts.vmallocParamAddsOffset;
  const highmem = cfg.highmem !== 'off';

  // (1) paging shape
  const paging = pagingShape(cfg.pae);

  // (2) top area
  const top = computeTopArea({ facts, highmem, nrCpus: cfg.nrCpus, paging, classicOverride: fourG });

  // (3) MAXMEM
  const reserve = cfg.vmallocBytes === null ? facts.vmallocReserveDefault : cfg.vmallocBytes + (addsOffset ? VMALLOC_OFFSET : 0);
  const maxmem = classicMaxmem ? FOUR_GIB - split.pageOffset - reserve : top.vmallocEnd - split.pageOffset - reserve;
  if (maxmem < MIN_LOWMEM) {
    const what = cfg.vmallocBytes === null ? 'the default vmalloc reserve' : `--vmalloc ${cfg.vmallocBytes} bytes`;
    throw new ConfigError(
      `${what} leaves ${Math.max(0, Math.floor(maxmem / MiB))} MB of lowmem (MAXMEM) under ${split.label}; a kernel needs at least 16 MB`,
    );
  }

  // (4) max_pfn / max_low_pfn
  const low = findLowPfnRange({
    ramBytes: cfg.ramBytes,
    ramBelow4gBytes: cfg.ramBelow4gBytes ?? null,
    maxmemBytes: maxmem,
    highmem,
    pae: cfg.pae,
    e820ClampsToArchMax: facts.e820ClampsToArchMax && !fourG,
    messages: facts.messages,
  });

  // (5) high_memory, vmalloc, zones, mem_map
  const highMemory = split.pageOffset + low.maxLowPfn * PAGE_SIZE;
  const vmallocStart = roundedStart ? alignDown(highMemory + 2 * VMALLOC_OFFSET - 1, VMALLOC_OFFSET) : highMemory + VMALLOC_OFFSET;
  if (vmallocStart >= top.vmallocEnd) {
    // The kernel's BUG_ON(VMALLOC_START >= VMALLOC_END) in mem_init().
    throw new ConfigError(
      `--vmalloc: ${cfg.kernel.name} would stop at BUG_ON(VMALLOC_START >= VMALLOC_END): ` +
        `VMALLOC_START ${hex32(vmallocStart)}, VMALLOC_END ${hex32(top.vmallocEnd)}`,
    );
  }
  const zones = zonesOf(low.maxLowPfn, low.maxPfn, highmem);
  const lowmemMB = Math.floor(low.maxLowPfn / 256);
  const highmemMB = highmem ? Math.floor((low.maxPfn - low.maxLowPfn) / 256) : 0;
  const dmesg = [...low.warnings];
  if (highmem) dmesg.push(`${highmemMB}MB HIGHMEM available.`);
  dmesg.push(`${lowmemMB}MB LOWMEM available.`);
  dmesg.push(...zoneRangeLines(zones));

  const ignored = low.e820RamBytes - low.usedRamBytes;
  const notes = clampNotes(low.ramPfn, low.maxPfn, low.maxLowPfn, highmem, cfg.pae, ignored);

  const regions: Region[] = [{ name: 'fixmap', start: top.fixaddrStart, end: top.fixaddrTop }];
  regions.push({ name: 'fixmap_boot', start: top.fixaddrTotStart, end: top.fixaddrStart });
  if (top.cpuEntryArea) regions.push(top.cpuEntryArea);
  if (top.ldtRemap) regions.push(top.ldtRemap);
  if (top.pkmap) regions.push(top.pkmap);
  regions.push({ name: 'vmalloc', start: vmallocStart, end: top.vmallocEnd });
  regions.push({ name: 'hole', start: highMemory, end: vmallocStart });
  regions.push({ name: 'lowmem', start: split.pageOffset, end: highMemory });

  return {
    config: cfg,
    splitLabel: split.label,
    pageOffset: split.pageOffset,
    taskSize: split.taskSize,
    maxPfn: low.maxPfn,
    maxLowPfn: low.maxLowPfn,
    lowmemMB,
    highmemMB,
    vmallocStart,
    vmallocEnd: top.vmallocEnd,
    pkmapBase: top.pkmap?.start ?? 0,
    lastPkmap: top.pkmap ? paging.lastPkmap : 0,
    fixaddrStart: top.fixaddrStart,
    memMapBytes: alignUp(low.maxPfn, MAX_ORDER_NR_PAGES) * facts.structPageBytes,
    regions,
    zones,
    ram: {
      installedBytes: cfg.ramBytes,
      below4gBytes: Math.min(cfg.ramBytes, cfg.ramBelow4gBytes ?? defaultRamBelow4g(cfg.ramBytes)),
      usableBytes: low.usedRamBytes,
      firmwareBytes: cfg.ramBytes - low.e820RamBytes,
      ignoredBytes: ignored,
      ranges: low.ramRanges,
    },
    warnings: low.warnings,
    highMemory,
    maxmemBytes: maxmem,
    vmallocReserveBytes: reserve,
    fixaddrTop: top.fixaddrTop,
    fixaddrTotStart: top.fixaddrTotStart,
    fixmapPermanentPages: top.fixmap.permanentPages,
    fixmapTotalPages: top.fixmap.totalPages,
    cpuEntryArea: top.cpuEntryArea,
    ldtRemap: top.ldtRemap,
    pkmap: top.pkmap,
    pmdSize: paging.pmdSize,
    pagingLevels: paging.levels,
    structPageBytes: facts.structPageBytes,
    ramBytes: cfg.ramBytes,
    ignoredRamBytes: ignored,
    lowmemBytes: low.maxLowPfn * PAGE_SIZE,
    highmemBytes: highmem ? low.usedRamBytes - pagesBelow(low.ramRanges, low.maxLowPfn) * PAGE_SIZE : 0,
    dmesg,
    notes,
  };
}

/** Plain-words explanations of why RAM goes unused (the kernel's own lines are in `warnings`). */
function clampNotes(ramPfn: number, maxPfn: number, maxLowPfn: number, highmem: boolean, pae: boolean, ignored: number): string[] {
  if (ignored <= 0) return [];
  const mb = Math.floor(ignored / MiB);
  if (!highmem && maxPfn === maxLowPfn && ramPfn > maxPfn) {
    return [
      `${mb} MB of RAM is unusable: without HIGHMEM only the ${Math.floor(maxLowPfn / 256)} ` +
        `MB the kernel can map permanently are used (HIGHMEM4G or HIGHMEM64G would use the rest)`,
    ];
  }
  if (!pae && ramPfn > FOUR_GIB / PAGE_SIZE) {
    return [
      `${mb} MB of RAM is unusable: it sits above 4 GB (the PCI hole pushes it there) and without ` +
        `PAE only the first 4 GB of physical addresses can be used; HIGHMEM64G (PAE) would use it`,
    ];
  }
  return [`${mb} MB of RAM is unusable (above max_pfn 0x${maxPfn.toString(16)})`];
}
