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
  /** Kernel messages printed about ignored RAM, verbatim. */
  readonly warnings: readonly string[];
}

/** find_low_pfn_range() and the e820 clamp before it. */
export function findLowPfnRange(input: LowPfnInput): LowPfnResult {
  const { messages: m } = input;
  const warnings: string[] = [];
  const ramPfn = Math.floor(input.ramBytes / 2 ** PAGE_SHIFT);
  let maxPfn = ramPfn;
  const archMax = input.pae ? MAX_PAE_PFN : MAX_NONPAE_PFN;
  if (input.e820ClampsToArchMax && maxPfn > archMax) {
    maxPfn = archMax;
    warnings.push(printk(m.e820Clamp, [maxPfn, archMax]));
  }
  const maxmemPfn = Math.floor(input.maxmemBytes / 2 ** PAGE_SHIFT);
  if (maxPfn <= maxmemPfn) return { maxPfn, maxLowPfn: maxPfn, ramPfn, warnings };

  const maxLowPfn = maxmemPfn;
  if (!input.highmem) {
    warnings.push(printk(m.nohighmemOnly, [Math.floor(input.maxmemBytes / 2 ** 20)]));
    warnings.push(maxPfn > MAX_NONPAE_PFN ? m.nohighmemUsePae : m.nohighmemUseHighmem);
    maxPfn = maxmemPfn;
  } else if (!input.pae && maxPfn > MAX_NONPAE_PFN) {
    maxPfn = MAX_NONPAE_PFN;
    warnings.push(...m.highmemTrimmed);
  }
  return { maxPfn, maxLowPfn, ramPfn, warnings };
}
