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
 * - a per-side "same page as the previous reference of this side" check (a local variable, the
 *   cheapest filter): such a reference always hits L1 and changes no state, since only that side's
 *   references and flushes touch its L1 array;
 * - one loop over one-page accesses whose hit path is inline: the L1 array's filter (TlbFilter: the
 *   most recent entry of each set, a hit there changes no state); only a reference the filter cannot
 *   answer calls the hierarchy (`translateFillSmallVpn`: no large page is ever filled in a pure replay, so
 *   it takes its small-page path, one scan per array); any other record (page-straddling access, an
 *   access at or above `taskSize`, switch, other kinds) ends the loop and is handled outside it, then
 *   the loop resumes;
 * - only one counter in that loop (fetches); the other totals are derived from the records handled
 *   outside it, which are also where records are counted by kind and compute cycles summed, so that a
 *   caller needs no pass of its own over the records (`--prefault`, prefault.ts).
 */
import type { TlbGeometry } from '../models/types.ts';
import { EventKind, AccessOp, KIND_COUNT, type RecordBatch, type TraceSource } from '../trace/records.ts';
import { TlbHierarchy, TlbSide } from './tlb-hierarchy.ts';
import { abortPoint } from '../io/abort-point.ts';
import { PAGE_SIZE } from '../units/address.ts';

/** Options of a pure TLB replay. */
export interface TlbReplayOptions {
  /** log2 of the large page size (no large entries arise in a pure replay; default 22). */
  readonly largePageShift?: 21 | 22;
  /** Flush non-global entries on `switch` records (a CR3 write). Default true. */
  readonly flushOnSwitch?: boolean;
  /** PCID slots per CPU (0 = no PCIDs: every switch flushes; Linux x86_64 uses 6). Default 0. */
  readonly pcidSlots?: number;
  /**
   * Accesses reaching this address (TASK_SIZE) are reported to `onAboveTaskSize` (and replayed all the
   * same). Default: no limit.
   */
  readonly taskSize?: number;
  /** Called for each access record whose last byte is at or above `taskSize`. */
  readonly onAboveTaskSize?: (addr: number, pid: number) => void;
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
  /** Records read per kind (indexed by EventKind). */
  readonly recordsByKind: readonly number[];
  /** Sum of the cycles of the compute records. */
  readonly computeCycles: number;
  /** CPUs that had records. */
  readonly cpus: number;
}

const ACCESS = EventKind.access;
const SWITCH = EventKind.switch;
const COMPUTE = EventKind.compute;
const IFETCH = AccessOp.ifetch;
const LAST_VPN = 0xfffff;
const PAGE_BYTES = PAGE_SIZE;
const PAGE_MASK = PAGE_BYTES - 1;

/** Per-CPU state: the hierarchy, the last page referenced on each side (−1: none), its PCID slots. */
interface CpuState {
  readonly tlbs: TlbHierarchy;
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
  private cr3Writes = 0;
  private records = 0;
  private readonly byKind = new Float64Array(KIND_COUNT);
  private computeCycles = 0;
  private readonly flushOnSwitch: boolean;
  private readonly pcidSlots: number;
  private pcidFlushes = 0;
  private readonly largePageShift: 21 | 22;
  private readonly taskSize: number;
  /** First address of the page holding taskSize: the loop leaves accesses from there to the exact check. */
  private readonly taskPageStart: number;
  private readonly onAboveTaskSize: ((addr: number, pid: number) => void) | undefined;

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
    this.taskSize = options.taskSize ?? Infinity;
    this.taskPageStart = Math.floor(this.taskSize / PAGE_BYTES) * PAGE_BYTES;
    this.onAboveTaskSize = options.onAboveTaskSize;
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
      s = { tlbs, lastI: -1, lastD: -1, slotPid: new Float64Array(this.pcidSlots).fill(-1), nextSlot: 0 };
      this.cpus[cpu] = s;
    }
    return s;
  }

  /** Replays one batch (one CPU's consecutive records). */
  replayBatch(batch: RecordBatch): void {
    const st = this.state(batch.cpu);
    this.records += batch.length;
    const { kind, op, addr, len, pid } = batch;
    const n = batch.length;
    const tlbs = st.tlbs;
    // Module constants copied into locals: the optimizer then treats them as immediates.
    const access = ACCESS;
    const fetch = IFETCH;
    const pageMask = PAGE_MASK;
    const pageBytes = PAGE_BYTES;
    const taskPageStart = this.taskPageStart;
    const fetchFilter = tlbs.l1i.filter;
    const dataFilter = tlbs.l1d.filter;
    let lastI = st.lastI;
    let lastD = st.lastD;
    let others = 0;
    let fetches = 0;
    let straddles = 0;
    let r = 0;
    while (r < n) {
      // Hot loop: one-page accesses below the page of TASK_SIZE only; it stops at the first other
      // record (rare), handled below. The TASK_SIZE test is made only when the page changes: lastI and
      // lastD are always pages below taskPageStart (the code after the loop never leaves them above it).
      for (; r < n; r++) {
        const a = addr[r] as number;
        if (kind[r] !== access || (a & pageMask) + (len[r] as number) > pageBytes) break;
        const v = a >>> 12;
        if (op[r] === fetch) {
          if (v !== lastI) {
            if (a >= taskPageStart) break;
            lastI = v;
            if (!fetchFilter.hit(v)) tlbs.translateFillSmallVpn(TlbSide.instruction, v);
          }
          fetches++;
        } else if (v !== lastD) {
          if (a >= taskPageStart) break;
          lastD = v;
          if (!dataFilter.hit(v)) tlbs.translateFillSmallVpn(TlbSide.data, v);
        }
      }
      if (r >= n) break;
      const k = kind[r] as number;
      if (k !== access) {
        others++;
        this.byKind[k]!++;
        if (k === COMPUTE) this.computeCycles += len[r] as number;
        else if (k === SWITCH && this.flushOnSwitch) {
          this.switchTo(st, pid[r] as number);
          lastI = -1;
          lastD = -1;
        }
        r++;
        continue;
      }
      const a = addr[r] as number;
      const l = len[r] as number;
      if (a + Math.max(1, l) - 1 >= this.taskSize) this.onAboveTaskSize?.(a, pid[r] as number);
      if ((a & pageMask) + l <= pageBytes) {
        // One page, in the page of TASK_SIZE or above it: not remembered as the last page, so that the
        // next access to it comes here again (the hot loop tests TASK_SIZE only on a change of page).
        const v = a >>> 12;
        if (op[r] === fetch) {
          fetches++;
          lastI = -1;
          if (!fetchFilter.hit(v)) tlbs.translateFillSmallVpn(TlbSide.instruction, v);
        } else {
          lastD = -1;
          if (!dataFilter.hit(v)) tlbs.translateFillSmallVpn(TlbSide.data, v);
        }
        r++;
        continue;
      }
      // Straddles a page boundary: one reference per page (counted here, not as a one-page access).
      straddles++;
      const v0 = a >>> 12;
      const v1 = Math.min(LAST_VPN, Math.floor((a + l - 1) / pageBytes));
      const side = op[r] === fetch ? TlbSide.instruction : TlbSide.data;
      const filter = side === TlbSide.instruction ? fetchFilter : dataFilter;
      if (side === TlbSide.instruction) this.refsI += v1 - v0 + 1;
      else this.refsD += v1 - v0 + 1;
      for (let v = v0; v <= v1; v++) if (!filter.hit(v)) tlbs.translateFillSmallVpn(side, v);
      // The last page, unless it is in the page of TASK_SIZE or above it (see the one-page case).
      const last = v1 * pageBytes >= taskPageStart ? -1 : v1;
      if (side === TlbSide.instruction) lastI = last;
      else lastD = last;
      r++;
    }
    st.lastI = lastI;
    st.lastD = lastD;
    const accesses = n - others;
    this.accesses += accesses;
    this.byKind[access]! += accesses;
    this.refsI += fetches;
    this.refsD += accesses - straddles - fetches;
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

  /** Totals so far. */
  result(): TlbReplayResult {
    let missI = 0;
    let missD = 0;
    let stlbMisses = 0;
    let stlbHits = 0;
    let walks = 0;
    let cpus = 0;
    for (const s of this.cpus) {
      if (s === undefined) continue;
      cpus++;
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
      recordsByKind: [...this.byKind],
      computeCycles: this.computeCycles,
      cpus,
    };
  }
}
/**
 * Replays every batch of `source` on per-CPU TLB hierarchies of `geometry` (validated) and returns the
 * counts. Memory: one batch at a time (the source's bound) plus the TLB arrays.
 */
export async function replayTlbOnly(source: TraceSource, geometry: TlbGeometry, options: TlbReplayOptions = {}): Promise<TlbReplayResult> {
  const replayer = new TlbReplayer(geometry, options);
  let done = 0;
  await eachBatchReadingAhead(source, options.signal, (b) => {
    replayer.replayBatch(b);
    done += b.length;
    options.onProgress?.(done);
  });
  return replayer.result();
}

/**
 * Runs `each` on every batch of `source` in file order, asking for the next batch before `each` runs on
 * the current one, so that the source's file reads go on while the replay computes. Only those two
 * batches are held at any time, so the source recycles the arrays of older ones (BatchOptions.recycle):
 * `each` must not keep a batch. Aborts between batches.
 */
export async function eachBatchReadingAhead(
  source: TraceSource,
  signal: AbortSignal | undefined,
  each: (batch: RecordBatch) => void,
): Promise<void> {
  const batches = source.batches({ recycle: true })[Symbol.asyncIterator]();
  let next = batches.next();
  try {
    for (;;) {
      const step = await next;
      if (step.done === true) break;
      await abortPoint(signal);
      next = batches.next();
      each(step.value);
    }
  } catch (error) {
    // Let the source release its file; a failure of that prefetched read is secondary to this one.
    await next.catch(() => undefined);
    await batches.return?.();
    throw error;
  }
}
