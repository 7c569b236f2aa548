/**
 * A resolved cost model: what the machine asks of a model while replaying.
 *
 * Model files (models/*.json) describe each value as a constant, a linear function, a table or a
 * distribution, with a source; src/models/ turns them into this shape once, at the edge. Inside the
 * engine every cost is a `CostFn`: call it with the argument it is defined over (a count of CPUs, of
 * waiters, of bytes; 0 when it has none) and the run's seeded RNG.
 */

import type { ResolvedParam } from './spec.ts';
import type { StorageModel } from './storage.ts';
import type { ModelDraw } from './uncertainty.ts';

/** A seeded random source: uniform in [0, 1). */
export interface Rng {
  next(): number;
}

/** A cost in cycles as a function of one argument (n) and the run's RNG. Deterministic given the RNG. */
export type CostFn = (n: number, rng: Rng) => number;

export type Replacement = 'lru' | 'plru';
export type LockKind = 'ticket' | 'queued';

export interface TlbLevel {
  /** Number of entries; 0 disables the level (only meaningful for the STLB). */
  readonly entries: number;
  /** Associativity; entries === ways means fully associative. */
  readonly ways: number;
}

export interface TlbGeometry {
  readonly l1i: TlbLevel;
  readonly l1d: TlbLevel;
  readonly stlb: TlbLevel;
  /** Entries for large pages (2/4 MiB), data side; 0 = large pages share the small-page arrays. */
  readonly large: TlbLevel;
  readonly replacement: Replacement;
}

export interface CostModel {
  /** Registry name = file name = report label. */
  readonly name: string;
  /** sha256 of the canonical model data (provenance). */
  readonly hash: string;
  readonly description: string;
  readonly clockGHz: number;
  readonly tlb: TlbGeometry;
  readonly costs: {
    /** Page walk, cycles, per walk; n = number of memory references of the walk (levels). */
    readonly walk: CostFn;
    /**
     * Extra cycles when walk references are served by DRAM instead of a cache (n = references that went
     * to DRAM), e.g. the first walk after an INVLPG emptied the paging-structure caches. Optional for
     * hand-built models; every model loaded by src/models/ has it.
     */
    readonly walkDram?: CostFn;
    /** STLB hit after an L1 miss. */
    readonly stlbHit: CostFn;
    /** One PTE write (n = entry size in bytes: 4 non-PAE, 8 PAE). */
    readonly pteWrite: CostFn;
    readonly invlpg: CostFn;
    /** MOV to CR3 (flushes non-global entries), not counting refills. */
    readonly cr3Write: CostFn;
    /** PTI: the entry or exit code besides the CR3 write, per kernel crossing. */
    readonly ptiTrampoline: CostFn;
    /** Global flush (CR4.PGE toggle). */
    readonly globalFlush: CostFn;
    /** IPI send + wait for acknowledgement from n target CPUs (cost to the initiator). */
    readonly ipi: CostFn;
    /** Cost to each receiving CPU of taking an IPI (interrupt entry/exit). */
    readonly ipiReceive: CostFn;
    /** Page-fault handling excluding clearing/copying and page-table allocation. */
    readonly pageFault: CostFn;
    /** Syscall entry + exit (without CR3 switches). */
    readonly syscall: CostFn;
    /** A call's path resolution (open, stat, access, execve, …): lmbench stat − null call. */
    readonly pathLookup: CostFn;
    /** An open/close pair's work besides its path lookup and entries, charged at the close. */
    readonly fileClose: CostFn;
    /** A read or write call's own work besides copies and the page cache: lmbench null I/O − null call. */
    readonly ioCall: CostFn;
    /** A fork, the child's exit and the parent's wait besides their mm work, charged at the fork. */
    readonly forkExit: CostFn;
    readonly contextSwitch: CostFn;
    /** Copy or clear of n bytes. */
    readonly copy: CostFn;
    /** Uncontended spinlock acquire + release. */
    readonly lockAcquire: CostFn;
    /** Sleep + wake-up latency of a task blocked on a wait queue. */
    readonly sleepWake: CostFn;
    /** Scan cost per pkmap slot examined by map_new_virtual. */
    readonly pkmapScanSlot: CostFn;
    /** page_address() hash lookup. */
    readonly pageAddressLookup: CostFn;
    /** Reclaim of one clean page-cache page (isolate, unmap, free). */
    readonly reclaimPage: CostFn;
    /** The shrinker freeing one dentry or inode. */
    readonly shrinkObject: CostFn;
  };
  readonly lock: {
    readonly kind: LockKind;
    /** Hand-off cost to the next waiter; n = number of waiters at the moment of release. */
    readonly handoff: CostFn;
  };
  /** Flush ceiling in pages (tlb_single_page_flush_ceiling). */
  readonly flushCeiling: number;
  /**
   * The storage device and writeback tunables (io.*, vm.*; storage.ts). Every model loaded by
   * src/models/ has it; a hand-built model without it replays with an instantaneous device.
   */
  readonly io?: StorageModel;
  /**
   * Every parameter by canonical dotted key (`costs.invlpg`, `tlb.l1d.entries`, …) with its value form
   * and source, as resolved (JSON-serializable; for reports and `hmsim models show`). Present on every
   * model loaded by src/models/.
   */
  readonly params?: Readonly<Record<string, ResolvedParam>>;
  /** The draw of the costs known to within a factor, when the model was loaded with one (--model-uncertainty). */
  readonly draw?: ModelDraw;
}
