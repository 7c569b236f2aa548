import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { AccessOp, ProtBits } from '../records.ts';
import { LAYOUT, NR, type GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';

/** i386 getppid (arch/x86/entry/syscalls/syscall_32.tbl): the null system call of lmbench and Molnar's loop. */
const NR_GETPPID = 64;

/** The file `mapfile` maps (the loop's text is file 2). */
const MAPPED_FILE = 3;

/**
 * `syscall-loop`: the null-syscall microbenchmark (lmbench `lat_syscall null`, the getppid loop of
 * cost-figures.md H6/H12/H14) with an optional user working set, for the syscall-rate and working-set
 * curves of cost-figures.md H15. One process on CPU 0; per iteration: one instruction fetch of the loop's
 * text page, `compute` cycles of user work, loads of `pages` distinct data pages (its working set, touched
 * again after every call), then one getppid; optionally `unmap` pages mapped, stored to and unmapped (for the
 * flush costs of §3), and `mapfile` pages of a file mapped, read once each and unmapped (lmbench
 * `lat_pagefault`: a file-backed fault per page; the file is cached after the first iteration, whose faults
 * read it from the device). Deterministic regardless of seed (nothing is random).
 */
export const syscallLoop: Generator = {
  name: 'syscall-loop',
  description: 'null-syscall loop (getppid) with user work and a user working set between calls, one process',
  details:
    "pid 100 on CPU 0 runs 'calls' iterations of: an ifetch of the loop's text page, 'compute' cycles of work, a load from each of " +
    "'pages' distinct 4 KiB data pages, a getppid syscall; with 'unmap' > 0 also " +
    "an mmap of 'unmap' pages, a store to each and their munmap; with 'mapfile' > 0 an mmap of 'mapfile' pages of file 3, " +
    'a load from each (file-backed faults) and their munmap. No randomness.',
  params: [
    { name: 'calls', kind: 'int', description: 'iterations (system calls)', unit: 'calls', default: 100_000, min: 1 },
    { name: 'compute', kind: 'int', description: 'user cycles between calls (sets the syscall rate)', unit: 'cycles', default: 0, min: 0 },
    {
      name: 'pages',
      kind: 'int',
      description: 'user data pages loaded once per iteration (the working set)',
      unit: 'pages',
      default: 1,
      min: 0,
      max: 65536,
    },
    {
      name: 'unmap',
      kind: 'int',
      description: 'pages mapped, stored to and unmapped per iteration (munmap flushes; 0: none)',
      unit: 'pages',
      default: 0,
      min: 0,
      max: 4096,
    },
    {
      name: 'mapfile',
      kind: 'int',
      description:
        'pages of a file mapped, loaded once each and unmapped per iteration (file-backed faults, lmbench lat_pagefault; 0: none)',
      unit: 'pages',
      default: 0,
      min: 0,
      max: 4096,
    },
    RECORDS_PARAM,
  ],
  cpus: () => 1,
  run(p: ParamValues, _rng: Rng, out: GenEmitter): void {
    const calls = p.num('calls');
    const compute = p.num('compute');
    const pages = p.num('pages');
    const unmap = p.num('unmap');
    const mapfile = p.num('mapfile');
    const scratch = LAYOUT.heap + 0x08000000;
    const mapped = LAYOUT.heap + 0x0a000000;
    const pid = 100;
    const cpu = 0;
    out.exec(cpu, pid);
    out.mmap(cpu, pid, LAYOUT.text, 0x10000, ProtBits.read | ProtBits.exec, 2, 0);
    if (pages > 0) out.mmap(cpu, pid, LAYOUT.heap, pages * 4096, ProtBits.read | ProtBits.write);
    for (let i = 0; i < calls && !out.exhausted; i++) {
      out.access(cpu, pid, AccessOp.ifetch, LAYOUT.text, 4);
      if (compute > 0) out.compute(cpu, pid, compute);
      for (let pg = 0; pg < pages; pg++) out.access(cpu, pid, AccessOp.load, LAYOUT.heap + pg * 4096, 4);
      out.syscall(cpu, pid, NR_GETPPID);
      if (unmap > 0) {
        out.syscall(cpu, pid, NR.mmap2);
        out.mmap(cpu, pid, scratch, unmap * 4096, ProtBits.read | ProtBits.write);
        for (let pg = 0; pg < unmap; pg++) out.access(cpu, pid, AccessOp.store, scratch + pg * 4096, 4);
        out.syscall(cpu, pid, NR.munmap);
        out.munmap(cpu, pid, scratch, unmap * 4096);
      }
      if (mapfile > 0) {
        out.syscall(cpu, pid, NR.mmap2);
        out.mmap(cpu, pid, mapped, mapfile * 4096, ProtBits.read | ProtBits.shared, MAPPED_FILE, 0);
        for (let pg = 0; pg < mapfile; pg++) out.access(cpu, pid, AccessOp.load, mapped + pg * 4096, 4);
        out.syscall(cpu, pid, NR.munmap);
        out.munmap(cpu, pid, mapped, mapfile * 4096);
      }
    }
    out.exit(cpu, pid);
  },
};
