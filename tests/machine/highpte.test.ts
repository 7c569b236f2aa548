/**
 * HIGHPTE everywhere the kernel maps a PTE page (src/machine/pte-walk.ts): fork (copy_pte_range), exit
 * and exec's old mm (zap_pte_range), munmap, mprotect (change_pte_range), faults (handle_pte_fault, the
 * installing path, fault-around) and exec's argument stack — on a generated fork+exec workload, with the
 * count derived here from the 6.1 code paths (docs/machine.md "HIGHPTE").
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/rng.ts';
import { GenEmitter } from '../../src/trace/generators/emitter.ts';
import { parseParams } from '../../src/trace/generators/params.ts';
import { GENERATORS } from '../../src/trace/generators/registry.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from './helpers.ts';

function forkexec(iterations: number): TraceRecord[] {
  const gen = GENERATORS.get('forkexec')!;
  const p = parseParams('forkexec', gen.params, [`iterations=${iterations}`]);
  const out: TraceRecord[] = [];
  gen.run(p, createRng(1), new GenEmitter({ push: (r) => void out.push(r), close: async () => undefined }, 1, 0));
  return out;
}

const PAE_3G = { config: '3g1g-pae', kernel: 'debian-6.1-686-pae', ram: '3G' } as const;

describe('HIGHPTE: page-table kmaps of fork+exec of a small static binary (3g1g-pae, debian-6.1-686-pae, 3 GB)', () => {
  it('one steady-state fork+exec+exit maps highmem PTE pages exactly 107 times', async () => {
    const one = (await runRecords(forkexec(2), PAE_3G)).result.counts;
    const two = (await runRecords(forkexec(3), PAE_3G)).result.counts;
    // PAE: a PTE page maps 2 MiB. The binary's VMAs: header, text, rodata (file, read-only), data (file,
    // private), bss, brk heap, stack (anonymous). Page tables: P_A [0x08000000, 0x08200000) holds header,
    // text and rodata; P_B [0x08200000, 0x08400000) the rest of rodata, data and bss; P_H the heap; P_S the
    // stack. Every PTE page comes from highmem (HIGHPTE, 2.2 GB of highmem).
    // fork: copy_pte_range for each (VMA with an anon_vma, PTE page): P_B data + bss, P_H, P_S = 4, each
    //   mapping child and parent (8), plus 3 new zeroed child PTE pages (P_A is not copied: header, text
    //   and rodata have no anon_vma)                                                              → 11
    const fork = 4 * 2 + 3;
    // the shell writes its stack: a COW copy (handle_pte_fault + wp_page_copy)                    → 2
    // the child writes its stack: the shell copied already, so it reuses the page (1), and a data page: copy (2) → 3
    const cow = 2 + 1 + 2;
    // exec: the old mm goes — zap_pte_range per VMA per PTE page: P_B (rodata, data, bss) 3, P_H 1, P_S 1 → 5
    //   the argument page: a new zeroed PTE page + its fault's write (2), 3 follow_page_pte + 1 change_pte_range
    //   (4), the move to another page table: a new zeroed PTE page + move_ptes old and new (3)   → 9
    const exec = 5 + 2 + 4 + 3;
    // the program's faults, 2 maps each (handle_pte_fault's read or the new page's clearing, then the install):
    //   16 text and 6 header/rodata read faults (fault-around maps the cached pages of a 16-page window from
    //   the faulting address, clipped to the VMA and the PTE page), 4 data COW, 6 bss, 2 stack   → 2 × 34
    const faults = 2 * (16 + 6 + 4 + 6 + 2);
    // exit: zap_pte_range: the moved argument page's PTE page 1, P_A (header, text, rodata) 3, P_B 3, P_S 1 → 8
    const exit = 1 + 3 + 3 + 1;
    // the shell writes a data page the child shared until its exit: reuse                        → 1
    const expected = fork + cow + exec + faults + exit + 1;
    expect(expected).toBe(107);
    expect(two.ptKmaps - one.ptKmaps).toBe(expected);
    // 34 program faults + 3 COW faults + the argument page + the shell's reuse.
    expect(two.pageFaults - one.pageFaults).toBe(34 + 3 + 1 + 1);
    // Besides those, 21 data-page kmaps: 9 zeroed anonymous pages (argument page, 6 bss, 2 stack) and 6
    // copies mapping source and destination (the shell's stack, the child's data page before exec, the 4
    // data pages the program writes) → 9 + 2 × 6.
    const kmaps = (c: typeof one): number => c.kmap.atomic + c.kmap.local + c.kmap.pkmap;
    expect(kmaps(two) - kmaps(one)).toBe(expected + 9 + 2 * 6);
  });

  it('without HIGHPTE the same work maps no page-table page; under a 2.6-era profile the maps are kmap_atomic', async () => {
    const low = (await runRecords(forkexec(2), { ...PAE_3G, highpte: false })).result.counts;
    expect(low.ptKmaps).toBe(0);
    const old = (await runRecords(forkexec(2), { config: '3g1g-highmem', kernel: 'linux-2.6.18', ram: '3G', highpte: true })).result.counts;
    expect(old.kmap.local).toBe(0);
    expect(old.ptKmaps).toBeGreaterThan(0);
    expect(forkexec(2).filter((r) => r.kind === EventKind.fork)).toHaveLength(2);
  });
});
