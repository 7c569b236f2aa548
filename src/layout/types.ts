/**
 * Configuration and layout types shared by every command.
 *
 * A `MachineConfig` is what the user chose (preset + kernel profile + options), resolved and validated
 * at the edge. A `Layout` is what a real x86-32 kernel computes from it at boot (src/layout/compute.ts).
 */
import type { KmapApiName } from '../trace/records.ts';
import type { LayoutFacts } from './facts.ts';

export type Split = '3G' | '3G_OPT' | '2G' | '2G_OPT' | '1G' | '4G4G' | 'x86_64';
export type HighmemMode = 'off' | '4G' | '64G';

/** Which kmap API a kernel path uses for a highmem page, per kernel era (mm/highmem.c history). */
export interface KmapPolicy {
  /** Copying user data to/from page-cache pages (generic_perform_write / filemap_read). */
  readonly pageCacheCopy: KmapApiName;
  /** Clearing a freshly allocated page (clear_user_highpage / clear_highpage). */
  readonly clearPage: KmapApiName;
  /** Copy-on-write copies (copy_user_highpage). */
  readonly cowCopy: KmapApiName;
  /** Touching a user PTE page when HIGHPTE puts page tables in highmem (pte_offset_map). */
  readonly pteAccess: KmapApiName;
}

/** A kernel profile: the configuration values that shape the layout and the kernel's behaviour. */
export interface KernelProfile {
  readonly name: string;
  readonly description: string;
  /** Kernel version, e.g. "2.6.18", "4.19", "6.1". */
  readonly version: string;
  readonly defaults: {
    readonly split: Split;
    readonly highmem: HighmemMode;
    readonly pae: boolean;
    readonly pti: boolean;
    readonly nrCpus: number;
    readonly highpte: boolean;
  };
  /** Layout-shaping facts of the era and the .config (fixmap contents, cpu_entry_area, LDT remap, ...). */
  readonly layout: LayoutFacts;
  readonly kmap: KmapPolicy;
  readonly sources: readonly string[];
}

/** The resolved configuration of one run. */
export interface MachineConfig {
  /** Label: the preset (or the kernel's default preset) and the options that changed it (configs.ts configName). */
  readonly name: string;
  readonly kernel: KernelProfile;
  readonly split: Split;
  readonly highmem: HighmemMode;
  readonly pae: boolean;
  readonly pti: boolean;
  readonly highpte: boolean;
  /** CONFIG_NR_CPUS (shapes fixmap and cpu_entry_area). */
  readonly nrCpus: number;
  /** CPUs that actually run the trace (online CPUs); at most nrCpus. */
  readonly cpus: number;
  /** RAM installed, in bytes (`--ram`: what a PC with that much memory has; see src/layout/lowmem.ts pcE820). */
  readonly ramBytes: number;
  /**
   * End of the RAM below the PCI hole, in bytes; the rest of ramBytes sits from 4 GiB up (as QEMU and real
   * boards place it) and only PAE kernels can use it. Absent: the PC default, 3 GiB from 3.5 GiB of RAM
   * up, else all of it below 4 GiB (lowmem.ts defaultRamBelow4g).
   */
  readonly ramBelow4gBytes?: number;
  /** The `vmalloc=` boot parameter in bytes, or null for the default reserve. */
  readonly vmallocBytes: number | null;
}

export interface Region {
  readonly name: string;
  readonly start: number;
  /** Exclusive end. */
  readonly end: number;
}

export interface Zone {
  /** `DMA32` appears only in the x86_64 reference configuration. */
  readonly name: 'DMA' | 'DMA32' | 'Normal' | 'HighMem';
  readonly startPfn: number;
  /** Exclusive end pfn. */
  readonly endPfn: number;
}

/** Where the installed RAM went: installedBytes = usableBytes + firmwareBytes + ignoredBytes. */
export interface RamMap {
  /** RAM installed (--ram), bytes. */
  readonly installedBytes: number;
  /** RAM below the PCI hole, bytes (the rest is above 4 GiB). */
  readonly below4gBytes: number;
  /** e820 RAM below max_pfn: what the kernel manages, bytes. */
  readonly usableBytes: number;
  /** Installed RAM the firmware keeps (640 KiB-1 MiB, the BIOS's top 128 KiB below the hole), bytes. */
  readonly firmwareBytes: number;
  /** e820 RAM the kernel ignores (above 4 GiB without PAE, above lowmem without HIGHMEM), bytes. */
  readonly ignoredBytes: number;
  /** The e820 RAM ranges below max_pfn, pfns [start, end). */
  readonly ranges: readonly (readonly [number, number])[];
}

/** What the kernel computes at boot for a MachineConfig. All addresses are numbers (bytes). */
export interface Layout {
  readonly config: MachineConfig;
  readonly pageOffset: number;
  readonly taskSize: number;
  readonly maxPfn: number;
  readonly maxLowPfn: number;
  readonly lowmemMB: number;
  readonly highmemMB: number;
  readonly vmallocStart: number;
  readonly vmallocEnd: number;
  /** 0 when the configuration has no pkmap (no HIGHMEM). */
  readonly pkmapBase: number;
  /** LAST_PKMAP: 1024 non-PAE, 512 PAE, 0 without HIGHMEM. */
  readonly lastPkmap: number;
  readonly fixaddrStart: number;
  readonly memMapBytes: number;
  /** Kernel regions top-down. */
  readonly regions: readonly Region[];
  readonly zones: readonly Zone[];
  /** Where the installed RAM went (the e820 map and the kernel's clamps). */
  readonly ram: RamMap;
  /** Messages the kernel prints about the configuration (ignored RAM, clamps). */
  readonly warnings: readonly string[];
}
