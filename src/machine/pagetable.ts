/**
 * A process's user page tables (kernel-x86-32.md §9), kept as the hardware shapes them: a directory of
 * PTE pages, each mapping 4 MiB (non-PAE, 1024 entries), 2 MiB (PAE and x86_64, 512 entries).
 *
 * A PTE is stored as one integer: 0 = not present; otherwise pfn × 8 + flag bits (PTE_PRESENT always
 * set, PTE_WRITE when writable, PTE_FILE when the frame belongs to the page cache). A present PTE without
 * PTE_WRITE is a copy-on-write mapping (after fork, or a private file mapping): the next store faults.
 */
import { PAGE_SHIFT } from '../units/address.ts';

export const PTE_PRESENT = 1;
export const PTE_WRITE = 2;
export const PTE_FILE = 4;
const PTE_FLAG_SPAN = 8;

/** Builds a PTE value. */
export function makePte(pfn: number, flags: number): number {
  return pfn * PTE_FLAG_SPAN + (flags | PTE_PRESENT);
}
/** The frame of a present PTE. */
export function ptePfn(pte: number): number {
  return Math.floor(pte / PTE_FLAG_SPAN);
}

/** Number of 4 KiB user pages in a 32-bit address space. */
const USER_PAGES = 2 ** (32 - PAGE_SHIFT);

/** The PTE pages of one mm. */
export class PageTable {
  /** PTRS_PER_PTE: entries per PTE page. */
  readonly ptrsPerPte: number;
  private readonly shift: number;
  private readonly mask: number;
  private readonly dir: Array<Int32Array | undefined>;
  /** PTE pages allocated (each one a page of memory). */
  ptePages = 0;
  /** Present PTEs without PTE_WRITE (copy-on-write pending); 0 lets stores skip the permission check. */
  readOnly = 0;
  /** Present PTEs. */
  present = 0;

  constructor(ptrsPerPte: number) {
    this.ptrsPerPte = ptrsPerPte;
    this.shift = Math.log2(ptrsPerPte);
    this.mask = ptrsPerPte - 1;
    this.dir = new Array<Int32Array | undefined>(USER_PAGES / ptrsPerPte);
  }

  /** The PTE of virtual page `vpn` (0 when not present). */
  get(vpn: number): number {
    const page = this.dir[vpn >>> this.shift];
    return page === undefined ? 0 : page[vpn & this.mask]!;
  }

  /** True when the PTE page covering `vpn` exists. */
  hasPtePage(vpn: number): boolean {
    return this.dir[vpn >>> this.shift] !== undefined;
  }

  /** Creates the PTE page covering `vpn` (the caller has allocated its frame). */
  addPtePage(vpn: number): void {
    const i = vpn >>> this.shift;
    if (this.dir[i] !== undefined) return;
    this.dir[i] = new Int32Array(this.ptrsPerPte);
    this.ptePages++;
  }

  /** Forgets the (empty) PTE page covering `vpn` (free_pgd_range; the caller frees its frame). */
  removePtePage(vpn: number): void {
    const i = vpn >>> this.shift;
    if (this.dir[i] === undefined) return;
    this.dir[i] = undefined;
    this.ptePages--;
  }

  /** Calls `fn(dirIndex)` for every PTE page, in address order. */
  forEachPtePage(fn: (dirIndex: number) => void): void {
    for (let i = 0; i < this.dir.length; i++) if (this.dir[i] !== undefined) fn(i);
  }

  /** Writes the PTE of `vpn` (its PTE page must exist). */
  set(vpn: number, pte: number): void {
    const page = this.dir[vpn >>> this.shift];
    if (page === undefined) throw new Error(`no PTE page for vpn ${vpn}`);
    const i = vpn & this.mask;
    const old = page[i]!;
    if (old !== 0) {
      this.present--;
      if ((old & PTE_WRITE) === 0) this.readOnly--;
    }
    if (pte !== 0) {
      this.present++;
      if ((pte & PTE_WRITE) === 0) this.readOnly++;
    }
    page[i] = pte;
  }

  /** Calls `fn(vpn, pte)` for every present PTE in [firstVpn, endVpn), in address order. */
  forEachPresent(firstVpn: number, endVpn: number, fn: (vpn: number, pte: number) => void): void {
    let vpn = firstVpn;
    while (vpn < endVpn) {
      const i = vpn >>> this.shift;
      const page = this.dir[i];
      const pageEnd = Math.min(endVpn, (i + 1) * this.ptrsPerPte);
      if (page !== undefined) {
        for (let v = vpn; v < pageEnd; v++) {
          const pte = page[v & this.mask]!;
          if (pte !== 0) fn(v, pte);
        }
      }
      vpn = pageEnd;
    }
  }

  /** Calls `fn(vpn, pte)` for every present PTE. */
  forEachAll(fn: (vpn: number, pte: number) => void): void {
    for (let i = 0; i < this.dir.length; i++) {
      const page = this.dir[i];
      if (page === undefined) continue;
      const base = i * this.ptrsPerPte;
      for (let j = 0; j < page.length; j++) if (page[j] !== 0) fn(base + j, page[j]!);
    }
  }
}
