/**
 * The page cache meets the device (DESIGN.md "Storage and time"): reads of uncached pages with the
 * kernel's readahead, dirty pages and their writeback, dirty-limit throttling, fsync, reclaim that
 * prefers clean pages, tmpfs pages and swap — and the time a CPU waits on all of it.
 *
 * ```
 *   read/write record (syscalls.ts fileCopy), file fault (fault.ts)
 *     ├─ page absent ──► readMiss: ondemand readahead (mm/readahead.c) ──► BlockDevice.submit ─┐
 *     ├─ page pending (its read is on the device) ──► waitPage: the CPU blocks until it is up to date
 *     ├─ PG_readahead marker ──► async readahead (the next window; nobody waits)
 *     └─ write ──► markDirty ──► every 32 pages and after the record: balanceDirty (mm/page-writeback.c)
 *                                  ├─ dirty > background threshold ──► flusher writes oldest inodes
 *                                  └─ dirty + writeback > threshold ──► the writer blocks until under it
 *   allocFrame finds no free page ──► reclaim: LRU inactive tail (pagecache.ts); clean page → evicted;
 *                                     dirty → its inode is written back, page passed over; none clean → wait
 * ```
 *
 * Time: the device works in the CPUs' cycles (device.ts). A CPU that needs a page its device read has
 * not delivered yet, a writer over the dirty limit, a reclaimer with only pages under writeback — each
 * blocks: its clock jumps to the completion (Machine.ioWait), which counts as I/O wait time, not as CPU
 * cycles. What the CPU would run meanwhile is not modelled: a CPU's records are one sequential stream in
 * the trace, so the next record waits (the trace's own `switch` records are its schedule). The kernel's
 * CPU work around I/O (bio submission, interrupts, the flusher's own cycles) is not charged.
 *
 * Simplifications (docs/machine.md "Storage"): one readahead state per (process, file) — a struct file
 * per process; no context readahead (try_context_readahead); files have no size unless the trace header
 * gives one (`provenance.files`), so readahead stops at end of file only then; balance_dirty_pages blocks
 * only above dirty_ratio (the kernel's proportional pauses between the freerun ceiling and the limit are
 * left out); dirtyable memory leaves out the watermark reserves (totalreserve_pages); writeback writes the
 * data pages only (no journal or metadata I/O); only tmpfs pages are swapped (anonymous memory is not).
 */
import type { DeviceModel, StorageModel } from '../../models/storage.ts';
import type { RunCounts } from '../../result/run-result.ts';
import { Gfp, PageUse } from '../memory.ts';
import type { Machine } from '../machine.ts';
import { PageFlag, SLOW_PAGE } from '../pagecache.ts';
import { BlockDevice } from './device.ts';
import { PAGE_SIZE } from '../../units/address.ts';
import { capacityFor, grown } from '../grow.ts';
import { Slab } from '../slab.ts';

/** fs/fs-writeback.c MIN_WRITEBACK_PAGES = 4096 KiB >> (PAGE_SHIFT − 10): pages per writeback chunk. */
export const WRITEBACK_CHUNK_PAGES = 1024;
/** include/linux/swap.h SWAP_CLUSTER_MAX = 32: pages reclaim works on at once (its writes in flight, here). */
export const SWAP_CLUSTER_MAX = 32;
/** i386 syscall numbers of fsync and fdatasync (arch/x86/entry/syscalls/syscall_32.tbl). */
export const NR_FSYNC = 118;
export const NR_FDATASYNC = 148;

/** The counters of counts.pagecache and counts.io (the RunResult's own types). */
export type StorageCounts = Pick<RunCounts, 'pagecache' | 'io'>;

/** A device that takes no time (hand-built models without io.*). */
const INSTANT: DeviceModel = {
  name: 'instant',
  readLatencyUs: 0,
  readBandwidthMBps: Infinity,
  writeLatencyUs: 0,
  writeBandwidthMBps: Infinity,
  queueDepth: 1,
  maxRequestKiB: 1280,
};

/** file_ra_state of one (process, file). */
interface RaState {
  start: number;
  size: number;
  asyncSize: number;
  /** Byte after the last read (ra->prev_pos), −1 before the first. */
  prevPos: number;
}

/** RaTable: numbers per entry (pid, dense file, start, size, async size, prev pos). */
const RA_STRIDE = 6;

/**
 * The file_ra_state of every (process, file) pair, in one open-addressing hash table (linear probing)
 * held in a Float64Array, RA_STRIDE numbers an entry, grown by doubling at half full. An entry is its
 * offset in the array; a new pair starts at start 0, size 0, async size 0, prev pos −1. A read's look-up
 * is a hash and, mostly, one cache line (a Map per process of objects per file took several).
 */
class RaTable {
  private t = RaTable.empty(64);
  private mask = 63;
  private count = 0;

  private static empty(entries: number): Float64Array {
    const t = new Float64Array(entries * RA_STRIDE);
    for (let i = 1; i < t.length; i += RA_STRIDE) t[i] = -1; // dense file −1: an empty entry
    return t;
  }

  private static hash(pid: number, d: number): number {
    return Math.imul((pid | 0) ^ Math.imul(d, 0x9e3779b1), 0x85ebca6b) ^ (d >>> 7);
  }

  /** The entry of (`pid`, dense file `d`), made when new. */
  entry(pid: number, d: number): number {
    const t = this.t;
    for (let i = RaTable.hash(pid, d) & this.mask; ; i = (i + 1) & this.mask) {
      const e = i * RA_STRIDE;
      const ed = t[e + 1] as number;
      if (ed === d && t[e] === pid) return e;
      if (ed !== -1) continue;
      if (2 * (this.count + 1) > this.mask + 1) {
        this.grow();
        return this.entry(pid, d);
      }
      this.count++;
      t[e] = pid;
      t[e + 1] = d;
      t[e + 5] = -1;
      return e;
    }
  }

  /** Copies entry `e` into `st`. */
  load(e: number, st: RaState): void {
    const t = this.t;
    st.start = t[e + 2] as number;
    st.size = t[e + 3] as number;
    st.asyncSize = t[e + 4] as number;
    st.prevPos = t[e + 5] as number;
  }

  /** Writes the window of `st` (start, size, async size) into entry `e`. */
  storeWindow(e: number, st: RaState): void {
    const t = this.t;
    t[e + 2] = st.start;
    t[e + 3] = st.size;
    t[e + 4] = st.asyncSize;
  }

  setPrevPos(e: number, pos: number): void {
    this.t[e + 5] = pos;
  }

  private grow(): void {
    const old = this.t;
    this.mask = 2 * (this.mask + 1) - 1;
    this.t = RaTable.empty(this.mask + 1);
    this.count = 0;
    for (let e = 0; e < old.length; e += RA_STRIDE) {
      if (old[e + 1] === -1) continue;
      const n = this.entry(old[e] as number, old[e + 1] as number);
      for (let k = 2; k < RA_STRIDE; k++) this.t[n + k] = old[e + k] as number;
    }
  }
}

/** Sizes of files known from the trace header: [first id, last id, bytes] ranges. */
export type FileSizes = ReadonlyArray<readonly [number, number, number]>;

/**
 * A time (cycle) per frame, or none: what a Map from frame number to time holds, in typed arrays indexed
 * by frame number (a time and whether there is one), grown by doubling to the largest frame given one; a
 * frame beyond them has no entry. Setting and reading an entry is an array access, with no hashing and no
 * allocation once grown (the page cache's frames are a dense range of numbers).
 */
class FrameTimes {
  private times = new Float64Array(0);
  private has = new Uint8Array(0);

  /** The time of `pfn`, or `none` when it has no entry. */
  get(pfn: number, none: number): number {
    return pfn < this.has.length && this.has[pfn] === 1 ? (this.times[pfn] as number) : none;
  }

  set(pfn: number, t: number): void {
    if (pfn >= this.has.length) this.grow(pfn);
    this.times[pfn] = t;
    this.has[pfn] = 1;
  }

  delete(pfn: number): void {
    if (pfn < this.has.length) this.has[pfn] = 0;
  }

  private grow(pfn: number): void {
    const n = capacityFor(this.has.length, pfn, 1024);
    this.times = grown(this.times, n);
    this.has = grown(this.has, n);
  }
}

/** roundup_pow_of_two. */
function roundupPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** get_init_ra_size (mm/readahead.c): the first window of a sequential stream. */
export function initRaSize(size: number, max: number): number {
  const newsize = roundupPow2(size);
  if (newsize <= Math.floor(max / 32)) return newsize * 4;
  if (newsize <= Math.floor(max / 4)) return newsize * 2;
  return max;
}

/** get_next_ra_size (mm/readahead.c): the window ramps up ×4, then ×2, to the maximum. */
export function nextRaSize(cur: number, max: number): number {
  if (cur < Math.floor(max / 16)) return 4 * cur;
  if (cur <= Math.floor(max / 2)) return 2 * cur;
  return max;
}

/** The storage side of a Machine. */
export class Storage {
  private readonly m: Machine;
  readonly model: StorageModel | null;
  readonly disk: BlockDevice;
  readonly swapDev: BlockDevice;
  readonly tmpfs: boolean;
  /** read_ahead_kb in pages. */
  private readonly raPages: number;
  private readonly maxRequestPages: number;
  /** The frames of the read request doRaNoClamp is gathering (a request has maxRequestPages at most). */
  private readonly raBatch: Int32Array;
  readonly counts: StorageCounts = {
    pagecache: { hits: 0, misses: 0, readahead: 0, evictions: 0, refaults: 0, writebacks: 0, throttles: 0 },
    io: { reads: 0, writes: 0, bytesRead: 0, bytesWritten: 0, swapReads: 0, swapWrites: 0 },
  };
  /** Per CPU: cycles blocked on the device (reads, reclaim, fsync) and, of those, throttled by dirty limits. */
  readonly ioWait: Float64Array;
  readonly throttleWait: Float64Array;
  /** Cycle each pending page's read completes. */
  private readonly readyAt = new FrameTimes();
  /** Writes on the device, in completion order (one device: completions are monotone): done cycle, frames. */
  private readonly inflight: Array<{ done: number; pfns: number[]; reclaim: boolean }> = [];
  /** Pages whose reclaim-started write completed (folio_rotate_reclaimable: taken first), and such writes in flight. */
  private readonly reclaimReady: number[] = [];
  private reclaimInflight = 0;
  /** Page-cache pages dropped with their inode by the icache shrinker (vmstat pginodesteal + kswapd_inodesteal). */
  inodeSteal = 0;
  /** The kernel is built with CONFIG_HIGHMEM (inodes with page cache are shrinkable). */
  private readonly highmemKernel: boolean;
  private inflightHead = 0;
  /** Cycle each page under writeback is written. */
  private readonly wbDone = new FrameTimes();
  /** Readahead state per pid, per dense file. */
  private readonly ra = new RaTable();
  /** The state ondemand works on (loaded from `ra`, its window stored back). */
  private readonly raScratch: RaState = { start: 0, size: 0, asyncSize: 0, prevPos: -1 };
  /** Per dense file: dirty pages, when it became dirty (inode->dirtied_when), writeback cursor (mapping->writeback_index). */
  private fileDirty = new Int32Array(64);
  private dirtiedWhen = new Float64Array(64);
  private wbIndex = new Float64Array(64);
  /** Dirty inodes in the order they became dirty (b_dirty); stale entries skipped. */
  private readonly dirtyQueue: number[] = [];
  private dirtyHead = 0;
  /** Files each pid dirtied since its last fsync (for an fsync record that names no file). */
  private readonly pidDirty = new Map<number, Set<number>>();
  /** tmpfs pages on swap: dense file → page indexes; swap pages in use. */
  private readonly swapped = new Map<number, Set<number>>();
  private swapUsed = 0;
  private readonly swapPages: number;
  private readonly fileSizes: FileSizes;
  private readonly cyclesPerCentisec: number;

  constructor(m: Machine, model: StorageModel | undefined, clockGHz: number, cpus: number, fileSizes: FileSizes = []) {
    this.m = m;
    this.model = model ?? null;
    this.disk = new BlockDevice(model?.device ?? INSTANT, clockGHz);
    this.swapDev = new BlockDevice(model?.swapDevice ?? INSTANT, clockGHz);
    this.tmpfs = model?.files === 'tmpfs';
    this.raPages = Math.floor((model?.readaheadKiB ?? 128) / 4);
    this.maxRequestPages = Math.max(1, Math.floor(this.disk.maxRequestBytes / PAGE_SIZE));
    this.raBatch = new Int32Array(this.maxRequestPages);
    this.ioWait = new Float64Array(cpus);
    this.throttleWait = new Float64Array(cpus);
    this.swapPages = Math.floor(((model?.swapMiB ?? 0) * 1024 * 1024) / PAGE_SIZE);
    this.fileSizes = fileSizes;
    this.cyclesPerCentisec = clockGHz * 1e7;
    this.highmemKernel = m.config.highmem !== 'off' && m.config.split !== 'x86_64';
  }

  // -------------------------------------------------------------------------------------------------
  // Time

  /** The CPU blocks until cycle `until` (no-op when it is past). Returns the cycles waited. */
  private waitUntil(cpu: number, until: number, throttle = false): number {
    const now = this.m.now(cpu);
    if (!(until > now)) return 0;
    const d = until - this.m.ioWaitUntil(cpu, until);
    this.ioWait[cpu]! += d;
    if (throttle) this.throttleWait[cpu]! += d;
    return d;
  }

  /** Retires the writes completed by cycle `now`: their pages are clean (or, swapped out, free to go). */
  private retire(now: number): void {
    const q = this.inflight;
    while (this.inflightHead < q.length && q[this.inflightHead]!.done <= now) {
      const w = q[this.inflightHead++]!;
      if (w.reclaim) this.reclaimInflight--;
      for (const pfn of w.pfns) {
        if (this.wbDone.get(pfn, Number.NaN) !== w.done) continue;
        this.wbDone.delete(pfn);
        const cache = this.m.cache;
        cache.endWriteback(pfn);
        if ((cache.flags[pfn]! & PageFlag.reclaim) !== 0) {
          cache.flags[pfn]! &= ~PageFlag.reclaim;
          this.reclaimReady.push(pfn);
        }
      }
    }
    if (this.inflightHead > 256 && this.inflightHead * 2 > q.length) {
      q.splice(0, this.inflightHead);
      this.inflightHead = 0;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Reads

  /** Bytes of `file` when the trace header gives them, else Infinity. */
  private fileBytes(file: number): number {
    for (const [lo, hi, bytes] of this.fileSizes) if (file >= lo && file <= hi) return bytes;
    return Infinity;
  }

  /**
   * True when page `index` of `file` holds data on the device (a shadow entry says it was cached, or it lies inside
   * the file's known size).
   */
  pageOnDevice(file: number, index: number): boolean {
    if (this.tmpfs) return this.swapped.get(this.m.cache.denseFile(file))?.has(index) === true;
    return (
      this.m.cache.refaultDistance(file, index) >= 0 || index * PAGE_SIZE < (this.fileBytes(file) === Infinity ? 0 : this.fileBytes(file))
    );
  }

  /** The readahead state entry of (pid, dense file `d`) (RaTable). */
  private raState(pid: number, d: number): number {
    return this.ra.entry(pid, d);
  }

  /**
   * A read (or a partial-page write, or a fault) found page `index` of `file` absent: the page and its
   * readahead are allocated, inserted as pending and read from the device (or, on tmpfs, a new page is
   * allocated, or its copy read back from swap). `reqPages` is the pages the call still wants from
   * `index` on. Returns how many pages from `index` on it inserted (each a miss), or −1 when the replay
   * stopped (out of memory).
   */
  readMiss(cpu: number, pid: number, file: number, index: number, reqPages: number, readahead = true): number {
    const m = this.m;
    if (this.tmpfs) return this.shmemMiss(cpu, file, index);
    const d = m.cache.denseFile(file);
    if (!readahead || this.raPages === 0) return this.doRa(cpu, file, index, 1, 0, index, reqPages);
    const entry = this.raState(pid, d);
    const k = this.ondemand(cpu, file, entry, index, reqPages, false);
    if (k !== 0 || m.stopped || m.cache.lookup(file, index) >= 0) return k;
    return this.createPage(cpu, file, index);
  }

  /**
   * filemap_create_folio (mm/filemap.c, 6.1): when the synchronous readahead did not bring page `index`
   * in, filemap_get_pages (and filemap_fault) read that page alone. It happens when the readahead state
   * takes the miss for its expected sequential index and pushes the window past it — the pages of the
   * previous window were evicted before they were read (ondemand_readahead) — or when the page was
   * cached at the window's lookup and reclaimed while the window's other pages were allocated. Returns
   * 1, or −1 when the replay stopped.
   */
  private createPage(cpu: number, file: number, index: number): number {
    return this.doRa(cpu, file, index, 1, 0, index, 1);
  }

  /**
   * ondemand_readahead (mm/readahead.c, Linux 6.1) for a miss (`marker` false) or a hit on a
   * PG_readahead page (`marker` true). Returns the requested pages it inserted from `index` on.
   */
  private ondemand(cpu: number, file: number, entry: number, index: number, req: number, marker: boolean): number {
    const max = this.raPages;
    const st = this.raScratch;
    this.ra.load(entry, st);
    let initial = false;
    if (index === 0) initial = true;
    else {
      const expected = st.start + st.size - st.asyncSize;
      if (index === expected || index === st.start + st.size) {
        // Sequential: push the window forward and ramp it up.
        st.start += st.size;
        st.size = nextRaSize(st.size, max);
        st.asyncSize = st.size;
      } else if (marker) {
        // A marked page without matching state: start after the cached run (page_cache_next_miss).
        let start = index + 1;
        while (start - index <= max && this.m.cache.lookup(file, start) >= 0) start++;
        if (start - index > max) return 0;
        st.start = start;
        st.size = nextRaSize(start - index + req, max);
        st.asyncSize = st.size;
      } else if (req > max) initial = true;
      else if (st.prevPos >= 0 && index - Math.floor(st.prevPos / PAGE_SIZE) >= 0 && index - Math.floor(st.prevPos / PAGE_SIZE) <= 1)
        initial = true;
      else {
        // A standalone, small random read: read as is (do_page_cache_ra(req, 0)), the state untouched.
        return this.doRa(cpu, file, index, req, 0, index, req);
      }
    }
    if (initial) {
      st.start = index;
      st.size = initRaSize(req, max);
      st.asyncSize = st.size > req ? st.size - req : st.size;
    }
    // Will this read hit the marker it sets? Merge the next window now.
    if (index === st.start && st.size === st.asyncSize) {
      const add = nextRaSize(st.size, max);
      if (st.size + add <= max) {
        st.asyncSize = add;
        st.size += add;
      } else {
        st.size = max;
        st.asyncSize = max >> 1;
      }
    }
    this.ra.storeWindow(entry, st);
    return this.doRa(cpu, file, st.start, st.size, st.asyncSize, index, marker ? 0 : req);
  }

  /**
   * do_page_cache_ra + page_cache_ra_unbounded: pages [start, start + nr) (clamped at end of file) not
   * cached are allocated, inserted pending (the one at nr − lookahead with the PG_readahead marker) and
   * read in requests of contiguous pages (at most max_sectors_kb each). Pages in [want, want + wantPages)
   * count as misses, the others as readahead. Returns the pages inserted from `want` on, contiguous.
   */
  private doRa(cpu: number, file: number, start: number, nr: number, lookahead: number, want: number, wantPages: number): number {
    const bytes = this.fileBytes(file);
    if (bytes !== Infinity) {
      const endIndex = Math.floor((bytes - 1) / PAGE_SIZE);
      if (start > endIndex) {
        // Beyond end of file the device has nothing to read: a page asked for is new (zeros).
        if (wantPages === 0 || this.m.cache.lookup(file, want) >= 0) return 0;
        const pfn = this.allocCachePage(cpu);
        if (pfn < 0) return -1;
        this.m.cache.insert(file, want, pfn, this.refault(file, want));
        this.counts.pagecache.misses++;
        return 1;
      }
      if (nr > endIndex - start + 1) nr = endIndex - start + 1;
    }
    return this.doRaNoClamp(cpu, file, start, nr, lookahead, want, wantPages);
  }

  private doRaNoClamp(cpu: number, file: number, start: number, nr: number, lookahead: number, want: number, wantPages: number): number {
    const m = this.m;
    const cache = m.cache;
    const mark = nr - lookahead;
    // The frames of the request being gathered (contiguous pages, at most maxRequestPages): raBatch[0, n).
    const batch = this.raBatch;
    let n = 0;
    let inserted = 0;
    let contiguous = true;
    for (let i = 0; i < nr; i++) {
      const idx = start + i;
      if (cache.lookup(file, idx) >= 0) {
        if (n > 0) this.submitRead(cpu, n);
        n = 0;
        if (idx >= want) contiguous = false;
        continue;
      }
      const pfn = this.allocCachePage(cpu);
      if (pfn < 0) return -1;
      const active = this.refault(file, idx);
      cache.insert(file, idx, pfn, active, PageFlag.pending | (i === mark ? PageFlag.readahead : 0));
      if (idx >= want && idx < want + wantPages) {
        this.counts.pagecache.misses++;
        if (contiguous) inserted++;
      } else this.counts.pagecache.readahead++;
      batch[n++] = pfn;
      if (n >= this.maxRequestPages) {
        this.submitRead(cpu, n);
        n = 0;
      }
    }
    if (n > 0) this.submitRead(cpu, n);
    // The page wanted was cached between (another CPU's readahead): nothing inserted for it.
    return want >= start && want < start + nr ? inserted : 0;
  }

  /** One device read of the `n` pages gathered in raBatch: each page's read completes when it does. */
  private submitRead(cpu: number, n: number): void {
    const done = this.disk.submit(this.m.now(cpu), n * PAGE_SIZE, false);
    const batch = this.raBatch;
    for (let k = 0; k < n; k++) this.readyAt.set(batch[k]!, done);
  }

  /** workingset_refault: a page with a shadow entry is a refault; within the working set it starts active. */
  private refault(file: number, index: number): boolean {
    const dist = this.m.cache.refaultDistance(file, index);
    if (dist < 0) return false;
    this.counts.pagecache.refaults++;
    return dist <= this.m.cache.activeCount;
  }

  /** A frame for the page cache (reclaiming if need be); −1 when the replay stopped. */
  private allocCachePage(cpu: number): number {
    return this.m.allocFrame(Gfp.highuser, PageUse.pageCache, cpu);
  }

  /**
   * A tmpfs page absent: read back from swap when it was swapped out, else a new page (cleared by the
   * caller's write path, or here for a read). Returns 1 (the page inserted), or −1 when the replay stopped.
   */
  private shmemMiss(cpu: number, file: number, index: number): number {
    const m = this.m;
    const d = m.cache.denseFile(file);
    const onSwap = this.swapped.get(d);
    const pfn = this.allocCachePage(cpu);
    if (pfn < 0) return -1;
    this.counts.pagecache.misses++;
    if (onSwap?.delete(index) === true) {
      this.swapUsed--;
      const active = this.refault(file, index);
      m.cache.insert(file, index, pfn, active, PageFlag.shmem | PageFlag.pending);
      const done = this.swapDev.submit(m.now(cpu), PAGE_SIZE, false);
      this.counts.io.swapReads++;
      this.readyAt.set(pfn, done);
    } else {
      m.cache.insert(file, index, pfn, false, PageFlag.shmem);
    }
    return 1;
  }

  /**
   * `slowPage` for a page whose only state is a pending read (PageFlag.pending alone of SLOW_PAGE) when
   * the CPU's clock is `now`: if the read completed by then, the page is up to date and there is nothing
   * to wait for — slowPage would only forget the completion time and clear the flag, which `settled` does
   * — and true is returned. Otherwise nothing changes and false is returned.
   */
  takeReadPage(pfn: number, now: number): boolean {
    return (this.settled(pfn, now) & PageFlag.pending) === 0;
  }

  /**
   * A cached page whose state needs attention before it is copied: a pending read is waited for; a
   * PG_readahead marker starts the next window (page_cache_async_ra). `reqPages` as in readMiss.
   */
  slowPage(cpu: number, pid: number, file: number, index: number, pfn: number, reqPages: number): void {
    const cache = this.m.cache;
    let f = cache.flags[pfn]!;
    if ((f & PageFlag.readahead) !== 0) {
      cache.flags[pfn] = f & ~PageFlag.readahead;
      if ((f & PageFlag.writeback) === 0 && this.raPages > 0) {
        const d = cache.denseFile(file);
        this.ondemand(cpu, file, this.raState(pid, d), index, reqPages, true);
        if (this.m.stopped) return;
      }
      f = cache.flags[pfn]!;
    }
    if ((f & PageFlag.pending) !== 0) {
      const t = this.readyAt.get(pfn, 0);
      this.readyAt.delete(pfn);
      cache.flags[pfn] = f & ~PageFlag.pending;
      this.waitUntil(cpu, t);
    }
    if ((f & PageFlag.writeback) !== 0) this.retire(this.m.now(cpu));
  }

  /**
   * The frame of page `index` of `file` for a fault on a file mapping (filemap_fault): a cached page is a
   * hit; an absent one is read with the mmap read-around of do_sync_mmap_readahead (a window of
   * read_ahead_kb centred on the page, its last quarter the async part) and waited for. −1 when the
   * replay stopped.
   */
  faultPage(cpu: number, pid: number, file: number, index: number): number {
    const m = this.m;
    const cache = m.cache;
    let frame = cache.lookup(file, index);
    if (frame >= 0) this.counts.pagecache.hits++;
    else {
      let k: number;
      if (this.tmpfs) k = this.shmemMiss(cpu, file, index);
      else if (this.raPages === 0) k = this.doRa(cpu, file, index, 1, 0, index, 1);
      else {
        const entry = this.raState(pid, cache.denseFile(file));
        const st = this.raScratch;
        this.ra.load(entry, st);
        st.start = Math.max(0, index - Math.floor(this.raPages / 2));
        st.size = this.raPages;
        st.asyncSize = Math.floor(this.raPages / 4);
        this.ra.storeWindow(entry, st);
        k = this.doRa(cpu, file, st.start, st.size, st.asyncSize, index, 1);
      }
      if (k < 0 || m.stopped) return -1;
      frame = cache.lookup(file, index);
      if (frame < 0) {
        if (this.createPage(cpu, file, index) < 0 || m.stopped) return -1;
        frame = cache.lookup(file, index);
      }
    }
    if ((cache.flags[frame]! & SLOW_PAGE) !== 0) this.slowPage(cpu, pid, file, index, frame, 1);
    return m.stopped ? -1 : frame;
  }

  /** A read record of `pid` ended at byte `end` of `file` (ra->prev_pos). */
  readDone(pid: number, file: number, end: number): void {
    if (this.tmpfs) return;
    this.ra.setPrevPos(this.raState(pid, this.m.cache.denseFile(file)), end);
  }

  // -------------------------------------------------------------------------------------------------
  // Dirty pages and writeback

  private growFiles(d: number): void {
    const n = capacityFor(this.fileDirty.length, d);
    this.fileDirty = grown(this.fileDirty, n);
    this.dirtiedWhen = grown(this.dirtiedWhen, n);
    this.wbIndex = grown(this.wbIndex, n);
  }

  /** A write dirtied cached page `pfn` (of `pid`). tmpfs pages are swap-backed: nothing to write back. */
  markDirty(cpu: number, pid: number, pfn: number): void {
    const cache = this.m.cache;
    if ((cache.flags[pfn]! & PageFlag.shmem) !== 0) return;
    // __block_write_begin → create_page_buffers: one buffer_head per 4 KiB block (slab.ts).
    if (
      (cache.flags[pfn]! & PageFlag.buffers) === 0 &&
      this.m.slab.alloc(Slab.buffer_head, `page ${cache.indexOfFrame(pfn)} of a written file`)
    ) {
      cache.flags[pfn]! |= PageFlag.buffers;
    }
    if (!cache.setDirty(pfn)) return;
    const d = cache.denseOfFrame(pfn);
    if (d >= this.fileDirty.length) this.growFiles(d);
    if (this.fileDirty[d]!++ === 0) {
      this.dirtiedWhen[d] = this.m.now(cpu);
      this.dirtyQueue.push(d);
    }
    let set = this.pidDirty.get(pid);
    if (set === undefined) {
      set = new Set();
      this.pidDirty.set(pid, set);
    }
    set.add(d);
  }

  /**
   * Starts writeback of up to `limit` dirty pages of dense file `d`, from its writeback cursor on
   * (wrapping once, as write_cache_pages with range_cyclic does): contiguous pages go in one request (at
   * most max_sectors_kb). Returns the pages written.
   */
  private writeFile(cpu: number, d: number, limit: number): number {
    const cache = this.m.cache;
    const now = this.m.now(cpu);
    let written = 0;
    let batch: number[] = [];
    let lastIndex = -2;
    const submit = (): void => {
      if (batch.length === 0) return;
      const done = this.disk.submit(now, batch.length * PAGE_SIZE, true);
      for (const pfn of batch) {
        cache.startWriteback(pfn);
        this.wbDone.set(pfn, done);
      }
      this.inflight.push({ done, pfns: batch, reclaim: false });
      this.counts.pagecache.writebacks += batch.length;
      batch = [];
    };
    // Returns true (stop the walk) once `limit` pages are written.
    const visit = (index: number, pfn: number): boolean => {
      if (written >= limit) return true;
      if ((cache.flags[pfn]! & PageFlag.dirty) === 0) return false;
      if (index !== lastIndex + 1 || batch.length >= this.maxRequestPages) submit();
      batch.push(pfn);
      lastIndex = index;
      written++;
      this.fileDirty[d]!--;
      this.wbIndex[d] = index + 1;
      return false;
    };
    const from = this.wbIndex[d]!;
    cache.forEachPage(d, visit, from);
    if (written < limit && this.fileDirty[d]! > 0) {
      submit();
      lastIndex = -2;
      cache.forEachPage(d, (i, pfn) => i >= from || visit(i, pfn), 0);
    }
    submit();
    if (this.fileDirty[d] === 0) this.wbIndex[d] = 0;
    return written;
  }

  /** The oldest dirty inode (−1 when none), dropping queue entries of inodes written clean meanwhile. */
  private oldestDirty(): number {
    const q = this.dirtyQueue;
    while (this.dirtyHead < q.length) {
      const d = q[this.dirtyHead]!;
      if (this.fileDirty[d]! > 0) return d;
      this.dirtyHead++;
    }
    if (this.dirtyHead > 0) {
      q.length = 0;
      this.dirtyHead = 0;
    }
    return -1;
  }

  /** The flusher writes a chunk of the oldest dirty inode; the inode goes to the back when still dirty. */
  private flushOne(cpu: number): boolean {
    const d = this.oldestDirty();
    if (d < 0) return false;
    this.dirtyHead++;
    this.writeFile(cpu, d, WRITEBACK_CHUNK_PAGES);
    if (this.fileDirty[d]! > 0) this.dirtyQueue.push(d);
    return true;
  }

  /**
   * global_dirtyable_memory (mm/page-writeback.c): free pages plus file LRU pages, less highmem's free
   * and file pages unless vm.highmem_is_dirtyable (+1 so it is never 0). Watermark reserves not counted.
   */
  dirtyableMemory(): number {
    const m = this.m;
    const fileLru = this.tmpfs ? 0 : m.cache.size;
    const highFile = this.tmpfs ? 0 : m.cache.highCount;
    let x = m.mem.lowmemFree + m.mem.highmemFree + fileLru;
    if (!(this.model?.highmemIsDirtyable ?? false)) x -= Math.min(x, m.mem.highmemFree + highFile);
    return x + 1;
  }

  /**
   * domain_dirty_limits (mm/page-writeback.c): thresh = ratio × dirtyable with ratio in 1/PAGE_SIZE
   * steps ((vm_dirty_ratio × PAGE_SIZE) / 100), likewise the background threshold, which is halved
   * below the limit when it is not below it.
   */
  dirtyLimits(): { thresh: number; bg: number; dirtyable: number } {
    const avail = this.dirtyableMemory();
    const ratio = Math.floor(((this.model?.dirtyRatio ?? 20) * PAGE_SIZE) / 100);
    const bgRatio = Math.floor(((this.model?.dirtyBackgroundRatio ?? 10) * PAGE_SIZE) / 100);
    const thresh = Math.floor((ratio * avail) / PAGE_SIZE);
    let bg = Math.floor((bgRatio * avail) / PAGE_SIZE);
    if (bg >= thresh) bg = Math.floor(thresh / 2);
    return { thresh, bg, dirtyable: avail };
  }

  /**
   * After a write record (balance_dirty_pages_ratelimited): inodes dirty longer than
   * dirty_expire_centisecs are written; above the background threshold the flusher writes until under it;
   * above the limit (dirty + writeback) the writer blocks until enough writeback completes.
   */
  balanceDirty(cpu: number): void {
    if (this.tmpfs) return;
    const cache = this.m.cache;
    this.retire(this.m.now(cpu));
    this.expire(cpu);
    const { thresh, bg } = this.dirtyLimits();
    while (cache.dirtyCount > bg && this.flushOne(cpu));
    if (cache.dirtyCount + cache.writebackCount <= thresh) return;
    this.counts.pagecache.throttles++;
    while (cache.dirtyCount + cache.writebackCount > thresh) {
      if (this.inflightHead >= this.inflight.length && !this.flushOne(cpu)) break;
      const head = this.inflight[this.inflightHead];
      if (head === undefined) continue;
      this.waitUntil(cpu, head.done, true);
      this.retire(head.done);
    }
  }

  /** The periodic flusher (wb_check_old_data_flush): inodes dirtied longer ago than the expiry are written. */
  private expire(cpu: number): void {
    const expire = (this.model?.dirtyExpireCentisecs ?? 3000) * this.cyclesPerCentisec;
    const now = this.m.now(cpu);
    for (let d = this.oldestDirty(); d >= 0 && now - this.dirtiedWhen[d]! >= expire; d = this.oldestDirty()) {
      this.dirtyHead++;
      this.writeFile(cpu, d, Infinity);
    }
  }

  /**
   * fsync/fdatasync of `file` (0: every file `pid` dirtied since its last fsync): its dirty pages are
   * written (file_write_and_wait_range) and the CPU waits until every write of its pages is done.
   */
  fsync(cpu: number, pid: number, file: number): void {
    if (this.tmpfs) return;
    const cache = this.m.cache;
    const files = file !== 0 ? [cache.denseFile(file)] : [...(this.pidDirty.get(pid) ?? [])];
    if (file === 0) this.pidDirty.delete(pid);
    else this.pidDirty.get(pid)?.delete(files[0]!);
    let until = 0;
    for (const d of files) {
      if (d < this.fileDirty.length && this.fileDirty[d]! > 0) this.writeFile(cpu, d, Infinity);
      cache.forEachPage(d, (_i, pfn) => {
        const t = this.wbDone.get(pfn, Number.NaN);
        if (t > until) until = t;
      });
    }
    this.waitUntil(cpu, until);
    this.retire(this.m.now(cpu));
  }

  // -------------------------------------------------------------------------------------------------
  // Reclaim

  /**
   * Frees one page-cache frame that `accept` allows (shrink_lruvec for one page). First a page whose
   * reclaim-started write completed is taken (folio_rotate_reclaimable). Then the inactive list is
   * refilled from the active tail while it is low, and its tail scanned: a clean page is evicted; a dirty
   * page gets its inode written back and PG_reclaim, and is passed over; a page under writeback or
   * being read is passed over; a tmpfs page is written to swap when there is swap (PG_reclaim too), else
   * kept. At most SWAP_CLUSTER_MAX reclaim writes are in flight: beyond that, or when nothing clean is
   * left, the CPU waits for the first write to complete (reclaim_throttle). Returns the frame (already
   * out of the cache), or −1 when nothing can be reclaimed.
   */
  reclaim(cpu: number, accept: (pfn: number) => boolean, mayWait = true): number {
    const m = this.m;
    const cache = m.cache;
    for (;;) {
      this.retire(m.now(cpu));
      while (this.reclaimReady.length > 0) {
        const pfn = this.reclaimReady.shift()!;
        const f = this.settled(pfn, m.now(cpu));
        if (
          (f & (PageFlag.inactive | PageFlag.active)) === 0 ||
          (f & (PageFlag.dirty | PageFlag.writeback | PageFlag.pending)) !== 0 ||
          !accept(pfn)
        )
          continue;
        this.evictClean(pfn);
        return pfn;
      }
      let budget = 2 * (cache.inactiveCount + cache.activeCount) + 1;
      let waitable = false;
      while (budget-- > 0 && this.reclaimInflight < SWAP_CLUSTER_MAX) {
        if (cache.inactiveIsLow() || cache.inactiveCount === 0) {
          if (!cache.deactivateOldest() && cache.inactiveCount === 0) break;
        }
        const pfn = cache.inactiveTail;
        if (pfn < 0) break;
        const f = this.settled(pfn, m.now(cpu));
        if (!accept(pfn) || (f & PageFlag.pending) !== 0) {
          cache.rotate(pfn);
          continue;
        }
        if ((f & PageFlag.writeback) !== 0) {
          waitable = true;
          cache.flags[pfn] = f | PageFlag.reclaim;
          cache.rotate(pfn);
          continue;
        }
        if ((f & PageFlag.shmem) !== 0) {
          cache.rotate(pfn);
          if (this.swapUsed >= this.swapPages) continue;
          this.swapOut(cpu, pfn);
          waitable = true;
          continue;
        }
        if ((f & PageFlag.dirty) !== 0) {
          const d = cache.denseOfFrame(pfn);
          this.writeFile(cpu, d, WRITEBACK_CHUNK_PAGES);
          if ((cache.flags[pfn]! & PageFlag.dirty) !== 0) this.writePage(cpu, pfn);
          cache.flags[pfn]! |= PageFlag.reclaim;
          waitable = true;
          cache.rotate(pfn);
          continue;
        }
        this.evictClean(pfn);
        return pfn;
      }
      if (!waitable && this.reclaimInflight === 0) return -1;
      if (this.inflightHead >= this.inflight.length || !mayWait) return -1;
      // reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): wait for the first write to complete.
      const head = this.inflight[this.inflightHead]!;
      this.waitUntil(cpu, head.done);
      this.retire(head.done);
    }
  }

  private evictClean(pfn: number): void {
    const cache = this.m.cache;
    if ((cache.flags[pfn]! & PageFlag.buffers) !== 0) this.m.slab.free(Slab.buffer_head);
    if ((cache.flags[pfn]! & PageFlag.shmem) !== 0) {
      this.evictSwapped(pfn);
      return;
    }
    cache.evict(pfn);
    this.readyAt.delete(pfn);
    this.counts.pagecache.evictions++;
  }

  /**
   * Inode reclaim under HIGHMEM (fs/inode.c inode_lru_isolate → invalidate_mapping_pages): the clean,
   * unmapped, idle page-cache pages of dense file `d` leave the cache (no shadow entry) and are freed.
   * Returns the pages dropped, or −1 when the inode must stay: it still has pages (dirty, under writeback,
   * being read or mapped, or any page on a kernel without HIGHMEM), or it is a tmpfs inode (its pages are the
   * file: tmpfs pins its dentries and inodes for the file's life).
   */
  dropInodePages(d: number): number {
    if (this.tmpfs) return -1;
    const m = this.m;
    const cache = m.cache;
    if (d >= cache.fileTotal || cache.pagesOf(d) === 0) return 0;
    // mapping_shrinkable (include/linux/pagemap.h, 6.1): without CONFIG_HIGHMEM an inode with page cache
    // is kept off the inode LRU; with it, "there could be lowmem pressure from the inodes before there
    // is highmem pressure from the page cache", so it is reclaimed and its pages dropped.
    if (!this.highmemKernel) return -1;
    const drop: number[] = [];
    let keep = false;
    const now = m.now(m.activeCpu);
    cache.forEachPage(d, (_i, pfn) => {
      const f = this.settled(pfn, now);
      if ((f & (PageFlag.dirty | PageFlag.writeback | PageFlag.pending)) !== 0 || m.procs.cacheMapped.has(pfn)) keep = true;
      else drop.push(pfn);
    });
    this.inodeSteal += drop.length;
    for (const pfn of drop) {
      if ((cache.flags[pfn]! & PageFlag.buffers) !== 0) m.slab.free(Slab.buffer_head);
      cache.remove(pfn);
      this.readyAt.delete(pfn);
      m.mem.free(pfn, PageUse.pageCache);
    }
    return keep ? -1 : drop.length;
  }

  /**
   * The flags of cached frame `pfn`, its `pending` cleared when its read has completed by cycle `now`: the
   * page is then up to date whether or not anyone waited for it (a readahead page nobody read yet), and
   * reclaim may take it; only a read still on the device pins it.
   */
  private settled(pfn: number, now: number): number {
    const cache = this.m.cache;
    const f = cache.flags[pfn]!;
    if ((f & PageFlag.pending) === 0 || this.readyAt.get(pfn, Infinity) > now) return f;
    this.readyAt.delete(pfn);
    const up = f & ~PageFlag.pending;
    cache.flags[pfn] = up;
    return up;
  }

  /** A dirty page written on its own (its inode's chunk did not reach it). */
  private writePage(cpu: number, pfn: number): void {
    const cache = this.m.cache;
    const done = this.disk.submit(this.m.now(cpu), PAGE_SIZE, true);
    const d = cache.denseOfFrame(pfn);
    cache.startWriteback(pfn);
    this.fileDirty[d]!--;
    this.wbDone.set(pfn, done);
    this.inflight.push({ done, pfns: [pfn], reclaim: true });
    this.reclaimInflight++;
    this.counts.pagecache.writebacks++;
  }

  /** A tmpfs page goes to swap: its write is submitted; the page is freed once written. */
  private swapOut(cpu: number, pfn: number): void {
    const cache = this.m.cache;
    const done = this.swapDev.submit(this.m.now(cpu), PAGE_SIZE, true);
    cache.startWriteback(pfn);
    cache.flags[pfn]! |= PageFlag.reclaim;
    this.wbDone.set(pfn, done);
    this.inflight.push({ done, pfns: [pfn], reclaim: true });
    this.reclaimInflight++;
    this.counts.io.swapWrites++;
    this.swapUsed++;
    const d = cache.denseOfFrame(pfn);
    let set = this.swapped.get(d);
    if (set === undefined) {
      set = new Set();
      this.swapped.set(d, set);
    }
    set.add(this.ownerIndexOf(pfn));
  }

  private ownerIndexOf(pfn: number): number {
    return this.m.cache.indexOfFrame(pfn);
  }

  /** A tmpfs page whose swap write is done leaves memory. */
  private evictSwapped(pfn: number): void {
    this.m.cache.evict(pfn);
    this.counts.pagecache.evictions++;
  }

  /** Why nothing could be reclaimed, for the infeasibility message. */
  unreclaimableReason(): string {
    const cache = this.m.cache;
    if (cache.shmemCount > 0 && this.swapUsed >= this.swapPages) {
      return this.swapPages === 0
        ? `${cache.shmemCount} tmpfs pages fill memory and cannot be evicted without swap (io.swap.sizeMiB = 0)`
        : `${cache.shmemCount} tmpfs pages fill memory and the ${this.swapPages} pages of swap are full`;
    }
    return '';
  }

  /** counts.io: the file device's and the swap device's requests. */
  ioCounts(): StorageCounts['io'] {
    const d = this.disk.counts;
    const s = this.swapDev.counts;
    return {
      reads: d.reads + s.reads,
      writes: d.writes + s.writes,
      bytesRead: d.bytesRead + s.bytesRead,
      bytesWritten: d.bytesWritten + s.bytesWritten,
      swapReads: this.counts.io.swapReads,
      swapWrites: this.counts.io.swapWrites,
    };
  }
}
