/**
 * max_pfn and max_low_pfn as the kernel chooses them at boot, with the messages it prints.
 *
 * Pipeline (arch/x86/kernel/e820.c, arch/x86/mm/init_32.c; arch/i386/kernel/setup.c in 2.6.x):
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

export interface LowPfnInput {
  /** Highest RAM address + 1, bytes. */
  readonly ramBytes: number;
  /** End of the RAM below the PCI hole when RAM continues at 4 GiB (MachineConfig.ramBelow4gBytes). */
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
  /** Bytes of RAM below max_pfn (the hole not counted). */
  readonly usedRamBytes: number;
  /** Bytes of RAM installed (the hole not counted). */
  readonly installedRamBytes: number;
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
  const ramPfn = Math.floor(input.ramBytes / page);
  const below = input.ramBelow4gBytes;
  // RAM as e820 ranges of pfns: [0, ram) or [0, below) + [4 GiB, ram).
  const ranges: (readonly [number, number])[] =
    below === null ? [[0, ramPfn]] : [[0, Math.floor(below / page)], [MAX_NONPAE_PFN, ramPfn]];
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
  const installed = ranges.reduce((sum, [s, e]) => sum + Math.max(0, e - s), 0) * page;
  const used = ranges.reduce((sum, [s, e]) => sum + Math.max(0, Math.min(e, maxPfn) - s), 0) * page;
  return { maxPfn, maxLowPfn, ramPfn, usedRamBytes: used, installedRamBytes: installed, warnings };
}
