/**
 * `LayoutDetail`: the full result of src/layout/compute.ts. It is a `Layout` (src/layout/types.ts, what
 * the rest of hmsim consumes) plus the intermediate values the kernel computes on the way, for the
 * printout, `--json` and the capacity model.
 */
import type { Layout, Region } from './types.ts';

export interface LayoutDetail extends Layout {
  /** Label of the split ("3G/1G", "2G_OPT", "4G/4G", "x86_64"). */
  readonly splitLabel: string;
  /** high_memory: end of the direct map (PAGE_OFFSET + lowmem bytes). */
  readonly highMemory: number;
  /** MAXMEM: the most RAM the direct map may cover, bytes. */
  readonly maxmemBytes: number;
  /** __VMALLOC_RESERVE in effect (128 MiB default; vmalloc=SIZE (+8 MiB since 2008)). */
  readonly vmallocReserveBytes: number;
  /** FIXADDR_TOP. */
  readonly fixaddrTop: number;
  /** FIXADDR_TOT_START (start of the boot-time fixmap slots). */
  readonly fixaddrTotStart: number;
  /** __end_of_permanent_fixed_addresses (pages). */
  readonly fixmapPermanentPages: number;
  /** __end_of_fixed_addresses (pages). */
  readonly fixmapTotalPages: number;
  readonly cpuEntryArea: Region | null;
  readonly ldtRemap: Region | null;
  readonly pkmap: Region | null;
  /** PMD_SIZE of the paging mode (4 MiB non-PAE, 2 MiB PAE, 2 MiB x86_64). */
  readonly pmdSize: number;
  /** Page-table levels: 2 (non-PAE), 3 (PAE), 4 (x86_64). */
  readonly pagingLevels: 2 | 3 | 4;
  /** sizeof(struct page) used for memMapBytes. */
  readonly structPageBytes: number;
  /** RAM installed (the --ram value), bytes. */
  readonly ramBytes: number;
  /** RAM the kernel does not use (above max_pfn: ignored by NOHIGHMEM, trimmed without PAE), bytes. */
  readonly ignoredRamBytes: number;
  /** Bytes of lowmem (max_low_pfn * 4K) and of RAM in highmem (the e820 RAM in [max_low_pfn, max_pfn): the PCI hole left out). */
  readonly lowmemBytes: number;
  readonly highmemBytes: number;
  /** The boot lines the kernel would print about memory (warnings, LOWMEM/HIGHMEM, zone ranges). */
  readonly dmesg: readonly string[];
  /** hmsim's own explanations of clamps (why RAM is unusable), in plain words; not kernel output. */
  readonly notes: readonly string[];
}
