/**
 * Capacity: how much lowmem a process population costs under a configuration, and how many such
 * processes fit before lowmem runs out. Pure functions over a LayoutDetail; the CLI only formats.
 *
 * Lowmem budget (bytes):
 *   lowmem            = max_low_pfn * 4K                                  (layout)
 *   - mem_map         = ALIGN(max_pfn, 1024) * sizeof(struct page)         (layout; always lowmem)
 *   - static          = kernel image + boot-time reservations              (profile estimate)
 *   - min_free        = min_free_kbytes = int_sqrt(lowmem_kB * 16), clamped to [128 KiB, 256 MiB]
 *                       (mm/page_alloc.c init_per_zone_wmark_min: the kernel keeps it free)
 *   = available for per-process kernel memory and for user pages that did not fit in highmem.
 *
 * Per process (all lowmem, GFP_KERNEL):
 *   kernel stacks     = threads * THREAD_SIZE (8 KiB on x86-32, 16 KiB on x86_64)
 *   per-thread objs   = threads * perThreadBytes (task_struct with FPU state, ...)   (profile estimate)
 *   per-process objs  = perProcessBytes (mm_struct, VMAs, files, signal, sighand)    (profile estimate)
 *   page tables       = top level + PMDs (PAE) + PTE pages; PTE pages go to highmem with HIGHPTE
 *       non-PAE: PGD 4 KiB (8 KiB with PTI); PTE pages = ceil(vm / 4 MiB) + 2
 *       PAE:     PGD 32 B slab object and USER_PTRS_PER_PGD preallocated PMD pages (TASK_SIZE / 1 GiB);
 *                with PTI (no shared kernel PMD): an order-1 8 KiB PGD, all 4 PMD pages and the user
 *                copies of the kernel PMDs (KERNEL_PGD_PTRS) — arch/x86/mm/pgtable.c pgd_alloc;
 *                PTE pages = ceil(vm / 2 MiB) + 2
 *       x86_64:  PGD 4 KiB (8 KiB with PTI), PUD 1 + PMD ceil(vm / 1 GiB) + 1, PTE ceil(vm / 2 MiB) + 2
 *     (the "+ 2" / "+ 1" are the partly used tables of the separate stack and mmap regions.)
 * User pages (rss) go to highmem first (zonelist HIGHMEM → NORMAL → DMA); what does not fit spills
 * into lowmem. With --highmem off everything is lowmem.
 *
 * Processes that fit: the largest N with
 *   N * perProcessLowmem + max(0, N * rssUser - highmemForUser) <= available
 * where highmemForUser = highmem minus the PTE pages placed there by HIGHPTE.
 */
import { UserError } from '../errors.ts';
import { GiB, KiB, MiB, PAGE_SIZE } from '../units/address.ts';
import type { LayoutDetail } from './detail.ts';
import type { ProcessKernelMemory } from './facts.ts';

/** The workload: N identical processes. */
export interface CapacityWorkload {
  /** Number of processes. */
  readonly procs: number;
  /** Threads per process (each has a kernel stack and a task_struct). */
  readonly threads: number;
  /** Resident user memory per process, bytes (anonymous + private page cache; lands in highmem first). */
  readonly rssBytes: number;
  /** Touched virtual address span per process, bytes (sizes the page tables). */
  readonly vmBytes: number;
}

/** The kernel's per-process memory estimates (models/kernels/<name>.json layout.processKernelMemory). */
/** Lowmem of one process, by kind (bytes). */
export interface PerProcessCost {
  readonly kernelStacks: number;
  readonly perThreadObjects: number;
  readonly perProcessObjects: number;
  /** Page-table bytes that must be lowmem (PGD, PMDs, and PTE pages unless HIGHPTE). */
  readonly pageTablesLowmem: number;
  /** PTE-page bytes placed in highmem by HIGHPTE. */
  readonly pageTablesHighmem: number;
  /** Sum of the lowmem parts. */
  readonly totalLowmem: number;
}

/**
 * What limits the number of processes: `lowmem` — lowmem runs out while highmem still has room (or there
 * is no highmem); `ram` — highmem is full and user pages spill into lowmem until it runs out too;
 * `address-space` — the process's VM span does not fit under TASK_SIZE.
 */
export type CapacityLimit = 'lowmem' | 'ram' | 'address-space';

/** The capacity answer for one configuration. */
export interface CapacityResult {
  readonly config: string;
  readonly split: string;
  readonly ramBytes: number;
  readonly lowmemBytes: number;
  readonly highmemBytes: number;
  /** RAM the kernel ignores (NOHIGHMEM above lowmem, non-PAE above 4 GiB). */
  readonly unusableRamBytes: number;
  readonly memMapBytes: number;
  readonly staticReservedBytes: number;
  readonly minFreeBytes: number;
  /** Lowmem left for processes: lowmem - mem_map - static - min_free. */
  readonly availableLowmemBytes: number;
  readonly perProcess: PerProcessCost;
  readonly workload: CapacityWorkload;
  /** At `workload.procs` processes: */
  readonly lowmemUsedBytes: number;
  readonly userInHighmemBytes: number;
  readonly userInLowmemBytes: number;
  readonly fits: boolean;
  /** The most such processes that fit, and what stops the next one. */
  readonly maxProcs: number;
  readonly limitedBy: CapacityLimit;
  /** TASK_SIZE, and what is left after the process's VM span. */
  readonly userSpaceBytes: number;
  readonly userSpaceLeftBytes: number;
}

/** The per-process estimates of the layout's kernel profile. */
export function processKernelMemoryOf(layout: LayoutDetail): ProcessKernelMemory {
  const m = layout.config.kernel.layout.processKernelMemory;
  if (m === null) {
    throw new UserError(
      `models/kernels/${layout.config.kernel.name}.json: field 'layout.processKernelMemory' is needed by capacity (threadSizeBytes, perThreadBytes, perProcessBytes, staticReservedBytes)`,
    );
  }
  // x86_64 uses 16 KiB stacks (THREAD_SIZE_ORDER 2 since 3.15).
  return layout.config.split === 'x86_64' ? { ...m, threadSizeBytes: 16 * KiB } : m;
}

/** min_free_kbytes for `lowmemBytes` of lowmem, in bytes (int_sqrt(kB * 16), clamped to [128, 262144] kB). */
export function minFreeBytes(lowmemBytes: number): number {
  const kb = Math.floor(Math.sqrt(Math.floor(lowmemBytes / KiB) * 16));
  return Math.min(Math.max(kb, 128), 262144) * KiB;
}

/** Page-table bytes of one process with `vmBytes` of touched VA: [lowmem part, highmem part]. */
export function pageTableBytes(layout: LayoutDetail, vmBytes: number): { lowmem: number; highmem: number } {
  const cfg = layout.config;
  const pgd = cfg.pti ? 2 * PAGE_SIZE : PAGE_SIZE;
  if (cfg.split === 'x86_64') {
    const pte = (Math.ceil(vmBytes / (2 * MiB)) + 2) * PAGE_SIZE;
    const pmd = (Math.ceil(vmBytes / GiB) + 1) * PAGE_SIZE;
    return { lowmem: pgd + PAGE_SIZE + pmd + pte, highmem: 0 };
  }
  let upper: number;
  let ptePages: number;
  if (cfg.pae) {
    // USER_PTRS_PER_PGD = TASK_SIZE / 1 GiB user PMD pages, preallocated at pgd_alloc.
    const userPmds = Math.ceil(layout.taskSize / GiB);
    upper = cfg.pti ? 2 * PAGE_SIZE + (4 + Math.max(0, 4 - userPmds)) * PAGE_SIZE : 32 + userPmds * PAGE_SIZE;
    ptePages = Math.ceil(vmBytes / (2 * MiB)) + 2;
  } else {
    upper = pgd;
    ptePages = Math.ceil(vmBytes / (4 * MiB)) + 2;
  }
  const pte = ptePages * PAGE_SIZE;
  return cfg.highpte ? { lowmem: upper, highmem: pte } : { lowmem: upper + pte, highmem: 0 };
}

/** Lowmem cost of one process of `w`. */
export function perProcessCost(layout: LayoutDetail, mem: ProcessKernelMemory, w: CapacityWorkload): PerProcessCost {
  const pt = pageTableBytes(layout, w.vmBytes);
  const kernelStacks = w.threads * mem.threadSizeBytes;
  const perThreadObjects = w.threads * mem.perThreadBytes;
  const perProcessObjects = mem.perProcessBytes;
  return {
    kernelStacks,
    perThreadObjects,
    perProcessObjects,
    pageTablesLowmem: pt.lowmem,
    pageTablesHighmem: pt.highmem,
    totalLowmem: kernelStacks + perThreadObjects + perProcessObjects + pt.lowmem,
  };
}

/** Largest n with n*k + max(0, n*r - h) <= a (k > 0). */
export function maxFitting(a: number, k: number, r: number, h: number): number {
  if (a < 0) return 0;
  const n1 = Math.floor(a / k);
  if (n1 * r <= h) return n1;
  return Math.max(0, Math.floor((a + h) / (k + r)));
}

/** The capacity answer for `layout` and `w` (w.procs may be 0: then only maxProcs matters). */
export function computeCapacity(layout: LayoutDetail, w: CapacityWorkload): CapacityResult {
  const mem = processKernelMemoryOf(layout);
  const per = perProcessCost(layout, mem, w);
  const minFree = minFreeBytes(layout.lowmemBytes);
  const available = layout.lowmemBytes - layout.memMapBytes - mem.staticReservedBytes - minFree;
  const userSpaceLeft = layout.taskSize - w.vmBytes;
  // User pages per process; HIGHPTE PTE pages also compete for highmem.
  const highmemPerProc = w.rssBytes + per.pageTablesHighmem;
  const n = w.procs;
  const userHigh = Math.min(n * highmemPerProc, layout.highmemBytes);
  const spill = n * highmemPerProc - userHigh;
  const used = n * per.totalLowmem + spill;

  let maxProcs: number;
  let limitedBy: CapacityLimit;
  if (userSpaceLeft < 0) {
    maxProcs = 0;
    limitedBy = 'address-space';
  } else {
    maxProcs = maxFitting(available, per.totalLowmem, highmemPerProc, layout.highmemBytes);
    // 'ram': highmem is full too, so every usable byte is taken; without highmem lowmem is all there is.
    limitedBy = layout.highmemBytes > 0 && maxProcs * highmemPerProc > layout.highmemBytes ? 'ram' : 'lowmem';
  }
  return {
    config: layout.config.name,
    split: layout.splitLabel,
    ramBytes: layout.ramBytes,
    lowmemBytes: layout.lowmemBytes,
    highmemBytes: layout.highmemBytes,
    unusableRamBytes: layout.ignoredRamBytes,
    memMapBytes: layout.memMapBytes,
    staticReservedBytes: mem.staticReservedBytes,
    minFreeBytes: minFree,
    availableLowmemBytes: available,
    perProcess: per,
    workload: w,
    lowmemUsedBytes: used,
    userInHighmemBytes: userHigh,
    userInLowmemBytes: spill,
    fits: userSpaceLeft >= 0 && used <= available,
    maxProcs,
    limitedBy,
    userSpaceBytes: layout.taskSize,
    userSpaceLeftBytes: userSpaceLeft,
  };
}
