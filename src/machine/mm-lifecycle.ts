/**
 * Address-space life cycle: creation (PGD and the preallocated upper levels, kernel stack), fork with
 * copy-on-write, exec, exit, and the tear-down that frees every frame.
 *
 * Lowmem used per process (kernel zonelist, never highmem): the PGD (one page; two under PTI, whose PGD
 * is order-1), under PAE the user PMD pages preallocated at pgd_alloc (one per GiB of user space), on
 * x86_64 a PUD and a PMD page, and the kernel stack (THREAD_SIZE: 8 KiB on 32-bit, 16 KiB on x86_64).
 * User PTE pages are allocated on demand by faults (fault.ts).
 */
import { Cat } from './accounting.ts';
import { flushMm } from './flush.ts';
import type { Machine } from './machine.ts';
import { Gfp, PageUse } from './memory.ts';
import { makePte, PTE_FILE, PTE_WRITE, ptePfn } from './pagetable.ts';
import type { Mm } from './process.ts';
import { ensurePtePage } from './fault.ts';
import { mapPtePage, walkUnits } from './pte-walk.ts';
import { Slab } from './slab.ts';

const GiB = 2 ** 30;

/** Upper page-table pages allocated with a new mm. */
function upperPages(m: Machine): number {
  if (m.shape.pcid) return 3;
  const pgd = m.config.pti ? 2 : 1;
  return m.config.pae ? pgd + Math.ceil(m.shape.taskSize / GiB) : pgd;
}

/**
 * Most processes alive at once: pid_max, 32,768 (PID_MAX_DEFAULT, include/linux/threads.h; on 32-bit
 * kernels also PID_MAX_LIMIT, so no sysctl raises it; x86_64 boots with the same default below 32 CPUs).
 */
export const PID_MAX = 32_768;

/**
 * Allocates a new mm for `pid` with its kernel-side pages and objects: the task's slab objects
 * (task_struct, pid, cred, files, signal, sighand, mm_struct: slab.ts), the upper page-table pages, the
 * kernel stack, and the VMAs exec makes without an mmap record. Returns null (the replay stops,
 * infeasible) when memory ran out or PID_MAX processes are alive.
 */
export function createMm(m: Machine, pid: number): Mm | null {
  if (m.procs.size >= PID_MAX && m.procs.get(pid) === undefined) {
    // Also what keeps the replay's memory bounded: every live process holds its page tables.
    m.infeasible.stop('pid_max', `a new process (pid ${pid}) while ${PID_MAX} are alive: the kernel's pid_max (fork fails with EAGAIN)`);
    m.stopped = true;
    return null;
  }
  const mm = m.procs.create(pid);
  const stack = m.shape.pcid ? 4 : 2;
  if (!m.slab.allocTask(pid)) return null;
  mm.taskCharged = true;
  m.purpose = `page-table page (PGD/PMD) of pid ${pid}`;
  for (let i = 0; i < upperPages(m); i++) {
    const pfn = m.allocFrame(Gfp.kernel, PageUse.pageTables);
    if (pfn < 0) return null;
    mm.upperPfns.push(pfn);
  }
  m.purpose = `kernel stack of pid ${pid}`;
  // One allocation of THREAD_SIZE (order 1; order 2 on x86_64: alloc_thread_stack_node): all its pages or none.
  for (let i = 0; i < stack; i++) {
    const pfn = m.allocFrame(Gfp.kernel, PageUse.kernelStack);
    if (pfn < 0) {
      for (const taken of mm.stackPfns.splice(0)) m.mem.free(taken, PageUse.kernelStack);
      return null;
    }
    mm.stackPfns.push(pfn);
  }
  m.purpose = '';
  return syncVmas(m, mm) ? mm : null;
}

/**
 * Brings the vm_area_struct objects charged for `mm` to its VMAs: the recorded ones plus the exec's
 * own (stack, vvar, vdso). O(1) besides the VMA list itself. False when lowmem ran out.
 */
export function syncVmas(m: Machine, mm: Mm): boolean {
  const want = mm.vmas.length + m.slab.execVmas;
  while (mm.chargedVmas < want) {
    if (!m.slab.alloc(Slab.vm_area_struct, `a VMA of pid ${mm.pid}`)) return false;
    mm.chargedVmas++;
  }
  if (mm.chargedVmas > want) {
    m.slab.free(Slab.vm_area_struct, mm.chargedVmas - want);
    mm.chargedVmas = want;
  }
  return true;
}

/** The mm of `pid`, created on first sight (a process that existed before the trace began). */
export function mmFor(m: Machine, _cpu: number, pid: number): Mm | null {
  return m.procs.get(pid) ?? createMm(m, pid);
}

/** Releases a user frame mapped by PTE `pte`. */
function releaseFrame(m: Machine, pte: number): void {
  const pfn = ptePfn(pte);
  if ((pte & PTE_FILE) !== 0) {
    const n = (m.procs.cacheMapped.get(pfn) ?? 1) - 1;
    if (n <= 0) m.procs.cacheMapped.delete(pfn);
    else m.procs.cacheMapped.set(pfn, n);
    return;
  }
  const sharers = m.procs.anonShared.get(pfn);
  if (sharers === undefined) m.mem.free(pfn, PageUse.user);
  else if (sharers <= 2) m.procs.anonShared.delete(pfn);
  else m.procs.anonShared.set(pfn, sharers - 1);
}

/** Unmaps a present PTE's frame (munmap, exit). */
export function releasePte(m: Machine, pte: number): void {
  releaseFrame(m, pte);
}

/**
 * exit_mmap + free of the task's pages: every PTE cleared (charged to `cat`), every frame freed; under
 * HIGHPTE zap_pte_range maps each PTE page once per VMA across it (pte-walk.ts).
 */
export function teardownMm(m: Machine, cpu: number, mm: Mm, cat: number): void {
  const per = mm.pt.ptrsPerPte;
  mm.pt.forEachPtePage((dir) => {
    const units = walkUnits(mm, dir * per, (dir + 1) * per, false);
    for (let k = 0; k < units; k++) mapPtePage(m, cpu, mm, dir);
  });
  let present = 0;
  mm.pt.forEachAll((_vpn, pte) => {
    present++;
    releaseFrame(m, pte);
  });
  m.charge(cpu, cat, present * m.pteWriteCost());
  flushMm(m, cpu, mm);
  for (const pfn of mm.ptePagePfns.values()) m.mem.free(pfn, PageUse.pageTables);
  for (const pfn of mm.upperPfns) m.mem.free(pfn, PageUse.pageTables);
  for (const pfn of mm.stackPfns) m.mem.free(pfn, PageUse.kernelStack);
  if (mm.taskCharged) m.slab.freeTask();
  if (mm.chargedVmas > 0) m.slab.free(Slab.vm_area_struct, mm.chargedVmas);
  if (mm.hasFilp) m.slab.free(Slab.filp);
  m.slab.unholdAll('map', mm.pid);
  mm.taskCharged = false;
  mm.chargedVmas = 0;
  mm.hasFilp = false;
  for (let c = 0; c < m.ncpu; c++) {
    if (m.cpus[c]!.mm === mm) m.cpus[c]!.mm = null;
    mm.loadedOn[c] = 0;
  }
  m.procs.remove(mm.pid);
}

/**
 * fork (kernel/fork.c dup_mmap → mm/memory.c copy_page_range, 6.1): the child gets the parent's VMAs; the
 * PTEs of a VMA are copied only when vma_needs_copy — it has an anon_vma (anonymous pages were faulted or
 * copied into it); a file mapping without one is left to fault in the child. copy_pte_range runs once per
 * (VMA, PTE page): the child's PTE page (allocated zeroed when new) and the parent's are both mapped
 * (HIGHPTE: 2 page-table kmaps). Private writable anonymous pages become read-only in both
 * (copy-on-write), and the parent's TLBs are flushed (flush_tlb_mm). PTE copies and write-protections are
 * charged as syscall time. Returns false when memory ran out.
 */
export function fork(m: Machine, cpu: number, parent: Mm, childPid: number): boolean {
  const old = m.procs.get(childPid);
  if (old !== undefined) teardownMm(m, cpu, old, Cat.syscall);
  const child = createMm(m, childPid);
  if (child === null) return false;
  for (const v of parent.vmas) child.vmas.push({ ...v });
  if (!holdMappings(m, child, new Set()) || !syncVmas(m, child)) return false;
  m.slab.inheritFds(parent.pid, childPid);
  const per = parent.pt.ptrsPerPte;
  let protectedAny = false;
  const dirs: number[] = [];
  parent.pt.forEachPtePage((dir) => dirs.push(dir));
  for (const dir of dirs) {
    const lo = dir * per;
    const end = lo + per;
    const units = walkUnits(parent, lo, end, true);
    if (units === 0) continue;
    if (!ensurePtePage(m, cpu, child, lo)) return false;
    for (let k = 0; k < units; k++) {
      mapPtePage(m, cpu, child, dir);
      mapPtePage(m, cpu, parent, dir);
    }
    parent.pt.forEachPresent(lo, end, (vpn, pte) => {
      const v = parent.vmaAt(vpn * 4096);
      if (v !== undefined && !v.anon) return; // vma_needs_copy: no anon_vma, the child faults it in
      const pfn = ptePfn(pte);
      let shared = pte;
      if ((pte & PTE_FILE) !== 0) {
        m.procs.cacheMapped.set(pfn, (m.procs.cacheMapped.get(pfn) ?? 1) + 1);
      } else {
        m.procs.anonShared.set(pfn, (m.procs.anonShared.get(pfn) ?? 1) + 1);
        if ((pte & PTE_WRITE) !== 0) {
          shared = makePte(pfn, 0);
          parent.pt.set(vpn, shared);
          m.charge(cpu, Cat.syscall, m.pteWriteCost());
          protectedAny = true;
        }
      }
      child.pt.set(vpn, shared);
      m.charge(cpu, Cat.syscall, m.pteWriteCost());
    });
  }
  if (protectedAny) flushMm(m, cpu, parent);
  return true;
}

/** The files `mm` has a VMA of. */
export function mappedFiles(mm: Mm): Set<number> {
  const files = new Set<number>();
  for (const v of mm.vmas) if (v.file > 0) files.add(v.file);
  return files;
}

/**
 * After a change of `mm`'s VMAs (from the files in `before`): a file it maps now and did not is held
 * (vma->vm_file: the inode is in use, slab.ts hold), one it no longer maps is let go. False when lowmem
 * ran out.
 */
export function holdMappings(m: Machine, mm: Mm, before: ReadonlySet<number>): boolean {
  const after = mappedFiles(mm);
  for (const f of before) if (!after.has(f)) m.slab.unhold('map', mm.pid, f);
  for (const f of after) if (!before.has(f) && !m.slab.hold('map', mm.pid, f)) return false;
  return true;
}
