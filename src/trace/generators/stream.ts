import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { alignUp } from '../../units/address.ts';
import { AccessOp, ProtBits } from '../records.ts';
import { LAYOUT, NR, type GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';

/**
 * `stream`: like `dd if=/dev/zero of=F bs=B count=N` followed by `dd if=F of=/dev/null bs=B`: one process
 * writes `size` bytes sequentially into file 1 through the page cache, then reads them back.
 * Write phase, per block: read syscall (from /dev/zero: the kernel clears the user buffer → stores every
 * `touch` bytes), write syscall + page-cache `write` at the next offset. Read phase, per block: read
 * syscall + page-cache `read`, loads every `touch` bytes, write syscall (to /dev/null, no page cache).
 * Deterministic regardless of seed (nothing is random).
 */
export const stream: Generator = {
  name: 'stream',
  description: 'sequential write then read of N MiB through the page cache, like dd (one process)',
  details:
    "pid 100 on CPU 0 maps a 'block'-byte buffer; writes 'size' bytes to file 1 block by block (buffer stores every 'touch' bytes " +
    'before each write, as clear_user from /dev/zero), then reads them back (loads after each read). No randomness.',
  params: [
    { name: 'size', kind: 'size', description: 'bytes written, then read', unit: 'bytes', default: 64 * 1024 ** 2, min: 4096 },
    {
      name: 'block',
      kind: 'size',
      description: 'bytes per read/write call (dd bs=)',
      unit: 'bytes',
      default: 64 * 1024,
      min: 512,
      max: 64 * 1024 ** 2,
    },
    {
      name: 'touch',
      kind: 'size',
      description: 'stride of user accesses over the buffer per block (0: none)',
      unit: 'bytes',
      default: 4096,
      min: 0,
    },
    {
      name: 'phases',
      kind: 'choice',
      description: 'which phases to run',
      unit: 'phases',
      default: 'write-read',
      choices: ['write-read', 'write', 'read'],
    },
    RECORDS_PARAM,
  ],
  cpus: () => 1,
  run(p: ParamValues, _rng: Rng, out: GenEmitter): void {
    const size = p.num('size');
    const block = p.num('block');
    const touch = p.num('touch');
    const phases = p.str('phases');
    const pid = 100;
    const cpu = 0;
    const rw = ProtBits.read | ProtBits.write;
    out.exec(cpu, pid);
    out.mmap(cpu, pid, LAYOUT.text, 0x10000, ProtBits.read | ProtBits.exec, 2, 0);
    out.mmap(cpu, pid, LAYOUT.heap, alignUp(block, 4096), rw);
    out.mmap(cpu, pid, LAYOUT.stackTop - LAYOUT.stackSize, LAYOUT.stackSize, rw);
    if (phases !== 'read') {
      for (let off = 0; off < size && !out.exhausted; off += block) {
        const len = Math.min(block, size - off);
        out.syscall(cpu, pid, NR.read);
        out.touch(cpu, pid, AccessOp.store, LAYOUT.heap, len, touch);
        out.syscall(cpu, pid, NR.write);
        out.transfer(cpu, pid, 'write', LAYOUT.heap, len, 1, off);
      }
    }
    if (phases !== 'write') {
      for (let off = 0; off < size && !out.exhausted; off += block) {
        const len = Math.min(block, size - off);
        out.syscall(cpu, pid, NR.read);
        out.transfer(cpu, pid, 'read', LAYOUT.heap, len, 1, off);
        out.touch(cpu, pid, AccessOp.load, LAYOUT.heap, len, touch);
        out.syscall(cpu, pid, NR.write);
      }
    }
    out.exit(cpu, pid);
  },
};
