/**
 * Page-table shape constants of the two x86-32 paging modes (arch/x86/include/asm/pgtable-2level_types.h,
 * pgtable-3level_types.h) that the layout depends on.
 */
import { MiB } from '../units/address.ts';

/** What the layout needs to know about the paging mode. */
export interface PagingShape {
  /** PMD_SIZE in bytes: one page-table page maps this much (4 MiB non-PAE, 2 MiB PAE). */
  readonly pmdSize: number;
  /** PTRS_PER_PTE: entries per page-table page (1024 non-PAE, 512 PAE). */
  readonly ptrsPerPte: number;
  /** LAST_PKMAP: pkmap slots, exactly one page-table page (1024 non-PAE, 512 PAE). */
  readonly lastPkmap: number;
  /** Bytes per page-table entry (4 non-PAE, 8 PAE). */
  readonly pteBytes: number;
  /** Levels walked on a TLB miss below CR3 (2 non-PAE; PAE: PDPT registers + PMD + PTE = 2 memory refs, 3 levels). */
  readonly levels: 2 | 3;
}

/** The shape for `pae` (true: 3-level PAE, false: 2-level). */
export function pagingShape(pae: boolean): PagingShape {
  return pae
    ? { pmdSize: 2 * MiB, ptrsPerPte: 512, lastPkmap: 512, pteBytes: 8, levels: 3 }
    : { pmdSize: 4 * MiB, ptrsPerPte: 1024, lastPkmap: 1024, pteBytes: 4, levels: 2 };
}
