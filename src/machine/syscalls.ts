/**
 * System calls (DESIGN.md "syscall", "munmap/mprotect/COW"; traces/README.md for the record columns).
 *
 * A `syscall` record is one kernel entry and exit: the model's syscall cost, and under PTI and 4G/4G a CR3
 * write at entry and one at exit (each dropping every non-global TLB entry), all charged as syscall time.
 * The effect records (`read`, `write`, `mmap`, `munmap`, `mprotect`, `fork`, `exec`, `exit`) describe
 * what a call did and do not enter the kernel again: importers and generators emit one `syscall` record
 * per call beside them (traces/README.md). Their own work is charged where it belongs — copies (copy),
 * kmaps (kmap, kmapLockSpin, kmapSleep), faults, flushes — and PTE updates as syscall time.
 *
 * read/write: for each file page of the range, the page-cache frame is looked up or allocated (zonelist
 * HIGHMEM first); a page a write allocates is first cleared (as tmpfs does: the real 6.1 kernel maps such
 * a page twice, once to clear it and once to copy into it — tests/fixtures/validation/kernel-counts); then
 * the bytes are copied between it and the user buffer through the profile's pageCacheCopy API. The user
 * buffer's pages are touched through the D-TLB first (copy_from_user / copy_to_user faults them in). Under
 * 4G/4G the kernel cannot see user space: each user page is reached by a software walk of the user page
 * tables and the direct map (or a kmap_atomic when highmem).
 *
 * munmap/mprotect: every present PTE in the range is cleared (munmap, freeing the frame) or rewritten
 * (mprotect); the span from the first to the last changed PTE is flushed by the ceiling policy, locally
 * and on every other CPU running the mm (flush.ts).
 */
import { ProtBits } from '../trace/records.ts';
import { Cat } from './accounting.ts';
import { PAGE_SIZE } from '../units/address.ts';
import { kernelEntryCr3 } from './fault.ts';
import { flushUserRange } from './flush.ts';
import { copyCachedHighRun, leaveKernel, touchFrame } from './kmap/kernel-touch.ts';
import type { Machine } from './machine.ts';
import { Gfp, PageUse } from './memory.ts';
import { PageFlag, SLOW_PAGE } from './pagecache.ts';
import { NR_FDATASYNC, NR_FSYNC } from './storage/page-io.ts';
import { ptePfn } from './pagetable.ts';
import type { Mm } from './process.ts';
import { TlbSide } from './tlb-hierarchy.ts';
import { touchUserPage } from './user-access.ts';
import { createMm, fork, holdMappings, mappedFiles, releasePte, syncVmas, teardownMm } from './mm-lifecycle.ts';
import { Slab } from './slab.ts';
import { ensurePtePage, pageFault } from './fault.ts';
import { dirOf, mapPtePage, mapPtePagesOfRange } from './pte-walk.ts';
import { loadMm } from './context-switch.ts';
import { KPath } from './kernel-footprint.ts';

/**
 * i386 numbers of the calls whose work an effect record describes (read, write, pread64, pwrite64,
 * mmap, mmap2, munmap, mprotect, fork, clone, vfork, execve, exit, exit_group): their body's footprint
 * is touched by that record; any other number runs the null body (getppid's).
 */
/**
 * kernel/fork.c copy_process: `nr_dirtied_pause = 128 >> (PAGE_SHIFT - 10)` = 32 pages. generic_perform_write
 * calls balance_dirty_pages_ratelimited after every page it copies, which balances once the task has
 * dirtied this many pages: a write longer than this is throttled inside the call, not only after it.
 */
export const DIRTY_PAUSE_PAGES = 32;

const EFFECT_SYSCALLS = new Set([3, 4, 180, 181, 90, 192, 91, 125, 2, 120, 190, 11, 1, 252]);

/** Kernel entry: counts the syscall and charges entry/exit and the PTI/4G4G CR3 writes. */
export function syscallEntry(m: Machine, cpu: number): void {
  m.counts.syscalls++;
  kernelEntryCr3(m, cpu, Cat.syscall);
  m.charge(cpu, Cat.syscall, m.syscallCost());
  m.footprint.touch(m, cpu, KPath.entry);
}

/** Kernel exit. */
export function syscallExit(m: Machine, cpu: number): void {
  kernelEntryCr3(m, cpu, Cat.syscall);
}

/**
 * A `read` (toUser) or `write` record: `len` bytes at file offset `off` of `file`, user buffer `ubuf`.
 * Multi-page: resumable at the file page where the CPU went to sleep or paused (cpu.resume counts pages
 * done, plus one once the user buffer walk began; cpu.bufNext is where a paused buffer walk goes on).
 * Returns false when the record must stop.
 */
export function fileCopy(m: Machine, cpu: number, mm: Mm, isWrite: boolean, file: number, off: number, len: number, ubuf: number): boolean {
  const c = m.cpus[cpu]!;
  if (c.resume === 0) {
    // The file's dentry and inode (dcache/icache), and the process's struct file for its I/O (slab.ts):
    // the one its open made when the trace names the open, else one derived for the process.
    if (!m.slab.touchFile(file)) return false;
    if (!mm.hasFilp && !m.slab.holdsOpen(mm.pid, file)) {
      if (!m.slab.alloc(Slab.filp, `an open file of pid ${mm.pid}`)) return false;
      mm.hasFilp = true;
    }
    c.resume = 1;
    m.footprint.touch(m, cpu, isWrite ? KPath.write : KPath.read);
    if (len > 0 && !touchUserBuffer(m, cpu, mm, ubuf, len, !isWrite, -1)) return false;
  } else if (c.bufNext >= 0 && !touchUserBuffer(m, cpu, mm, ubuf, len, !isWrite, c.bufNext)) return false;
  const firstPage = Math.floor(off / PAGE_SIZE);
  const lastPage = len > 0 ? Math.floor((off + len - 1) / PAGE_SIZE) : firstPage - 1;
  // Whole pages [firstFull, lastFull] copied through a per-CPU mapping (the transient path touchFrame
  // takes for a highmem frame) go through copyCachedHighRun when their charges can be summed exactly; it
  // stops at the first page it cannot take (not cached, lowmem, or needing the slow path), which goes
  // the general way.
  const copyApi = m.pathApi(m.policy.pageCacheCopy);
  const runs = copyApi !== 'pkmap' && !m.shape.pcid && m.transientExact;
  const firstFull = Math.ceil(off / PAGE_SIZE);
  const lastFull = Math.floor((off + len) / PAGE_SIZE) - 1;
  const cache = m.cache;
  const st = m.storage;
  const pid = mm.pid;
  const pc = st.counts.pagecache;
  // Pages [.., missEnd) were brought in by this record's own read of the device: misses, not hits.
  let missEnd = -1;
  // A write balances dirty memory every DIRTY_PAUSE_PAGES pages it copies (not on tmpfs: balanceDirty).
  const pause = isWrite && !st.tmpfs;
  let untilPause = DIRTY_PAUSE_PAGES;
  const resumeAt = firstPage + c.resume - 1;
  for (let p = resumeAt; p <= lastPage; p++) {
    // A pause (Machine.pauseDue) comes only where resuming at p rebuilds this loop's state: past the pages
    // of the record's own device read (missEnd as -1 would do) and right after a dirty balance.
    if (m.workLeft <= 0 && p > resumeAt && p >= missEnd && untilPause === DIRTY_PAUSE_PAGES && m.pauseDue()) {
      c.resume = p - firstPage + 1;
      return false;
    }
    if (runs && p >= firstFull && p <= lastFull) {
      const from = p;
      p = copyCachedHighRun(m, cpu, file, p, pause ? Math.min(lastFull, p + untilPause - 1) : lastFull, copyApi, !isWrite, missEnd);
      m.workLeft -= p - from;
      // The pages copied were cached and up to date: hits, accessed (the run did that for a read) and dirtied.
      if (isWrite) {
        for (let q = from; q < p; q++) {
          const frame = cache.lookup(file, q);
          pc.hits++;
          cache.markAccessed(frame);
          st.markDirty(cpu, pid, frame);
        }
      }
      if (m.stopped) return false;
      if (pause && p > from) {
        untilPause -= p - from;
        if (untilPause === 0 && p <= lastPage) {
          untilPause = DIRTY_PAUSE_PAGES;
          st.balanceDirty(cpu);
          if (m.stopped) return false;
        }
      }
      if (p > lastPage) break;
      if (p <= lastFull && p > from) {
        p--;
        continue;
      }
    }
    m.workLeft--;
    const start = Math.max(off, p * PAGE_SIZE);
    const end = Math.min(off + len, (p + 1) * PAGE_SIZE);
    let frame = cache.lookup(file, p);
    if (frame < 0) {
      if (isWrite && !(end - start < PAGE_SIZE && st.pageOnDevice(file, p))) {
        // A new page (or one the write covers whole): allocated and cleared, nothing to read.
        frame = m.allocFrame(Gfp.highuser, PageUse.pageCache, cpu);
        if (frame < 0) return false;
        cache.insert(file, p, frame, false, st.tmpfs ? PageFlag.shmem : 0);
        pc.misses++;
        touchFrame(m, cpu, frame, m.policy.clearPage, PAGE_SIZE);
      } else {
        // A read, or a partial write of a page the device holds: read it (with readahead for a read).
        const k = st.readMiss(cpu, pid, file, p, isWrite ? 1 : lastPage - p + 1, !isWrite);
        if (k < 0 || m.stopped) return false;
        missEnd = p + k;
        frame = cache.lookup(file, p);
        if (frame < 0) return false;
        // A new tmpfs page is cleared (one read back from swap is not).
        if (st.tmpfs && (cache.flags[frame]! & PageFlag.pending) === 0) touchFrame(m, cpu, frame, m.policy.clearPage, PAGE_SIZE);
      }
    } else if (p >= missEnd) pc.hits++;
    if ((cache.flags[frame]! & SLOW_PAGE) !== 0) {
      st.slowPage(cpu, pid, file, p, frame, lastPage - p + 1);
      if (m.stopped) return false;
    }
    cache.markAccessed(frame);
    if (!touchFrame(m, cpu, frame, m.policy.pageCacheCopy, end - start, true)) {
      c.resume = p - firstPage + 1;
      return false;
    }
    if (isWrite) st.markDirty(cpu, pid, frame);
    if (m.stopped) return false;
    if (pause && --untilPause === 0 && p < lastPage) {
      untilPause = DIRTY_PAUSE_PAGES;
      st.balanceDirty(cpu);
      if (m.stopped) return false;
    }
  }
  c.resume = 0;
  leaveKernel(m, cpu);
  if (isWrite) st.balanceDirty(cpu);
  else st.readDone(pid, file, off + len);
  return true;
}

/**
 * copy_{to,from}_user of [ubuf, ubuf+len): each user page touched (faulted in when absent), from the
 * buffer's first page (`from` −1) or from page `from`, where the walk paused (cpu.bufNext).
 */
function touchUserBuffer(m: Machine, cpu: number, mm: Mm, ubuf: number, len: number, write: boolean, from: number): boolean {
  const c = m.cpus[cpu]!;
  c.bufNext = -1;
  const first = from >= 0 ? from : Math.floor(ubuf / PAGE_SIZE);
  const last = Math.min(0xfffff, Math.floor((ubuf + len - 1) / PAGE_SIZE));
  const taskSize = m.shape.taskSize;
  const indirect = m.config.split === '4G4G';
  // Pages below TASK_SIZE that hit the L1 D-TLB with no copy-on-write check due need nothing but the
  // hit (touchUserPage would do no more): they are taken a run at a time (TlbHierarchy.dataHitRun).
  const hitRuns = !indirect && !(write && mm.pt.readOnly > 0);
  const tlb = c.tlb;
  const lastBelow = Math.min(last, Math.ceil(taskSize / PAGE_SIZE) - 1);
  // After a page that missed the L1 (a buffer after a CR3 write: most of the next ones miss too), pages
  // go one by one until one hits again — no run probe that would stop at once. (Probing or not changes
  // no result, only speed: a resumed walk starts probing again.)
  let tryRun = hitRuns;
  for (let vpn = first; vpn <= last; vpn++) {
    if (m.workLeft <= 0 && vpn > first && m.pauseDue()) {
      c.bufNext = vpn;
      return false;
    }
    if (tryRun && vpn <= lastBelow) {
      const at = vpn;
      vpn = tlb.dataHitRun(vpn, lastBelow);
      m.workLeft -= vpn - at;
      if (vpn > last) break;
    }
    m.workLeft--;
    if (vpn * PAGE_SIZE >= taskSize) {
      m.infeasible.skip(
        'user address at or above TASK_SIZE',
        `buffer page 0x${(vpn * PAGE_SIZE).toString(16)} (CPU ${cpu}, pid ${mm.pid})`,
      );
      return true;
    }
    if (indirect) {
      // Indirect uaccess: walk the user page tables in software, then reach the frame from the kernel.
      m.charge(cpu, Cat.tlbWalk, m.userWalkCost());
      let pte = mm.pt.get(vpn);
      if (pte === 0) {
        if (!touchUserPage(m, cpu, mm, vpn, TlbSide.data, write, false)) return false;
        pte = mm.pt.get(vpn);
      }
      if (pte !== 0) touchFrame(m, cpu, ptePfn(pte), 'atomic', 0);
      continue;
    }
    const misses = tlb.counters.dtlbMisses;
    if (!touchUserPage(m, cpu, mm, vpn, TlbSide.data, write, false)) return false;
    tryRun = hitRuns && tlb.counters.dtlbMisses === misses;
  }
  return true;
}

/**
 * A `syscall` record: entry and exit. fsync (118) and fdatasync (148) write the dirty pages of the file
 * named in the record's `addr` column (0: every file the process dirtied since its last fsync) and wait
 * for them (storage/page-io.ts). open (5), creat (8) and openat (295) naming a file in `addr` hold its
 * inode in use until close (6) names it or the process exits (slab.ts hold: the shrinker leaves it
 * and its page cache alone); 0 there records nothing. A record whose number is the trace's request syscall counts a request.
 */
export function genericSyscall(m: Machine, cpu: number, pid = 0, nr = -1, addr = 0): void {
  syscallEntry(m, cpu);
  if (!EFFECT_SYSCALLS.has(nr)) m.footprint.touch(m, cpu, KPath.null);
  const work = CALL_WORK.get(nr);
  if (work !== undefined) m.charge(cpu, Cat.syscall, m.model.costs[work](0, m.rng));
  if (nr === m.requestSyscall) m.requests++;
  if (nr === NR_FSYNC || nr === NR_FDATASYNC) m.storage.fsync(cpu, pid, addr);
  else if (addr > 0 && (nr === NR_OPEN || nr === NR_OPENAT || nr === NR_CREAT)) m.slab.hold('fd', pid, addr);
  else if (addr > 0 && nr === NR_CLOSE) m.slab.unhold('fd', pid, addr);
  syscallExit(m, cpu);
}

/**
 * A `syscall` record the kernel made inside another call (SyscallFlags.kernel, HMT 2.2 `execCloses`): a
 * close (6) naming a file is a close-on-exec descriptor an execve closed (do_close_on_exec), so the
 * process's reference goes; no entry, exit or kernel path is charged (the execve's own record paid its
 * entry). Any other number does nothing.
 */
export function kernelMadeCall(m: Machine, pid: number, nr: number, addr: number): void {
  if (addr > 0 && nr === NR_CLOSE) m.slab.unhold('fd', pid, addr);
}

/**
 * The work of a call besides its entry and exit, by i386 number (syscall_32.tbl), where lmbench measures
 * it (docs/machine.md "System calls"): a path lookup (stat − null call) for every call that resolves a
 * path; the rest of an open/close pair at the close; a read or write call's own work (null I/O − null
 * call) besides the copies and page-cache work its `read`/`write` record charges. Calls not listed cost
 * only their entry and exit (getppid's null call). fork's own work, with its child's exit and the
 * parent's wait, is costs.forkExit, charged by its `fork` record (forkRecord); exec and exit pay their mm
 * work (page-table copies and teardown, faults, flushes) through their records.
 */
const CALL_WORK = new Map<number, 'pathLookup' | 'fileClose' | 'ioCall'>([
  // open, creat, openat, openat2; stat, lstat (old and 64), stat64, lstat64, fstatat64, statx; access,
  // faccessat, faccessat2; readlink, readlinkat; unlink, unlinkat; execve (resolves the program).
  ...[5, 8, 295, 437, 18, 84, 106, 107, 195, 196, 300, 383, 33, 307, 439, 85, 305, 10, 301, 11].map((nr) => [nr, 'pathLookup'] as const),
  [6, 'fileClose'],
  // read, write, pread64, pwrite64, readv, writev, preadv, pwritev.
  ...[3, 4, 180, 181, 145, 146, 333, 334].map((nr) => [nr, 'ioCall'] as const),
]);

/** i386 numbers of the calls that open and close a file (arch/x86/entry/syscalls/syscall_32.tbl). */
const NR_OPEN = 5;
const NR_CLOSE = 6;
const NR_CREAT = 8;
const NR_OPENAT = 295;

/**
 * An `mmap` record: the mapping is remembered (file-backed ones are filled from the page cache by faults,
 * anonymous ones by zeroed pages; the VMAs also shape the page-table walks of fork, munmap and exit).
 */
export function mmap(m: Machine, cpu: number, mm: Mm, prot: number, addr: number, len: number, file: number, off: number): boolean {
  m.footprint.touch(m, cpu, KPath.mmap);
  if (len > 0) {
    const before = mappedFiles(mm);
    mm.removeVmas(addr, addr + len);
    mm.vmas.push({ start: addr, end: addr + len, file, offset: off, shared: (prot & ProtBits.shared) !== 0, anon: false });
    if (!holdMappings(m, mm, before)) return false;
  }
  return m.slab.touchFile(file) && syncVmas(m, mm);
}

/** A `munmap` (unmap = true) or `mprotect` record. */
export function unmapOrProtect(m: Machine, cpu: number, mm: Mm, addr: number, len: number, unmap: boolean): void {
  m.footprint.touch(m, cpu, KPath.munmap);
  const first = Math.floor(addr / PAGE_SIZE);
  const end = Math.min(2 ** 20, Math.ceil((addr + len) / PAGE_SIZE));
  // zap_pte_range / change_pte_range map each PTE page of the range once per VMA (HIGHPTE).
  mapPtePagesOfRange(m, cpu, mm, first, end);
  let lo = Infinity;
  let hi = -1;
  const changed: number[] = [];
  mm.pt.forEachPresent(first, end, (vpn, pte) => {
    if (vpn < lo) lo = vpn;
    if (vpn > hi) hi = vpn;
    m.charge(cpu, Cat.syscall, m.pteWriteCost());
    if (unmap) {
      releasePte(m, pte);
      changed.push(vpn);
    }
  });
  for (const vpn of changed) mm.pt.set(vpn, 0);
  if (unmap) {
    const before = mappedFiles(mm);
    mm.removeVmas(addr, addr + len);
    holdMappings(m, mm, before);
    syncVmas(m, mm);
  }
  if (hi >= 0) flushUserRange(m, cpu, mm, lo, hi);
}

/** A `fork` record on `cpu` running `parent`. Returns false when memory ran out. */
export function forkRecord(m: Machine, cpu: number, parent: Mm, child: number): boolean {
  m.footprint.touch(m, cpu, KPath.fork);
  // The rest of copy_process, and of the child's do_exit and the parent's wait4 (costs.forkExit).
  m.charge(cpu, Cat.syscall, m.model.costs.forkExit(0, m.rng));
  return fork(m, cpu, parent, child);
}

/**
 * An `exec` record: a fresh address space replaces the old one, and execve builds its argument stack
 * (fs/exec.c, 6.1). The program's own mappings follow as `mmap` records.
 *
 * - bprm_mm_init: a one-page stack VMA at the top of user space (STACK_TOP_MAX = TASK_SIZE).
 * - copy_string_kernel(filename), copy_strings(envp), copy_strings(argv): each get_arg_page →
 *   get_user_pages_remote → follow_page_pte maps the PTE page (pte_offset_map_lock); the first finds no
 *   page table, faults the page in (do_anonymous_page: a new zeroed PTE page, the PTE written under one
 *   more mapping, a zeroed page) and follows again. Small argument and environment strings fit in that one
 *   page: 1 new PTE page and 5 mappings of it.
 * - exec_mmap → mmput: the old mm goes (exit_mmap: zap_pte_range per VMA per PTE page).
 * - setup_arg_pages: mprotect_fixup sets VM_STACK_INCOMPLETE_SETUP → change_pte_range (1 mapping); the
 *   stack moves to the randomised stack top (shift_arg_pages → move_page_tables: pte_alloc of the new
 *   place, move_ptes maps the old and the new PTE page; free_pgd_range frees the old one). With
 *   randomize_va_space=2 the top moves by up to 8 MiB (STACK_RND_MASK 0x7ff pages), so three times in four
 *   into another page table: the model moves it one page table down.
 */
export function execRecord(m: Machine, cpu: number, pid: number): boolean {
  m.footprint.touch(m, cpu, KPath.exec);
  const old = m.procs.get(pid);
  if (old !== undefined) teardownMm(m, cpu, old, Cat.syscall);
  const mm = createMm(m, pid);
  if (mm === null) return false;
  if (m.cpus[cpu]!.pid === pid) loadMm(m, cpu, mm, Cat.syscall);
  return buildArgStack(m, cpu, mm);
}

/** execve's argument page: get_arg_page ×3, setup_arg_pages' mprotect and shift (see execRecord). */
function buildArgStack(m: Machine, cpu: number, mm: Mm): boolean {
  const top = Math.floor(m.shape.taskSize / PAGE_SIZE) - 1;
  if (!pageFault(m, cpu, mm, top, true, false)) return false;
  const dir = dirOf(mm, top);
  for (let k = 0; k < 4; k++) mapPtePage(m, cpu, mm, dir); // 3 × follow_page_pte, 1 × change_pte_range
  const dest = top - mm.pt.ptrsPerPte;
  if (!ensurePtePage(m, cpu, mm, dest)) return false;
  mapPtePage(m, cpu, mm, dir);
  mapPtePage(m, cpu, mm, dirOf(mm, dest));
  const pte = mm.pt.get(top);
  m.charge(cpu, Cat.syscall, 2 * m.pteWriteCost());
  mm.pt.set(dest, pte);
  mm.pt.set(top, 0);
  const oldPage = mm.ptePagePfns.get(dir);
  if (oldPage !== undefined) {
    mm.ptePagePfns.delete(dir);
    mm.pt.removePtePage(top);
    m.mem.free(oldPage, PageUse.pageTables);
  }
  return true;
}

/** An `exit` record: the address space and the task's pages are freed. */
export function exitRecord(m: Machine, cpu: number, pid: number): void {
  const mm = m.procs.get(pid);
  m.footprint.touch(m, cpu, KPath.exit);
  m.slab.unholdAll('fd', pid);
  if (mm !== undefined) teardownMm(m, cpu, mm, Cat.syscall);
}
