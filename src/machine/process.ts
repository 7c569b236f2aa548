/**
 * Processes and their address spaces (mm): page tables, file mappings, the CPUs an mm is loaded on, and
 * the frames it holds. The operations that cost cycles (fault, fork, munmap, ...) live in the machine
 * modules; this file is the bookkeeping they share.
 *
 * Frame sharing: an anonymous frame mapped by one mm is not recorded anywhere; after fork it is
 * recorded in `anonShared` with its number of mappers (>= 2) until only one is left. A page-cache frame
 * mapped into user space is recorded in `cacheMapped` with its number of mappings (the page cache will
 * not evict it meanwhile).
 */
import { PageTable } from './pagetable.ts';

/**
 * A mapping made by an `mmap` record (file-backed or anonymous). Memory the trace touches outside every
 * recorded mapping (a stack, heap or bss the kernel set up at exec) behaves as anonymous memory of an
 * unrecorded VMA.
 */
export interface Vma {
  readonly start: number;
  readonly end: number;
  /** File id, 0 for anonymous memory. */
  readonly file: number;
  /** File offset of `start`, bytes. */
  readonly offset: number;
  /** MAP_SHARED: stores go to the page-cache frame; otherwise copy-on-write. */
  readonly shared: boolean;
  /** The VMA has an anon_vma (anonymous pages were faulted or copied into it): fork copies its PTEs. */
  anon: boolean;
}

/** One address space. */
export class Mm {
  /** Unique id (never reused within a replay). */
  readonly id: number;
  readonly pid: number;
  readonly pt: PageTable;
  readonly vmas: Vma[] = [];
  /** 1 at index c while the mm is loaded on CPU c (mm_cpumask). */
  readonly loadedOn: Uint8Array;
  /** Flush generation (tlb_gen): bumped by every TLB flush of this mm. */
  tlbGen = 0;
  /** Frame of each PTE page, by directory index. */
  readonly ptePagePfns = new Map<number, number>();
  /** Frames of the upper page-table levels (PGD, preallocated PMDs) and of the kernel stack. */
  readonly upperPfns: number[] = [];
  readonly stackPfns: number[] = [];
  /** vm_area_struct objects charged for this mm (slab.ts), and whether it holds a struct file for its I/O. */
  chargedVmas = 0;
  hasFilp = false;
  /** The task's slab objects (task_struct, pid, ... mm_struct) are charged. */
  taskCharged = false;

  constructor(id: number, pid: number, ptrsPerPte: number, cpus: number) {
    this.id = id;
    this.pid = pid;
    this.pt = new PageTable(ptrsPerPte);
    this.loadedOn = new Uint8Array(cpus);
  }

  /** The file mapping containing `addr`, if any. */
  fileVmaAt(addr: number): Vma | undefined {
    for (const v of this.vmas) if (addr >= v.start && addr < v.end) return v.file !== 0 ? v : undefined;
    return undefined;
  }

  /** The recorded mapping containing `addr`, if any. */
  vmaAt(addr: number): Vma | undefined {
    for (const v of this.vmas) if (addr >= v.start && addr < v.end) return v;
    return undefined;
  }

  /** Removes file mappings inside [start, end) (a partly covered mapping is trimmed). */
  removeVmas(start: number, end: number): void {
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i]!;
      if (v.end <= start || v.start >= end) continue;
      this.vmas.splice(i, 1);
      if (v.start < start) this.vmas.push({ ...v, end: start });
      if (v.end > end) this.vmas.push({ ...v, start: end, offset: v.offset + (end - v.start) });
    }
  }

  /** CPUs other than `self` that have this mm loaded. */
  remoteCpus(self: number, out: number[]): number[] {
    out.length = 0;
    for (let c = 0; c < this.loadedOn.length; c++) if (c !== self && this.loadedOn[c] === 1) out.push(c);
    return out;
  }
}

/** All processes of a replay. */
export class ProcessTable {
  private readonly byPid = new Map<number, Mm>();
  private nextId = 0;
  /** Anonymous frames mapped by more than one mm: pfn → number of mappings. */
  readonly anonShared = new Map<number, number>();
  /** Page-cache frames mapped into user space: pfn → number of mappings. */
  readonly cacheMapped = new Map<number, number>();

  constructor(
    private readonly ptrsPerPte: number,
    private readonly cpus: number,
  ) {}

  /** The mm of `pid`, or undefined when the pid has none yet. */
  get(pid: number): Mm | undefined {
    return this.byPid.get(pid);
  }

  /** Number of live address spaces. */
  get size(): number {
    return this.byPid.size;
  }

  /** A fresh empty mm for `pid` (replacing any old one, which the caller has torn down). */
  create(pid: number): Mm {
    const mm = new Mm(this.nextId++, pid, this.ptrsPerPte, this.cpus);
    this.byPid.set(pid, mm);
    return mm;
  }

  /** Forgets `pid`'s mm. */
  remove(pid: number): void {
    this.byPid.delete(pid);
  }
}
