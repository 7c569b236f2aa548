/**
 * The TLBs of one CPU: L1 I-TLB, L1 D-TLB, an optional unified second level (STLB, `tlb.stlb.entries`
 * 0 = none) and an optional data-side large-page array (`tlb.large.entries` 0 = large pages share the
 * small-page arrays).
 *
 * ```
 *  translate(side, vaddr)
 *     │  L1 (I or D): small entry of vaddr>>>12, or large entry of vaddr>>>largePageShift
 *     ├─ hit ───────────────────────────────────────────────► l1Hit
 *     │  miss (itlbMisses / dtlbMisses)
 *     │  STLB (if any): same probe
 *     ├─ hit (stlbHits): copy the entry into L1 ────────────► stlbHit
 *     │  miss (stlbMisses, only when an STLB exists)
 *     └─ walks++ ───────────────────────────────────────────► miss   (caller walks, then fill())
 * ```
 * The levels are non-inclusive: an STLB eviction does not remove the L1 copy. Hardware probes all page
 * sizes at once; the large probe is skipped when an array holds no large entry, which changes nothing.
 * Only the hierarchy counts; `Tlb` arrays just answer. Change the arrays only through the hierarchy (it
 * remembers one page known to be absent from all of them: see `fillThenInvalidate`).
 */
import type { TlbGeometry } from '../models/types.ts';
import { PageSizeClass, Tlb } from './tlb.ts';

/** Which L1 TLB an access goes to. */
export const TlbSide = { instruction: 0, data: 1 } as const;
export type TlbSide = (typeof TlbSide)[keyof typeof TlbSide];

/** Where `translate` found the translation. */
export const TlbOutcome = {
  /** In the L1 TLB of that side. */
  l1Hit: 0,
  /** In the STLB (now also copied into L1). */
  stlbHit: 1,
  /** Nowhere: the caller must walk the page tables, then `fill`. */
  miss: 2,
} as const;
export type TlbOutcome = (typeof TlbOutcome)[keyof typeof TlbOutcome];

/** Event counters of a hierarchy (plain numbers; read them, do not write them). */
export interface TlbCounters {
  /** Translations requested, instruction side / data side. */
  itlbLookups: number;
  dtlbLookups: number;
  /** L1 misses per side (STLB hits included). */
  itlbMisses: number;
  dtlbMisses: number;
  /** STLB lookups that hit / missed (both 0 without an STLB). */
  stlbHits: number;
  stlbMisses: number;
  /** Translations found nowhere: page walks the caller must do. */
  walks: number;
}

/** Options beyond the model's geometry. */
export interface TlbHierarchyOptions {
  /** log2 of the large page size: 22 (4 MiB, non-PAE 32-bit) or 21 (2 MiB, PAE and x86_64). */
  readonly largePageShift: 21 | 22;
  /** Tag entries with PCIDs (x86_64 reference). Default false. */
  readonly pcid?: boolean;
}

const SMALL_SHIFT = 12;

/** The TLB hierarchy of one CPU. */
export class TlbHierarchy {
  /** L1 instruction TLB. */
  readonly l1i: Tlb;
  /** L1 data TLB. */
  readonly l1d: Tlb;
  /** Unified second-level TLB, or null. */
  readonly stlb: Tlb | null;
  /** Data-side large-page L1 array, or null when large pages share `l1d`. */
  readonly l1dLarge: Tlb | null;
  /** Counters since construction. */
  readonly counters: TlbCounters = {
    itlbLookups: 0,
    dtlbLookups: 0,
    itlbMisses: 0,
    dtlbMisses: 0,
    stlbHits: 0,
    stlbMisses: 0,
    walks: 0,
  };
  /** Large-page shift in use. */
  readonly largePageShift: number;
  /** largePageShift − 12: a 4 KiB page number shifted right by it is its large page number. */
  private readonly largeFromSmall: number;
  /**
   * The 4 KiB page number `fillThenInvalidate` last removed, known absent from every array (no small
   * entry, no large entry covering it) until something could bring it back: a `fill` of that page or
   * of a large page covering it, or a PCID switch; −1 for none. A data-side `translate` of it is then a
   * miss without probing (a missed probe changes no state, so only the counters move).
   */
  private absentPage = -1;
  /** Every array, L1 I, L1 D, then the optional ones (built once: flushes allocate nothing). */
  readonly arrays: readonly Tlb[];

  /** Builds the arrays from a geometry validated with the model (src/models/validate.ts checkGeometry). */
  constructor(geometry: TlbGeometry, options: TlbHierarchyOptions) {
    const pcid = options.pcid === true;
    const make = (entries: number, ways: number): Tlb => new Tlb({ entries, ways, replacement: geometry.replacement, pcid });
    this.l1i = make(geometry.l1i.entries, geometry.l1i.ways);
    this.l1d = make(geometry.l1d.entries, geometry.l1d.ways);
    this.stlb = geometry.stlb.entries > 0 ? make(geometry.stlb.entries, geometry.stlb.ways) : null;
    this.l1dLarge = geometry.large.entries > 0 ? make(geometry.large.entries, geometry.large.ways) : null;
    this.largePageShift = options.largePageShift;
    this.largeFromSmall = options.largePageShift - SMALL_SHIFT;
    const all = [this.l1i, this.l1d];
    if (this.stlb !== null) all.push(this.stlb);
    if (this.l1dLarge !== null) all.push(this.l1dLarge);
    this.arrays = all;
  }

  /** Probes one array for 4 KiB page `vpn` (large page `lpn`) at both sizes; returns the slot or −1 (recency updated). */
  private static probeBoth(tlb: Tlb, vpn: number, lpn: number): number {
    const slot = tlb.lookup(vpn, PageSizeClass.small);
    if (slot >= 0 || !tlb.mayHoldLarge(lpn)) return slot;
    return tlb.lookup(lpn, PageSizeClass.large);
  }

  // Every operation on an address has a twin on its 4 KiB page number (…Vpn), which does the work: a
  // page number is below 2^20, a small integer for the JIT, where a kernel address (2^30 and above) is
  // a heap number each time it is passed to a call that is not inlined.

  /**
   * Translates user or kernel virtual address `vaddr` (32-bit) on `side`. Counts, and on an STLB hit
   * copies the entry into L1. On `miss` the caller walks the page tables and calls `fill`.
   */
  translate(side: TlbSide, vaddr: number): TlbOutcome {
    return this.translateVpn(side, vaddr >>> SMALL_SHIFT);
  }

  /** `translate` of the address of 4 KiB page `vpn`. */
  translateVpn(side: TlbSide, vpn: number): TlbOutcome {
    const c = this.counters;
    const lpn = vpn >>> this.largeFromSmall;
    let l1: Tlb;
    if (side === TlbSide.data && vpn === this.absentPage) {
      c.dtlbLookups++;
      c.dtlbMisses++;
      if (this.stlb !== null) c.stlbMisses++;
      c.walks++;
      return TlbOutcome.miss;
    }
    if (side === TlbSide.instruction) {
      c.itlbLookups++;
      l1 = this.l1i;
      if (TlbHierarchy.probeBoth(l1, vpn, lpn) >= 0) return TlbOutcome.l1Hit;
      c.itlbMisses++;
    } else {
      c.dtlbLookups++;
      l1 = this.l1d;
      if (TlbHierarchy.probeBoth(l1, vpn, lpn) >= 0) return TlbOutcome.l1Hit;
      const large = this.l1dLarge;
      if (large !== null && large.mayHoldLarge(lpn) && large.lookup(lpn, PageSizeClass.large) >= 0) {
        return TlbOutcome.l1Hit;
      }
      c.dtlbMisses++;
    }
    const stlb = this.stlb;
    if (stlb !== null) {
      const slot = TlbHierarchy.probeBoth(stlb, vpn, lpn);
      if (slot >= 0) {
        c.stlbHits++;
        this.fillL1(side, vpn, stlb.sizeOf(slot), stlb.isGlobal(slot));
        return TlbOutcome.stlbHit;
      }
      c.stlbMisses++;
    }
    c.walks++;
    return TlbOutcome.miss;
  }

  /**
   * `translate(data, vpn × 4096)` for vpn = first, first + 1, … up to `last` (4 KiB pages) while that is
   * a hit in the L1 D-TLB's small-page array (and not the page known absent): returns the first page
   * that is not (last + 1 when all are). Each hit is counted and made most recent, in order; the page it
   * stops at is left untouched for the caller to translate (it may still hit through a large entry).
   */
  dataHitRun(first: number, last: number): number {
    const absent = this.absentPage;
    const stop = absent >= first && absent <= last ? absent - 1 : last;
    const next = this.l1d.hitSmallRun(first, stop);
    this.counters.dtlbLookups += next - first;
    return next;
  }

  /** After a walk: installs the translation of `vaddr` (page size class, global bit) in the STLB and L1. */
  fill(side: TlbSide, vaddr: number, size: PageSizeClass, global: boolean): void {
    this.fillVpn(side, vaddr >>> SMALL_SHIFT, size, global);
  }

  /** `fill` of the address of 4 KiB page `vpn`. */
  fillVpn(side: TlbSide, vpn: number, size: PageSizeClass, global: boolean): void {
    const absent = this.absentPage;
    if (absent >= 0 && (size === PageSizeClass.small ? vpn === absent : vpn >>> this.largeFromSmall === absent >>> this.largeFromSmall)) {
      this.absentPage = -1;
    }
    if (this.stlb !== null) this.stlb.insert(this.pageNumber(vpn, size), size, global);
    this.fillL1(side, vpn, size, global);
  }

  /**
   * `translate(side, vaddr)`, then on a miss `fill(side, vaddr, small, false)` — for a user page whose
   * PTE is present, with nothing between the walk and the fill. When no large entry can cover `vaddr` and
   * the page is not the one known absent (on either side), each array is probed and, on a miss, filled in one scan
   * (Tlb.accessSmallSlot); the order of the fills of different arrays changes nothing (each keeps its own
   * recency). Same outcome, counters and state as the two calls.
   */
  translateFillSmall(side: TlbSide, vaddr: number): TlbOutcome {
    return this.translateFillSmallVpn(side, vaddr >>> SMALL_SHIFT);
  }

  /** `translateFillSmall` of the address of 4 KiB page `vpn`. */
  translateFillSmallVpn(side: TlbSide, vpn: number): TlbOutcome {
    const small = vpn;
    const lpn = vpn >>> this.largeFromSmall;
    const data = side === TlbSide.data;
    const l1 = data ? this.l1d : this.l1i;
    const stlb = this.stlb;
    if (
      // The page known absent: a data translate of it counts a miss without probing, and any fill of
      // it forgets it (also on the instruction side), so it takes the two calls.
      small === this.absentPage ||
      l1.mayHoldLarge(lpn) ||
      (data && this.l1dLarge !== null && this.l1dLarge.mayHoldLarge(lpn)) ||
      (stlb !== null && stlb.mayHoldLarge(lpn))
    ) {
      const r = this.translateVpn(side, vpn);
      if (r === TlbOutcome.miss) this.fillVpn(side, vpn, PageSizeClass.small, false);
      return r;
    }
    const c = this.counters;
    if (data) c.dtlbLookups++;
    else c.itlbLookups++;
    if (l1.accessSmallSlot(small) >= 0) return TlbOutcome.l1Hit;
    if (data) c.dtlbMisses++;
    else c.itlbMisses++;
    if (stlb !== null) {
      const slot = stlb.accessSmallSlot(small);
      if (slot >= 0) {
        c.stlbHits++;
        // The L1 copy takes the STLB entry's global bit (insert refreshes the entry just filled).
        if (stlb.isGlobal(slot)) l1.insert(small, PageSizeClass.small, true);
        return TlbOutcome.stlbHit;
      }
      c.stlbMisses++;
    }
    c.walks++;
    return TlbOutcome.miss;
  }

  /** Pure replay step: translate, and on a miss fill a 4 KiB non-global entry (every page present). */
  access(side: TlbSide, vaddr: number): TlbOutcome {
    const outcome = this.translate(side, vaddr);
    if (outcome === TlbOutcome.miss) this.fill(side, vaddr, PageSizeClass.small, false);
    return outcome;
  }

  /**
   * INVLPG `vaddr`: removes, from every array, the 4 KiB entry of its page and any large entry covering
   * it, global or not. Returns the number of entries removed.
   */
  invalidatePage(vaddr: number): number {
    return this.invalidateVpn(vaddr >>> SMALL_SHIFT);
  }

  /** `invalidatePage` of the address of 4 KiB page `vpn`. */
  invalidateVpn(vpn: number): number {
    const small = vpn;
    const large = vpn >>> this.largeFromSmall;
    const arrays = this.arrays;
    let n = 0;
    for (let i = 0; i < arrays.length; i++) {
      const t = arrays[i]!;
      if (t.validCount === 0) continue;
      if (t.invalidate(small, PageSizeClass.small)) n++;
      if (t.mayHoldLarge(large) && t.invalidate(large, PageSizeClass.large)) n++;
    }
    return n;
  }

  /**
   * `fill(data, vaddr, small, global)` followed by `invalidatePage(vaddr)`, for an address whose
   * `translate(data, vaddr)` just returned `miss` with no TLB operation since: the data-side arrays and
   * the STLB take and drop the entry in one scan each (Tlb.fillThenInvalidateAbsent); the I-TLB is
   * invalidated as INVLPG does. The translate's miss proves no large entry covers `vaddr` in the data
   * arrays, so their large-page INVLPG probes would find nothing. Same state and counters as the two
   * calls (the global bit of an entry that is removed at once changes nothing).
   */
  fillThenInvalidate(vaddr: number): void {
    this.fillThenInvalidateVpn(vaddr >>> SMALL_SHIFT);
  }

  /** `fillThenInvalidate` of the address of 4 KiB page `vpn`. */
  fillThenInvalidateVpn(vpn: number): void {
    const small = vpn;
    if (this.stlb !== null) this.stlb.fillThenInvalidateAbsent(small);
    this.l1d.fillThenInvalidateAbsent(small);
    const l1i = this.l1i;
    if (l1i.validCount > 0) {
      const lpn = vpn >>> this.largeFromSmall;
      l1i.invalidate(small, PageSizeClass.small);
      if (l1i.mayHoldLarge(lpn)) l1i.invalidate(lpn, PageSizeClass.large);
    }
    this.absentPage = small;
  }

  /** True when the 4 KiB page of `vaddr` is the one `fillThenInvalidate` last removed, still absent. */
  knownAbsent(vaddr: number): boolean {
    return vaddr >>> SMALL_SHIFT === this.absentPage;
  }

  /**
   * `k` times (k ≥ 1) `translate(data, vaddr)` then `fillThenInvalidate(vaddr)`, for a page that is
   * `knownAbsent`: every translate is a miss that moves only the counters, and every fill-and-drop takes
   * the same way of each array (Tlb.repeatFillThenInvalidate); the I-TLB holds no entry of the page
   * after the first one. Same counters and state as the 2k calls.
   */
  repeatAbsentTransient(vaddr: number, k: number): void {
    this.repeatAbsentTransientVpn(vaddr >>> SMALL_SHIFT, k);
  }

  /** `repeatAbsentTransient` of the address of 4 KiB page `vpn`. */
  repeatAbsentTransientVpn(vpn: number, k: number): void {
    const c = this.counters;
    const small = vpn;
    if (small !== this.absentPage) throw new Error('repeatAbsentTransient: page not known absent');
    c.dtlbLookups += k;
    c.dtlbMisses += k;
    if (this.stlb !== null) {
      c.stlbMisses += k;
      this.stlb.repeatFillThenInvalidate(small, k);
    }
    c.walks += k;
    this.l1d.repeatFillThenInvalidate(small, k);
  }

  /** CR3 write: removes all non-global entries (with PCIDs: those of `pcid`, default current). */
  flushNonGlobal(pcid?: number): number {
    const arrays = this.arrays;
    let n = 0;
    for (let i = 0; i < arrays.length; i++) n += arrays[i]!.flushNonGlobal(pcid);
    return n;
  }

  /** Global flush: empties every array. Returns the number of entries removed. */
  flushAll(): number {
    let n = 0;
    for (const t of this.arrays) n += t.flushAll();
    return n;
  }

  /** Switches the current PCID of every array (no flush). */
  setPcid(pcid: number): void {
    this.absentPage = -1;
    for (const t of this.arrays) t.setPcid(pcid);
  }

  /** The page number of 4 KiB page `vpn` in size class `size`. */
  private pageNumber(vpn: number, size: PageSizeClass): number {
    return size === PageSizeClass.large ? vpn >>> this.largeFromSmall : vpn;
  }

  private fillL1(side: TlbSide, vpn: number, size: PageSizeClass, global: boolean): void {
    if (side === TlbSide.data && size === PageSizeClass.large && this.l1dLarge !== null) {
      this.l1dLarge.insert(vpn >>> this.largeFromSmall, size, global);
      return;
    }
    (side === TlbSide.instruction ? this.l1i : this.l1d).insert(this.pageNumber(vpn, size), size, global);
  }
}
