/**
 * The page cache: which frame holds page `index` of file `file`. Every cached page is also a frame
 * allocated from PhysicalMemory as PageUse.pageCache.
 *
 * Layout: file ids are renumbered densely (a typed array for ids below 2^20, a Map beyond, with a
 * one-entry memo: consecutive pages of one copy hit it); each file's pages live in an Int32Array indexed by page index (−1 = not cached) while that
 * stays dense, else in a per-file Map (FilePages). A lookup on the hot path is one typed-array read;
 * memory stays proportional to the pages cached.
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

/**
 * The cached pages of one file (pfns are below 2^31: 8 TiB of RAM). Pages below `direct.length` live in
 * the typed array; others in `far`. The array grows (doubling) to take a new page only while it stays
 * dense — at most DENSITY slots per cached page plus MIN_DIRECT, so a file touched at a few far-apart
 * offsets costs a few Map entries, not megabytes — and a growth moves the Map's pages it now covers.
 */
class FilePages {
  /** pfn by page index, ABSENT when not cached. */
  direct = new Int32Array(0);
  /** Pages at or beyond direct.length (allocated on first use). */
  far: Map<number, number> | null = null;
  /** Pages cached (both parts). */
  count = 0;

  get(index: number): number {
    if (index >= 0 && index < this.direct.length) return this.direct[index]!;
    if (this.far === null) return ABSENT;
    return this.far.get(index) ?? ABSENT;
  }

  /** Sets page `index`; returns true if it was not cached before. */
  set(index: number, pfn: number): boolean {
    if (index >= this.direct.length && index >= 0 && index < DIRECT_PAGES && index < MIN_DIRECT + DENSITY * (this.count + 1)) {
      this.grow(index);
    }
    if (index >= 0 && index < this.direct.length) {
      const was = this.direct[index]!;
      this.direct[index] = pfn;
      if (was !== ABSENT) return false;
    } else {
      this.far ??= new Map();
      const had = this.far.has(index);
      this.far.set(index, pfn);
      if (had) return false;
    }
    this.count++;
    return true;
  }

  delete(index: number): void {
    if (index >= 0 && index < this.direct.length) {
      if (this.direct[index] === ABSENT) return;
      this.direct[index] = ABSENT;
    } else if (this.far === null || !this.far.delete(index)) return;
    this.count--;
  }

  private grow(index: number): void {
    let len = Math.max(16, this.direct.length);
    while (len <= index) len *= 2;
    const next = new Int32Array(Math.min(len, DIRECT_PAGES)).fill(ABSENT);
    next.set(this.direct);
    this.direct = next;
    if (this.far !== null) {
      for (const [i, pfn] of this.far) {
        if (i >= 0 && i < next.length) {
          next[i] = pfn;
          this.far.delete(i);
        }
      }
    }
  }
}

export class PageCache {
  private readonly files: FilePages[] = [];
  /** Dense number + 1 of file ids below SMALL_FILE_IDS (0: not seen); larger ids use `dense`. */
  private denseSmall = new Int32Array(0);
  private readonly dense = new Map<number, number>();
  private lastFile = -1;
  private lastPages: FilePages | undefined;
  private lastDense = -1;
  private count = 0;
  /** FIFO of (dense file, index) in insertion order. */
  private fifoFile = new Int32Array(1024);
  private fifoIndex = new Float64Array(1024);
  private head = 0;
  private tail = 0;

  /** Number of cached pages. */
  get size(): number {
    return this.count;
  }

  private pagesOf(file: number): FilePages {
    if (file === this.lastFile) return this.lastPages!;
    const small = Number.isInteger(file) && file >= 0 && file < SMALL_FILE_IDS;
    let d = small && file < this.denseSmall.length ? this.denseSmall[file]! - 1 : (this.dense.get(file) ?? -1);
    if (d < 0) {
      d = this.files.length;
      if (small) {
        if (file >= this.denseSmall.length) this.growSmall(file);
        this.denseSmall[file] = d + 1;
      } else this.dense.set(file, d);
      this.files.push(new FilePages());
    }
    this.lastFile = file;
    this.lastDense = d;
    this.lastPages = this.files[d]!;
    return this.lastPages;
  }

  /** The frame caching page `index` of `file`, or -1. */
  lookup(file: number, index: number): number {
    return this.pagesOf(file).get(index);
  }

  private growSmall(file: number): void {
    let len = Math.max(64, this.denseSmall.length);
    while (len <= file) len *= 2;
    const next = new Int32Array(Math.min(len, SMALL_FILE_IDS));
    next.set(this.denseSmall);
    this.denseSmall = next;
  }

  /** Records that `pfn` caches page `index` of `file`. */
  insert(file: number, index: number, pfn: number): void {
    const pages = this.pagesOf(file);
    if (pages.set(index, pfn)) this.count++;
    this.push(this.lastDense, index);
  }

  private push(d: number, index: number): void {
    const cap = this.fifoFile.length;
    if (this.tail - this.head === cap) {
      const f = new Int32Array(cap * 2);
      const x = new Float64Array(cap * 2);
      for (let i = 0; i < cap; i++) {
        f[i] = this.fifoFile[(this.head + i) % cap]!;
        x[i] = this.fifoIndex[(this.head + i) % cap]!;
      }
      this.fifoFile = f;
      this.fifoIndex = x;
      this.tail -= this.head;
      this.head = 0;
    }
    const len = this.fifoFile.length;
    this.fifoFile[this.tail % len] = d;
    this.fifoIndex[this.tail % len] = index;
    this.tail++;
  }

  /**
   * Removes and returns the oldest cached frame for which `accept(pfn)` is true, or -1 if none.
   */
  evictOldest(accept: (pfn: number) => boolean): number {
    let budget = this.tail - this.head;
    while (budget-- > 0) {
      const len = this.fifoFile.length;
      const d = this.fifoFile[this.head % len]!;
      const index = this.fifoIndex[this.head % len]!;
      this.head++;
      const pages = this.files[d]!;
      const pfn = pages.get(index);
      if (pfn === ABSENT) continue; // already gone
      if (!accept(pfn)) {
        this.push(d, index);
        continue;
      }
      pages.delete(index);
      this.count--;
      return pfn;
    }
    return -1;
  }
}
