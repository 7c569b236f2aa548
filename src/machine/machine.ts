/**
 * The x86-32 machine of one replay: CPUs with their TLBs and clocks, physical memory and the page cache,
 * processes, the pkmap pool and kmap_lock, the per-CPU kmap_local stacks, and the accounting.
 *
 * ```
 *   driver.ts ── picks the CPU with the smallest clock (engine StreamClocks) ──► execute(m, cpu, batch, i)
 *                                                                 (execute.ts)    │ dispatch by kind
 *      user-access.ts (TLB → walk → fault.ts)   syscalls.ts (read/write copies, mmap/munmap/mprotect,
 *      context-switch.ts (CR3, kmap_local save/restore)   fork/exec/exit)   kmap/kernel-touch.ts
 *                                                                                 │
 *      flush.ts: INVLPG vs full flush (33-page ceiling), shootdown IPIs, all-CPU global flush
 *                                                                                 ▼
 *      charge(cpu, category, cycles): the only way a CPU's clock moves (accounting closes)
 * ```
 *
 * Time is in cycles, per CPU. Cross-CPU effects (lock spin, IPIs, wake-ups) are applied when the
 * initiating CPU's record runs, which is in time order because the CPU with the smallest clock always
 * runs next; an IPI adds its handling time to the target CPU's clock at that moment.
 */
import { createStreamClocks, type StreamClocks } from '../engine/stream-clocks.ts';
import { lockPolicy } from '../engine/lock-policy.ts';
import type { CapturedFrames } from './captured-frames.ts';
import { PAGE_SIZE } from '../units/address.ts';
import type { KmapPolicy, Layout, MachineConfig } from '../layout/types.ts';
import type { KmapApiName } from '../trace/records.ts';
import type { CostModel, Rng } from '../models/types.ts';
import type { RunCounts } from '../result/run-result.ts';
import { Cat, CycleLedger, emptyCounts, LatencyHistogram, NCAT, TimelineSample } from './accounting.ts';
import { CpuState } from './cpu.ts';
import { fixedCosts, transientChargesExact, type FixedCosts } from './fixed-costs.ts';
import { Infeasibility } from './infeasible.ts';
import { KmapLock } from './kmap/kmap-lock.ts';
import { LocalKmapStacks } from './kmap/local.ts';
import { PkmapPool } from './kmap/pkmap.ts';
import { PageUse, PAGE_USES, PhysicalMemory, Gfp, Wmark } from './memory.ts';
import { bootMemory } from './kernel-budget.ts';
import { SlabCaches, slubGeometry } from './slab.ts';
import { loadKernelProfile } from '../layout/profiles.ts';
import { SLAB_CACHE_NAMES, type KernelObjects, type SlabCacheName, type SlabGeometry } from '../layout/facts.ts';
import type { LowmemOom } from '../result/run-result.ts';
import { SWAP_CLUSTER_MAX } from './storage/page-io.ts';
import { PageCache } from './pagecache.ts';
import { Storage, type FileSizes } from './storage/page-io.ts';
import { ProcessTable } from './process.ts';
import { TlbHierarchy } from './tlb-hierarchy.ts';
import { KernelFootprint } from './kernel-footprint.ts';
import { skipIdleTicks } from './timer.ts';

/** Machine.allocFrame: reclaim made the page asked for unnecessary. */
export const NO_FRAME_NEEDED = -2;
/** s_shrink.batch of a superblock (fs/super.c alloc_super, 6.1): objects the dcache/icache shrinker scans at once. */
const SUPER_SHRINK_BATCH = 1024;
/** FIXADDR_TOP: the last page of the 32-bit space is a guard (kernel-x86-32.md §2.1). */
const FIXADDR_TOP = 0xfffff000;
/** Fixmap slots above FIX_KMAP_BEGIN in the 6.1 enum: HOLE, DBGP, EARLYCON, APIC, 64 IO-APIC. */
const FIX_KMAP_BEGIN = 68;

/** Derived, per-configuration constants of the machine. */
export interface MachineShape {
  /** Bytes per PTE (4 non-PAE, 8 PAE and x86_64). */
  readonly pteBytes: number;
  /** Entries per PTE page. */
  readonly ptrsPerPte: number;
  /** Memory references of a user page walk (2 for both 32-bit modes, 4 for x86_64). */
  readonly userWalkRefs: number;
  /** Memory references of a walk ending in a direct-map large page. */
  readonly largeWalkRefs: number;
  /** log2 of the direct map's large page size (22 non-PAE, 21 PAE/x86_64). */
  readonly largeShift: 21 | 22;
  /** Kernel mappings carry the global bit (not under PTI nor 4G/4G). */
  readonly kernelGlobal: boolean;
  /** Every kernel entry and exit writes CR3 (PTI, 4G/4G). */
  readonly cr3PerEntry: boolean;
  /** x86_64 reference: PCIDs, no CR3 flush on switch, no highmem. */
  readonly pcid: boolean;
  /** Frames at or above this need a temporary mapping (max_low_pfn; Infinity without highmem). */
  readonly highStart: number;
  /** kmap_local/kmap_atomic slots per CPU (KM_MAX_IDX 16 in 5.11+, KM_TYPE_NR 20 or 13 before). */
  readonly kmSlots: number;
  /** The kernel's era has kmap_local (5.11+). */
  readonly hasKmapLocal: boolean;
  /** User-space limit (TASK_SIZE; 2^32 when there is none). */
  readonly taskSize: number;
}

/** Compares dotted kernel versions: true when `version` ≥ `min`. */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const b = min.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** The shape of a configuration. */
export function machineShape(config: MachineConfig, layout: Layout): MachineShape {
  const x64 = config.split === 'x86_64';
  const wide = config.pae || x64;
  const hasLocal = versionAtLeast(config.kernel.version, '5.11');
  const highmem = config.highmem !== 'off' && !x64 && layout.maxPfn > layout.maxLowPfn && layout.lastPkmap > 0;
  return {
    pteBytes: wide ? 8 : 4,
    ptrsPerPte: wide ? 512 : 1024,
    userWalkRefs: x64 ? 4 : 2,
    largeWalkRefs: x64 ? 3 : 1,
    largeShift: wide ? 21 : 22,
    kernelGlobal: !config.pti && config.split !== '4G4G',
    cr3PerEntry: config.pti || config.split === '4G4G',
    pcid: x64,
    highStart: highmem ? layout.maxLowPfn : Infinity,
    kmSlots: hasLocal ? 16 : versionAtLeast(config.kernel.version, '2.6.37') ? 20 : 13,
    hasKmapLocal: hasLocal,
    taskSize: x64 ? 2 ** 32 : Math.min(layout.taskSize, 2 ** 32),
  };
}

/** What builds a CPU's TLBs (tests may pass their own). */
export type TlbFactory = (model: CostModel, shape: MachineShape) => TlbHierarchy;

/** Default TLBs: the model's geometry, the configuration's large page size, PCIDs on x86_64. */
export const defaultTlbFactory: TlbFactory = (model, shape) =>
  new TlbHierarchy(model.tlb, { largePageShift: shape.largeShift, pcid: shape.pcid });

/** Everything a Machine is built from. */
export interface MachineSpec {
  readonly config: MachineConfig;
  readonly layout: Layout;
  readonly model: CostModel;
  readonly rng: Rng;
  /** CPUs that run records (at least the trace's CPU count). */
  readonly cpus: number;
  readonly tlbFactory?: TlbFactory;
  /** Sizes of the trace's files, when its header gives them (readahead stops at end of file). */
  readonly fileSizes?: FileSizes;
  /** Syscall number of one workload request (trace header), for throughput. */
  readonly requestSyscall?: number;
  /**
   * false: every page of a read or write record is copied the general way, none in a run
   * (kernel-touch.ts copyCachedHighRun) — the same result, more slowly; tests compare the two.
   */
  readonly copyRuns?: boolean;
}

/** The machine state shared by the record handlers. */
export class Machine {
  readonly config: MachineConfig;
  readonly layout: Layout;
  readonly model: CostModel;
  readonly rng: Rng;
  readonly shape: MachineShape;
  readonly policy: KmapPolicy;
  readonly ncpu: number;
  readonly cpus: CpuState[];
  readonly clocks: StreamClocks;
  readonly ledger: CycleLedger;
  /** The ledger's cycles[cpu * NCAT + category] (held here: charge() is the hottest call). */
  private readonly cycles: Float64Array;
  readonly counts: RunCounts;
  readonly kmapLatency = new LatencyHistogram();
  readonly lockSpinLatency = new LatencyHistogram();
  readonly timeline = new TimelineSample();
  readonly mem: PhysicalMemory;
  readonly cache: PageCache;
  /** The device behind the page cache, writeback, reclaim and the time CPUs wait on them (storage/page-io.ts). */
  readonly storage: Storage;
  /** The CPU whose record is being replayed (reclaim waits on its clock). */
  activeCpu = 0;
  /** Syscall number that marks one request of the workload (trace header `provenance.requestSyscall`), or −1. */
  readonly requestSyscall: number;
  /** Requests served (syscall records with that number). */
  requests = 0;
  readonly procs: ProcessTable;
  /** The pkmap pool (null without HIGHMEM). */
  readonly pool: PkmapPool | null;
  readonly kmapLock: KmapLock;
  readonly locals: LocalKmapStacks;
  readonly infeasible = new Infeasibility();
  /** Set when the replay cannot go on (lowmem OOM, out of memory, pkmap deadlock). */
  stopped = false;
  /**
   * Work (records, and the pages a record walks) left before the replay looks at its abort signal
   * (driver.ts ABORT_CHECK_WORK): records and the page walks of reads, writes and accesses count it down.
   */
  workLeft = 0;
  /** The replay has an abort signal: a page walk or a run of timer ticks that runs `workLeft` out pauses (pauseDue). */
  pausable = false;
  /**
   * Set by a record that paused (it neither slept nor stopped): in its page walk (the driver resumes the
   * walk: execute.ts resumePaused) or in the timer ticks due before it (the driver executes it again).
   */
  paused: '' | 'walk' | 'ticks' = '';
  /** Re-allocation of a kernel capture's frames when this layout differs from the captured box's (null: frames as they are). */
  captured: CapturedFrames | null = null;
  /**
   * True when the trace records user TLB flushes (its header's `observed` holds `tlbFlushes`, HMT 2.1):
   * they are its tlbflush records, and the user flushes the replay would derive (flush.ts flushUserRange,
   * flushMm; switch_mm's CR3 write in context-switch.ts loadMm) are not made again.
   */
  flushesObserved = false;
  /**
   * True when the trace records the files an exec closes (its header's `observed` holds `execCloses`, HMT
   * 2.2): a syscall record flagged SyscallFlags.kernel is such a close — its file is released, and no
   * kernel entry is charged (the exec's own call made it).
   */
  execClosesObserved = false;
  /** Bumped by every wake-up (the driver re-reads the horizon). */
  wakeEpoch = 0;
  /**
   * Child pids of the fork records the driver has queued and the replay has not replayed yet, with their
   * number: a CPU about to run such a child waits for its fork (waitForFork), since a process runs only
   * once it exists. Each CPU's clock starts at 0, so without this a child on another CPU than its parent
   * would run in an address space of its own before the fork, which then replaced it.
   */
  readonly pendingForks = new Map<number, number>();
  /** CPUs waiting for the fork of a child they are to run, by child pid. */
  private readonly forkWaiters = new Map<number, number[]>();
  /** Scratch list for remote CPU sets (no allocation per flush). */
  readonly scratch: number[] = [];
  /** The model's costs that are one number for this run (fixed-costs.ts), evaluated once. */
  readonly fixed: FixedCosts;
  /**
   * transientChargesExact(fixed), unless MachineSpec.copyRuns is false: runs of transient page copies may
   * be charged as sums (kernel-touch.ts).
   */
  readonly transientExact: boolean;
  /** The kernel's own TLB footprint per path (kernel-footprint.ts). */
  readonly footprint: KernelFootprint;
  /** Per CPU, the clock at which its next timer interrupt is due (every footprint.tickPeriod cycles). */
  readonly nextTick: Float64Array;
  /** Per CPU, ticks owed from before a wait whose own ticks were skipped, and where the schedule resumes (timer.ts TickState). */
  readonly owedTicks: Float64Array;
  readonly resumeTick: Float64Array;
  /** The slab caches (kernel objects in lowmem, slab.ts). */
  readonly slab: SlabCaches;
  /** min_free_kbytes as the kernel derives it at boot (PhysicalMemory.setWatermarks). */
  readonly minFreeKbytes: number;
  /** kswapd's reclaim work, cycles (a kernel thread: charged to no CPU's clock). */
  kswapdCycles = 0;
  /** The lowmem OOM that stopped the replay, if any. */
  oom: LowmemOom | null = null;
  /** Dentries and inodes the shrinker owes a scan (nr_deferred). */
  private shrinkDebt = 0;
  /** Set while reclaim runs (an allocation inside it does not reclaim again). */
  private reclaiming = false;
  /** What the kernel allocation under way is for (named by a lowmem OOM); '' for a plain page. */
  purpose = '';

  constructor(spec: MachineSpec) {
    this.config = spec.config;
    this.layout = spec.layout;
    this.model = spec.model;
    this.rng = spec.rng;
    this.shape = machineShape(spec.config, spec.layout);
    this.fixed = fixedCosts(spec.model, this.shape);
    this.transientExact = spec.copyRuns !== false && transientChargesExact(this.fixed);
    this.policy = spec.config.kernel.kmap;
    this.ncpu = spec.cpus;
    const factory = spec.tlbFactory ?? defaultTlbFactory;
    this.cpus = [];
    for (let c = 0; c < spec.cpus; c++) this.cpus.push(new CpuState(c, factory(spec.model, this.shape)));
    this.clocks = createStreamClocks(spec.cpus);
    this.ledger = new CycleLedger(spec.cpus);
    this.cycles = this.ledger.cycles;
    this.counts = emptyCounts();
    // Boot: mem_map, the kernel's own lowmem, min_free_kbytes and the watermarks (kernel-budget.ts).
    const boot = bootMemory(spec.config, spec.layout);
    this.mem = boot.mem;
    this.minFreeKbytes = boot.minFreeKbytes;
    this.cache = new PageCache(this.shape.highStart);
    this.storage = new Storage(this, spec.model.io, spec.model.clockGHz, spec.cpus, spec.fileSizes ?? []);
    this.requestSyscall = spec.requestSyscall ?? -1;
    this.procs = new ProcessTable(this.shape.ptrsPerPte, spec.cpus);
    this.pool = this.shape.highStart !== Infinity ? new PkmapPool(spec.layout.lastPkmap) : null;
    const costs = spec.model.costs;
    this.kmapLock = new KmapLock(
      lockPolicy(spec.model.lock.kind, { acquire: costs.lockAcquire, handoff: spec.model.lock.handoff }),
      spec.rng,
    );
    this.locals = new LocalKmapStacks(spec.cpus, this.shape.kmSlots);
    this.footprint = new KernelFootprint(this);
    this.nextTick = new Float64Array(spec.cpus).fill(this.footprint.tickPeriod);
    this.owedTicks = new Float64Array(spec.cpus);
    this.resumeTick = new Float64Array(spec.cpus);
    this.slab = new SlabCaches(this, boot.objects, this.storage.tmpfs);
  }

  /**
   * Asked by a page walk (or a run of timer ticks) once `workLeft` has run out, between two pages (ticks):
   * whether it pauses there, and then `paused` is set. Only a replay with an abort signal pauses. What the
   * walk has done so far is all in the CPU's resume state, so resuming there replays exactly what it would have.
   */
  pauseDue(where: 'walk' | 'ticks' = 'walk'): boolean {
    if (!this.pausable) return false;
    this.paused = where;
    return true;
  }

  /** The CPU's current time (cycles). */
  now(cpu: number): number {
    const c = this.cpus[cpu]!;
    return c.state === 'running' ? this.clocks.timeOf(cpu) : c.sleepClock;
  }

  /** Charges `n` cycles of category `cat` to `cpu` and advances its clock by as much. */
  charge(cpu: number, cat: number, n: number): void {
    if (n <= 0) return;
    this.cycles[cpu * NCAT + cat]! += n;
    const c = this.cpus[cpu]!;
    if (c.state === 'running') this.clocks.advance(cpu, n);
    else c.sleepClock += n;
  }

  // The costs of the hot paths: the fixed value when there is one (fixed-costs.ts), else the CostFn.

  /** `fixed` when it is a fixed cost (≥ 0), else costs.`name`(n) drawn with the run's RNG. */
  private cost(fixed: number, name: Exclude<keyof CostModel['costs'], 'walkDram'>, n: number): number {
    return fixed >= 0 ? fixed : this.model.costs[name](n, this.rng);
  }

  /** One PTE write (costs.pteWrite at this configuration's PTE size), cycles. */
  pteWriteCost(): number {
    return this.cost(this.fixed.pteWrite, 'pteWrite', this.shape.pteBytes);
  }

  /** One INVLPG (costs.invlpg), cycles. */
  invlpgCost(): number {
    return this.cost(this.fixed.invlpg, 'invlpg', 0);
  }

  /** An STLB hit after an L1 miss (costs.stlbHit), cycles. */
  stlbHitCost(): number {
    return this.cost(this.fixed.stlbHit, 'stlbHit', 0);
  }

  /** A user page walk (costs.walk of the configuration's depth), cycles. */
  userWalkCost(): number {
    return this.cost(this.fixed.walkUser, 'walk', this.shape.userWalkRefs);
  }

  /** A kernel page walk ending in a large (direct map) or a 4 KiB page (costs.walk), cycles. */
  kernelWalkCost(large: boolean): number {
    return large
      ? this.cost(this.fixed.walkKernelLarge, 'walk', this.shape.largeWalkRefs)
      : this.cost(this.fixed.walkKernelSmall, 'walk', 2);
  }

  /** A copy or clear of `bytes` bytes (costs.copy), cycles. */
  copyCost(bytes: number): number {
    return this.cost(bytes === PAGE_SIZE ? this.fixed.copyPage : -1, 'copy', bytes);
  }

  /** page_address() lookup (costs.pageAddressLookup), cycles. */
  pageAddressLookupCost(): number {
    return this.cost(this.fixed.pageAddressLookup, 'pageAddressLookup', 0);
  }

  /** Syscall entry + exit (costs.syscall), cycles. */
  syscallCost(): number {
    return this.cost(this.fixed.syscall, 'syscall', 0);
  }

  /** MOV to CR3 (costs.cr3Write), cycles. */
  cr3WriteCost(): number {
    return this.cost(this.fixed.cr3Write, 'cr3Write', 0);
  }

  /** PTI entry or exit code besides the CR3 write (costs.ptiTrampoline), cycles. */
  ptiTrampolineCost(): number {
    return this.cost(this.fixed.ptiTrampoline, 'ptiTrampoline', 0);
  }

  /** True when frame `pfn` is highmem under this configuration. */
  isHigh(pfn: number): boolean {
    return pfn >= this.shape.highStart;
  }

  /**
   * The API a kernel path uses under this kernel's era. An imported record names the API of the kernel
   * it was captured on: `pkmap` stays pkmap (kmap() exists in every era); a short-lived mapping
   * (`atomic`/`local`) is taken to be a page-cache copy — by far the most frequent user — and made with
   * the profile's `pageCacheCopy` API. Before 5.11 there is no kmap_local: `local` becomes `atomic`.
   */
  eraApi(recordApi: KmapApiName): KmapApiName {
    if (recordApi === 'pkmap') return 'pkmap';
    return this.pathApi(this.policy.pageCacheCopy);
  }

  /** A profile API made valid for the era (kmap_local only exists from 5.11). */
  pathApi(api: KmapApiName): KmapApiName {
    if (api === 'local' && !this.shape.hasKmapLocal) return 'atomic';
    if (api === 'pkmap' && this.pool === null) return 'atomic';
    return api;
  }

  /** Kernel virtual address of lowmem frame `pfn` in the direct map (32-bit wrap for x86_64 RAM > 4 GiB). */
  directMapAddr(pfn: number): number {
    const base = this.shape.pcid ? 0 : this.layout.pageOffset;
    return (base + pfn * PAGE_SIZE) % 2 ** 32;
  }

  /** Virtual address of pkmap slot `slot`. */
  pkmapAddr(slot: number): number {
    return this.layout.pkmapBase + slot * PAGE_SIZE;
  }

  /** True when `vaddr` lies in the pkmap window. */
  isPkmapAddr(vaddr: number): boolean {
    return this.pool !== null && vaddr >= this.layout.pkmapBase && vaddr < this.layout.pkmapBase + this.pool.size * PAGE_SIZE;
  }

  /** Virtual address of kmap_local/kmap_atomic slot `idx` of `cpu` (fixmap, growing down). */
  localAddr(cpu: number, idx: number): number {
    return FIXADDR_TOP - (FIX_KMAP_BEGIN + cpu * this.shape.kmSlots + idx) * PAGE_SIZE;
  }

  /**
   * Allocates a frame as mm/page_alloc.c does (Linux 6.1), on `cpu`'s behalf (by default the CPU whose
   * record is running):
   * 1. fast path: the first zone of the zonelist with free pages above its low watermark plus its
   *    lowmem_reserve for this request;
   * 2. slow path: kswapd is woken and reclaims until a zone the request may use is above its high
   *    watermark (reclaim below; its work is kswapd's, on no CPU's clock); then the min watermark;
   * 3. direct reclaim: rounds of SWAP_CLUSTER_MAX pages on the allocating CPU (category `reclaim`),
   *    retrying the min watermark after each, until a round frees nothing;
   * 4. then a kernel (lowmem-only) request while highmem has free pages is a **lowmem OOM**: the run
   *    records it (counts.lowmem.oom, memory.oom: time, CPU, the allocation, free highmem) and stops
   *    infeasible (the OOM killer is not modelled: what it would kill is the workload itself); any other
   *    failure is "out of memory". Returns the frame, or -1 when the replay stopped — or
   *    NO_FRAME_NEEDED when `satisfied` (asked after each direct reclaim round) says reclaim made the
   *    page unnecessary (a slab page whose cache now has a free slot).
   */
  allocFrame(gfp: Gfp, use: PageUse, cpu: number = this.activeCpu, satisfied?: () => boolean): number {
    let pfn = this.mem.alloc(gfp, use, Wmark.low);
    if (pfn >= 0) return pfn;
    if (this.reclaiming) return this.mem.alloc(gfp, use, Wmark.min);
    const low = this.counts.lowmem;
    low.kswapdWakes++;
    for (let round = 0; !this.mem.balanced(gfp, Wmark.high); round++) {
      const got = this.reclaim(gfp, cpu, false);
      low.kswapdPages += got;
      if (got === 0) break;
    }
    pfn = this.mem.alloc(gfp, use, Wmark.min);
    for (;;) {
      if (pfn >= 0) return pfn;
      low.directReclaims++;
      const got = this.reclaim(gfp, cpu, true);
      low.directPages += got;
      if (satisfied?.() === true) return NO_FRAME_NEEDED;
      pfn = this.mem.alloc(gfp, use, Wmark.min);
      if (got === 0 && pfn < 0) break;
    }
    this.outOfMemory(gfp, use, cpu);
    return -1;
  }

  /**
   * One reclaim round for a `gfp` request (shrink_node, 6.1): up to SWAP_CLUSTER_MAX page-cache pages
   * the request can use from the LRU tail (Storage.reclaim: clean first; kswapd never waits on the
   * device), then the dcache/icache shrinker (do_shrink_slab): with DEFAULT_SEEKS it scans
   * 4/seeks = 2 times the LRU's scanned fraction of the freeable dentries and inodes; when the LRU had
   * nothing to give, one round's worth of lowmem pages in dentries and inodes. The scan is deferred
   * until a batch is due: the superblock shrinker's batch is 1024 objects (fs/super.c alloc_super) or
   * every freeable object when fewer. Cost:
   * costs.reclaimPage per page, costs.shrinkObject per object (estimates, in the model files), charged to
   * `cpu` as `reclaim` for direct reclaim, to kswapd otherwise. Returns the pages freed in the zones the
   * request may use.
   */
  private reclaim(gfp: Gfp, cpu: number, direct: boolean): number {
    this.reclaiming = true;
    const eligible = (): number => this.mem.lowmemFree + (gfp === Gfp.highuser ? this.mem.highmemFree : 0);
    const before = eligible();
    const highOk = gfp === Gfp.highuser;
    const accept = (p: number): boolean => !this.procs.cacheMapped.has(p) && (highOk || !this.isHigh(p));
    const lru = highOk ? this.cache.size : this.cache.size - this.cache.highCount;
    let pages = 0;
    for (; pages < SWAP_CLUSTER_MAX; pages++) {
      const victim = this.storage.reclaim(cpu, accept, direct);
      if (victim < 0) break;
      this.mem.free(victim, PageUse.pageCache);
    }
    let objects = 0;
    const freeable = this.slab.freeable;
    if (freeable > 0) {
      // Objects to scan, deferred until a batch is due (do_shrink_slab's nr_deferred and batch_size).
      this.shrinkDebt += pages > 0 && lru > 0 ? (2 * pages * freeable) / lru : 2 * SWAP_CLUSTER_MAX * this.slab.filesPerPage();
      if (this.shrinkDebt >= Math.min(SUPER_SHRINK_BATCH, freeable)) {
        const scan = Math.min(Math.floor(this.shrinkDebt), freeable);
        this.shrinkDebt -= scan;
        objects = this.slab.shrink(Math.ceil(scan / 2));
      }
    } else this.shrinkDebt = 0;
    this.reclaiming = false;
    const costs = this.model.costs;
    const cost = (pages > 0 ? pages * costs.reclaimPage(0, this.rng) : 0) + (objects > 0 ? objects * costs.shrinkObject(0, this.rng) : 0);
    if (direct) this.charge(cpu, Cat.reclaim, cost);
    else this.kswapdCycles += cost;
    return Math.max(0, eligible() - before);
  }

  /** Stops the replay: lowmem OOM (a kernel request, highmem free) or out of memory. */
  private outOfMemory(gfp: Gfp, use: PageUse, cpu: number): void {
    const what = this.purpose !== '' ? this.purpose : `a ${PAGE_USES[use]} page`;
    if (gfp === Gfp.kernel && this.mem.highmemFree > 0) {
      this.mem.starved = true;
      this.counts.lowmem.oom = 1;
      const at = this.now(cpu) / (this.model.clockGHz * 1e9);
      this.oom = { atSeconds: at, cpu, allocation: what, highmemFreePages: this.mem.highmemFree, lowmemFreePages: this.mem.lowmemFree };
      this.infeasible.stop(
        'lowmem OOM',
        `${what}: no lowmem above the min watermark after reclaim, at ${at.toPrecision(4)} s on CPU ${cpu}, ` +
          `with ${this.mem.highmemFree} highmem pages (${Math.floor(this.mem.highmemFree / 256)} MB) free`,
      );
    } else {
      const why = this.storage.unreclaimableReason();
      this.infeasible.stop(
        'out of memory',
        why === '' ? 'no free page in any zone and nothing left to reclaim' : `no free page in any zone: ${why}`,
      );
    }
    this.stopped = true;
  }

  /**
   * The running CPU blocks until cycle `until` (a device completion): its clock jumps there. Returns
   * its clock before. The wait is not a cycle category (the CPU runs nothing); Storage counts it.
   */
  ioWaitUntil(cpu: number, until: number): number {
    const c = this.cpus[cpu]!;
    if (c.state !== 'running') {
      const before = c.sleepClock;
      if (until > before) c.sleepClock = until;
      return before;
    }
    const before = this.clocks.timeOf(cpu);
    if (until > before) {
      this.clocks.setTime(cpu, until);
      skipIdleTicks(this, cpu, this.footprint.tickPeriod, before, until);
    }
    return before;
  }

  /** The running task of `cpu` goes to sleep (pkmap_map_wait; waitForFork): the CPU stops being scheduled. */
  sleepCpu(cpu: number): void {
    const c = this.cpus[cpu]!;
    if (c.state !== 'running') return;
    c.sleepClock = this.clocks.timeOf(cpu);
    c.state = 'sleeping';
    this.clocks.setTime(cpu, Infinity);
  }

  /**
   * Wakes the sleeping CPU `cpu` because of a wake_up at time `at`: it runs again from
   * max(its clock, at) + the model's sleep/wake latency; the whole gap is charged as kmapSleep.
   */
  wakeCpu(cpu: number, at: number): void {
    const c = this.cpus[cpu]!;
    if (c.state !== 'sleeping') return;
    const resumeAt = Math.max(c.sleepClock, at) + this.model.costs.sleepWake(0, this.rng);
    const slept = resumeAt - c.sleepClock;
    this.ledger.add(cpu, Cat.kmapSleep, slept);
    this.timeline.add(cpu, c.sleepClock, 'pkmapWait', slept);
    this.resume(cpu, resumeAt);
  }

  /**
   * `cpu` is to run `pid`, a child whose fork is still to be replayed: it stops being scheduled until the
   * fork is done (forkDone). Nothing is charged: the CPU has no task to run meanwhile.
   */
  waitForFork(cpu: number, pid: number): void {
    if (this.cpus[cpu]!.state !== 'running') return;
    this.sleepCpu(cpu);
    const waiting = this.forkWaiters.get(pid);
    if (waiting === undefined) this.forkWaiters.set(pid, [cpu]);
    else waiting.push(cpu);
  }

  /** The fork of `child` was replayed on `cpu`: the CPUs waiting to run the child go on from now. */
  forkDone(cpu: number, child: number): void {
    const n = (this.pendingForks.get(child) ?? 1) - 1;
    if (n > 0) this.pendingForks.set(child, n);
    else this.pendingForks.delete(child);
    const waiting = this.forkWaiters.get(child);
    if (waiting === undefined) return;
    this.forkWaiters.delete(child);
    const at = this.clocks.timeOf(cpu);
    for (const w of waiting) this.resumeIdle(w, at);
  }

  /**
   * Every CPU still waiting for a fork goes on at its own clock (returns false when none waited): when no
   * CPU can run otherwise, the awaited fork is not where the replay can reach it (a pid reused, a fork in
   * a chunk past the look-ahead), and the child runs as if it existed already.
   */
  releaseForkWaiters(): boolean {
    if (this.forkWaiters.size === 0) return false;
    for (const [child, waiting] of this.forkWaiters) {
      // The child is no longer awaited: its records run now, and its fork, when it comes, replaces it.
      this.pendingForks.delete(child);
      for (const w of waiting) this.resumeIdle(w, this.cpus[w]!.sleepClock);
    }
    this.forkWaiters.clear();
    return true;
  }

  /** A CPU that waited without a task runs again at max(its clock, `at`); the gap is idle time. */
  private resumeIdle(cpu: number, at: number): void {
    const c = this.cpus[cpu]!;
    if (c.state === 'sleeping') this.resume(cpu, Math.max(c.sleepClock, at));
  }

  /** The sleeping CPU runs again from `resumeAt`: the ticks due while it slept were taken in the idle loop. */
  private resume(cpu: number, resumeAt: number): void {
    const c = this.cpus[cpu]!;
    c.state = 'running';
    this.clocks.setTime(cpu, resumeAt);
    skipIdleTicks(this, cpu, this.footprint.tickPeriod, c.sleepClock, resumeAt);
    this.wakeEpoch++;
  }

  /** The CPU's record stream is exhausted; it keeps taking IPIs. */
  retireCpu(cpu: number): void {
    const c = this.cpus[cpu]!;
    if (c.state === 'done') return;
    c.sleepClock = this.now(cpu);
    c.state = 'done';
    this.clocks.retire(cpu);
  }
}

/**
 * The kernel objects of a configuration's profile; a profile without `layout.kernelObjects` (a custom
 * one) borrows the Debian 6.1 build of its PAE-ness. Each cache's slab is SLUB's choice for its object
 * size on this box's CPUs (slubGeometry), not the one of the box its /proc/slabinfo was read on.
 */
export function kernelObjectsOf(config: MachineConfig): KernelObjects {
  let objects = config.kernel.layout.kernelObjects;
  if (objects === null) {
    objects = loadKernelProfile(config.pae ? 'debian-6.1-686-pae' : 'debian-6.1-686').layout.kernelObjects;
    if (objects === null) throw new Error('models/kernels/debian-6.1-686*.json: layout.kernelObjects missing');
  }
  const slab = {} as Record<SlabCacheName, SlabGeometry>;
  for (const name of SLAB_CACHE_NAMES) slab[name] = slubGeometry(objects.slab[name].objSize, config.cpus);
  return { ...objects, slab };
}
