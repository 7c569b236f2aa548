/**
 * max_pfn and max_low_pfn as the kernel chooses them at boot, with the messages it prints.
 *
 * Pipeline (arch/x86/kernel/e820.c, arch/x86/mm/init_32.c; arch/i386/kernel/setup.c in 2.6.x):
 *   0. the e820 map of a PC with that much RAM (pcE820: the legacy hole, the BIOS's top 128 KiB, and
 *      from 3.5 GiB of RAM up only 3 GiB below the PCI hole, the rest from 4 GiB up);
 *   1. max_pfn = end of RAM / 4K, clamped to MAX_ARCH_PFN (4 GiB non-PAE, 64 GiB PAE) by e820 in
 *      2.6.2x+ kernels (silently but for the "last_pfn = ... max_arch_pfn = ..." info line).
 *   2. max_pfn <= MAXMEM_PFN → all RAM is lowmem (lowmem_pfn_init).
 *   3. else highmem_pfn_init: max_low_pfn = MAXMEM_PFN; a NOHIGHMEM kernel ignores the rest
 *      ("Warning only %ldMB will be used." + which kernel to use) and sets max_pfn = MAXMEM_PFN; a
 *      HIGHMEM4G kernel trims max_pfn to 4 GiB ("Warning: only 4GB will be used...").
 */
import { PAGE_SHIFT } from '../units/address.ts';
import type { KernelMessages } from './facts.ts';
import { printk } from './printk.ts';

/** MAX_NONPAE_PFN: 4 GiB in pages. */
export const MAX_NONPAE_PFN = 1 << 20;
/** MAX_ARCH_PFN with PAE: 64 GiB (36-bit physical) in pages. */
export const MAX_PAE_PFN = 1 << 24;

/** A range of page frames [start, end). */
export type PfnRange = readonly [number, number];

/** RAM at or above this size is split around the PCI hole by default (QEMU pc: 0xe0000000). */
export const PCI_HOLE_SPLIT_BYTES = 0xe0000000;
/** RAM below 4 GiB when it is split (QEMU pc/i440fx `lowmem`, and the usual PC): 3 GiB. */
export const DEFAULT_RAM_BELOW_4G_BYTES = 0xc0000000;
/** The legacy hole: e820 RAM ends at 0x9fc00 (EBDA), ROMs and VGA up to 1 MiB. */
const LEGACY_RAM_END_PFN = 0x9f;
const ONE_MIB_PFN = 0x100;
/** The BIOS keeps the top 128 KiB of the RAM below 4 GiB (its high tables): -m 3G gives max_pfn 0xbffe0. */
export const BIOS_TOP_RESERVED_BYTES = 0x20000;

/** End of the RAM below 4 GiB for `ramBytes` of installed RAM: 3 GiB from 3.5 GiB up, else all of it. */
export function defaultRamBelow4g(ramBytes: number): number {
  return ramBytes >= PCI_HOLE_SPLIT_BYTES ? DEFAULT_RAM_BELOW_4G_BYTES : ramBytes;
}

/**
 * The e820 RAM ranges of a PC with `ramBytes` installed, `belowBytes` of them below the PCI hole (the
 * rest from 4 GiB up), as QEMU's pc machine and SeaBIOS report them: RAM [0, 0x9fc00) (pfns 0..0x9e),
 * reserved to 1 MiB, RAM [1 MiB, below − 128 KiB), reserved to `below`, then RAM [4 GiB, 4 GiB + rest).
 * The real boots (tests/fixtures/validation/layout/README.md) give max_pfn 0xbffe0 at -m 3G and
 * "3145208K" present = 158 pages below 640 KiB (page 0 reserved) + [0x100, 0xbffe0).
 */
export function pcE820(ramBytes: number, belowBytes: number): PfnRange[] {
  const page = 2 ** PAGE_SHIFT;
  const below = Math.min(ramBytes, belowBytes);
  const lowEnd = Math.floor((below - BIOS_TOP_RESERVED_BYTES) / page);
  const ranges: PfnRange[] = [[0, Math.min(LEGACY_RAM_END_PFN, lowEnd)]];
  if (lowEnd > ONE_MIB_PFN) ranges.push([ONE_MIB_PFN, lowEnd]);
  const above = Math.floor((ramBytes - below) / page);
  if (above > 0) ranges.push([MAX_NONPAE_PFN, MAX_NONPAE_PFN + above]);
  return ranges;
}

/**
 * The installed RAM whose memory map (pcE820, with the default split around the PCI hole) ends at page
 * `endPfn` — the kernel's max_pfn, which a running box shows as the highest zone end in /proc/zoneinfo
 * (the capture kit's `ram=`) — or undefined when no installed size gives that end. The inverse of
 * pcE820's end: below 4 GiB the BIOS keeps the top 128 KiB (-m 2G ends at 0x7ffe0), above it the RAM
 * past 3 GiB continues from 4 GiB (-m 4G ends at 0x140000).
 */
export function installedRamForEnd(endPfn: number): number | undefined {
  if (!Number.isSafeInteger(endPfn) || endPfn <= ONE_MIB_PFN) return undefined;
  const page = 2 ** PAGE_SHIFT;
  const installed =
    endPfn > MAX_NONPAE_PFN ? DEFAULT_RAM_BELOW_4G_BYTES + (endPfn - MAX_NONPAE_PFN) * page : endPfn * page + BIOS_TOP_RESERVED_BYTES;
  const ranges = pcE820(installed, defaultRamBelow4g(installed));
  return ranges[ranges.length - 1]![1] === endPfn ? installed : undefined;
}

/** Pages of `ranges` below `endPfn`. */
export function pagesBelow(ranges: readonly PfnRange[], endPfn: number): number {
  return ranges.reduce((sum, [s, e]) => sum + Math.max(0, Math.min(e, endPfn) - s), 0);
}

export interface LowPfnInput {
  /** RAM installed, bytes. */
  readonly ramBytes: number;
  /** End of the RAM below the PCI hole (MachineConfig.ramBelow4gBytes; null: defaultRamBelow4g). */
  readonly ramBelow4gBytes: number | null;
  /** MAXMEM in bytes. */
  readonly maxmemBytes: number;
  readonly highmem: boolean;
  readonly pae: boolean;
  readonly e820ClampsToArchMax: boolean;
  readonly messages: KernelMessages;
}

export interface LowPfnResult {
  /** max_pfn after every clamp: the RAM the kernel uses ends here. */
  readonly maxPfn: number;
  readonly maxLowPfn: number;
  /** max_pfn before clamps (RAM end / 4K). */
  readonly ramPfn: number;
  /** Bytes of e820 RAM below max_pfn: what the kernel manages. */
  readonly usedRamBytes: number;
  /** Bytes of e820 RAM (installed RAM minus what the firmware keeps). */
  readonly e820RamBytes: number;
  /** The e820 RAM ranges below max_pfn (pfns). */
  readonly ramRanges: readonly PfnRange[];
  /** Kernel messages printed about ignored RAM, verbatim. */
  readonly warnings: readonly string[];
}

/**
 * e820_end_pfn(MAX_ARCH_PFN): the end of the last RAM range, skipping ranges that start at or above the
 * limit and cutting one that crosses it (arch/x86/kernel/e820.c).
 */
export function e820EndPfn(ranges: readonly (readonly [number, number])[], limitPfn: number): number {
  let last = 0;
  for (const [start, end] of ranges) {
    if (start >= limitPfn) continue;
    if (end > limitPfn) return limitPfn;
    if (end > last) last = end;
  }
  return last;
}

/** find_low_pfn_range() and the e820 clamp before it. */
export function findLowPfnRange(input: LowPfnInput): LowPfnResult {
  const { messages: m } = input;
  const warnings: string[] = [];
  const page = 2 ** PAGE_SHIFT;
  const ranges = pcE820(input.ramBytes, input.ramBelow4gBytes ?? defaultRamBelow4g(input.ramBytes));
  const ramPfn = ranges[ranges.length - 1]![1];
  let maxPfn = ramPfn;
  const archMax = input.pae ? MAX_PAE_PFN : MAX_NONPAE_PFN;
  if (input.e820ClampsToArchMax && maxPfn > archMax) {
    maxPfn = e820EndPfn(ranges, archMax);
    warnings.push(printk(m.e820Clamp, [maxPfn, archMax]));
  }
  const maxmemPfn = Math.floor(input.maxmemBytes / page);
  let maxLowPfn = maxPfn;
  if (maxPfn > maxmemPfn) {
    maxLowPfn = maxmemPfn;
    if (!input.highmem) {
      warnings.push(printk(m.nohighmemOnly, [Math.floor(input.maxmemBytes / 2 ** 20)]));
      warnings.push(maxPfn > MAX_NONPAE_PFN ? m.nohighmemUsePae : m.nohighmemUseHighmem);
      maxPfn = maxmemPfn;
    } else if (!input.pae && maxPfn > MAX_NONPAE_PFN) {
      maxPfn = MAX_NONPAE_PFN;
      warnings.push(...m.highmemTrimmed);
    }
  }
  const ramRanges = ranges.filter(([s]) => s < maxPfn).map(([s, e]): PfnRange => [s, Math.min(e, maxPfn)]);
  return {
    maxPfn,
    maxLowPfn,
    ramPfn,
    usedRamBytes: pagesBelow(ranges, maxPfn) * page,
    e820RamBytes: pagesBelow(ranges, Infinity) * page,
    ramRanges,
    warnings,
  };
}
