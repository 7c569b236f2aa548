/**
 * Helpers of the storage tests: traces of reads and writes of one file by one process, and a cost
 * model with integer CPU costs (tests/machine/helpers.ts constantModel) over a shipped device profile.
 */
import { loadModel } from '../../src/models/load.ts';
import type { CostModel } from '../../src/models/types.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel } from '../machine/helpers.ts';

/** i386 syscall numbers used by the traces below. */
export const NR_READ = 3;
export const NR_WRITE = 4;
export const NR_FSYNC = 118;

/** The user buffer every read and write copies through. */
export const BUF = 0x10000000;

/** constantModel (2 GHz, integer costs) with the storage model of core2 under `sets` (io.*, vm.*). */
export async function storageModel(sets: readonly string[] = []): Promise<CostModel> {
  const io = (await loadModel('core2', sets)).io!;
  return { ...constantModel(), io };
}

/** A syscall record plus a `read` (or `write`) of `len` bytes at byte `off` of `file` by pid 1 on CPU 0. */
export function rw(kind: 'read' | 'write', file: number, off: number, len: number, pid = 1, cpu = 0): TraceRecord[] {
  return [
    { kind: EventKind.syscall, cpu, pid, arg: kind === 'read' ? NR_READ : NR_WRITE },
    { kind: kind === 'read' ? EventKind.read : EventKind.write, cpu, pid, addr: BUF, len, arg: file, off },
  ];
}

/** An fsync of `file` (0: every file the process dirtied) by pid 1 on CPU 0. */
export function fsync(file: number, pid = 1, cpu = 0): TraceRecord {
  return { kind: EventKind.syscall, cpu, pid, arg: NR_FSYNC, addr: file };
}

/**
 * The pages 1 … n of a file in a scattered order: page 1 + (k × 7919 mod n) for k = 0 … n − 1 (7919 is
 * prime, so for n a power of two every page once). Consecutive pages never follow each other, so every
 * read is a "standalone, small random read" for readahead (mm/readahead.c): one page read as is.
 */
export function scattered(n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(1 + ((k * 7919) % n));
  return out;
}
