/**
 * HIGHPTE everywhere the kernel maps a PTE page (src/machine/pte-walk.ts): fork (copy_pte_range), exit
 * and exec's old mm (zap_pte_range), munmap, mprotect (change_pte_range), faults (handle_pte_fault, the
 * installing path, fault-around) and exec's argument stack — on a generated fork+exec workload, with the
 * count derived here from the 6.1 code paths (docs/machine.md "HIGHPTE").
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
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
  it('one steady-state fork+exec+exit maps highmem PTE pages exactly 137 times (125 besides clearing 12 new ones)', async () => {
    const one = (await runRecords(forkexec(2), PAE_3G)).result.counts;
    const two = (await runRecords(forkexec(3), PAE_3G)).result.counts;
    // PAE: a PTE page maps 2 MiB; every PTE page comes from highmem (HIGHPTE, 2.2 GB of highmem). Page tables:
    // P_A [0x08000000, 0x08200000) holds the header, text and the start of rodata; P_B [0x08200000, 0x08400000)
    // the rest of rodata, relro, data (private file) and bss; P_H the brk heap; P_S the stack; P_V the vDSO.
    // A fault maps its PTE page twice (handle_pte_fault, then the installing path), or clears a new one and
    // maps it once; a reusing copy-on-write fault maps once. Every read fault's fault-around window (16 pages,
    // clipped to the VMA) is one no earlier fault mapped: the capture faulted on each too.
    // 1. The shell writes a bss page the last fork write-protected; its child is gone: reuse            → 1
    const shellWrite = 1;
    // 2. fork: copy_pte_range per (VMA with an anon_vma, PTE page): P_B relro, data, bss; P_H; P_S — 5 × 2
    //    (child and parent) + 3 new zeroed child PTE pages (header, text, rodata, vDSO: no anon_vma)   → 13
    const fork = 5 * 2 + 3;
    // 3. The shell writes its stack and two heap pages the child shares: 3 copies                      → 6
    const shellCow = 3 * 2;
    // 4. The child before its exec: the vDSO (new P_V: clear + 1), text (new P_A: clear + 1), its stack
    //    (the shell copied it: reuse 1), bss, data, bss (copies, 2 each), 5 text windows, the heap page
    //    (reuse 1), a rodata window, 2 text windows                                                    → 28
    const beforeExec = 2 + 2 + 1 + 3 * 2 + 5 * 2 + 1 + 2 + 2 * 2;
    // 5. exec: the old mm zapped per (VMA, PTE page): P_A 3 (header, text, rodata), P_B 4 (rodata, relro,
    //    data, bss), P_H, P_S, P_V (10); the argument page: 2 clears + 7 maps (9)                      → 19
    const exec = 3 + 4 + 1 + 1 + 1 + 9;
    // 6. The program: padzero's write and its 28 faults, 2 maps each (5 of them clear a new PTE page:
    //    P_B, P_A, P_H, P_V, P_S), and the RELRO mprotect's change_pte_range over P_B (1)              → 59
    const program = 2 * (1 + 28) + 1;
    // 7. exit: zap_pte_range per (VMA, PTE page): P_A 3, P_B 4, P_H, P_S, P_V, the argument page's 1   → 11
    const exit = 3 + 4 + 1 + 1 + 1 + 1;
    const expected = shellWrite + fork + shellCow + beforeExec + exec + program + exit;
    expect(expected).toBe(137);
    expect(two.ptKmaps - one.ptKmaps).toBe(expected);
    // The shell's 4 faults, the child's 15 before its exec, the argument page, padzero's, the program's 28.
    expect(two.pageFaults - one.pageFaults).toBe(4 + 15 + 1 + 1 + 28);
    // Besides them, highmem data pages: copies map source and destination — the shell's 3, the child's 3
    // before its exec, the program's 4 (padzero's page, two relro pages, a data page) — and zeroed pages
    // are cleared through one map: the argument page and the program's 2 bss, heap and stack pages.
    const kmaps = (c: typeof one): number => c.kmap.atomic + c.kmap.local + c.kmap.pkmap;
    expect(kmaps(two) - kmaps(one)).toBe(expected + 2 * (3 + 3 + 4) + 1 + 4);
  });

  it("is within 10 % of a real 6.1 kernel's page-table maps per fork+exec of the same loop", async () => {
    // The capture kit's two QEMU runs (tests/fixtures/validation/ftrace/README.md): the loop of 50 fork+exec
    // of /bin/true and `true` alone; a page-table map is a kunmap_local at an in-page offset (the clearing of
    // a new PTE page unmaps at offset 0 and is not among them).
    const ptMaps = (file: string): number =>
      gunzipSync(readFileSync(`tests/fixtures/validation/ftrace/qemu-6.1-pae-3G-kit-${file}.trace.gz`))
        .toString('utf8')
        .split('\n')
        .filter((l) => / kunmap_local: /.test(l) && !/addr=0x[0-9a-f]*000$/.test(l)).length;
    const real = (ptMaps('forkexec50') - ptMaps('forkexec0')) / 50;
    expect(real).toBe(134.26);
    const one = (await runRecords(forkexec(2), PAE_3G)).result.counts;
    const two = (await runRecords(forkexec(3), PAE_3G)).result.counts;
    // The model's maps without its 12 clears of new PTE pages (3 in fork, 2 before the exec, 2 in it, 5 after).
    const model = two.ptKmaps - one.ptKmaps - (3 + 2 + 2 + 5);
    expect(model).toBe(125);
    expect(Math.abs(model - real) / real).toBeLessThan(0.1);
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
