/**
 * One set-associative TLB array (an L1 I-TLB, L1 D-TLB, STLB or large-page array).
 *
 * An entry is a translation of one page: its page number *in its own size class* (virtual address >>
 * 12 for a 4 KiB page, >> 21 or >> 22 for a 2/4 MiB page), the size class, the global bit and, when PCIDs
 * are enabled, the PCID it belongs to. Entry states:
 * - **invalid**: key −1; filled before any valid entry is evicted.
 * - **valid, non-global**: removed by a CR3 write (`flushNonGlobal`), INVLPG of its page and a full flush.
 * - **valid, global**: survives CR3 writes; removed only by INVLPG of its page or a full flush
 *   (`flushAll`, the CR4.PGE toggle). With PCIDs, a global entry matches every PCID.
 *
 * Geometry: `entries` in `sets = entries / ways` sets of `ways`; entries === ways is fully associative.
 * Set index = page number mod sets (as Dinero IV: block address modulo the number of sets), computed with
 * a mask when sets is a power of two.
 *
 * Everything lives in typed arrays; no operation allocates. Every search of a set for a key is one
 * method (`find`), and every fill of a set one more (`place`). In front of them sits the array's
 * `TlbFilter` (below): the key and slot of each set's most recently used entry, so that a hit there —
 * which needs no recency update, since using the most recent entry again changes neither the LRU order
 * nor the PLRU tree bits — takes no scan. Without PCIDs, a small direct-mapped table also remembers,
 * by page number, the slot where each page was last found or filled; `lookup` checks it after the
 * filter, before scanning. A slot whose key equals the page's key is the page's entry (a key lives in
 * one set, at most once: insert refreshes an existing entry), so the hint finds what the scan would,
 * and recency is updated the same way — exact for both policies.
 *
 * Two more pieces of bookkeeping save work without changing any outcome: the slots given non-global
 * entries since the last CR3 write (that write visits only them), and bounds on the page numbers of the
 * large entries (a large probe outside them would miss, so it is skipped).
 *
 * The per-CPU arrangement of these arrays (L1 I/D, STLB, large pages, counters) is `TlbHierarchy` in
 * tlb-hierarchy.ts; the pure-TLB replay fast path is tlb-replay.ts.
 */
import type { Replacement } from '../models/types.ts';
import { createReplacement, type ReplacementPolicy } from './tlb-replacement.ts';

/** Page-size classes of TLB entries. */
export const PageSizeClass = {
  /** 4 KiB page. */
  small: 0,
  /** 2 MiB (PAE, x86_64) or 4 MiB (non-PAE) page. */
  large: 1,
} as const;
export type PageSizeClass = (typeof PageSizeClass)[keyof typeof PageSizeClass];

/** Construction options of one TLB array. */
export interface TlbOptions {
  /** Number of entries (>= 1). */
  readonly entries: number;
  /** Associativity; must divide `entries`; entries === ways → fully associative. */
  readonly ways: number;
  readonly replacement: Replacement;
  /** Tag entries with a PCID (x86_64 reference). Default false: one address space at a time. */
  readonly pcid?: boolean;
}

const INVALID = -1;
const GLOBAL = 1;
/** Size of the lookup hint table (a power of two), indexed by page number mod HINTS. */
const HINTS = 256;

/**
 * The exact filter in front of one TLB array (its model: zsim's filter cache, a direct-mapped table in
 * front of the L1 whose hit path is a compare inline in the caller's loop). One entry per set of the
 * array: the key and slot of the set's most recently used entry, or none. A lookup of a key the filter
 * holds is a hit that changes nothing (the entry already is the most recent of its set), so a caller
 * may count it and move on without calling the array (`hit`, for a 4 KiB page).
 *
 * The array keeps it exact through three hooks: `used` (an entry was hit or filled: it becomes its
 * set's most recent), `invalidateSlot` (an entry was removed: forgotten if it was the set's most
 * recent) and `clear` (full flush, address-space switch with PCIDs: forget everything). Forgetting is
 * always safe — a lookup the filter cannot answer goes to the array, which finds the entry and uses it
 * again, which changes no replacement decision — so the filter only ever holds entries of the current
 * address space that are the most recent of their set.
 */
export class TlbFilter {
  /** Per set s: at 2s the key of its most recently used entry (INVALID: not known), at 2s + 1 its slot. */
  private readonly recentOf: Int32Array;
  private readonly sets: number;
  private readonly mask: number;
  private readonly pow2: boolean;

  constructor(sets: number) {
    this.sets = sets;
    this.mask = sets - 1;
    this.pow2 = (sets & (sets - 1)) === 0;
    this.recentOf = new Int32Array(2 * sets).fill(INVALID);
  }

  /** Set index of page number `pn`: pn mod sets (as Dinero IV: block address modulo the number of sets). */
  setOf(pn: number): number {
    return this.pow2 ? pn & this.mask : pn % this.sets;
  }

  /** The inline hit path: true when 4 KiB page `pn` is the most recent entry of its set. */
  hit(pn: number): boolean {
    return this.recentOf[2 * this.setOf(pn)] === pn << 1;
  }

  /** The slot of `key` when it is the most recent entry of `set`, else −1. */
  recent(set: number, key: number): number {
    const r = this.recentOf;
    return r[2 * set] === key ? (r[2 * set + 1] as number) : -1;
  }

  /** Hook: `slot` of `set`, holding `key`, was just used (hit or filled). */
  used(set: number, key: number, slot: number): void {
    const r = this.recentOf;
    r[2 * set] = key;
    r[2 * set + 1] = slot;
  }

  /** Hook: the entry in `slot` of `set` was removed. */
  invalidateSlot(set: number, slot: number): void {
    const r = this.recentOf;
    if (r[2 * set + 1] === slot) r[2 * set] = INVALID;
  }

  /** Hook: every entry may have gone, or another address space is now current. */
  clear(): void {
    const r = this.recentOf;
    for (let i = 0; i < r.length; i += 2) r[i] = INVALID;
  }
}

/** A set-associative TLB array. Page numbers must be below 2^30. */
export class Tlb {
  /** Number of entries. */
  readonly entries: number;
  /** Associativity. */
  readonly ways: number;
  /** Number of sets (entries / ways). */
  readonly sets: number;
  /** The replacement policy's state. */
  readonly replacement: ReplacementPolicy;
  /** The most recent entry of each set (the inline hit path of callers' loops; see TlbFilter). */
  readonly filter: TlbFilter;
  /** Number of valid large-page entries (lets callers skip the large-page probe when there are none). */
  largeCount = 0;
  /**
   * Bounds on the page numbers of the valid large entries (while largeCount > 0; they may be wider than
   * the entries left, never narrower), so a probe of a page outside them can be skipped: it would miss.
   */
  private largeLo = 0;
  private largeHi = -1;
  /** Number of valid entries. */
  validCount = 0;

  /** key = (page number << 1) | size class; INVALID when the entry is empty. */
  private readonly keys: Int32Array;
  /** Bit 0: global. */
  private readonly flags: Uint8Array;
  /** PCID of each entry, or null when PCIDs are disabled. */
  private readonly pcids: Int32Array | null;
  private currentPcid = 0;
  /** Slot where page number pn (mod HINTS) was last found or filled; only a guess, checked against keys. */
  private readonly hints: Int32Array;
  /** After a `find` that missed: the first invalid slot of the set, or −1 (read by `place`). */
  private free = -1;
  /**
   * Without PCIDs: every slot given a valid non-global entry since the last flush (repeats allowed;
   * entries removed since are skipped when read), so a CR3 write visits those slots instead of the whole
   * array. When more were noted than it holds, `nonGlobalOverflow` is set and the flush scans everything.
   */
  private readonly nonGlobalSlots: Int32Array;
  private nonGlobalCount = 0;
  private nonGlobalOverflow = false;

  constructor(options: TlbOptions) {
    const { entries, ways } = options;
    if (!(Number.isInteger(entries) && entries >= 1 && Number.isInteger(ways) && ways >= 1 && entries % ways === 0)) {
      throw new Error(`Tlb: bad geometry entries=${entries} ways=${ways} (validate it at the edge)`);
    }
    this.entries = entries;
    this.ways = ways;
    this.sets = entries / ways;
    this.keys = new Int32Array(entries).fill(INVALID);
    this.flags = new Uint8Array(entries);
    this.pcids = options.pcid === true ? new Int32Array(entries) : null;
    this.replacement = createReplacement(options.replacement, entries, ways);
    this.filter = new TlbFilter(this.sets);
    this.hints = new Int32Array(HINTS).fill(INVALID);
    this.nonGlobalSlots = new Int32Array(this.pcids === null ? 4 * entries : 0);
    // A double field from the start (see CpuState's constructor, cpu.ts): optimized code that gives way
    // to slower code hands the slot it found over as a boxed number, which would change the layout of every
    // Tlb in the middle of a replay. Same value (−1).
    this.free = 0.5;
    this.free = -1;
  }

  /** Notes that `slot` now holds a valid non-global entry (see nonGlobalSlots). */
  private noteNonGlobal(slot: number): void {
    if (this.pcids !== null) return;
    const n = this.nonGlobalCount;
    if (n < this.nonGlobalSlots.length) {
      this.nonGlobalSlots[n] = slot;
      this.nonGlobalCount = n + 1;
    } else this.nonGlobalOverflow = true;
  }

  /** Marks `slot` of `set` (first slot `base`), which holds `key`, used now. */
  private use(set: number, base: number, slot: number, key: number): void {
    this.replacement.touch(base, slot - base);
    this.filter.used(set, key, slot);
  }

  /** True if slot `i` belongs to the current address space (always, without PCIDs). */
  private pcidMatches(i: number): boolean {
    const p = this.pcids;
    return p === null || p[i] === this.currentPcid || ((this.flags[i] as number) & GLOBAL) !== 0;
  }

  /**
   * The set scan (the only one): the slot of the set starting at `base` that holds `key` for the current
   * address space, or −1 — and then `free` is the set's first invalid slot (−1: the set is full).
   */
  private find(base: number, key: number): number {
    const keys = this.keys;
    const pcids = this.pcids;
    const end = base + this.ways;
    let free = -1;
    for (let slot = base; slot < end; slot++) {
      const k = keys[slot] as number;
      if (k === key && (pcids === null || this.pcidMatches(slot))) return slot;
      if (k === INVALID && free < 0) free = slot;
    }
    this.free = free;
    return -1;
  }

  /**
   * Right after a `find(base, key)` that missed: puts `key` in the set (its first invalid slot, else the
   * policy's victim, whose entry goes) and returns the slot. Flags, PCID and recency are the caller's.
   */
  private place(base: number, key: number): number {
    const keys = this.keys;
    const slot = this.free >= 0 ? this.free : base + this.replacement.victim(base);
    const old = keys[slot] as number;
    if (old === INVALID) this.validCount++;
    else if ((old & 1) === PageSizeClass.large) this.largeCount--;
    keys[slot] = key;
    this.hints[(key >>> 1) & (HINTS - 1)] = slot;
    return slot;
  }

  /**
   * The slot holding `key` (page `pn`) in `set` for the current address space, made most recent; −1 when
   * absent. The filter, then the hint (without PCIDs), then the scan.
   */
  private hitSlot(set: number, pn: number, key: number): number {
    const m = this.filter.recent(set, key);
    if (m >= 0) return m;
    const base = set * this.ways;
    const h = this.pcids === null ? (this.hints[pn & (HINTS - 1)] as number) : -1;
    let slot: number;
    if (h >= 0 && this.keys[h] === key) slot = h;
    else {
      slot = this.find(base, key);
      if (slot < 0) return -1;
      this.hints[pn & (HINTS - 1)] = slot;
    }
    this.use(set, base, slot, key);
    return slot;
  }

  /**
   * Looks up page `pn` of size class `size`; on a hit marks the entry most recently used.
   * Returns the entry's slot (>= 0) on a hit, −1 on a miss.
   */
  lookup(pn: number, size: PageSizeClass): number {
    return this.hitSlot(this.filter.setOf(pn), pn, (pn << 1) | size);
  }

  /** `lookup(pn, small) >= 0` (a hit is made most recent; a miss changes nothing). */
  hitSmall(pn: number): boolean {
    return this.filter.hit(pn) || this.lookup(pn, PageSizeClass.small) >= 0;
  }

  /**
   * `lookup(pn, small)` for pn = first, first + 1, … up to `last`, stopping at the first that misses:
   * returns that page number (last + 1 when all hit). The hits are made most recent in order, as the
   * lookups would; the miss changes nothing (a missed probe never does).
   */
  hitSmallRun(first: number, last: number): number {
    let pn = first;
    while (pn <= last && this.hitSmall(pn)) pn++;
    return pn;
  }

  /**
   * Pure-replay step for a 4 KiB page: a lookup that, on a miss, fills page `pn` as a non-global entry —
   * in one scan of the set. Returns true on a hit. Same effect as `lookup` then `insert` on a miss.
   */
  accessSmall(pn: number): boolean {
    return this.accessSmallSlot(pn) >= 0;
  }

  /** `accessSmall(pn)` that returns the entry's slot on a hit, −1 on a miss (the page is then filled). */
  accessSmallSlot(pn: number): number {
    const key = pn << 1;
    const set = this.filter.setOf(pn);
    const m = this.filter.recent(set, key);
    if (m >= 0) return m;
    // No hint here: a miss (the common case of this call) scans the set anyway, and the scan also
    // finds the way to fill.
    const base = set * this.ways;
    let slot = this.find(base, key);
    if (slot >= 0) {
      this.use(set, base, slot, key);
      return slot;
    }
    slot = this.place(base, key);
    this.flags[slot] = 0;
    if (this.pcids !== null) this.pcids[slot] = this.currentPcid;
    else this.noteNonGlobal(slot);
    this.use(set, base, slot, key);
    return -1;
  }

  /** False when no valid large entry can be for large page number `lpn` (a probe of it would miss). */
  mayHoldLarge(lpn: number): boolean {
    return this.largeCount > 0 && lpn >= this.largeLo && lpn <= this.largeHi;
  }

  /** Slot of page `pn` without touching recency (−1 when absent). */
  probe(pn: number, size: PageSizeClass): number {
    return this.find(this.filter.setOf(pn) * this.ways, (pn << 1) | size);
  }

  /** Page-size class of the (valid) entry in `slot`. */
  sizeOf(slot: number): PageSizeClass {
    return ((this.keys[slot] as number) & 1) as PageSizeClass;
  }

  /** True if the entry in `slot` is global. */
  isGlobal(slot: number): boolean {
    return ((this.flags[slot] as number) & GLOBAL) !== 0;
  }

  /**
   * Inserts (or refreshes) the translation of page `pn`, making it most recently used. Fills an invalid
   * way of the set first, otherwise evicts the replacement policy's victim. Returns the slot used.
   */
  insert(pn: number, size: PageSizeClass, global: boolean): number {
    const key = (pn << 1) | size;
    const set = this.filter.setOf(pn);
    const base = set * this.ways;
    let slot = this.find(base, key);
    if (slot < 0) {
      slot = this.place(base, key);
      if (size === PageSizeClass.large) {
        if (this.largeCount === 0) {
          this.largeLo = pn;
          this.largeHi = pn;
        } else if (pn < this.largeLo) this.largeLo = pn;
        else if (pn > this.largeHi) this.largeHi = pn;
        this.largeCount++;
      }
    } else this.hints[pn & (HINTS - 1)] = slot;
    this.flags[slot] = global ? GLOBAL : 0;
    if (this.pcids !== null) this.pcids[slot] = this.currentPcid;
    else if (!global) this.noteNonGlobal(slot);
    this.use(set, base, slot, key);
    return slot;
  }

  /**
   * `insert(pn, small, global)` then `invalidate(pn, small)` for a 4 KiB page a `lookup` just missed
   * (absent for the current PCID): the way insert would take (the first invalid one, else the policy's
   * victim) loses its old entry, the policy records the use, and the way is left invalid with no most
   * recent entry known in its set — the state the two calls leave (the global bit of an entry removed
   * at once changes nothing). (A transient kernel mapping: filled by the touch, dropped by the INVLPG.)
   */
  fillThenInvalidateAbsent(pn: number): void {
    const key = pn << 1;
    const set = this.filter.setOf(pn);
    const base = set * this.ways;
    if (this.find(base, key) >= 0) throw new Error('fillThenInvalidateAbsent: the page is present');
    const slot = this.place(base, key);
    if (this.pcids !== null) this.pcids[slot] = this.currentPcid;
    this.use(set, base, slot, key);
    this.clear(slot, set);
  }

  /**
   * `fillThenInvalidateAbsent(pn)` `k` more times right after one: each takes the way the last one left
   * invalid (still the first invalid way of the set) and drops it again, so only the replacement policy
   * sees `k` more uses of that way.
   */
  repeatFillThenInvalidate(pn: number, k: number): void {
    const base = this.filter.setOf(pn) * this.ways;
    if (this.find(base, pn << 1) >= 0 || this.free < 0) {
      throw new Error('repeatFillThenInvalidate: no invalid way (not right after fillThenInvalidateAbsent)');
    }
    this.replacement.touchRepeat(base, this.free - base, k);
  }

  /**
   * INVLPG for one entry: removes page `pn` of size class `size`, global or not (with PCIDs: of the
   * current PCID, or global). Returns true if an entry was removed.
   */
  invalidate(pn: number, size: PageSizeClass): boolean {
    const slot = this.probe(pn, size);
    if (slot < 0) return false;
    this.clear(slot, (slot / this.ways) | 0);
    return true;
  }

  /**
   * CR3 write: removes every non-global entry (with PCIDs: the non-global entries of `pcid`, by default
   * the current one). Returns the number removed.
   */
  flushNonGlobal(pcid?: number): number {
    if (this.pcids === null && !this.nonGlobalOverflow) {
      // Visit the noted slots only: the same entries are removed as by the scan below (removal order
      // changes nothing), and afterwards no valid non-global entry is left to note.
      const noted = this.nonGlobalSlots;
      const count = this.nonGlobalCount;
      let n = 0;
      for (let k = 0; k < count; k++) if (this.clearNonGlobal(noted[k]!, -1)) n++;
      this.nonGlobalCount = 0;
      return n;
    }
    this.nonGlobalCount = 0;
    this.nonGlobalOverflow = false;
    const target = pcid ?? this.currentPcid;
    let n = 0;
    // Stops once no valid entry is left: the rest of the array is invalid, nothing to remove.
    for (let i = 0; i < this.entries && this.validCount > 0; i++) if (this.clearNonGlobal(i, target)) n++;
    return n;
  }

  /** Empties `slot` if it holds a valid non-global entry (with PCIDs: of `pcid`); true if it did. */
  private clearNonGlobal(slot: number, pcid: number): boolean {
    if (this.keys[slot] === INVALID || ((this.flags[slot] as number) & GLOBAL) !== 0) return false;
    if (this.pcids !== null && this.pcids[slot] !== pcid) return false;
    this.clear(slot, (slot / this.ways) | 0);
    return true;
  }

  /** Global flush: removes every entry. Returns the number removed. */
  flushAll(): number {
    const n = this.validCount;
    this.keys.fill(INVALID);
    this.flags.fill(0);
    this.validCount = 0;
    this.largeCount = 0;
    this.replacement.reset();
    this.filter.clear();
    this.nonGlobalCount = 0;
    this.nonGlobalOverflow = false;
    return n;
  }

  /** Switches the current PCID (no flush). No-op in meaning when PCIDs are disabled. */
  setPcid(pcid: number): void {
    // The filter may hold entries of the current address space only.
    if (this.pcids !== null && pcid !== this.currentPcid) this.filter.clear();
    this.currentPcid = pcid;
  }

  /** The current PCID (0 when PCIDs are disabled). */
  get pcid(): number {
    return this.currentPcid;
  }

  /** Empties `slot`, which belongs to `set` (slot / ways). */
  private clear(slot: number, set: number): void {
    const old = this.keys[slot] as number;
    if ((old & 1) === PageSizeClass.large) this.largeCount--;
    this.validCount--;
    this.keys[slot] = INVALID;
    this.flags[slot] = 0;
    this.filter.invalidateSlot(set, slot);
  }
}
