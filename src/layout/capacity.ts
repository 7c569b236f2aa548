/**
 * Capacity: how much lowmem a process population costs under a configuration, and how many such
 * processes fit before lowmem runs out. Built on the replay's own accounting (src/machine/kernel-budget.ts),
 * so a replay of the same processes stops where capacity says (tests/machine/lowmem-oom.test.ts).
 *
 * Lowmem budget (pages, as the machine boots):
 *   lowmem managed    = lowmem − mem_map (ALIGN(max_pfn, 1024) × sizeof(struct page)) − the boot reserve
 *                       (14,256 kB measured on the Debian 6.1 box, memory.ts BOOT_RESERVED_LOWMEM_PAGES)
 *   − reserves        = each lowmem zone's min watermark (min_free_kbytes as 6.1 derives it, khugepaged's
 *                       raise included) and DMA's lowmem_reserve against Normal's requests
 *   = available for kernel objects and for user pages that did not fit in highmem.
 *
 * Per process (all lowmem, GFP_KERNEL; the profile's object sizes in SLUB's slabs for the box's CPUs):
 *   slab              = task_struct and pid per thread; cred, files, signal, sighand, mm_struct; one
 *                       vm_area_struct per VMA (--vmas); one struct file per open file (--open-files) —
 *                       N processes take ceil(N × objects / objperslab) × pagesperslab pages per cache
 *   kernel stacks     = threads × THREAD_SIZE (8 KiB on x86-32, 16 KiB on x86_64)
 *   page tables       = the upper levels the machine allocates per mm (PGD; 2 pages under PTI; PAE user
 *                       PMDs; x86_64 PUD + PMD) and PTE pages ceil(vm / span) + 2 unless HIGHPTE puts them
 *                       in highmem (non-PAE span 4 MiB, PAE and x86_64 2 MiB)
 * User pages (rss) go to highmem first (zonelist HIGHMEM → NORMAL → DMA); what does not fit spills
 * into lowmem. With --highmem off everything is lowmem.
 *
 * Sockets (--sockets per process, TCP): a struct file and sockfs dentry, a socket + inode
 * (sock_inode_cache) and a tcp_sock (TCP) each; the bytes each has queued (--socket-buffer) are lowmem
 * pages (kernel-data/skbs: GFP_KERNEL send fragments, GFP_ATOMIC receive fragments) plus one sk_buff per MSS
 * segment. All of it is held while the sockets are open, but the queued data of all sockets together
 * stops at TCP's limit, tcp_mem (net/ipv4/tcp.c tcp_init_mem: pressure at nr_free_buffer_pages() / 16,
 * the maximum 1.5 times that) — sized by lowmem on x86-32: the split sets how much a server can keep in
 * flight.
 *
 * Processes that fit: the largest N whose pages (slab packed, stacks, page tables, socket buffers, spilled
 * user pages) fit in the available lowmem. Dentries and inodes of the files served (--files) are
 * reclaimable (the dcache and icache shrink under pressure) and are not counted against it; the result
 * says whether they fit in the lowmem left, and how much of the file set's data (--file-set) the page
 * cache can hold besides the processes.
 */
import { InputError } from '../errors.ts';
import { BOOT_RESERVED_LOWMEM_PAGES } from '../machine/memory.ts';
import {
  bootMemory,
  kernelUsablePages,
  lowmemPagesOf,
  slabPagesFor,
  socketBufferPages,
  socketObjects,
  stackPages,
  upperPageTablePages,
  type ProcessShape,
} from '../machine/kernel-budget.ts';
import { GiB, KiB, MiB, PAGE_SIZE } from '../units/address.ts';
import type { LayoutDetail } from './detail.ts';
import type { KernelObjects, ProcessKernelMemory, SlabCacheName } from './facts.ts';

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
  /** VMAs per process (vm_area_struct objects); 10 when not given (a small program: ELF segments, heap, stack, vvar, vdso). */
  readonly vmas?: number;
  /** Open files per process (struct file objects); 1 when not given. */
  readonly openFiles?: number;
  /** Open TCP sockets per process; 0 when not given. */
  readonly sockets?: number;
  /** Bytes queued in each socket (send + receive); 0 when not given. */
  readonly socketBufferBytes?: number;
  /** Files in the file set the processes serve (a dentry and an ext4 inode each while cached); 0 when not given. */
  readonly files?: number;
  /** Bytes of the file set's data (page cache); 0 when not given. */
  readonly fileSetBytes?: number;
}

/** VMAs of a small program (about 10 per `sleep` on the real 6.1 kernel: tests/fixtures/validation/slab/README.md). */
export const DEFAULT_VMAS = 10;

/** The kernel's per-process memory estimates (models/kernels/<name>.json layout.processKernelMemory). */
/** Lowmem of one process, by kind (bytes). */
export interface PerProcessCost {
  readonly kernelStacks: number;
  readonly perThreadObjects: number;
  readonly perProcessObjects: number;
  /** Sockets: their objects (file, dentry, socket inode, tcp_sock, sk_buffs), without the queued data. */
  readonly sockets: number;
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
 * `address-space` — the process's VM span does not fit under TASK_SIZE; `pid_max` — the kernel allows no
 * more processes (32,768).
 */
export type CapacityLimit = 'lowmem' | 'ram' | 'address-space' | 'pid_max';

/** pid_max: 32,768 processes at most (PID_MAX_DEFAULT, also PID_MAX_LIMIT on 32-bit; mm-lifecycle.ts PID_MAX). */
const PID_MAX = 32_768;

/** The capacity answer for one configuration. */
export interface CapacityResult {
  readonly config: string;
  readonly split: string;
  readonly ramBytes: number;
  readonly lowmemBytes: number;
  /**
   * Bytes of the lowmem span (lowmemBytes, max_low_pfn pages) that are no RAM: the firmware's holes and,
   * when lowmem reaches past the RAM under 4 GiB (4G/4G), the PCI hole. lowmemBytes minus this is RAM.
   */
  readonly lowmemHoleBytes: number;
  readonly highmemBytes: number;
  /** RAM the kernel ignores (NOHIGHMEM above lowmem, non-PAE above 4 GiB). */
  readonly unusableRamBytes: number;
  readonly memMapBytes: number;
  /** Lowmem the kernel holds after boot besides mem_map (image, early allocations). */
  readonly staticReservedBytes: number;
  /** Lowmem kernel allocations may not take: the lowmem zones' min watermarks and DMA's lowmem_reserve. */
  readonly minFreeBytes: number;
  /** min_free_kbytes as the kernel derives it at boot. */
  readonly minFreeKbytes: number;
  /** Lowmem left for processes: lowmem - mem_map - static - reserves. */
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
  /**
   * TCP's limits on queued data (tcp_mem pressure and maximum, bytes), what the workload's sockets ask to
   * queue at `workload.procs` processes, and the lowmem that takes (at most the maximum).
   */
  readonly tcpMem: { readonly pressureBytes: number; readonly maxBytes: number; readonly queuedBytes: number; readonly heldBytes: number };
  /** The file set at `workload.procs` processes, or null when --files and --file-set are not given. */
  readonly fileSet: FileSetFit | null;
}

/** Where the file set stands beside the processes. */
export interface FileSetFit {
  /** Dentries and ext4 inodes of its files, slab-packed (reclaimable). */
  readonly metadataBytes: number;
  /** Lowmem left for them after the processes (available − used), and whether they fit in it. */
  readonly lowmemLeftBytes: number;
  readonly metadataFits: boolean;
  /** Memory the page cache can hold the data in: highmem not taken by user pages, plus lowmem left after the metadata. */
  readonly cacheRoomBytes: number;
  /** Fraction of the file set's data that fits in it (1 when all of it does). */
  readonly cachedFraction: number;
}

/** The per-process estimates of the layout's kernel profile. */
export function processKernelMemoryOf(layout: LayoutDetail): ProcessKernelMemory {
  const m = layout.config.kernel.layout.processKernelMemory;
  if (m === null) {
    throw new InputError(
      `models/kernels/${layout.config.kernel.name}.json: field 'layout.processKernelMemory' is ` +
        `needed by capacity (threadSizeBytes, perThreadBytes, perProcessBytes, staticReservedBytes)`,
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

/**
 * The process shape of `w` for the kernel budget, and its PTE pages in highmem: ceil(vm / span) + 2 PTE
 * pages (span 4 MiB non-PAE, 2 MiB PAE and x86_64), in highmem under HIGHPTE (never on x86_64).
 */
function shapeOf(layout: LayoutDetail, w: CapacityWorkload): { shape: ProcessShape; pteHighPages: number } {
  const x64 = layout.config.split === 'x86_64';
  const pte = Math.ceil(w.vmBytes / (layout.config.pae || x64 ? 2 * MiB : 4 * MiB)) + 2;
  const high = layout.config.highpte && !x64;
  return {
    shape: {
      threads: w.threads,
      vmas: w.vmas ?? DEFAULT_VMAS,
      openFiles: w.openFiles ?? 1,
      sockets: w.sockets ?? 0,
      socketBufferBytes: w.socketBufferBytes ?? 0,
      ptePagesLowmem: high ? 0 : pte,
    },
    pteHighPages: high ? pte : 0,
  };
}

/** Lowmem cost of one process of `w` (bytes; slab objects at their packing ratio). */
export function perProcessCost(layout: LayoutDetail, _mem: ProcessKernelMemory, w: CapacityWorkload): PerProcessCost {
  const { objects } = bootMemory(layout.config, layout);
  const { shape, pteHighPages } = shapeOf(layout, w);
  const slabBytes = (cache: keyof typeof objects.slab, n: number): number =>
    (n * objects.slab[cache].pagesPerSlab * PAGE_SIZE) / objects.slab[cache].perSlab;
  const perThreadObjects = w.threads * (slabBytes('task_struct', 1) + slabBytes('pid', 1));
  const perProcessObjects =
    slabBytes('cred_jar', 1) +
    slabBytes('files_cache', 1) +
    slabBytes('signal_cache', 1) +
    slabBytes('sighand_cache', 1) +
    slabBytes('mm_struct', 1) +
    slabBytes('vm_area_struct', shape.vmas) +
    slabBytes('filp', shape.openFiles);
  const sockets = Object.entries(socketObjects(shape.sockets ?? 0, shape.socketBufferBytes ?? 0)).reduce(
    (sum, [cache, k]) => sum + slabBytes(cache as SlabCacheName, k),
    0,
  );
  const kernelStacks = w.threads * stackPages(layout.config) * PAGE_SIZE;
  const pageTablesLowmem = (upperPageTablePages(layout.config, layout) + shape.ptePagesLowmem) * PAGE_SIZE;
  return {
    kernelStacks,
    perThreadObjects,
    perProcessObjects,
    sockets,
    pageTablesLowmem,
    pageTablesHighmem: pteHighPages * PAGE_SIZE,
    totalLowmem: kernelStacks + perThreadObjects + perProcessObjects + sockets + pageTablesLowmem,
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
  const boot = bootMemory(layout.config, layout);
  const usable = kernelUsablePages(boot.mem);
  const lowManaged = boot.mem.lowmemFree;
  const { shape } = shapeOf(layout, w);
  const available = usable * PAGE_SIZE;
  const userSpaceLeft = layout.taskSize - w.vmBytes;
  // User pages per process; HIGHPTE PTE pages also compete for highmem.
  const highmemPerProc = w.rssBytes + per.pageTablesHighmem;
  const spillPages = (n: number): number => Math.ceil(Math.max(0, n * highmemPerProc - layout.highmemBytes) / PAGE_SIZE);
  // tcp_init_mem: limit = max(nr_free_buffer_pages() / 16, 128) pages; tcp_mem = {limit / 4 × 3, limit, tcp_mem[0] × 2}.
  const tcpLimit = Math.max(Math.floor(boot.mem.bufferPages() / 16), 128);
  const tcpMaxPages = Math.floor(tcpLimit / 4) * 3 * 2;
  const bufferPagesPerProc = (w.sockets ?? 0) * socketBufferPages(w.socketBufferBytes ?? 0);
  const socketDataPages = (n: number): number => Math.min(n * bufferPagesPerProc, tcpMaxPages);
  const pagesOf = (n: number): number => lowmemPagesOf(boot.objects, layout.config, layout, shape, n) + socketDataPages(n) + spillPages(n);
  const n = w.procs;
  const userHigh = Math.min(n * highmemPerProc, layout.highmemBytes);
  const spill = n * highmemPerProc - userHigh;
  const used = pagesOf(n) * PAGE_SIZE;
  const tcpMem = {
    pressureBytes: tcpLimit * PAGE_SIZE,
    maxBytes: tcpMaxPages * PAGE_SIZE,
    queuedBytes: n * (w.sockets ?? 0) * (w.socketBufferBytes ?? 0),
    heldBytes: socketDataPages(n) * PAGE_SIZE,
  };

  let maxProcs: number;
  let limitedBy: CapacityLimit;
  if (userSpaceLeft < 0) {
    maxProcs = 0;
    limitedBy = 'address-space';
  } else {
    // The largest N whose pages fit (pagesOf grows with N): doubling, then bisection.
    let lo = 0;
    let hi = 1;
    while (pagesOf(hi) <= usable && hi < 1e9) hi *= 2;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (pagesOf(mid) <= usable) lo = mid;
      else hi = mid;
    }
    maxProcs = lo;
    // 'ram': highmem is full too, so every usable byte is taken; without highmem lowmem is all there is.
    limitedBy = layout.highmemBytes > 0 && maxProcs * highmemPerProc > layout.highmemBytes ? 'ram' : 'lowmem';
    if (maxProcs >= PID_MAX) {
      maxProcs = PID_MAX;
      limitedBy = 'pid_max';
    }
  }
  return {
    config: layout.config.name,
    split: layout.splitLabel,
    ramBytes: layout.ramBytes,
    lowmemBytes: layout.lowmemBytes,
    lowmemHoleBytes: Math.max(0, layout.lowmemBytes - (layout.ram.usableBytes - layout.highmemBytes)),
    highmemBytes: layout.highmemBytes,
    unusableRamBytes: layout.ignoredRamBytes,
    memMapBytes: layout.memMapBytes,
    staticReservedBytes: BOOT_RESERVED_LOWMEM_PAGES * PAGE_SIZE,
    minFreeBytes: (lowManaged - usable) * PAGE_SIZE,
    minFreeKbytes: boot.minFreeKbytes,
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
    tcpMem,
    fileSet:
      (w.files ?? 0) > 0 || (w.fileSetBytes ?? 0) > 0
        ? fileSetFit(boot.objects, w, available - used, layout.highmemBytes - userHigh)
        : null,
  };
}

/**
 * The file set beside `w.procs` processes: its dentries and ext4 inodes (slab-packed) against the lowmem
 * they leave, and the room the page cache has for its data — page-cache pages come from highmem first
 * (GFP_HIGHUSER_MOVABLE), then from lowmem above the watermarks.
 */
function fileSetFit(objects: KernelObjects, w: CapacityWorkload, lowmemLeft: number, highmemLeft: number): FileSetFit {
  const files = w.files ?? 0;
  const metadataBytes = (slabPagesFor(objects.slab.dentry, files) + slabPagesFor(objects.slab.ext4_inode_cache, files)) * PAGE_SIZE;
  const cacheRoomBytes = Math.max(0, highmemLeft) + Math.max(0, lowmemLeft - metadataBytes);
  const data = w.fileSetBytes ?? 0;
  return {
    metadataBytes,
    lowmemLeftBytes: lowmemLeft,
    metadataFits: metadataBytes <= lowmemLeft,
    cacheRoomBytes,
    cachedFraction: data > 0 ? Math.min(1, cacheRoomBytes / data) : 1,
  };
}
