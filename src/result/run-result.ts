/**
 * RunResult: everything one replay produced, as plain JSON-serializable data.
 * The engine returns it and never prints; reports, sweeps and checks consume only this.
 */
import type { HighmemMode, KmapPolicy, Split } from '../layout/types.ts';
import type { ModelDraw } from '../models/uncertainty.ts';

/** Cycle categories. Their sum is `cycles.total` (the accounting closes). */
export const CYCLE_CATEGORIES = [
  'compute',
  'tlbWalk',
  'pageFault',
  'kmap',
  'kmapLockSpin',
  'kmapSleep',
  'invlpg',
  'localFlush',
  'globalFlush',
  'shootdown',
  'contextSwitch',
  'syscall',
  'copy',
  'timer',
  'reclaim',
] as const;
export type CycleCategory = (typeof CYCLE_CATEGORIES)[number];
export type CycleBreakdown = Record<CycleCategory, number>;

export interface RunCounts {
  accesses: number;
  itlbMisses: number;
  dtlbMisses: number;
  stlbMisses: number;
  pageWalks: number;
  pageFaults: number;
  invlpg: number;
  cr3Writes: number;
  globalFlushes: number;
  ipis: number;
  contextSwitches: number;
  syscalls: number;
  /** Timer interrupts taken (one per CPU every 1/HZ of its clock). */
  timerTicks: number;
  pkmapFlushes: number;
  pkmapWaits: number;
  /** Mappings of highmem pages only (a lowmem page needs none). */
  kmap: { pkmap: number; atomic: number; local: number };
  /**
   * Page-cache pages looked up by read/write records and file faults: found (hits) or not (misses);
   * pages readahead brought in beyond those asked for; pages evicted; misses of pages evicted before
   * (refaults: a shadow entry was left); pages written back to the device; writers blocked by the
   * dirty limit (balance_dirty_pages).
   */
  pagecache: {
    hits: number;
    misses: number;
    readahead: number;
    evictions: number;
    refaults: number;
    writebacks: number;
    throttles: number;
  };
  /** Device requests and bytes (the file device and the swap device), and of those the swap pages moved. */
  io: { reads: number; writes: number; bytesRead: number; bytesWritten: number; swapReads: number; swapWrites: number };
  /** Of those, mappings of highmem page-table pages (HIGHPTE: every pte_offset_map, and clearing a new PTE page). */
  ptKmaps: number;
  /**
   * Memory pressure (src/machine/machine.ts allocFrame): kswapd wake-ups and the pages it freed; direct
   * reclaim rounds and the pages they freed; dentries and inodes freed by the dcache/icache shrinker;
   * page-cache pages dropped with their inode; lowmem OOMs (0 or 1: the replay stops at the first).
   */
  lowmem: {
    kswapdWakes: number;
    kswapdPages: number;
    directReclaims: number;
    directPages: number;
    slabShrunk: number;
    inodeSteal: number;
    oom: number;
  };
  /**
   * User TLB flushes a kernel capture observed (tlbflush records, HMT 2.1); present only for a trace
   * that declares them. Task switches that loaded another mm (a CR3 write each), full flushes
   * (TLB_FLUSH_ALL) and pages flushed one by one (INVLPG) done on the CPU of the record, the shootdown
   * IPIs received among those, and the IPI rounds sent.
   */
  tlbFlushes?: { switches: number; full: number; pages: number; received: number; sent: number };
  /** Records replayed, by kind name (kinds added after HMT 2.0, tlbflush, only when the trace holds some). */
  records: Record<string, number>;
}

export interface ZoneUse {
  name: string;
  totalPages: number;
  usedPages: number;
  /** Pages by use: user, pageCache, pageTables, kernel, memMap, slab, kernelStack. */
  byUse: Record<string, number>;
  /** Pages the zone manages (present minus mem_map and the boot reserve) and its watermarks. */
  managedPages: number;
  watermarks: { min: number; low: number; high: number };
  /** Fewest free pages during the run, and free pages at its end. */
  minFreePages: number;
  endFreePages: number;
}

/** One slab cache at the end of a run: objects, the most at once, pages held, slot size in bytes. */
export interface SlabUse {
  objects: number;
  peakObjects: number;
  pages: number;
  objSize: number;
}

/** The lowmem OOM that stopped a replay: when, on which CPU, what it was allocating, free highmem then. */
export interface LowmemOom {
  atSeconds: number;
  cpu: number;
  allocation: string;
  highmemFreePages: number;
  lowmemFreePages: number;
}

/** Kernel memory of a run (all lowmem but HIGHPTE page tables). */
export interface MemoryUse {
  zones: ZoneUse[];
  lowmemStarved: boolean;
  lowmemFreePages: number;
  highmemFreePages: number;
  /** min_free_kbytes as the kernel derives it at boot (mm/page_alloc.c, mm/khugepaged.c). */
  minFreeKbytes: number;
  /** Slab caches in use, by /proc/slabinfo name. */
  slab: Record<string, SlabUse>;
  /** Page-table pages at the end, in lowmem and in highmem (HIGHPTE); kernel-stack pages. */
  pageTablePages: { lowmem: number; highmem: number };
  kernelStackPages: number;
  /** kswapd's reclaim work (cycles at the model's clock): done by a kernel thread, on no CPU's clock. */
  kswapdSeconds: number;
  oom: LowmemOom | null;
}

export interface Quantiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface TimelineEvent {
  cpu: number;
  /** Simulated cycle at which the event happened on that CPU. */
  at: number;
  kind: 'globalFlush' | 'ipi' | 'pkmapWait' | 'pkmapFlush' | 'shootdown';
  cycles: number;
}

/** Elapsed time: CPU cycles and device waits on each CPU's clock, at the model's clock frequency. */
/** The warm-up of a run (src/machine/counters.ts). */
export interface RunWarmup {
  records: number;
  seconds: number;
}

export interface RunTime {
  /** The makespan: the latest CPU clock at the end, in seconds (cycles / (clockGHz × 10^9)). */
  elapsedSeconds: number;
  /** Time CPUs spent blocked on the device (reads, fsync, reclaim, dirty throttling), summed over CPUs. */
  ioWaitSeconds: number;
  /** Of ioWaitSeconds, writers blocked by the dirty limit (balance_dirty_pages). */
  dirtyThrottleSeconds: number;
  /** Each CPU's clock at the end, in seconds. */
  perCpuSeconds: number[];
  /** Workload requests served (syscall records of the trace's request syscall), 0 when it declares none. */
  requests: number;
  /** requests / elapsedSeconds, or null when the trace declares no request boundary. */
  requestsPerSecond: number | null;
}

/**
 * The resolved configuration of a run (src/machine/result.ts configJson): every choice that resolves
 * back to the same configuration (src/report/layouts.ts recomputes its layout from it), the kernel's kmap
 * policy and the layout's key figures.
 */
export interface RunConfig {
  /** Label: the preset (or the kernel's default preset) and the options that changed it (src/layout/configs.ts). */
  name: string;
  /** Kernel profile name (models/kernels/NAME.json). */
  kernel: string;
  kernelVersion: string;
  split: Split;
  highmem: HighmemMode;
  pae: boolean;
  pti: boolean;
  highpte: boolean;
  nrCpus: number;
  cpus: number;
  ramBytes: number;
  vmallocBytes: number | null;
  /** End of the RAM below the PCI hole (only when given: RAM above 4 GiB resumes at 4 GiB). */
  ramBelow4gBytes?: number;
  /** Installed, usable and lost RAM (src/layout/format.ts ramJson). */
  ram: {
    installedBytes: number;
    usableBytes: number;
    lostBytes: number;
    firmwareBytes: number;
    ignoredBytes: number;
    below4gBytes: number;
  };
  kmap: KmapPolicy;
  layout: {
    pageOffset: number;
    taskSize: number;
    maxPfn: number;
    maxLowPfn: number;
    lowmemMB: number;
    highmemMB: number;
    lastPkmap: number;
  };
}

export interface RunResult {
  hmsimVersion: string;
  config: RunConfig;
  configName: string;
  /**
   * The cost model: its name and hash, and with --model-uncertainty the draw of its costs known to within
   * a factor (the replication's seed and each cost's factor; src/models/uncertainty.ts).
   */
  model: { name: string; hash: string; draw?: ModelDraw };
  /**
   * The trace replayed. `sha256` is what `digest` says: `content` — the digest its writer stored in the
   * footer (HMT 2.0: SHA-256 of the uncompressed bytes before the footer frame, traces/README.md "Content
   * digest"), cited without re-hashing; `file` — SHA-256 of the file's bytes, computed (HMT 1.x traces
   * store no digest).
   */
  trace: { path: string; records: number; sha256: string; digest: 'content' | 'file'; source: string };
  /**
   * `--warmup`: the first `records` records (in replay order) were replayed but not counted; `seconds`
   * is the modelled time they took. Every cycle, count, time and latency below is of the records after
   * them (trace.records includes them); memory is the state at the end. Absent without a warm-up.
   */
  warmup?: RunWarmup;
  seed: number;
  feasible: boolean;
  /** Reasons the trace cannot run under this configuration (empty when feasible). */
  infeasible: string[];
  cycles: { total: number; perCpu: number[]; breakdown: CycleBreakdown };
  time: RunTime;
  counts: RunCounts;
  memory: MemoryUse;
  latency: { kmap: Quantiles; kmapLockSpin: Quantiles };
  /** A bounded sample of cross-CPU events for timeline charts. */
  timeline: TimelineEvent[];
}
