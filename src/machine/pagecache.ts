/**
 * The page cache: which frame holds page `index` of file `file`. Every cached page is also a frame
 * allocated from PhysicalMemory as PageUse.pageCache.
 *
 * Layout: file ids are renumbered densely (a typed array for ids below 2^20, a Map beyond, with a
 * one-entry memo: consecutive pages of one copy hit it). Each file owns a segment of one shared Int32Array
 * pool, indexed by page index (−1 = not cached), that grows (doubling) to take a new page only while it
 * stays dense — at most DENSITY slots per cached page plus MIN_DIRECT — so a file touched at a few
 * far-apart offsets costs a few Map entries, not megabytes; a growth moves the Map's pages it now covers.
 * A lookup on the hot path is three typed-array reads (segment start, length, pool slot) with no object
 * in between, so a copy from a file whose pages are not in the CPU's caches misses once, not once per
 * object on the way. Memory stays proportional to the pages cached (the pool is rebuilt without the
 * space of outgrown segments when it fills).
 *
 * Eviction is oldest-first (insertion order, a FIFO of cached pages): when an allocation finds no free
 * frame, the machine asks the cache for its oldest page that the request may reuse; a page it may not
 * (mapped into user space, or in a zone the request cannot use) goes to the back of the FIFO. There is
 * no writeback, swap or tmpfs pinning in the model: a cached page is always reclaimable.
 */

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
  private fileCount = new Int32Array(64);
  private far: Array<Map<number, number> | null> = [];
  /** Every file's segment, one after the other (space left behind by a segment that grew is reclaimed when the pool is rebuilt). */
  private pool = new Int32Array(4096);
  private poolTop = 0;
  /** Pool slots in segments that are still in use. */
  private poolLive = 0;
  private lastFile = -1;
  private lastDense = -1;
  private count = 0;
  /**
   * FIFO of (dense file, index) in insertion order: a ring whose capacity is a power of two, so a
   * position is its counter's low bits (`& (capacity − 1)` keeps them for any counter below 2^53).
   */
  private fifoFile = new Int32Array(1024);
  private fifoIndex = new Float64Array(1024);
  private head = 0;
  private tail = 0;

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
    return this.get(this.denseOf(file), index);
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
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(n);
      next.set(a);
      return next;
    };
    this.segStart = grow(this.segStart);
    this.segLength = grow(this.segLength);
    this.fileCount = grow(this.fileCount);
  }

  /** Records that `pfn` caches page `index` of `file`. */
  insert(file: number, index: number, pfn: number): void {
    const d = this.denseOf(file);
    if (this.set(d, index, pfn)) this.count++;
    this.push(d, index);
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
      if (was !== ABSENT) return false;
    } else {
      const far = (this.far[d] ??= new Map());
      const had = far.has(index);
      far.set(index, pfn);
      if (had) return false;
    }
    this.fileCount[d]!++;
    return true;
  }

  private unset(d: number, index: number): void {
    if (index >= 0 && index < this.segLength[d]!) {
      const at = this.segStart[d]! + index;
      if (this.pool[at] === ABSENT) return;
      this.pool[at] = ABSENT;
    } else {
      const far = this.far[d];
      if (far === null || far === undefined || !far.delete(index)) return;
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

  private push(d: number, index: number): void {
    const cap = this.fifoFile.length;
    if (this.tail - this.head === cap) {
      const f = new Int32Array(cap * 2);
      const x = new Float64Array(cap * 2);
      for (let i = 0; i < cap; i++) {
        f[i] = this.fifoFile[(this.head + i) & (cap - 1)]!;
        x[i] = this.fifoIndex[(this.head + i) & (cap - 1)]!;
      }
      this.fifoFile = f;
      this.fifoIndex = x;
      this.tail -= this.head;
      this.head = 0;
    }
    const len = this.fifoFile.length;
    this.fifoFile[this.tail & (len - 1)] = d;
    this.fifoIndex[this.tail & (len - 1)] = index;
    this.tail++;
  }

  /**
   * Removes and returns the oldest cached frame for which `accept(pfn)` is true, or -1 if none.
   */
  evictOldest(accept: (pfn: number) => boolean): number {
    let budget = this.tail - this.head;
    while (budget-- > 0) {
      const len = this.fifoFile.length;
      const d = this.fifoFile[this.head & (len - 1)]!;
      const index = this.fifoIndex[this.head & (len - 1)]!;
      this.head++;
      const pfn = this.get(d, index);
      if (pfn === ABSENT) continue; // already gone
      if (!accept(pfn)) {
        this.push(d, index);
        continue;
      }
      this.unset(d, index);
      this.count--;
      return pfn;
    }
    return -1;
  }
}
