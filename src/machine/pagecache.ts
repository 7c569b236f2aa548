/**
 * The page cache: which frame holds page `index` of file `file`, and the kernel's LRU lists over those
 * frames. Every cached page is also a frame allocated from PhysicalMemory as PageUse.pageCache.
 *
 * Layout: file ids are renumbered densely (a typed array for ids below 2^20, a Map beyond, with a
 * one-entry memo: consecutive pages of one copy hit it). Each file owns a segment of one shared Int32Array
 * pool, indexed by page index, that grows (doubling) to take a new page only while it stays dense — at
 * most DENSITY slots per cached page plus MIN_DIRECT — so a file touched at a few far-apart offsets costs
 * a few Map entries, not megabytes; a growth moves the Map's pages it now covers. A lookup on the hot
 * path is three typed-array reads (segment start, length, pool slot) with no object in between. Memory
 * stays proportional to the pages cached (the pool is rebuilt without the space of outgrown segments when
 * it fills).
 *
 * A slot holds a frame number (≥ 0), ABSENT (−1), or a *shadow entry* (≤ −2): the page was evicted when
 * the LRU's non-resident age was −2 − slot (mm/workingset.c workingset_eviction stores that age in the
 * page's slot of the mapping's xarray the same way). A refault reads it back (`shadowAge`).
 *
 * The LRU (mm/vmscan.c, mm/swap.c, Linux 6.1; one node, so one pair of lists for every zone):
 * - Page states, per frame (`flags`): on the **inactive** or the **active** list, **referenced**
 *   (PG_referenced), **dirty**, **writeback** (its write is on the device), **pending** (its read is on
 *   the device: the page is not up to date until then), **readahead** (PG_readahead: the async readahead
 *   marker), **shmem** (a tmpfs page: swap-backed, never written back to a file), **reclaim**
 *   (PG_reclaim: reclaim wrote it out and takes it as soon as the write completes).
 * - A new page goes to the head of the inactive list (folio_add_lru), or of the active list when its
 *   refault distance says it was part of the working set (workingset_refault).
 * - An access (folio_mark_accessed): unreferenced → referenced; referenced and inactive → active,
 *   unreferenced (and the non-resident age grows: workingset_activation).
 * - Reclaim takes pages from the inactive tail; when the inactive list is low against the active one
 *   (inactive_is_low: inactive × ratio < active, ratio = int_sqrt(10 × GB of file LRU) or 1 below 1 GB)
 *   the active tail is moved to the inactive head first (shrink_active_list). Each eviction grows the
 *   non-resident age by one and leaves a shadow entry.
 * Lists are doubly linked through per-frame Int32Arrays (head = most recent, tail = oldest), grown to the
 * largest frame number cached.
 */
import { capacityFor, grown } from './grow.ts';

/** Per-frame flag bits. */
export const PageFlag = {
  inactive: 1,
  active: 2,
  referenced: 4,
  dirty: 8,
  writeback: 16,
  pending: 32,
  readahead: 64,
  shmem: 128,
  /** PG_reclaim: reclaim started this page's write; when it completes the page is reclaimed first. */
  reclaim: 256,
  /** The page has a buffer_head attached (written on a disk filesystem: slab.ts). */
  buffers: 512,
} as const;

/** Flags that send a cached page off the fast copy path (its state needs the slow path). */
export const SLOW_PAGE = PageFlag.pending | PageFlag.readahead | PageFlag.writeback;

/** Non-resident ages are kept modulo 2^30 (they fit a negative Int32 shadow slot). */
const AGE_MASK = (1 << 30) - 1;
const LIST_NONE = -1;

/** A file's typed array never grows beyond this many pages (4 GiB of file)... */
const DIRECT_PAGES = 1 << 20;
/** ...nor beyond this many slots per page it caches (plus MIN_DIRECT): sparse files stay in the Map. */
const DENSITY = 4;
const MIN_DIRECT = 64;
const ABSENT = -1;
/** File ids below this are renumbered through a typed array (traces number files densely from 1). */
const SMALL_FILE_IDS = 1 << 20;

export class PageCache {
  /** Dense number + 1 of file ids below SMALL_FILE_IDS (0: not seen); larger ids use `dense`. */
  private denseSmall = new Int32Array(0);
  private readonly dense = new Map<number, number>();
  /** Files known (dense numbers 0 … files − 1). */
  private files = 0;
  /**
   * Per dense file: the start of its segment in `pool` and the segment's length (the pages below it are
   * kept there, ABSENT when not cached), the pages it caches (both parts), and the Map of pages at or
   * beyond the segment (null until one is needed).
   */
  private segStart = new Int32Array(64);
  private segLength = new Int32Array(64);
  /** Per dense file, an index at or below its lowest cached page in the segment (walks start there). */
  private segLow = new Int32Array(64);
  private fileCount = new Int32Array(64);
  private far: Array<Map<number, number> | null> = [];
  /**
   * Per dense file, the keys of its Map in increasing order — possibly with keys deleted since (walks
   * skip them) — or null when they must be sorted again (a key added below the largest). Files written
   * front to back only append, so a walk over a large sparse file does not sort it every time.
   */
  private farKeys: Array<number[] | null> = [];
  /** Every file's segment, one after the other (space left behind by a segment that grew is reclaimed when the pool is rebuilt). */
  private pool = new Int32Array(4096);
  private poolTop = 0;
  /** Pool slots in segments that are still in use. */
  private poolLive = 0;
  private lastFile = -1;
  private lastDense = -1;
  private count = 0;
  /** Per frame: flag bits (PageFlag), LRU links (frame numbers, LIST_NONE at the ends), owner file (dense) and page index. */
  flags = new Uint16Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private ownerFile = new Int32Array(0);
  private ownerIndex = new Float64Array(0);
  /** Heads (most recent) and tails (oldest) of the inactive [0] and active [1] lists, and their lengths. */
  private readonly headOf = [LIST_NONE, LIST_NONE];
  private readonly tailOf = [LIST_NONE, LIST_NONE];
  /** Pages on the inactive and active lists. */
  inactiveCount = 0;
  activeCount = 0;
  /** Cached pages in highmem frames (frames ≥ highStart), and shmem pages. */
  highCount = 0;
  shmemCount = 0;
  /** Dirty pages (PG_dirty) and pages under writeback (counted until their write is retired). */
  dirtyCount = 0;
  writebackCount = 0;
  /** The LRU's non-resident age (lruvec->nonresident_age): evictions plus activations, modulo 2^30. */
  private age = 0;
  /** Frames at or above this are highmem (Infinity without highmem). */
  private readonly highStart: number;

  constructor(highStart = Infinity) {
    this.highStart = highStart;
  }

  /** Number of cached pages. */
  get size(): number {
    return this.count;
  }

  /** Dense number of `file`, created when new. */
  private denseOf(file: number): number {
    if (file === this.lastFile) return this.lastDense;
    const small = Number.isInteger(file) && file >= 0 && file < SMALL_FILE_IDS;
    let d = small && file < this.denseSmall.length ? this.denseSmall[file]! - 1 : (this.dense.get(file) ?? -1);
    if (d < 0) {
      d = this.files++;
      if (small) {
        if (file >= this.denseSmall.length) this.growSmall(file);
        this.denseSmall[file] = d + 1;
      } else this.dense.set(file, d);
      if (d >= this.segStart.length) this.growFiles();
      this.far.push(null);
      this.farKeys.push(null);
    }
    this.lastFile = file;
    this.lastDense = d;
    return d;
  }

  /** The frame caching page `index` of dense file `d`, or ABSENT. */
  private get(d: number, index: number): number {
    if (index >= 0 && index < this.segLength[d]!) return this.pool[this.segStart[d]! + index]!;
    const far = this.far[d];
    if (far === null || far === undefined) return ABSENT;
    return far.get(index) ?? ABSENT;
  }

  /** The frame caching page `index` of `file`, or -1. */
  lookup(file: number, index: number): number {
    const v = this.get(this.denseOf(file), index);
    return v < 0 ? ABSENT : v;
  }

  /**
   * The refault distance of page `index` of `file` when it left a shadow entry (the non-resident age
   * now minus at its eviction, modulo 2^30), else −1.
   */
  refaultDistance(file: number, index: number): number {
    const v = this.get(this.denseOf(file), index);
    if (v >= ABSENT) return -1;
    return (this.age - (-2 - v)) & AGE_MASK;
  }

  /** The page index a cached frame holds. */
  indexOfFrame(pfn: number): number {
    return this.ownerIndex[pfn]!;
  }

  /** The dense file number of a cached frame (for per-file bookkeeping by callers). */
  denseOfFrame(pfn: number): number {
    return this.ownerFile[pfn]!;
  }

  /** Dense number of `file` (created when new), for callers that keep per-file state. */
  denseFile(file: number): number {
    return this.denseOf(file);
  }

  /** Cached pages of dense file `d`. */
  pagesOf(d: number): number {
    return this.fileCount[d] ?? 0;
  }

  /** Number of files known (dense numbers are below it). */
  get fileTotal(): number {
    return this.files;
  }

  /**
   * Calls `fn(index, pfn)` for every cached page of dense file `d` at index ≥ `from`, in index order for the dense
   * part; stops when `fn` returns true.
   */
  forEachPage(d: number, fn: (index: number, pfn: number) => boolean | void, from = 0): void {
    const len = this.segLength[d]!;
    const start = this.segStart[d]!;
    // From the start, the walk begins at the lowest cached page and ends at the last (fn must not add or
    // remove pages of `d`).
    const whole = from <= this.segLow[d]!;
    let left = whole ? this.pagesOf(d) : Infinity;
    let i = Math.max(0, from, this.segLow[d]!);
    if (whole) {
      while (i < len && this.pool[start + i]! < 0) i++;
      this.segLow[d] = i;
    }
    for (; i < len && left > 0; i++) {
      const v = this.pool[start + i]!;
      if (v < 0) continue;
      if (fn(i, v) === true) return;
      left--;
    }
    const far = this.far[d];
    if (left > 0 && far !== null && far !== undefined) {
      let keys = this.farKeys[d];
      if (keys === null || keys === undefined || keys.length > 2 * far.size + 64) {
        keys = [...far.keys()].sort((a, b) => a - b);
        this.farKeys[d] = keys;
      }
      // The first key ≥ from (binary search), then every key still holding a cached page.
      let lo = 0;
      for (let hi = keys.length; lo < hi; ) {
        const mid = (lo + hi) >> 1;
        if (keys[mid]! < from) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < keys.length; k++) {
        const i = keys[k]!;
        const v = far.get(i);
        if (v === undefined || v < 0) continue;
        if (fn(i, v) === true) return;
      }
    }
  }

  /** The frame of page `index` of dense file `d`, or −1. */
  frameOf(d: number, index: number): number {
    const v = this.get(d, index);
    return v < 0 ? ABSENT : v;
  }

  private growSmall(file: number): void {
    let len = Math.max(64, this.denseSmall.length);
    while (len <= file) len *= 2;
    const next = new Int32Array(Math.min(len, SMALL_FILE_IDS));
    next.set(this.denseSmall);
    this.denseSmall = next;
  }

  private growFiles(): void {
    const n = this.segStart.length * 2;
    this.segStart = grown(this.segStart, n);
    this.segLength = grown(this.segLength, n);
    this.segLow = grown(this.segLow, n);
    this.fileCount = grown(this.fileCount, n);
  }

  /**
   * Records that `pfn` caches page `index` of `file` (a page not cached before), at the head of the
   * inactive list — or of the active one with `active` (a refault within the working set) — with the
   * extra `flags` (shmem, pending, readahead).
   */
  insert(file: number, index: number, pfn: number, active = false, flags = 0): void {
    const d = this.denseOf(file);
    if (!this.set(d, index, pfn)) throw new Error(`page ${index} of file ${file} is cached already`);
    this.count++;
    if (pfn >= this.flags.length) this.growFrames(pfn);
    this.ownerFile[pfn] = d;
    this.ownerIndex[pfn] = index;
    this.flags[pfn] = flags;
    if (pfn >= this.highStart) this.highCount++;
    if ((flags & PageFlag.shmem) !== 0) this.shmemCount++;
    if (active) {
      this.age = (this.age + 1) & AGE_MASK; // workingset_refault: workingset_age_nonresident
      this.link(pfn, 1);
    } else this.link(pfn, 0);
  }

  private growFrames(pfn: number): void {
    const n = capacityFor(this.flags.length, pfn, 1024);
    this.flags = grown(this.flags, n);
    this.prev = grown(this.prev, n);
    this.next = grown(this.next, n);
    this.ownerFile = grown(this.ownerFile, n);
    this.ownerIndex = grown(this.ownerIndex, n);
  }

  /** Puts `pfn` at the head of list `l` (0 inactive, 1 active). */
  private link(pfn: number, l: 0 | 1): void {
    const h = this.headOf[l]!;
    this.prev[pfn] = LIST_NONE;
    this.next[pfn] = h;
    if (h !== LIST_NONE) this.prev[h] = pfn;
    else this.tailOf[l] = pfn;
    this.headOf[l] = pfn;
    this.flags[pfn]! |= l === 0 ? PageFlag.inactive : PageFlag.active;
    if (l === 0) this.inactiveCount++;
    else this.activeCount++;
  }

  /** Takes `pfn` off its list. */
  private unlink(pfn: number): void {
    const f = this.flags[pfn]!;
    const l = (f & PageFlag.active) !== 0 ? 1 : 0;
    if ((f & (PageFlag.active | PageFlag.inactive)) === 0) return;
    const p = this.prev[pfn]!;
    const n = this.next[pfn]!;
    if (p !== LIST_NONE) this.next[p] = n;
    else this.headOf[l] = n;
    if (n !== LIST_NONE) this.prev[n] = p;
    else this.tailOf[l] = p;
    this.flags[pfn] = f & ~(PageFlag.active | PageFlag.inactive);
    if (l === 0) this.inactiveCount--;
    else this.activeCount--;
  }

  /**
   * folio_mark_accessed: an unreferenced page becomes referenced; a referenced inactive page moves to the
   * head of the active list, unreferenced (workingset_activation grows the non-resident age).
   */
  markAccessed(pfn: number): void {
    const f = this.flags[pfn]!;
    if ((f & PageFlag.referenced) === 0) {
      this.flags[pfn] = f | PageFlag.referenced;
      return;
    }
    if ((f & PageFlag.inactive) === 0) return;
    this.unlink(pfn);
    this.flags[pfn]! &= ~PageFlag.referenced;
    this.link(pfn, 1);
    this.age = (this.age + 1) & AGE_MASK;
  }

  /** inactive_is_low(LRU_INACTIVE_FILE) of mm/vmscan.c: inactive × ratio < active. */
  inactiveIsLow(): boolean {
    const gb = Math.floor((this.inactiveCount + this.activeCount) / 262144); // pages of 4 KiB per GiB
    const ratio = gb > 0 ? Math.floor(Math.sqrt(10 * gb)) : 1;
    return this.inactiveCount * ratio < this.activeCount;
  }

  /** shrink_active_list for one page: the active tail moves to the inactive head (its referenced bit kept). */
  deactivateOldest(): boolean {
    const t = this.tailOf[1]!;
    if (t === LIST_NONE) return false;
    this.unlink(t);
    this.link(t, 0);
    return true;
  }

  /** The oldest page of the inactive list (−1 when empty). */
  get inactiveTail(): number {
    return this.tailOf[0]!;
  }

  /** The next older page after `pfn` on its list (−1 at the tail). */
  olderThan(pfn: number): number {
    return this.prev[pfn]!;
  }

  /** Moves an inactive page to the head of the inactive list (reclaim passed it over). */
  rotate(pfn: number): void {
    this.unlink(pfn);
    this.link(pfn, 0);
  }

  /**
   * Evicts `pfn` from the cache: off its list, its slot left with a shadow entry carrying the
   * non-resident age (workingset_eviction), which then grows by one. Returns the frame.
   */
  evict(pfn: number): number {
    this.detach(pfn, -2 - this.age);
    this.age = (this.age + 1) & AGE_MASK;
    return pfn;
  }

  /** Removes page `pfn` with no shadow entry (truncation): the slot becomes absent. */
  remove(pfn: number): void {
    this.detach(pfn, ABSENT);
  }

  /** Takes page `pfn` off its list and out of its file, leaving `slot` (a shadow entry or ABSENT) in its place. */
  private detach(pfn: number, slot: number): void {
    const f = this.flags[pfn]!;
    this.unlink(pfn);
    this.unset(this.ownerFile[pfn]!, this.ownerIndex[pfn]!, slot);
    this.count--;
    if (pfn >= this.highStart) this.highCount--;
    if ((f & PageFlag.shmem) !== 0) this.shmemCount--;
    if ((f & PageFlag.dirty) !== 0) this.dirtyCount--;
    if ((f & PageFlag.writeback) !== 0) this.writebackCount--;
    this.flags[pfn] = 0;
  }

  /** Sets PG_dirty (counted once). */
  setDirty(pfn: number): boolean {
    const f = this.flags[pfn]!;
    if ((f & PageFlag.dirty) !== 0) return false;
    this.flags[pfn] = f | PageFlag.dirty;
    this.dirtyCount++;
    return true;
  }

  /** A dirty page's write goes to the device: dirty → writeback. */
  startWriteback(pfn: number): void {
    const f = this.flags[pfn]!;
    if ((f & PageFlag.dirty) !== 0) this.dirtyCount--;
    if ((f & PageFlag.writeback) === 0) this.writebackCount++;
    this.flags[pfn] = (f & ~PageFlag.dirty) | PageFlag.writeback;
  }

  /** The page's write completed. */
  endWriteback(pfn: number): void {
    const f = this.flags[pfn]!;
    if ((f & PageFlag.writeback) === 0) return;
    this.flags[pfn] = f & ~PageFlag.writeback;
    this.writebackCount--;
  }

  /** Sets page `index` of dense file `d`; returns true if it was not cached before. */
  private set(d: number, index: number, pfn: number): boolean {
    const length = this.segLength[d]!;
    if (index >= length && index >= 0 && index < DIRECT_PAGES && index < MIN_DIRECT + DENSITY * (this.fileCount[d]! + 1)) {
      this.growSegment(d, index);
    }
    if (index >= 0 && index < this.segLength[d]!) {
      const at = this.segStart[d]! + index;
      const was = this.pool[at]!;
      this.pool[at] = pfn;
      if (was >= 0) return false;
      if (index < this.segLow[d]!) this.segLow[d] = index;
    } else {
      let far = this.far[d];
      if (far === null || far === undefined) {
        far = new Map<number, number>();
        this.far[d] = far;
      }
      const was = far.get(index) ?? ABSENT;
      if (!far.has(index)) {
        const keys = this.farKeys[d];
        if (keys !== null && keys !== undefined && (keys.length === 0 || index > keys[keys.length - 1]!)) keys.push(index);
        else this.farKeys[d] = null;
      }
      far.set(index, pfn);
      if (was >= 0) return false;
    }
    this.fileCount[d]!++;
    return true;
  }

  /** Replaces the cached page `index` of dense file `d` by `slot` (ABSENT or a shadow entry). */
  private unset(d: number, index: number, slot: number): void {
    if (index >= 0 && index < this.segLength[d]!) {
      const at = this.segStart[d]! + index;
      if (this.pool[at]! < 0) return;
      this.pool[at] = slot;
    } else {
      const far = this.far[d];
      if (far === null || far === undefined || (far.get(index) ?? ABSENT) < 0) return;
      if (slot === ABSENT) far.delete(index);
      else far.set(index, slot);
    }
    this.fileCount[d]!--;
  }

  /** Gives dense file `d` a segment (doubling, at least 16 pages) that covers `index`. */
  private growSegment(d: number, index: number): void {
    const oldLength = this.segLength[d]!;
    let len = Math.max(16, oldLength);
    while (len <= index) len *= 2;
    len = Math.min(len, DIRECT_PAGES);
    if (this.poolTop + len > this.pool.length) this.rebuildPool(len);
    const start = this.poolTop;
    const oldStart = this.segStart[d]!;
    const pool = this.pool;
    pool.copyWithin(start, oldStart, oldStart + oldLength);
    pool.fill(ABSENT, start + oldLength, start + len);
    this.poolTop += len;
    this.poolLive += len - oldLength;
    this.segStart[d] = start;
    this.segLength[d] = len;
    const far = this.far[d];
    if (far !== null && far !== undefined) {
      for (const [i, pfn] of far) {
        if (i >= 0 && i < len) {
          pool[start + i] = pfn;
          far.delete(i);
          if (pfn >= 0 && i < this.segLow[d]!) this.segLow[d] = i;
        }
      }
    }
  }

  /** Copies the live segments into a pool with room for `need` more slots (at least twice the live ones). */
  private rebuildPool(need: number): void {
    let cap = this.pool.length;
    while (cap < 2 * (this.poolLive + need)) cap *= 2;
    const next = new Int32Array(cap);
    let top = 0;
    for (let d = 0; d < this.files; d++) {
      const len = this.segLength[d]!;
      if (len === 0) continue;
      const start = this.segStart[d]!;
      next.set(this.pool.subarray(start, start + len), top);
      this.segStart[d] = top;
      top += len;
    }
    this.pool = next;
    this.poolTop = top;
  }
}
