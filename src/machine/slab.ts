/**
 * Kernel objects in lowmem (DESIGN.md "Kernel memory"): the slab caches the replay charges, with the
 * object sizes of the profile's kernel (models/kernels/<name>.json `layout.kernelObjects.slab`, read from
 * /proc/slabinfo of the real 32-bit build) in the slabs SLUB makes for them on the run's CPUs
 * (slubGeometry, below) — `perSlab` objects in a slab of `pagesPerSlab` pages, every page a GFP_KERNEL
 * (lowmem) page.
 *
 * What makes and frees them (a trace names files in open and close records at most, so dentries and
 * inodes are derived from the file ids it touches):
 * - a process (fork, exec, or first sight of a pid): task_struct, pid, cred, files_struct,
 *   signal_struct, sighand_struct, mm_struct (kernel/fork.c copy_process, dup_mm), freed at exit;
 *   vm_area_struct per VMA: the trace's mmap records plus the exec's own (stack, vvar, vdso), re-counted
 *   after every mmap/munmap/fork/exec. A struct file per open record naming a file (hold), shared by a
 *   fork's child, freed by the last close (or exit) of it; a process that reads or writes a file it
 *   holds no open of (the trace names no open for it) is given one struct file (one open file at a
 *   time), freed with its mm. The kernel stack and page tables are pages, not slab (mm-lifecycle.ts).
 * - a file id first touched by a read, write or mmap: a dentry and an inode (shmem_inode_cache on tmpfs,
 *   ext4_inode_cache on a disk), kept after use in the dcache/icache LRU until reclaim shrinks them.
 * - a page-cache page written on a disk filesystem: one buffer_head (4 KiB blocks: create_page_buffers
 *   in __block_write_begin), freed with the page; reads (ext4_mpage_readpages) attach none.
 *
 * Packing (a simplification): objects fill slabs as tightly as possible — a new slab is allocated only
 * when every slot is taken, and a slab is given back once more than SLUB's min_partial slabs' worth of
 * slots are free. Real SLUB frees a slab only when its own objects are all gone, so after reclaim it
 * holds more pages than this (fragmentation): the model's slab memory is a lower bound.
 *
 * Every operation is O(1): counts per cache, a stack of slab frames per cache, and the dcache/icache
 * LRU as a doubly linked list in typed arrays indexed by the page cache's dense file number.
 */
import { SLAB_CACHE_NAMES, type KernelObjects, type SlabCacheName, type SlabGeometry } from '../layout/facts.ts';
import { NO_FRAME_NEEDED, type Machine } from './machine.ts';
import { Gfp, PageUse } from './memory.ts';
import { capacityFor, grown } from './grow.ts';
import { PAGE_SIZE } from '../units/address.ts';

/** Index of each cache in SLAB_CACHE_NAMES. */
export const Slab = Object.fromEntries(SLAB_CACHE_NAMES.map((n, i) => [n, i])) as { readonly [K in SlabCacheName]: number };

/** The per-process caches a task holds from fork to exit (beside its mm and VMAs). */
const TASK_CACHES = [Slab.task_struct, Slab.pid, Slab.cred_jar, Slab.files_cache, Slab.signal_cache, Slab.sighand_cache];

const NONE = -1;

/** One cache's geometry and state. */
interface CacheState {
  readonly name: SlabCacheName;
  readonly objSize: number;
  readonly perSlab: number;
  readonly pagesPerSlab: number;
  /** Empty slabs SLUB keeps (s->min_partial = clamp(ilog2(size) / 2, MIN_PARTIAL, MAX_PARTIAL)). */
  readonly minPartial: number;
  objects: number;
  peakObjects: number;
  slabs: number;
  /** Frames of the cache's slabs, pagesPerSlab per slab, last slab on top. */
  frames: Int32Array;
}

/** The slab caches of one machine. */
export class SlabCaches {
  private readonly m: Machine;
  readonly caches: CacheState[];
  /** The inode cache of this machine's files (tmpfs or ext4). */
  readonly inodeCache: number;
  /** VMAs every exec makes without an mmap record (profile `execVmas`). */
  readonly execVmas: number;
  /** Unused dentries and inodes can be reclaimed (not on tmpfs, which pins them for the file's life). */
  private readonly reclaimable: boolean;
  // dcache/icache LRU by dense file number: 1 = dentry and inode held; prev/next links, head = newest.
  private held = new Uint8Array(64);
  private prev = new Int32Array(64);
  private next = new Int32Array(64);
  private head = NONE;
  private tail = NONE;
  /**
   * Per dense file, the references live processes hold: each open (open/openat/creat records naming the
   * file, until its close or the process's exit) and each mm with a VMA of the file (vma->vm_file, until
   * the mm has none left). The inode's i_count: an inode in use is not on the inode LRU
   * (inode_lru_list_add only at the last iput; inode_lru_isolate skips a referenced inode), so the
   * shrinker neither frees it nor drops its page cache with it.
   */
  private refs = new Int32Array(64);
  /** Per pid, the dense files it holds, one entry per reference: by open descriptors and by mappings. */
  private readonly heldBy = { fd: new Map<number, number[]>(), map: new Map<number, number[]>() };
  /**
   * Per pid, the open file (struct file) behind each entry of its `fd` list, index for index: an open
   * record makes one (a filp object); a fork's child shares its parent's (the descriptor table is copied,
   * the struct file is not: get_file), and it is freed when the last process holding it lets it go.
   */
  private readonly fdOpens = new Map<number, number[]>();
  /** Per open file, the processes holding it. */
  private readonly openUsers = new Map<number, number>();
  private nextOpen = 0;
  /** Files with at least one reference. */
  private pinned = 0;
  /** Files whose dentry and inode are held. */
  files = 0;
  /** Objects freed by the shrinker (dentries + inodes). */
  shrunk = 0;

  constructor(m: Machine, objects: KernelObjects, tmpfs: boolean) {
    this.m = m;
    const [lo, hi] = objects.minPartial;
    this.caches = SLAB_CACHE_NAMES.map((name) => {
      const g = objects.slab[name];
      return {
        name,
        objSize: g.objSize,
        perSlab: g.perSlab,
        pagesPerSlab: g.pagesPerSlab,
        minPartial: Math.min(Math.max(Math.floor(Math.log2(g.objSize)) >> 1, lo), hi),
        objects: 0,
        peakObjects: 0,
        slabs: 0,
        frames: new Int32Array(16),
      };
    });
    this.inodeCache = tmpfs ? Slab.shmem_inode_cache : Slab.ext4_inode_cache;
    this.execVmas = objects.execVmas;
    this.reclaimable = !tmpfs;
  }

  /** Allocates one object of cache `c` for `what`; false when lowmem ran out (the replay stopped). */
  alloc(c: number, what: string): boolean {
    const s = this.caches[c]!;
    if (s.objects >= s.slabs * s.perSlab && !this.grow(s, what)) return false;
    if (++s.objects > s.peakObjects) s.peakObjects = s.objects;
    return true;
  }

  /** Frees `k` objects of cache `c`, giving back slabs beyond min_partial empty ones. */
  free(c: number, k = 1): void {
    const s = this.caches[c]!;
    s.objects -= k;
    while ((s.slabs - s.minPartial - 1) * s.perSlab >= s.objects && s.slabs > 0) {
      s.slabs--;
      for (let i = 0; i < s.pagesPerSlab; i++) this.m.mem.free(s.frames[s.slabs * s.pagesPerSlab + i]!, PageUse.slab);
    }
  }

  /** A new slab of `s`: pagesPerSlab lowmem frames (GFP_KERNEL). */
  private grow(s: CacheState, what: string): boolean {
    const need = (s.slabs + 1) * s.pagesPerSlab;
    if (need > s.frames.length) {
      const f = new Int32Array(Math.max(need, s.frames.length * 2));
      f.set(s.frames);
      s.frames = f;
    }
    const outer = this.m.purpose;
    this.m.purpose = `${s.name} slab (${s.pagesPerSlab} page${s.pagesPerSlab === 1 ? '' : 's'}) for ${what}`;
    const base = s.slabs * s.pagesPerSlab;
    // Reclaim inside the allocation may free objects of this very cache: a free slot then serves.
    const slotFree = (): boolean => s.objects < s.slabs * s.perSlab;
    for (let i = 0; i < s.pagesPerSlab; i++) {
      const pfn = this.m.allocFrame(Gfp.kernel, PageUse.slab, this.m.activeCpu, slotFree);
      if (pfn < 0) {
        for (let j = 0; j < i; j++) this.m.mem.free(s.frames[base + j]!, PageUse.slab);
        this.m.purpose = outer;
        return pfn === NO_FRAME_NEEDED;
      }
      s.frames[base + i] = pfn;
    }
    this.m.purpose = outer;
    // Reclaim during the allocation may have shrunk this cache: the slab goes on top of what is left.
    const at = s.slabs * s.pagesPerSlab;
    if (at !== base) for (let i = 0; i < s.pagesPerSlab; i++) s.frames[at + i] = s.frames[base + i]!;
    s.slabs++;
    return true;
  }

  /** A process's task objects (fork, exec or first sight). */
  allocTask(pid: number): boolean {
    for (const c of TASK_CACHES) if (!this.alloc(c, `pid ${pid}`)) return false;
    return this.alloc(Slab.mm_struct, `pid ${pid}`);
  }

  /** Frees a process's task objects and mm_struct. */
  freeTask(): void {
    for (const c of TASK_CACHES) this.free(c);
    this.free(Slab.mm_struct);
  }

  /**
   * A read, write or mmap of `file`: its dentry and inode are created on first use and move to the
   * head of the dcache/icache LRU. False when lowmem ran out.
   */
  touchFile(file: number): boolean {
    if (file <= 0) return true;
    const d = this.m.cache.denseFile(file);
    if (d >= this.held.length) this.growFiles(d);
    if (this.held[d] === 1) {
      if (this.head !== d) {
        this.unlink(d);
        this.linkHead(d);
      }
      return true;
    }
    if (!this.alloc(Slab.dentry, `file ${file}`)) return false;
    if (!this.alloc(this.inodeCache, `file ${file}`)) {
      this.free(Slab.dentry);
      return false;
    }
    this.held[d] = 1;
    this.files++;
    this.linkHead(d);
    return true;
  }

  /**
   * A reference to `file` by `pid`: an open (`fd`: a syscall record of open, openat or creat naming the
   * file) or its mm's first VMA of the file (`map`). Its dentry and inode are used (touchFile) and in use
   * until the reference goes (unhold, unholdAll). False when lowmem ran out.
   */
  hold(kind: 'fd' | 'map', pid: number, file: number): boolean {
    if (file <= 0) return true;
    if (!this.touchFile(file)) return false;
    // An open allocates its struct file (alloc_empty_file in path_openat).
    if (kind === 'fd' && !this.alloc(Slab.filp, `an open file of pid ${pid}`)) return false;
    const d = this.m.cache.denseFile(file);
    if (this.refs[d]!++ === 0) this.pinned++;
    const list = this.heldBy[kind].get(pid);
    if (list === undefined) this.heldBy[kind].set(pid, [d]);
    else list.push(d);
    if (kind === 'fd') {
      const o = this.nextOpen++;
      this.openUsers.set(o, 1);
      const opens = this.fdOpens.get(pid);
      if (opens === undefined) this.fdOpens.set(pid, [o]);
      else opens.push(o);
    }
    return true;
  }

  /** True when `pid` holds `file` open (an open record named it and no close or exit has released it). */
  holdsOpen(pid: number, file: number): boolean {
    return file > 0 && (this.heldBy.fd.get(pid)?.includes(this.m.cache.denseFile(file)) ?? false);
  }

  /** A reference of `pid` to `file` goes (a close; the mm's last VMA of it). None held: nothing happens. */
  unhold(kind: 'fd' | 'map', pid: number, file: number): void {
    if (file <= 0) return;
    const list = this.heldBy[kind].get(pid);
    const k = list?.lastIndexOf(this.m.cache.denseFile(file)) ?? -1;
    if (k < 0) return;
    this.release(list!.splice(k, 1)[0]!);
    if (kind === 'fd') this.dropOpen(this.fdOpens.get(pid)!.splice(k, 1)[0]!);
  }

  /** The references live processes hold to `file`'s inode now (its opens and the mms mapping it: i_count). */
  references(file: number): number {
    if (file <= 0) return 0;
    const d = this.m.cache.denseFile(file);
    return d < this.refs.length ? this.refs[d]! : 0;
  }

  /** fork: the child's descriptor table is a copy of the parent's, so it holds every file the parent holds open. */
  inheritFds(parent: number, child: number): void {
    const list = this.heldBy.fd.get(parent);
    if (list === undefined || list.length === 0) return;
    this.unholdAll('fd', child);
    for (const d of list) if (this.refs[d]!++ === 0) this.pinned++;
    this.heldBy.fd.set(child, [...list]);
    const opens = this.fdOpens.get(parent)!;
    for (const o of opens) this.openUsers.set(o, this.openUsers.get(o)! + 1);
    this.fdOpens.set(child, [...opens]);
  }

  /** Every reference of `pid` of `kind` goes: its descriptors at exit, its mappings with its mm. */
  unholdAll(kind: 'fd' | 'map', pid: number): void {
    const list = this.heldBy[kind].get(pid);
    if (list === undefined) return;
    for (const d of list) this.release(d);
    this.heldBy[kind].delete(pid);
    if (kind === 'fd') {
      for (const o of this.fdOpens.get(pid)!) this.dropOpen(o);
      this.fdOpens.delete(pid);
    }
  }

  private release(d: number): void {
    if (--this.refs[d]! === 0) this.pinned--;
  }

  /** A process lets open file `o` go; the last one frees its struct file (fput → __fput). */
  private dropOpen(o: number): void {
    const users = this.openUsers.get(o)! - 1;
    if (users > 0) {
      this.openUsers.set(o, users);
      return;
    }
    this.openUsers.delete(o);
    this.free(Slab.filp);
  }

  /**
   * The dcache/icache shrinker (super_cache_scan → prune_dcache_sb, prune_icache_sb): frees the dentry
   * and inode of up to `n` files from the LRU tail. Under HIGHMEM an inode with page cache is
   * reclaimable (mapping_shrinkable): its clean, unmapped pages are dropped with it
   * (inode_lru_isolate → invalidate_mapping_pages); an inode that keeps pages (dirty, under writeback,
   * being read, or mapped) stays and goes to the LRU head, as does one a process holds (open or mapped). Returns the objects freed.
   */
  shrink(n: number): number {
    let freed = 0;
    let scanned = 0;
    const limit = this.files;
    while (freed < 2 * n && this.tail !== NONE && scanned++ < limit) {
      const d = this.tail;
      this.unlink(d);
      if (this.refs[d]! > 0 || this.m.storage.dropInodePages(d) < 0) {
        this.linkHead(d);
        continue;
      }
      this.held[d] = 0;
      this.files--;
      this.free(Slab.dentry);
      this.free(this.inodeCache);
      freed += 2;
    }
    this.shrunk += freed;
    return freed;
  }

  /** Unused dentries + inodes the shrinker could free. */
  get freeable(): number {
    return this.reclaimable ? 2 * (this.files - this.pinned) : 0;
  }

  /** Objects per lowmem page the shrinker frees per file (dentry + inode bytes over a page). */
  filesPerPage(): number {
    const bytes = this.caches[Slab.dentry]!.objSize + this.caches[this.inodeCache]!.objSize;
    return Math.max(1, Math.floor(4096 / bytes));
  }

  /** Pages held by every cache. */
  get pages(): number {
    let n = 0;
    for (const s of this.caches) n += s.slabs * s.pagesPerSlab;
    return n;
  }

  /** memory.slab of the RunResult: per cache with any use, objects now, at most, and pages. */
  report(): Record<string, { objects: number; peakObjects: number; pages: number; objSize: number }> {
    const out: Record<string, { objects: number; peakObjects: number; pages: number; objSize: number }> = {};
    for (const s of this.caches) {
      if (s.peakObjects === 0) continue;
      out[s.name] = { objects: s.objects, peakObjects: s.peakObjects, pages: s.slabs * s.pagesPerSlab, objSize: s.objSize };
    }
    return out;
  }

  private growFiles(d: number): void {
    const n = capacityFor(this.held.length, d);
    this.held = grown(this.held, n);
    this.refs = grown(this.refs, n);
    this.prev = grown(this.prev, n);
    this.next = grown(this.next, n);
  }

  private linkHead(d: number): void {
    this.prev[d] = NONE;
    this.next[d] = this.head;
    if (this.head !== NONE) this.prev[this.head] = d;
    this.head = d;
    if (this.tail === NONE) this.tail = d;
  }

  private unlink(d: number): void {
    const p = this.prev[d]!;
    const x = this.next[d]!;
    if (p !== NONE) this.next[p] = x;
    else this.head = x;
    if (x !== NONE) this.prev[x] = p;
    else this.tail = p;
  }
}

/** SLUB's largest slab order by default: PAGE_ALLOC_COSTLY_ORDER (mm/slub.c slub_max_order). */
const SLUB_MAX_ORDER = 3;

/**
 * The slab SLUB gives a cache of `size`-byte slots (s->size, /proc/slabinfo's objsize) on a box with
 * `cpus` present CPUs — mm/slub.c calculate_order and calc_slab_order (6.1): at least min_objects =
 * 4 × (fls(cpus) + 1) objects per slab (fewer if an order-3 slab cannot hold them), in the smallest order
 * up to 3 whose leftover is at most 1/16 of the slab, else 1/8, else 1/4, else with fewer objects. So
 * the same cache packs differently on 1, 2 or 4 CPUs: signal_cache (768 bytes) takes 10 objects in 2
 * pages on one CPU and 21 in 4 on two. Reproduces every cache of two real boots' /proc/slabinfo
 * (tests/fixtures/validation/slab/: 145 caches on one CPU, 141 on two).
 */
export function slubGeometry(size: number, cpus: number): SlabGeometry {
  const page = PAGE_SIZE;
  const orderOf = (bytes: number): number => Math.max(0, Math.ceil(Math.log2(bytes / page)));
  const slabOrder = (minObjects: number, fraction: number): number => {
    for (let order = orderOf(minObjects * size); order <= SLUB_MAX_ORDER; order++) {
      const slab = page << order;
      if (slab % size <= Math.floor(slab / fraction)) return order;
    }
    return SLUB_MAX_ORDER + 1;
  };
  const fls = 32 - Math.clz32(Math.max(1, cpus));
  let minObjects = Math.min(4 * (fls + 1), Math.floor((page << SLUB_MAX_ORDER) / size));
  let order = SLUB_MAX_ORDER + 1;
  search: while (minObjects > 1) {
    for (let fraction = 16; fraction >= 4; fraction /= 2) {
      order = slabOrder(minObjects, fraction);
      if (order <= SLUB_MAX_ORDER) break search;
    }
    minObjects--;
  }
  if (order > SLUB_MAX_ORDER) order = Math.min(slabOrder(1, 1), SLUB_MAX_ORDER);
  return { objSize: size, perSlab: Math.floor((page << order) / size), pagesPerSlab: 1 << order };
}
