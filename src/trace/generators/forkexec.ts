import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { AccessOp, ProtBits } from '../records.ts';
import { LAYOUT, NR, type GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';

/** The static binary: file 1, for the shell and for the program it runs. */
const FILE_BIN = 1;
const BASE = 0x08048000;
/**
 * The loaded segments of Debian's i386 busybox-static 1.35.0 as its real run shows them
 * (tests/fixtures/validation/tlb/busybox-gzip-3k.lackey.xz: ELF header page read at 0x08048000, code
 * fetched from 0x08049000 to 0x081cc000, read-only data loaded from 0x081cd000, data written from 0x0823c000,
 * bss from 0x08242000): ELF header (R), text (R+X), rodata (R), data (RW, private file), bss (anonymous).
 */
const SEG = {
  hdr: [BASE, 0x08049000],
  text: [0x08049000, 0x081cd000],
  rodata: [0x081cd000, 0x0823c000],
  data: [0x0823c000, 0x08241000],
  bss: [0x08241000, 0x08264000],
} as const;
/** brk heap: randomised above the bss (arch_randomize_brk: up to 32 MiB), in its own page table. */
const HEAP = 0x09000000;
/**
 * Pages of that real run's start and end (its first 62,000 and last 1,000 references: libc start-up, the
 * applet dispatch, exit), as page numbers from 0x08048000: 52 text pages fetched, 10 rodata pages and the
 * header page loaded, 4 data and 6 bss pages written; its stack took 2 pages.
 */
const RUN_TEXT = [
  0x1, 0x2, 0x3, 0x4, 0x9, 0xa, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2d, 0x2e, 0x3f, 0x47, 0x48, 0x54, 0x55, 0x6f,
  0x71, 0x72, 0x74, 0x75, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x9c, 0xb5, 0xb8, 0xc2, 0xc3, 0xc4, 0xca, 0xcb, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec,
  0x143, 0x148, 0x149, 0x14a, 0x184,
];
const RUN_RODATA = [0x0, 0x185, 0x199, 0x19f, 0x1a5, 0x1ab, 0x1c0, 0x1c1, 0x1c2, 0x1c3, 0x1f2];
const RUN_DATA = [0x1f4, 0x1f5, 0x1f6, 0x1f7];
const RUN_BSS = [0x1fa, 0x1fb, 0x1fc, 0x1fd, 0x1ff, 0x207];
const RUN_STACK = 2;

/**
 * `forkexec`: a shell (pid 1) running a small static binary again and again — fork, exec, a short run,
 * exit, wait — the process churn of scripts and inetd-style servers. The binary is busybox-static 1.35.0
 * (i386, ~2 MB) with the page footprint of a real run's start-up and exit (see RUN_TEXT).
 *
 * The shell is the same binary and has run a while: every page of that footprint touched, 4 heap pages
 * written. One iteration (child pid 100 + i, on CPU 0): the shell's clone syscall and `fork`; the shell
 * writes its stack (copy-on-write) and waits (wait4); the child writes its stack and a data page
 * (copy-on-write), then execve: `exec` and the loader's mappings (header, text, rodata, data, bss, a brk
 * heap, a 128 KiB stack); the program fetches, loads and writes its footprint, in address order, and its
 * stack; exit_group and `exit`. The shell then writes a data page (copy-on-write, no longer shared).
 */
export const forkexec: Generator = {
  name: 'forkexec',
  description: 'a shell forking and execing a small static binary (busybox-static, real start-up footprint) again and again',
  details:
    'pid 1 (a shell, the same static binary) forks child 100+i, writes its stack and waits; the child writes its stack and a data page, ' +
    'execs busybox (header/text/rodata/data/bss/heap/stack mappings), touches the 52 text, 11 read-only, 4 data, 6 bss and 2 stack pages ' +
    "of a real busybox run's start-up and exit, exits. 'iterations' times, on one CPU.",
  params: [{ name: 'iterations', kind: 'int', description: 'fork+exec+exit cycles', unit: 'cycles', default: 200, min: 0 }, RECORDS_PARAM],
  cpus: () => 1,
  run(p: ParamValues, _rng: Rng, out: GenEmitter): void {
    const rw = ProtBits.read | ProtBits.write;
    const stackTop = LAYOUT.stackTop;
    const stackLen = 128 * 1024;
    const map = (pid: number): void => {
      const seg = (s: readonly [number, number], prot: number, file = FILE_BIN): void =>
        out.mmap(0, pid, s[0], s[1] - s[0], prot, file, file === 0 ? 0 : s[0] - BASE);
      seg(SEG.hdr, ProtBits.read);
      seg(SEG.text, ProtBits.read | ProtBits.exec);
      seg(SEG.rodata, ProtBits.read);
      seg(SEG.data, rw);
      seg(SEG.bss, rw, 0);
      out.mmap(0, pid, HEAP, 32 * 4096, rw);
      out.mmap(0, pid, stackTop - stackLen, stackLen, rw);
    };
    const page = (pid: number, op: AccessOp, pages: readonly number[]): void => {
      for (const pg of pages) out.access(0, pid, op, BASE + pg * 4096, 4);
    };
    const stack = (pid: number, pages: number): void => {
      for (let k = 0; k < pages; k++) out.access(0, pid, AccessOp.store, stackTop - (k + 1) * 4096 + 64, 4);
    };
    const footprint = (pid: number): void => {
      page(pid, AccessOp.ifetch, RUN_TEXT);
      page(pid, AccessOp.load, RUN_RODATA);
      page(pid, AccessOp.store, RUN_DATA);
      page(pid, AccessOp.store, RUN_BSS);
      stack(pid, RUN_STACK);
    };
    // The shell, as it stands when the loop starts.
    map(1);
    footprint(1);
    for (let k = 0; k < 4; k++) out.access(0, 1, AccessOp.store, HEAP + k * 4096, 4);
    for (let i = 0; i < p.num('iterations') && !out.exhausted; i++) {
      const child = 100 + i;
      out.syscall(0, 1, NR.clone);
      out.fork(0, 1, child);
      stack(1, 1);
      out.syscall(0, 1, NR.wait4);
      stack(child, 1);
      page(child, AccessOp.store, [RUN_DATA[0]!]);
      out.syscall(0, child, NR.execve);
      out.exec(0, child);
      map(child);
      footprint(child);
      out.syscall(0, child, NR.exit_group);
      out.exit(0, child);
      page(1, AccessOp.store, [RUN_DATA[1]!]);
    }
  },
};
