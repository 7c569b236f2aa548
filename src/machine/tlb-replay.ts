/**
 * Pure TLB replay: every user page present, no faults, no kernel activity (`hmsim run --prefault` and the
 * TLB benchmark). Each CPU has its own `TlbHierarchy`; a record batch is one CPU's records, so batches
 * are replayed in file order with no cross-CPU ordering needed.
 *
 * Per record (columns read straight from the RecordBatch typed arrays, no per-record object):
 * - `access`: side = instruction for `ifetch`, data for load/store/modify (a modify is one reference);
 *   the access references every 4 KiB page from `addr` to `addr + len − 1` in order (a straddling access
 *   is one reference per page, as Dinero IV counts it; `len` 0 counts as 1 byte; an access running past
 *   the top of the 32-bit space stops at the last page);
 * - `switch`: a CR3 write — non-global entries are flushed (unless `flushOnSwitch` is false); with
 *   `pcidSlots` > 0 (x86_64 reference) the CPU instead keeps that many address-space ids, as Linux's
 *   per-CPU ASID slots (arch/x86/mm/tlb.c, TLB_NR_DYN_ASIDS = 6): switching to a process that holds a
 *   slot flushes nothing; otherwise the next slot in round-robin order is taken over and its non-global
 *   entries are flushed;
 * - every other kind is ignored.
 *
 * Hot-path choices (bench/tlb.bench.ts measures them):
 * - a per-side "same page as the previous reference of this side" shortcut: such a reference always
 *   hits L1 and changes no state, since only that side's references and flushes touch its L1 array;
 * - a hot inner loop over one-page accesses that calls nothing but the TLB lookup; any other record
 *   (page-straddling access, switch, other kinds) ends it and is handled outside, then the loop resumes;
 * - only three counters in that loop (fetches, non-access records, straddling accesses); the other
 *   totals are derived from them;
 * - for a hierarchy with no STLB and no large-page array, `Tlb.accessSmall` on the L1 arrays directly
 *   (one scan per lookup-and-fill) instead of the general `TlbHierarchy.access`.
 */
import type { TlbGeometry } from '../models/types.ts';
import { EventKind, AccessOp, type RecordBatch, type TraceSource } from '../trace/records.ts';
import type { Tlb } from './tlb.ts';
import { TlbHierarchy, TlbSide } from './tlb-hierarchy.ts';
import { abortPoint } from '../io/abort-point.ts';

/** Options of a pure TLB replay. */
export interface TlbReplayOptions {
  /** log2 of the large page size (no large entries arise in a pure replay; default 22). */
  readonly largePageShift?: 21 | 22;
  /** Flush non-global entries on `switch` records (a CR3 write). Default true. */
  readonly flushOnSwitch?: boolean;
  /** PCID slots per CPU (0 = no PCIDs: every switch flushes; Linux x86_64 uses 6). Default 0. */
  readonly pcidSlots?: number;
  /** Aborts between batches: the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called after each batch with the number of records replayed so far. */
  readonly onProgress?: (recordsDone: number) => void;
}

/** What a pure TLB replay counts (all CPUs together). */
export interface TlbReplayResult {
  /** Access records replayed. */
  readonly accesses: number;
  /** Page references per side (an access straddling k pages is k references). */
  readonly references: { readonly i: number; readonly d: number };
  /** L1 misses per side, and STLB misses (0 without an STLB). */
  readonly misses: { readonly i: number; readonly d: number; readonly stlb: number };
  /** STLB hits (0 without an STLB). */
  readonly stlbHits: number;
  /** Page walks (translations found in no TLB level). */
  readonly walks: number;
  /** `switch` records replayed as CR3 writes (0 when `flushOnSwitch` is false). */
  readonly cr3Writes: number;
  /** CR3 writes that flushed a PCID slot taken over by another process (0 without PCIDs). */
  readonly pcidFlushes: number;
  /** Records read, of every kind. */
  readonly records: number;
  /** CPUs that had records. */
  readonly cpus: number;
}

const ACCESS = EventKind.access;
const SWITCH = EventKind.switch;
const IFETCH = AccessOp.ifetch;
const LAST_VPN = 0xfffff;
const PAGE_BYTES = 4096;
const PAGE_MASK = PAGE_BYTES - 1;

/** Per-CPU state: the hierarchy and the last page referenced on each side (−1: none). */
interface CpuState {
  readonly tlbs: TlbHierarchy;
  /** True when the hierarchy is L1 arrays only (fast path). */
  readonly l1Only: boolean;
  lastI: number;
  lastD: number;
  /** pid owning each PCID slot (−1: free); PCID of slot k is k + 1. Empty without PCIDs. */
  readonly slotPid: Float64Array;
  /** Next slot to take over (round robin). */
  nextSlot: number;
}

/**
 * Incremental pure TLB replay: feed batches with `replayBatch`, read `result()`. Synchronous; used by
 * `replayTlbOnly` (from a TraceSource) and directly on in-memory batches.
 */
export class TlbReplayer {
  private readonly cpus: Array<CpuState | undefined> = [];
  private accesses = 0;
  private refsI = 0;
  private refsD = 0;
  private missI = 0;
  private missD = 0;
  private cr3Writes = 0;
  private records = 0;
  private readonly flushOnSwitch: boolean;
  private readonly pcidSlots: number;
  private pcidFlushes = 0;
  private readonly largePageShift: 21 | 22;

  constructor(
    private readonly geometry: TlbGeometry,
    options: TlbReplayOptions = {},
  ) {
    this.flushOnSwitch = options.flushOnSwitch ?? true;
    this.pcidSlots = options.pcidSlots ?? 0;
    if (!(Number.isInteger(this.pcidSlots) && this.pcidSlots >= 0 && this.pcidSlots < 4096)) {
      throw new Error(`TlbReplayer: pcidSlots must be an integer 0..4095, got ${this.pcidSlots}`);
    }
    this.largePageShift = options.largePageShift ?? 22;
  }

  /** The TLB hierarchy of `cpu` (created on first use). */
  hierarchy(cpu: number): TlbHierarchy {
    return this.state(cpu).tlbs;
  }

  private state(cpu: number): CpuState {
    let s = this.cpus[cpu];
    if (s === undefined) {
      const pcid = this.pcidSlots > 0;
      const tlbs = new TlbHierarchy(this.geometry, { largePageShift: this.largePageShift, pcid });
      s = {
        tlbs,
        l1Only: tlbs.stlb === null && tlbs.l1dLarge === null,
        lastI: -1,
        lastD: -1,
        slotPid: new Float64Array(this.pcidSlots).fill(-1),
        nextSlot: 0,
      };
      this.cpus[cpu] = s;
    }
    return s;
  }

  /** Replays one batch (one CPU's consecutive records). */
  replayBatch(batch: RecordBatch): void {
    const st = this.state(batch.cpu);
    this.records += batch.length;
    if (st.l1Only) this.replayL1Only(batch, st);
    else this.replayGeneral(batch, st);
  }

  /**
   * Fast path: L1 I and L1 D arrays only; misses counted here. To keep the loop lean it counts only
   * non-access records, one-page fetches and straddling accesses; the other totals follow from them.
   */
  private replayL1Only(batch: RecordBatch, st: CpuState): void {
    const { kind, op, addr, len, pid } = batch;
    const n = batch.length;
    // Module constants copied into locals: the optimizer then treats them as immediates.
    const access = ACCESS;
    const fetch = IFETCH;
    const pageMask = PAGE_MASK;
    const pageBytes = PAGE_BYTES;
    const itlb = st.tlbs.l1i;
    const dtlb = st.tlbs.l1d;
    let lastI = st.lastI;
    let lastD = st.lastD;
    let others = 0;
    let fetches = 0;
    let straddles = 0;
    let missI = 0;
    let missD = 0;
    let r = 0;
    while (r < n) {
      // Hot loop: one-page accesses only; it stops at the first other record (rare), handled below,
      // so that nothing but the TLB lookups is called from it.
      for (; r < n; r++) {
        const a = addr[r] as number;
        if (kind[r] !== access || (a & pageMask) + (len[r] as number) > pageBytes) break;
        const v = a >>> 12;
        if (op[r] === fetch) {
          fetches++;
          if (v !== lastI) {
            lastI = v;
            if (!itlb.accessSmall(v)) missI++;
          }
        } else if (v !== lastD) {
          lastD = v;
          if (!dtlb.accessSmall(v)) missD++;
        }
      }
      if (r >= n) break;
      if (kind[r] !== access) {
        others++;
        if (kind[r] === SWITCH && this.flushOnSwitch) {
          this.switchTo(st, pid[r] as number);
          lastI = -1;
          lastD = -1;
        }
      } else {
        // Straddles a page boundary: one reference per page, counted by straddleL1.
        straddles++;
        const a = addr[r] as number;
        const l = len[r] as number;
        if (op[r] === fetch) lastI = this.straddleL1(itlb, TlbSide.instruction, a, l, lastI);
        else lastD = this.straddleL1(dtlb, TlbSide.data, a, l, lastD);
      }
      r++;
    }
    st.lastI = lastI;
    st.lastD = lastD;
    const accesses = n - others;
    this.accesses += accesses;
    this.refsI += fetches;
    this.refsD += accesses - straddles - fetches;
    this.missI += missI;
    this.missD += missD;
  }

  /** A CR3 write switching CPU state `st` to process `pid` (flush, or PCID slot reuse). */
  private switchTo(st: CpuState, pid: number): void {
    this.cr3Writes++;
    if (this.pcidSlots === 0) {
      st.tlbs.flushNonGlobal();
      return;
    }
    let slot = st.slotPid.indexOf(pid);
    if (slot < 0) {
      slot = st.nextSlot;
      st.nextSlot = (slot + 1) % this.pcidSlots;
      st.slotPid[slot] = pid;
      st.tlbs.flushNonGlobal(slot + 1);
      this.pcidFlushes++;
    }
    st.tlbs.setPcid(slot + 1);
  }

  /**
   * References every page of [a, a + l) on one L1 array (fast path, page-straddling access); counts into
   * the totals and returns the last page referenced.
   */
  private straddleL1(tlb: Tlb, side: TlbSide, a: number, l: number, last: number): number {
    const v0 = a >>> 12;
    const v1 = Math.min(LAST_VPN, Math.floor((a + l - 1) / PAGE_BYTES));
    let misses = 0;
    for (let v = v0; v <= v1; v++) {
      if (v === last) continue;
      last = v;
      if (!tlb.accessSmall(v)) misses++;
    }
    if (side === TlbSide.instruction) {
      this.refsI += v1 - v0 + 1;
      this.missI += misses;
    } else {
      this.refsD += v1 - v0 + 1;
      this.missD += misses;
    }
    return last;
  }

  /**
   * General path: any hierarchy (STLB, large-page array); misses counted by the hierarchy. Same loop
   * structure as the fast path: a hot loop over one-page accesses, rare records handled outside it.
   */
  private replayGeneral(batch: RecordBatch, st: CpuState): void {
    const { kind, op, addr, len, pid } = batch;
    const n = batch.length;
    const tlbs = st.tlbs;
    const access = ACCESS;
    const fetch = IFETCH;
    const pageMask = PAGE_MASK;
    const pageBytes = PAGE_BYTES;
    let lastI = st.lastI;
    let lastD = st.lastD;
    let others = 0;
    let fetches = 0;
    let straddles = 0;
    let r = 0;
    while (r < n) {
      for (; r < n; r++) {
        const a = addr[r] as number;
        if (kind[r] !== access || (a & pageMask) + (len[r] as number) > pageBytes) break;
        const v = a >>> 12;
        if (op[r] === fetch) {
          fetches++;
          if (v !== lastI) {
            lastI = v;
            tlbs.access(TlbSide.instruction, a);
          }
        } else if (v !== lastD) {
          lastD = v;
          tlbs.access(TlbSide.data, a);
        }
      }
      if (r >= n) break;
      if (kind[r] !== access) {
        others++;
        if (kind[r] === SWITCH && this.flushOnSwitch) {
          this.switchTo(st, pid[r] as number);
          lastI = -1;
          lastD = -1;
        }
      } else {
        straddles++;
        const a = addr[r] as number;
        const v0 = a >>> 12;
        const v1 = Math.min(LAST_VPN, Math.floor((a + (len[r] as number) - 1) / pageBytes));
        const side = op[r] === fetch ? TlbSide.instruction : TlbSide.data;
        if (side === TlbSide.instruction) this.refsI += v1 - v0 + 1;
        else this.refsD += v1 - v0 + 1;
        for (let v = v0; v <= v1; v++) {
          if (side === TlbSide.instruction) {
            if (v === lastI) continue;
            lastI = v;
          } else {
            if (v === lastD) continue;
            lastD = v;
          }
          tlbs.access(side, v * pageBytes);
        }
      }
      r++;
    }
    st.lastI = lastI;
    st.lastD = lastD;
    const accesses = n - others;
    this.accesses += accesses;
    this.refsI += fetches;
    this.refsD += accesses - straddles - fetches;
  }

  /** Totals so far. */
  result(): TlbReplayResult {
    let missI = this.missI;
    let missD = this.missD;
    let stlbMisses = 0;
    let stlbHits = 0;
    let walks = this.missI + this.missD;
    let cpus = 0;
    for (const s of this.cpus) {
      if (s === undefined) continue;
      cpus++;
      if (s.l1Only) continue;
      const c = s.tlbs.counters;
      missI += c.itlbMisses;
      missD += c.dtlbMisses;
      stlbMisses += c.stlbMisses;
      stlbHits += c.stlbHits;
      walks += c.walks;
    }
    return {
      accesses: this.accesses,
      references: { i: this.refsI, d: this.refsD },
      misses: { i: missI, d: missD, stlb: stlbMisses },
      stlbHits,
      walks,
      cr3Writes: this.cr3Writes,
      pcidFlushes: this.pcidFlushes,
      records: this.records,
      cpus,
    };
  }
}

/**
 * Replays every batch of `source` on per-CPU TLB hierarchies of `geometry` (validated) and returns the
 * counts. Memory: one batch at a time (the source's bound) plus the TLB arrays.
 */
export async function replayTlbOnly(
  source: TraceSource,
  geometry: TlbGeometry,
  options: TlbReplayOptions = {},
): Promise<TlbReplayResult> {
  const replayer = new TlbReplayer(geometry, options);
  let done = 0;
  // Ask for the next batch before replaying the current one, so the source's file reads run while the
  // replay computes (batches own their arrays: a source never reuses a batch it has handed out).
  const batches = source.batches()[Symbol.asyncIterator]();
  let next = batches.next();
  try {
    for (;;) {
      const step = await next;
      if (step.done === true) break;
      await abortPoint(options.signal);
      next = batches.next();
      replayer.replayBatch(step.value);
      done += step.value.length;
      options.onProgress?.(done);
    }
  } catch (error) {
    // Let the source release its file; a failure of that prefetched read is secondary to this one.
    await next.catch(() => undefined);
    await batches.return?.();
    throw error;
  }
  return replayer.result();
}
