/**
 * kmap_atomic / kmap_local_page: per-CPU fixmap slot stacks (kernel-x86-32.md §6).
 *
 * Each CPU owns KM_MAX_IDX (16, 5.11+) or KM_TYPE_NR (20, 2.6.37–5.10) fixmap slots used as a stack:
 * map pushes (one PTE write, no flush), unmap pops (PTE clear + INVLPG on this CPU only). Mappings must be
 * released in LIFO order; an unmap of a page below the top is tolerated here (the kernel WARNs) by
 * removing that entry and shifting the ones above down.
 *
 * kmap_local mappings belong to the task: at a context switch the outgoing task's live slots are cleared
 * (PTE clear + INVLPG each, __kmap_local_sched_out) and remembered, and the incoming task's remembered
 * slots are re-installed (PTE write each, no flush, __kmap_local_sched_in).
 *
 * Slot states: a slot at depth < `depth(cpu)` is **live** (its PTE maps the page at that depth); a slot
 * at or above it is **clear** (no PTE, no TLB entry since its last INVLPG).
 */

/** The per-CPU kmap_local/kmap_atomic stacks of one machine, plus the stacks of switched-out tasks. */
export class LocalKmapStacks {
  /** Slots per CPU (KM_MAX_IDX or KM_TYPE_NR). */
  readonly slotsPerCpu: number;
  private readonly pfns: Float64Array;
  private readonly depths: Int32Array;
  /** Live mappings of tasks that are not running, by pid (bottom of the stack first). */
  private readonly saved = new Map<number, number[]>();

  constructor(cpus: number, slotsPerCpu: number) {
    this.slotsPerCpu = slotsPerCpu;
    this.pfns = new Float64Array(cpus * slotsPerCpu);
    this.depths = new Int32Array(cpus);
  }

  /** Number of live slots on `cpu`. */
  depth(cpu: number): number {
    return this.depths[cpu]!;
  }

  /** The page mapped at stack position `idx` of `cpu` (idx < depth). */
  pfnAt(cpu: number, idx: number): number {
    return this.pfns[cpu * this.slotsPerCpu + idx]!;
  }

  /** kmap_local_idx_push + set_pte: returns the slot index used, or -1 when the stack is full (BUG). */
  push(cpu: number, pfn: number): number {
    const d = this.depths[cpu]!;
    if (d >= this.slotsPerCpu) return -1;
    this.pfns[cpu * this.slotsPerCpu + d] = pfn;
    this.depths[cpu] = d + 1;
    return d;
  }

  /**
   * kunmap_local_indexed: clears the slot holding `pfn` (the top one when mappings are LIFO) and pops it.
   * Returns the slot index that was cleared (for its INVLPG), or -1 when no live slot maps `pfn`.
   */
  pop(cpu: number, pfn: number): number {
    const base = cpu * this.slotsPerCpu;
    const d = this.depths[cpu]!;
    for (let i = d - 1; i >= 0; i--) {
      if (this.pfns[base + i] !== pfn) continue;
      for (let j = i; j < d - 1; j++) this.pfns[base + j] = this.pfns[base + j + 1]!;
      this.depths[cpu] = d - 1;
      return i;
    }
    return -1;
  }

  /**
   * __kmap_local_sched_out: the running task `pid` leaves `cpu`; its live slots are cleared and kept.
   * Returns how many slots were cleared (each one a PTE clear + local INVLPG).
   */
  switchOut(cpu: number, pid: number): number {
    const d = this.depths[cpu]!;
    if (d === 0) return 0;
    const base = cpu * this.slotsPerCpu;
    const keep: number[] = [];
    for (let i = 0; i < d; i++) keep.push(this.pfns[base + i]!);
    this.saved.set(pid, keep);
    this.depths[cpu] = 0;
    return d;
  }

  /**
   * __kmap_local_sched_in: task `pid` starts running on `cpu`; its remembered slots are re-installed.
   * Returns how many PTEs were written.
   */
  switchIn(cpu: number, pid: number): number {
    const keep = this.saved.get(pid);
    if (keep === undefined) return 0;
    this.saved.delete(pid);
    const base = cpu * this.slotsPerCpu;
    const n = Math.min(keep.length, this.slotsPerCpu - this.depths[cpu]!);
    const d = this.depths[cpu]!;
    for (let i = 0; i < n; i++) this.pfns[base + d + i] = keep[i]!;
    this.depths[cpu] = d + n;
    return n;
  }

  /** Live mappings remembered for task `pid` while it is not running. */
  savedDepth(pid: number): number {
    return this.saved.get(pid)?.length ?? 0;
  }
}
