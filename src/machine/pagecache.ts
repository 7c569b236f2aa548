/**
 * The page cache: which frame holds page `index` of file `file`. Every cached page is also a frame
 * allocated from PhysicalMemory as PageUse.pageCache.
 *
 * Layout: one Map per file (page index → pfn; small-integer keys keep the lookup fast), found through a
 * dense renumbering of file ids with a one-entry memo (consecutive pages of one copy hit it).
 *
 * Eviction is oldest-first (insertion order, a FIFO of cached pages): when an allocation finds no free
 * frame, the machine asks the cache for its oldest page that the request may reuse; a page it may not
 * (mapped into user space, or in a zone the request cannot use) goes to the back of the FIFO. There is
 * no writeback, swap or tmpfs pinning in the model: a cached page is always reclaimable.
 */

export class PageCache {
  private readonly files: Array<Map<number, number>> = [];
  private readonly dense = new Map<number, number>();
  private lastFile = -1;
  private lastPages: Map<number, number> | undefined;
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

  private pagesOf(file: number): Map<number, number> {
    if (file === this.lastFile) return this.lastPages!;
    let d = this.dense.get(file);
    if (d === undefined) {
      d = this.files.length;
      this.dense.set(file, d);
      this.files.push(new Map());
    }
    this.lastFile = file;
    this.lastPages = this.files[d]!;
    return this.lastPages;
  }

  /** The frame caching page `index` of `file`, or -1. */
  lookup(file: number, index: number): number {
    return this.pagesOf(file).get(index) ?? -1;
  }

  /** Records that `pfn` caches page `index` of `file`. */
  insert(file: number, index: number, pfn: number): void {
    const pages = this.pagesOf(file);
    if (!pages.has(index)) this.count++;
    pages.set(index, pfn);
    this.push(this.dense.get(file)!, index);
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
      if (pfn === undefined) continue; // already gone
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
