import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { alignUp, MiB } from '../../units/address.ts';
import { AccessOp, ProtBits } from '../records.ts';
import { LAYOUT, NR, type GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';

/** File ids: the compiler binary, libc, shared headers from HEADER_BASE, sources and objects after them. */
const FILE_CC = 1;
const FILE_LIBC = 2;
const HEADER_BASE = 10;

/**
 * `build`: compile-like churn — `make` (pid 1, CPU 0) forks many short-lived compiler processes.
 *
 * A job (pid 100 + j, CPU j mod cpus) is: fork from make, exec, mmap of the compiler text (file 1) and libc
 * (file 2), an anonymous heap and a stack; page-cache reads of its source file and of `headers` shared
 * header files (Zipf-like: low header ids are included more often), each found and read as a real
 * compiler does (below); `accesses` heap/text accesses with
 * `compute` cycles spread between them; `temps` temporary anonymous mappings each followed by munmap,
 * alternating a small one (`small_unmap` pages, below the 33-page flush ceiling) and a large one
 * (`large_unmap` pages, above it); a page-cache write of its object file; exit. `cpus` jobs run at once
 * (make -jN), interleaved phase by phase; a finished job's CPU starts the next job.
 *
 * The defaults follow real compiles: `gcc -O2 -c` (gcc 12.2, Debian 12) of three Dinero IV 7 sources
 * (ref.c, cmdmain.c, misc.c), under `strace -f` and `/usr/bin/time`:
 * - headers: cc1 opened 89, 124 and 82 headers (`headers` = their mean, 98), after 141, 195 and 131
 *   include-path probes that failed (openat → ENOENT: 467 / 295 = 1.58 per header, `probes`); per header
 *   one openat, one fstat (newfstatat with AT_EMPTY_PATH: no path walk), one read of the whole file and
 *   one close. The same compiles made 1,148 readlinks and more (gcc 12 resolving each header's path
 *   component by component); they are left out: nothing measured says the compilers of the calibration
 *   experiments' era did so.
 * - user work: the three compiles, three times each, spent 2.50 s in user mode and 0.44 s in the kernel
 *   (15.0 %). A job's kernel work under the default model (core2, 3g1g-highmem) is 5.20 M cycles, so
 *   `compute` = 5.20 M × 2.50 / 0.44 ≈ 29.6 M cycles keeps that share. The compute records carry no
 *   memory references (the `accesses` do): the user TLB refills a kernel entry causes under 4G/4G or PTI
 *   are therefore only those of the accesses.
 * `--param open=0 --param headers=20 --param compute=2000000` gives the records of earlier versions (one
 * unnamed openat, then only the reads).
 */
export const build: Generator = {
  name: 'build',
  description: 'compile-like churn: many short-lived processes (fork/exec/exit), mmap/munmap below and above the 33-page flush ceiling',
  details:
    "make (pid 1) forks jobs 100.. (cpus at a time). A job: exec, mmaps, reads its source and 'headers' header files " +
    "(each after 'probes' failed lookups, then opened, fstat-ed, read and closed, as measured in real gcc compiles), " +
    "'accesses' heap/text accesses with compute, 'temps' mmap+munmap pairs " +
    'alternating small_unmap and large_unmap pages, writes an object file, exits.',
  params: [
    { name: 'cpus', kind: 'int', description: 'CPUs (parallel jobs, make -jN)', unit: 'CPUs', default: 4, min: 1, max: 64 },
    { name: 'jobs', kind: 'int', description: 'compiler processes in total', unit: 'processes', default: 200, min: 0 },
    { name: 'heap', kind: 'size', description: 'heap per job', unit: 'bytes', default: 8 * MiB, min: 4096, max: 512 * MiB },
    { name: 'source', kind: 'size', description: 'bytes of each source file', unit: 'bytes', default: 32 * 1024, min: 1 },
    { name: 'headers', kind: 'int', description: 'header files read per job (16 KiB each)', unit: 'files', default: 98, min: 0 },
    {
      name: 'probes',
      kind: 'number',
      description: 'failed include-path lookups (openat → ENOENT) per header',
      unit: 'lookups',
      default: 1.58,
      min: 0,
      max: 100,
    },
    {
      name: 'open',
      kind: 'int',
      description: '1: headers and source are opened, fstat-ed and closed; 0: read only',
      unit: '0/1',
      default: 1,
      min: 0,
      max: 1,
    },
    { name: 'accesses', kind: 'int', description: 'heap/text accesses per job', unit: 'accesses', default: 2000, min: 0 },
    { name: 'compute', kind: 'int', description: 'user-mode work per job', unit: 'cycles', default: 29_600_000, min: 0 },
    { name: 'temps', kind: 'int', description: 'temporary mmap+munmap pairs per job', unit: 'mappings', default: 8, min: 0 },
    { name: 'small_unmap', kind: 'int', description: 'pages of the small temporary mappings', unit: 'pages', default: 8, min: 1 },
    { name: 'large_unmap', kind: 'int', description: 'pages of the large temporary mappings', unit: 'pages', default: 64, min: 1 },
    { name: 'object', kind: 'size', description: 'bytes of each object file written', unit: 'bytes', default: 16 * 1024, min: 0 },
    RECORDS_PARAM,
  ],
  cpus: (p) => p.num('cpus'),
  run(p: ParamValues, rng: Rng, out: GenEmitter): void {
    const cpus = p.num('cpus');
    const total = p.num('jobs');
    const active: (Iterator<void> | null)[] = new Array<Iterator<void> | null>(cpus).fill(null);
    let started = 0;
    let running = 0;
    const headerFiles = Math.max(1, p.num('headers') * 4);
    const firstSource = HEADER_BASE + headerFiles;
    do {
      for (let cpu = 0; cpu < cpus; cpu++) {
        if (active[cpu] === null && started < total && !out.exhausted) {
          active[cpu] = job(p, rng, out, cpu, started, firstSource, headerFiles);
          started++;
          running++;
        }
        const it = active[cpu];
        if (it && it.next().done) {
          active[cpu] = null;
          running--;
        }
      }
    } while (running > 0 || (started < total && !out.exhausted));
  },
};

/** One compiler process, as a sequence of phases (each `yield` lets the other CPUs' jobs run). */
function* job(
  p: ParamValues,
  rng: Rng,
  out: GenEmitter,
  cpu: number,
  j: number,
  firstSource: number,
  headerFiles: number,
): IterableIterator<void> {
  const pid = 100 + j;
  const rw = ProtBits.read | ProtBits.write;
  const rx = ProtBits.read | ProtBits.exec;
  const heap = alignUp(p.num('heap'), 4096);
  const textLen = 16 * MiB;
  out.fork(0, 1, pid);
  out.exec(cpu, pid);
  out.mmap(cpu, pid, LAYOUT.text, textLen, rx, FILE_CC, 0);
  out.mmap(cpu, pid, LAYOUT.libs, 2 * MiB, rx, FILE_LIBC, 0);
  out.mmap(cpu, pid, LAYOUT.heap, heap, rw);
  out.mmap(cpu, pid, LAYOUT.stackTop - LAYOUT.stackSize, LAYOUT.stackSize, rw);
  yield;
  const open = p.num('open') === 1;
  const probes = p.num('probes');
  const source = firstSource + 2 * j;
  if (open) out.openFile(cpu, pid, source);
  else out.syscall(cpu, pid, NR.openat);
  out.syscall(cpu, pid, NR.read);
  out.transfer(cpu, pid, 'read', LAYOUT.heap, p.num('source'), source, 0);
  if (open) out.closeFile(cpu, pid, source);
  for (let h = 0; h < p.num('headers'); h++) {
    // Low header ids are popular: the minimum of two uniform draws favours them.
    const id = HEADER_BASE + Math.min(rng.nextInt(headerFiles), rng.nextInt(headerFiles));
    if (open) {
      // The include path's failed probes, spread evenly: header h makes the ones that bring the total to ⌊(h + 1) × probes⌋.
      for (let k = Math.floor(h * probes); k < Math.floor((h + 1) * probes); k++) out.syscall(cpu, pid, NR.openat);
      out.openFile(cpu, pid, id);
      out.syscall(cpu, pid, NR.fstat64);
    }
    out.syscall(cpu, pid, NR.read);
    out.transfer(cpu, pid, 'read', LAYOUT.heap + 0x10000, 16 * 1024, id, 0);
    if (open) out.closeFile(cpu, pid, id);
  }
  yield;
  const accesses = p.num('accesses');
  const temps = p.num('temps');
  const rounds = Math.max(1, temps);
  const perRound = Math.ceil(accesses / rounds);
  const computePerRound = Math.floor(p.num('compute') / rounds);
  const tempBase = LAYOUT.libs + 4 * MiB;
  let done = 0;
  for (let r = 0; r < rounds; r++) {
    for (let a = 0; a < perRound && done < accesses; a++, done++) {
      const x = rng.next();
      if (x < 0.3) out.access(cpu, pid, AccessOp.ifetch, LAYOUT.text + rng.nextInt(textLen / 64) * 64, 4);
      else out.access(cpu, pid, x < 0.75 ? AccessOp.load : AccessOp.store, LAYOUT.heap + rng.nextInt(heap / 8) * 8, 8);
    }
    out.compute(cpu, pid, computePerRound);
    if (r < temps) {
      const pages = r % 2 === 0 ? p.num('small_unmap') : p.num('large_unmap');
      out.syscall(cpu, pid, NR.mmap2);
      out.mmap(cpu, pid, tempBase, pages * 4096, rw);
      out.touch(cpu, pid, AccessOp.store, tempBase, pages * 4096, 4096);
      out.syscall(cpu, pid, NR.munmap);
      out.munmap(cpu, pid, tempBase, pages * 4096);
    }
    yield;
  }
  if (p.num('object') > 0) {
    out.syscall(cpu, pid, NR.write);
    out.transfer(cpu, pid, 'write', LAYOUT.heap, p.num('object'), firstSource + 2 * j + 1, 0);
  }
  out.syscall(cpu, pid, NR.exit_group);
  out.exit(cpu, pid);
}
