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
 * Everything lives in typed arrays; no operation allocates. Each set remembers its most recently used
 * slot, checked before the scan: a hit there needs no recency update (the entry already is the most
 * recent of its set, and using it again changes neither the LRU order nor the PLRU tree bits), so this
 * shortcut is exact for both policies. Without PCIDs, a small direct-mapped table also remembers, by page
 * number, the slot where each page was last found or filled; `lookup` checks it after the MRU slot, before
 * scanning. A slot whose key equals the page's key is the page's entry (a key lives in one set, at most
 * once: insert refreshes an existing entry), so the hint finds what the scan would, and recency is updated
 * the same way — exact for both policies.
 *
 * Two more pieces of bookkeeping save work without changing any outcome: the slots given non-global
 * entries since the last CR3 write (that write visits only them), and bounds on the page numbers of the
 * large entries (a large probe outside them would miss, so it is skipped).
 *
 * The per-CPU arrangement of these arrays (L1 I/D, STLB, large pages, counters) is `TlbHierarchy` in
 * tlb-hierarchy.ts; the pure-TLB replay fast path is tlb-replay.ts.
 */
import type { Replacement } from '../models/types.ts';
import { createReplacement, LruPolicy, type ReplacementPolicy } from './tlb-replacement.ts';

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
 * The state a loop of small-page lookups needs to run without calls (user-access.ts accessHitRun), for
 * an array with LRU replacement, no PCIDs and a power-of-two number of sets. A hit of page pn is, as in
 * `lookup`: key = pn << 1, set = pn & setMask; the most recent slot of the set holding the key (nothing
 * to update), else the hint slot hints[pn & hintMask] holding it, else a scan of the set's `ways` slots
 * (then hints[pn & hintMask] = slot); a hit that is not the most recent one takes the next LRU stamp
 * (stamps[slot] = ++lru.clock) and becomes mru[set]. A miss changes nothing.
 */
export interface LruSmallView {
  readonly keys: Int32Array;
  readonly mru: Int32Array;
  readonly hints: Int32Array;
  readonly hintMask: number;
  readonly setMask: number;
  readonly ways: number;
  readonly lru: LruPolicy;
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
  private readonly setMask: number;
  private readonly pow2Sets: boolean;
  private currentPcid = 0;
  /** Most recently used slot of each set, or INVALID (kept exact: cleared when that entry goes). */
  private readonly mru: Int32Array;
  /** Slot where page number pn (mod HINTS) was last found or filled; only a guess, checked against keys. */
  private readonly hints: Int32Array;
  /**
   * Without PCIDs: every slot given a valid non-global entry since the last flush (repeats allowed;
   * entries removed since are skipped when read), so a CR3 write visits those slots instead of the whole
   * array. When more were noted than it holds, `nonGlobalOverflow` is set and the flush scans everything.
   */
  private readonly nonGlobalSlots: Int32Array;
  /** See lruSmallView (built once: the arrays it holds are never replaced). */
  private readonly smallView: LruSmallView | null;
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
    this.pow2Sets = (this.sets & (this.sets - 1)) === 0;
    this.setMask = this.sets - 1;
    this.keys = new Int32Array(entries).fill(INVALID);
    this.flags = new Uint8Array(entries);
    this.pcids = options.pcid === true ? new Int32Array(entries) : null;
    this.replacement = createReplacement(options.replacement, entries, ways);
    this.mru = new Int32Array(this.sets).fill(INVALID);
    this.hints = new Int32Array(HINTS).fill(INVALID);
    this.nonGlobalSlots = new Int32Array(this.pcids === null ? 4 * entries : 0);
    const lru = this.replacement;
    this.smallView =
      this.pcids === null && this.pow2Sets && lru instanceof LruPolicy
        ? { keys: this.keys, mru: this.mru, hints: this.hints, hintMask: HINTS - 1, setMask: this.setMask, ways, lru }
        : null;
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

  /** Set index of page number `pn`: pn mod sets. */
  private setOf(pn: number): number {
    return this.pow2Sets ? pn & this.setMask : pn % this.sets;
  }

  /** First slot of the set holding page number `pn`. */
  private baseOf(pn: number): number {
    return this.setOf(pn) * this.ways;
  }

  /** Marks `way` of `set` (first slot `base`) used now. */
  private use(set: number, base: number, way: number): void {
    this.replacement.touch(base, way);
    this.mru[set] = base + way;
  }

  /** True if slot `i` belongs to the current address space (always, without PCIDs). */
  private pcidMatches(i: number): boolean {
    const p = this.pcids;
    return p === null || p[i] === this.currentPcid || ((this.flags[i] as number) & GLOBAL) !== 0;
  }

  /**
   * Looks up page `pn` of size class `size`; on a hit marks the entry most recently used.
   * Returns the entry's slot (>= 0) on a hit, −1 on a miss.
   */
  lookup(pn: number, size: PageSizeClass): number {
    const pcids = this.pcids;
    const key = (pn << 1) | size;
    const keys = this.keys;
    const set = this.setOf(pn);
    const m = this.mru[set] as number;
    if (m >= 0 && keys[m] === key && (pcids === null || this.pcidMatches(m))) return m;
    const ways = this.ways;
    const base = set * ways;
    if (pcids === null) {
      const h = this.hints[pn & (HINTS - 1)] as number;
      if (h >= 0 && keys[h] === key) {
        this.use(set, base, h - base);
        return h;
      }
    }
    for (let w = 0; w < ways; w++) {
      const slot = base + w;
      if (keys[slot] === key && (pcids === null || this.pcidMatches(slot))) {
        this.use(set, base, w);
        this.hints[pn & (HINTS - 1)] = slot;
        return slot;
      }
    }
    return -1;
  }

  /** The call-free lookup state (see LruSmallView), or null when this array is not LRU without PCIDs with 2^k sets. */
  lruSmallView(): LruSmallView | null {
    return this.smallView;
  }

  /** `lookup(pn, small) >= 0` (a hit is made most recent; a miss changes nothing). */
  hitSmall(pn: number): boolean {
    return this.lookup(pn, PageSizeClass.small) >= 0;
  }

  /**
   * `lookup(pn, small)` for pn = first, first + 1, … up to `last`, stopping at the first that misses:
   * returns that page number (last + 1 when all hit). The hits are made most recent in order, as the
   * lookups would; the miss changes nothing (a missed probe never does).
   */
  hitSmallRun(first: number, last: number): number {
    let pn = first;
    while (pn <= last && this.lookup(pn, PageSizeClass.small) >= 0) pn++;
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
    const pcids = this.pcids;
    const key = pn << 1;
    const keys = this.keys;
    const set = this.setOf(pn);
    const m = this.mru[set] as number;
    if (m >= 0 && keys[m] === key && (pcids === null || this.pcidMatches(m))) return m;
    const ways = this.ways;
    const base = set * ways;
    let free = -1;
    for (let w = 0; w < ways; w++) {
      const k = keys[base + w] as number;
      if (k === key && (pcids === null || this.pcidMatches(base + w))) {
        this.use(set, base, w);
        return base + w;
      }
      if (k === INVALID && free < 0) free = w;
    }
    const way = free >= 0 ? free : this.replacement.victim(base);
    const slot = base + way;
    const old = keys[slot] as number;
    if (old === INVALID) this.validCount++;
    else if ((old & 1) === PageSizeClass.large) this.largeCount--;
    keys[slot] = key;
    this.flags[slot] = 0;
    if (this.pcids !== null) this.pcids[slot] = this.currentPcid;
    else this.noteNonGlobal(slot);
    this.use(set, base, way);
    return -1;
  }

  /** False when no valid large entry can be for large page number `lpn` (a probe of it would miss). */
  mayHoldLarge(lpn: number): boolean {
    return this.largeCount > 0 && lpn >= this.largeLo && lpn <= this.largeHi;
  }

  /** Slot of page `pn` without touching recency (−1 when absent). */
  probe(pn: number, size: PageSizeClass): number {
    const pcids = this.pcids;
    const key = (pn << 1) | size;
    const base = this.baseOf(pn);
    for (let w = 0; w < this.ways; w++) {
      if (this.keys[base + w] === key && (pcids === null || this.pcidMatches(base + w))) return base + w;
    }
    return -1;
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
    const pcids = this.pcids;
    const key = (pn << 1) | size;
    const set = this.setOf(pn);
    const base = set * this.ways;
    const keys = this.keys;
    let way = -1;
    let free = -1;
    for (let w = 0; w < this.ways; w++) {
      const k = keys[base + w] as number;
      if (k === key && (pcids === null || this.pcidMatches(base + w))) {
        way = w;
        break;
      }
      if (k === INVALID && free < 0) free = w;
    }
    if (way < 0) {
      way = free >= 0 ? free : this.replacement.victim(base);
      const slot = base + way;
      const old = keys[slot] as number;
      if (old === INVALID) this.validCount++;
      else if ((old & 1) === PageSizeClass.large) this.largeCount--;
      keys[slot] = key;
      if (size === PageSizeClass.large) {
        if (this.largeCount === 0) {
          this.largeLo = pn;
          this.largeHi = pn;
        } else if (pn < this.largeLo) this.largeLo = pn;
        else if (pn > this.largeHi) this.largeHi = pn;
        this.largeCount++;
      }
    }
    const slot = base + way;
    this.flags[slot] = global ? GLOBAL : 0;
    if (this.pcids !== null) this.pcids[slot] = this.currentPcid;
    else if (!global) this.noteNonGlobal(slot);
    this.use(set, base, way);
    this.hints[pn & (HINTS - 1)] = slot;
    return slot;
  }

  /**
   * `insert(pn, small, global)` then `invalidate(pn, small)` in one scan, for a 4 KiB page a `lookup`
   * just missed (absent for the current PCID): the way insert would take (the first invalid one, else
   * the policy's victim) loses its old entry, the policy records the use, and the way is left invalid
   * with no most-recent slot in its set — the state the two calls leave. (A transient kernel mapping:
   * filled by the touch, removed by the INVLPG of its unmap.)
   */
  fillThenInvalidateAbsent(pn: number): void {
    const set = this.setOf(pn);
    const ways = this.ways;
    const base = set * ways;
    const keys = this.keys;
    let way = -1;
    for (let w = 0; w < ways; w++) {
      if (keys[base + w] === INVALID) {
        way = w;
        break;
      }
    }
    if (way < 0) {
      way = this.replacement.victim(base);
      const old = keys[base + way] as number;
      if ((old & 1) === PageSizeClass.large) this.largeCount--;
      this.validCount--;
      keys[base + way] = INVALID;
    }
    const slot = base + way;
    this.flags[slot] = 0;
    if (this.pcids !== null) this.pcids[slot] = this.currentPcid;
    this.replacement.touch(base, way);
    this.mru[set] = INVALID;
  }

  /**
   * `fillThenInvalidateAbsent(pn)` `k` more times right after one: each takes the way the last one left
   * invalid (still the first invalid way of the set) and drops it again, so only the replacement policy
   * sees `k` more uses of that way.
   */
  repeatFillThenInvalidate(pn: number, k: number): void {
    const ways = this.ways;
    const base = this.setOf(pn) * ways;
    const keys = this.keys;
    for (let w = 0; w < ways; w++) {
      if (keys[base + w] === INVALID) {
        this.replacement.touchRepeat(base, w, k);
        return;
      }
    }
    throw new Error('repeatFillThenInvalidate: no invalid way (not right after fillThenInvalidateAbsent)');
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
      const keys = this.keys;
      const flags = this.flags;
      const ways = this.ways;
      let n = 0;
      for (let k = 0; k < count; k++) {
        const i = noted[k]!;
        if (keys[i] === INVALID || ((flags[i] as number) & GLOBAL) !== 0) continue;
        this.clear(i, (i / ways) | 0);
        n++;
      }
      this.nonGlobalCount = 0;
      return n;
    }
    this.nonGlobalCount = 0;
    this.nonGlobalOverflow = false;
    if (this.validCount === 0) return 0;
    const target = pcid ?? this.currentPcid;
    const keys = this.keys;
    const flags = this.flags;
    const ways = this.ways;
    let n = 0;
    // Stops once no valid entry is left: the rest of the array is invalid, nothing to remove.
    for (let set = 0, i = 0; set < this.sets && this.validCount > 0; set++) {
      for (let w = 0; w < ways; w++, i++) {
        if (keys[i] === INVALID || ((flags[i] as number) & GLOBAL) !== 0) continue;
        if (this.pcids !== null && this.pcids[i] !== target) continue;
        this.clear(i, set);
        n++;
      }
    }
    return n;
  }

  /** Global flush: removes every entry. Returns the number removed. */
  flushAll(): number {
    const n = this.validCount;
    this.keys.fill(INVALID);
    this.flags.fill(0);
    this.validCount = 0;
    this.largeCount = 0;
    this.replacement.reset();
    this.mru.fill(INVALID);
    this.nonGlobalCount = 0;
    this.nonGlobalOverflow = false;
    return n;
  }

  /** Switches the current PCID (no flush). No-op in meaning when PCIDs are disabled. */
  setPcid(pcid: number): void {
    // MRU slots stay valid as positions; every use of them re-checks the PCID.
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
    if (this.mru[set] === slot) this.mru[set] = INVALID;
  }
}
