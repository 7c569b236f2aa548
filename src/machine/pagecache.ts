/**
 * The page cache: which frame holds page `index` of file `file`. Every cached page is also a frame
 * allocated from PhysicalMemory as PageUse.pageCache.
 *
 * Eviction is oldest-first (insertion order): when an allocation finds no free frame, the machine asks the
 * cache to give up its oldest page whose zone could satisfy the request. There is no writeback, swap or
 * tmpfs pinning in the model: a cached page is always reclaimable.
 */

/** Bits of page index in a cache key (pages of 4 KiB → offsets up to 16 TiB). */
const INDEX_SPAN = 2 ** 32;
/** Distinct files the key can name (dense numbering of file ids). */
const MAX_FILES = 2 ** 20;

export class PageCache {
  private readonly frames = new Map<number, number>();
  private readonly dense = new Map<number, number>();

  /** Number of cached pages. */
  get size(): number {
    return this.frames.size;
  }

  /** The key of (file, page index); file ids are renumbered densely so the key stays an exact integer. */
  key(file: number, index: number): number {
    let d = this.dense.get(file);
    if (d === undefined) {
      d = this.dense.size;
      if (d >= MAX_FILES) throw new Error(`more than ${MAX_FILES} distinct files in one trace`);
      this.dense.set(file, d);
    }
    return d * INDEX_SPAN + index;
  }

  /** The frame caching `key`, or -1. */
  lookup(key: number): number {
    return this.frames.get(key) ?? -1;
  }

  /** Records that `pfn` caches `key`. */
  insert(key: number, pfn: number): void {
    this.frames.set(key, pfn);
  }

  /**
   * Removes and returns the oldest cached frame for which `accept(pfn)` is true, or -1 if none.
   * `skip` frames (pinned by a mapping) are passed over.
   */
  evictOldest(accept: (pfn: number) => boolean): number {
    for (const [key, pfn] of this.frames) {
      if (!accept(pfn)) continue;
      this.frames.delete(key);
      return pfn;
    }
    return -1;
  }
}
