import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { AccessOp, ProtBits } from '../records.ts';
import { LAYOUT, NR, type GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';

/** The static binary: file 1, for the shell and for the program it runs. */
const FILE_BIN = 1;
/** The vDSO image the kernel maps into every process (file 2 of one page: arch/x86/entry/vdso/vdso32). */
const FILE_VDSO = 2;
const BASE = 0x08048000;
/**
 * The loaded segments of Debian's i386 busybox-static 1.35.0 (busybox-static_1.35.0-4+deb12u1, `readelf -l
 * /bin/busybox`): LOAD R at 0x08048000 (header), LOAD R+E 0x08049000 + 0x183d88 (text), LOAD R 0x081cd000 +
 * 0x6c6b9 (rodata), LOAD RW 0x0823a324 filesz 0x5274 memsz 0x95b4 (data, then bss), GNU_RELRO 0x0823a324 +
 * 0x3cdc. As mapped (fs/binfmt_elf.c elf_map, set_brk): the data segment's file pages [0x0823a000,
 * 0x08240000) private and writable, the bss past its last file page anonymous up to 0x08244000; glibc's
 * start-up write-protects the RELRO pages (`_dl_protect_relro`: an mprotect that splits the data mapping).
 */
const SEG = {
  hdr: [BASE, 0x08049000],
  text: [0x08049000, 0x081cd000],
  rodata: [0x081cd000, 0x0823a000],
  relro: [0x0823a000, 0x0823e000],
  data: [0x0823e000, 0x08240000],
  bss: [0x08240000, 0x08244000],
} as const;
/** Where the loader's padzero clears the rest of the data segment's last file page (0x0823a324 + 0x5274). */
const DATA_FILE_END = 0x0823f598;
/** brk heap: randomised above the bss (arch_randomize_brk: up to 32 MiB), in its own page table. */
const HEAP = 0x09000000;
/**
 * The vDSO: one page of code (`__kernel_vsyscall` at offset 0x550) mapped by exec below mmap_base, which
 * lies a stack gap (at least 128 MiB, mm/util.c mmap_base) under the stack: alone in its page table.
 */
const VDSO = LAYOUT.stackTop - 0x08000000 - 0x1000;

/** One access of the footprint: where ('bin': an absolute address in the binary; else an offset in that page) and how. */
type Touch = readonly ['bin' | 'stack' | 'heap' | 'vdso', number, AccessOp];
const I = AccessOp.ifetch;
const L = AccessOp.load;
const S = AccessOp.store;

/**
 * What the processes of a real loop of this workload fault on, in order: busybox `sh -c 'for i in $(seq 1
 * 50); do /bin/true; done'` (busybox-static 1.35.0, its ash forking and execing itself as `true`) under
 * Debian's 6.1.0-50-686-pae in QEMU with 3 GiB, captured by the capture kit
 * (tests/fixtures/validation/ftrace/qemu-6.1-pae-3G-kit-forkexec50.trace.gz: its `page_fault_user`
 * events, each a first touch of a page that was not mapped or not writable; `ifetch` for error code 0x14,
 * `load` 0x4, `store` 0x6 and 0x7). Stack, heap and vDSO addresses are randomised in the capture and given
 * here as offsets in their page. Every child faults the same 15 times before its exec — returning from
 * fork in the vDSO, the shell's code from fork to execve (file text fork did not copy), its stack, data,
 * bss and heap writes (copy-on-write) — and 43 of the 50 the same 28 times after it (the other 7 once more
 * on the stack: arch_align_stack's random offset, not modelled). The shell faults 4 times per iteration.
 */
const CHILD_BEFORE_EXEC: readonly Touch[] = [
  ['vdso', 0x559, I],
  ['bin', 0x0809c33f, I],
  ['stack', 0x4f8, S],
  ['bin', 0x08243798, S],
  ['bin', 0x0823ee68, S],
  ['bin', 0x082426ec, S],
  ['bin', 0x08049b40, I],
  ['bin', 0x0816f084, I],
  ['bin', 0x081313ae, I],
  ['bin', 0x080713f0, I],
  ['bin', 0x0806e670, I],
  ['heap', 0x2a64, S],
  ['bin', 0x081fd49f, L],
  ['bin', 0x08175cfb, I],
  ['bin', 0x08087270, I],
];
const PROGRAM: readonly Touch[] = [
  ['bin', 0x08049b00, I],
  ['bin', 0x081313ae, I],
  ['bin', 0x082435e8, S],
  ['bin', 0x0823dedc, S],
  ['bin', 0x080d59e0, I],
  ['bin', 0x08242718, S],
  ['bin', 0x0823ee8c, S],
  ['bin', 0x0823c988, L],
  ['bin', 0x081cd088, L],
  ['bin', 0x0823cb10, S],
  ['bin', 0x0804817c, L],
  ['bin', 0x08072da0, I],
  ['bin', 0x08100460, I],
  ['bin', 0x0808fd00, I],
  ['heap', 0x32c, S],
  ['vdso', 0x550, I],
  ['bin', 0x080e4080, I],
  ['bin', 0x080b9ef0, I],
  ['bin', 0x080fdf40, I],
  ['bin', 0x081125a0, I],
  ['stack', 0x71c, S],
  ['bin', 0x0806d8a0, I],
  ['bin', 0x08090680, I],
  ['bin', 0x081e7ca8, L],
  ['bin', 0x0812f9e0, I],
  ['bin', 0x081f3f69, L],
  ['bin', 0x081aad8c, I],
  ['bin', 0x081ccd74, I],
];
/** PROGRAM's first touches before the RELRO mprotect: its last RELRO write and the program-header read that finds PT_GNU_RELRO. */
const RELRO_PROTECTED_AFTER = 11;
/** The shell after its child's exit (a bss page fork left write-protected), then after the next fork (stack, two heap pages). */
const SHELL_AFTER_WAIT: readonly Touch[] = [['bin', 0x0824334c, S]];
const SHELL_AFTER_FORK: readonly Touch[] = [
  ['stack', 0x514, S],
  ['heap', 0x2b34, S],
  ['heap', 0x1e38, S],
];

/**
 * `forkexec`: a shell (pid 1) running a small static binary again and again — fork, exec, a short run,
 * exit, wait — the process churn of scripts and inetd-style servers: busybox ash running `/bin/true`
 * (busybox-static 1.35.0, i386, ~2 MB), each process touching what the same loop's processes faulted on
 * under a real kernel (CHILD_BEFORE_EXEC, PROGRAM): the trace holds the accesses, the replay derives the
 * faults, fault-around, copy-on-write and page-table work they cost.
 *
 * The shell is the same binary and has run a while: every page those lists touch is cached and mapped in
 * it, its data, bss, heap and stack pages written. One iteration (child pid 100 + i, on CPU 0): the shell
 * writes a bss page, makes the clone syscall and `fork`, writes its stack and two heap pages
 * (copy-on-write: the child still shares them) and waits (wait4); the child returns from fork in the vDSO
 * and runs the shell's code up to its execve (15 first touches), then `exec` and the loader's mappings
 * (header, text, rodata, relro, data, bss, a brk heap, a 128 KiB stack, the vDSO) and the loader's padzero
 * write; `true` touches its 28 pages, write-protecting its RELRO pages on the way (mprotect); exit_group and
 * `exit`. The vDSO is file 2 of one page (the header's `files`), read once when the shell first runs it.
 */
export const forkexec: Generator = {
  name: 'forkexec',
  description: "a shell forking and execing a small static binary (busybox-static `true`, a real loop's footprint) again and again",
  details:
    'pid 1 (busybox ash) writes a bss page, forks child 100+i, writes its stack and two heap pages and waits; the child touches the 15 ' +
    "pages a real ash child faults on before its execve (the vDSO, the shell's text, stack, data, bss, heap), execs busybox " +
    "(header/text/rodata/relro/data/bss/heap/stack/vDSO mappings), the loader's padzero write, touches the 28 pages `true` faults on " +
    '(write-protecting its RELRO pages after the 11th), exits. ' +
    "'iterations' times, on one CPU. The footprint is a real 6.1 kernel's fault list of the same loop.",
  params: [
    { name: 'iterations', kind: 'int', description: 'fork+exec+exit cycles', unit: 'cycles', default: 200, min: 0 },
    {
      name: 'exec',
      kind: 'int',
      description: '1: the child execs the program; 0: it exits where it would exec (lmbench lat_proc fork)',
      unit: '0/1',
      default: 1,
      min: 0,
      max: 1,
    },
    RECORDS_PARAM,
  ],
  cpus: () => 1,
  header: () => ({ files: [[FILE_VDSO, FILE_VDSO, 4096]] }),
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
      // The data segment's file pages as the two mappings the RELRO mprotect leaves (relro, data).
      seg(SEG.relro, rw);
      seg(SEG.data, rw);
      seg(SEG.bss, rw, 0);
      out.mmap(0, pid, HEAP, 32 * 4096, rw);
      out.mmap(0, pid, stackTop - stackLen, stackLen, rw);
      out.mmap(0, pid, VDSO, 4096, ProtBits.read | ProtBits.exec, FILE_VDSO, 0);
    };
    const addr = ([where, at]: Touch): number =>
      where === 'bin' ? at : where === 'stack' ? stackTop - 4096 + at : where === 'heap' ? HEAP + at : VDSO + at;
    const touch = (pid: number, list: readonly Touch[]): void => {
      for (const t of list) out.access(0, pid, t[2], addr(t), 4);
    };
    const protectRelro = (pid: number): void => {
      out.syscall(0, pid, NR.mprotect);
      out.mprotect(0, pid, SEG.relro[0], SEG.relro[1] - SEG.relro[0], ProtBits.read);
    };
    // The shell, as it stands when the loop starts: every page of the lists cached and mapped, its own written.
    map(1);
    const all = [...SHELL_AFTER_WAIT, ...SHELL_AFTER_FORK, ...CHILD_BEFORE_EXEC, ...PROGRAM];
    touch(
      1,
      all.map(([w, a, op]) => [w, a, op === AccessOp.ifetch ? op : AccessOp.load] as const),
    );
    touch(
      1,
      all.filter((t) => t[2] === S),
    );
    protectRelro(1);
    for (let i = 0; i < p.num('iterations') && !out.exhausted; i++) {
      const child = 100 + i;
      touch(1, SHELL_AFTER_WAIT);
      out.syscall(0, 1, NR.clone);
      out.fork(0, 1, child);
      touch(1, SHELL_AFTER_FORK);
      out.syscall(0, 1, NR.wait4);
      touch(child, CHILD_BEFORE_EXEC);
      if (p.num('exec') === 0) {
        out.syscall(0, child, NR.exit_group);
        out.exit(0, child);
        continue;
      }
      out.syscall(0, child, NR.execve);
      out.exec(0, child);
      map(child);
      // The loader zeroes the data segment's last file page past its end (fs/binfmt_elf.c padzero).
      out.access(0, child, S, DATA_FILE_END, 4);
      // Start-up relocates into the RELRO pages and reads the program headers, then write-protects them.
      touch(child, PROGRAM.slice(0, RELRO_PROTECTED_AFTER));
      protectRelro(child);
      touch(child, PROGRAM.slice(RELRO_PROTECTED_AFTER));
      out.syscall(0, child, NR.exit_group);
      out.exit(0, child);
    }
  },
};
