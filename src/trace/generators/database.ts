import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { alignUp, MiB } from '../../units/address.ts';
import { AccessOp, ProtBits } from '../records.ts';
import { LAYOUT, NR, type GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';
import { ZipfSampler } from './zipf.ts';

/** The table page size (InnoDB's default innodb_page_size, 16 KiB). */
const TABLE_PAGE = 16 * 1024;

/** Where the shared buffer pool is mapped in every process. */
const POOL_BASE = 0x04000000;

/**
 * `database`: a large shared buffer pool (a MAP_SHARED mapping of file 1, the same address in every
 * process, as a forked database server has) plus private memory per process, with random page access.
 *
 * Layout: pool at 0x04000000, private memory right after it (1 MiB-aligned), a 1 MiB stack above that;
 * with the defaults everything ends below 0x40000000 (a pool above ~950 MiB does not fit the 1G split).
 * A transaction: `pages` accesses to pool pages (uniform, or Zipf with `skew` > 0; a store with probability
 * `writes`), `private` accesses to private memory, `compute` cycles, then a WAL append: pwrite64 syscall +
 * page-cache `write` of `wal` bytes to file 2 at the log's end, and an fdatasync of file 2.
 * With `dataset` > 0 the tables are file 4 of that size (it may exceed RAM): each transaction also reads
 * `reads` random 16 KiB table pages (pread64 into private memory: point selects that miss the pool),
 * writes a fraction `updates` of them back (pwrite64), and a fraction `fsync` of transactions fsync the
 * table file (a checkpoint). Each backend opens the WAL and the table file once, after its mmaps, and
 * holds them open until it exits (openat records naming the files: their inodes stay in use).
 *
 * What it imitates: sysbench `oltp_read_write` (10 point selects, updates, a commit per transaction,
 * tables of `--table-size` rows that can outgrow RAM) on an InnoDB-like engine (16 KiB pages, a
 * write-ahead log flushed with fdatasync at each commit). Defaults: 8 backends, a 512 MiB pool, no table
 * file (the shipped scenarios); `--param dataset=4G --param reads=10 --param updates=0.25` is the
 * read-write mix over a data set larger than a 32-bit box's RAM. Request boundary: the commit's
 * fdatasync (syscall 148, the header's `requestSyscall`).
 */
export const database: Generator = {
  name: 'database',
  description: 'shared buffer pool (shared mmap) + private memory per process, random page access, WAL writes',
  details:
    'Master pid 1 forks processes 100.. (process i on CPU i mod cpus), each mapping the shared pool (file 1) at 0x04000000 and ' +
    "private memory after it. Transactions: 'pages' pool accesses, 'private' private accesses, compute, WAL pwrite (file 2) + fdatasync.",
  params: [
    { name: 'cpus', kind: 'int', description: 'CPUs', unit: 'CPUs', default: 4, min: 1, max: 64 },
    {
      name: 'processes',
      aliases: ['procs'],
      kind: 'int',
      description: 'database processes (backends)',
      unit: 'processes',
      default: 8,
      min: 1,
      max: 100000,
    },
    { name: 'pool', kind: 'size', description: 'shared buffer pool size', unit: 'bytes', default: 512 * MiB, min: 4096, max: 0xf0000000 },
    { name: 'private', kind: 'size', description: 'private memory per process', unit: 'bytes', default: 16 * MiB, min: 4096 },
    { name: 'transactions', kind: 'int', description: 'transactions in total', unit: 'transactions', default: 10000, min: 0 },
    { name: 'pages', kind: 'int', description: 'pool page accesses per transaction', unit: 'accesses', default: 8, min: 0 },
    { name: 'private_accesses', kind: 'int', description: 'private-memory accesses per transaction', unit: 'accesses', default: 4, min: 0 },
    {
      name: 'writes',
      kind: 'number',
      description: 'fraction of pool accesses that are stores',
      unit: 'fraction',
      default: 0.25,
      min: 0,
      max: 1,
    },
    {
      name: 'skew',
      kind: 'number',
      description: 'Zipf exponent over pool pages (0: uniform)',
      unit: 'exponent',
      default: 0,
      min: 0,
      max: 10,
    },
    {
      name: 'wal',
      kind: 'size',
      description: 'WAL bytes appended per transaction (0: no WAL write)',
      unit: 'bytes',
      default: 8192,
      min: 0,
    },
    { name: 'compute', kind: 'int', description: 'work per transaction', unit: 'cycles', default: 50000, min: 0 },
    {
      name: 'slice',
      kind: 'int',
      description: 'transactions a process runs before its CPU switches to the next one',
      unit: 'transactions',
      default: 2,
      min: 1,
    },
    {
      name: 'dataset',
      kind: 'size',
      description: 'table data (file 4) read and written with pread/pwrite; 0: none',
      unit: 'bytes',
      default: 0,
      min: 0,
    },
    {
      name: 'reads',
      kind: 'int',
      description: 'random 16 KiB table-page reads per transaction (with dataset > 0)',
      unit: 'reads',
      default: 10,
      min: 0,
    },
    {
      name: 'updates',
      kind: 'number',
      description: 'fraction of table pages read that are written back (with dataset > 0)',
      unit: 'fraction',
      default: 0.25,
      min: 0,
      max: 1,
    },
    {
      name: 'fsync',
      kind: 'number',
      description: 'fraction of transactions that fsync the table file (with dataset > 0)',
      unit: 'fraction',
      default: 0.01,
      min: 0,
      max: 1,
    },
    RECORDS_PARAM,
  ],
  cpus: (p) => p.num('cpus'),
  header: (p) => ({
    imitates: 'sysbench oltp_read_write (point selects, updates, a WAL commit per transaction)',
    ...(p.num('wal') > 0 ? { requestSyscall: NR.fdatasync } : {}),
    ...(p.num('dataset') > 0 ? { files: [[4, 4, alignUp(p.num('dataset'), TABLE_PAGE)]] } : {}),
  }),
  run(p: ParamValues, rng: Rng, out: GenEmitter): void {
    const cpus = p.num('cpus');
    const nproc = p.num('processes');
    const pool = alignUp(p.num('pool'), 4096);
    const priv = alignUp(p.num('private'), 4096);
    const privBase = alignUp(POOL_BASE + pool, MiB);
    const stackLo = alignUp(privBase + priv, MiB);
    const poolPages = pool / 4096;
    const privPages = priv / 4096;
    const skew = p.num('skew');
    const zipf = skew > 0 ? new ZipfSampler(poolPages, skew) : null;
    const writes = p.num('writes');
    const wal = p.num('wal');
    const tablePages = Math.floor(alignUp(p.num('dataset'), TABLE_PAGE) / TABLE_PAGE);
    const reads = p.num('reads');
    const updates = p.num('updates');
    const fsyncRate = p.num('fsync');
    const rw = ProtBits.read | ProtBits.write;
    for (let i = 0; i < nproc; i++) {
      const pid = 100 + i;
      const cpu = i % cpus;
      out.fork(0, 1, pid);
      out.exec(cpu, pid);
      out.mmap(cpu, pid, LAYOUT.text, 4 * MiB, ProtBits.read | ProtBits.exec, 3, 0);
      out.mmap(cpu, pid, POOL_BASE, pool, rw | ProtBits.shared, 1, 0);
      out.mmap(cpu, pid, privBase, priv, rw);
      out.mmap(cpu, pid, stackLo, MiB, rw);
      // A backend keeps the WAL and the table file open for its life (their inodes are in use: reclaim
      // never drops them with their page cache).
      if (wal > 0) out.openFile(cpu, pid, 2);
      if (tablePages > 0) out.openFile(cpu, pid, 4);
    }
    let walEnd = 0;
    let done = 0;
    const total = p.num('transactions');
    const slice = p.num('slice');
    const next = new Array<number>(cpus).fill(0);
    const perCpu = (cpu: number): number => Math.floor((nproc - 1 - cpu) / cpus) + 1;
    while (done < total && !out.exhausted) {
      for (let cpu = 0; cpu < cpus && cpu < nproc && done < total; cpu++) {
        const k = next[cpu]! % perCpu(cpu);
        next[cpu] = k + 1;
        const pid = 100 + cpu + k * cpus;
        for (let t = 0; t < slice && done < total; t++, done++) {
          for (let a = 0; a < p.num('pages'); a++) {
            const page = zipf ? zipf.sample(rng) - 1 : rng.nextInt(poolPages);
            const op = rng.next() < writes ? AccessOp.store : AccessOp.load;
            out.access(cpu, pid, op, POOL_BASE + page * 4096 + rng.nextInt(512) * 8, 8);
          }
          for (let a = 0; a < p.num('private_accesses'); a++) {
            out.access(
              cpu,
              pid,
              rng.next() < 0.5 ? AccessOp.store : AccessOp.load,
              privBase + rng.nextInt(privPages) * 4096 + rng.nextInt(512) * 8,
              8,
            );
          }
          out.compute(cpu, pid, p.num('compute'));
          if (wal > 0) {
            out.syscall(cpu, pid, NR.pwrite64);
            out.transfer(cpu, pid, 'write', privBase, wal, 2, walEnd);
            walEnd += wal;
            out.fsync(cpu, pid, 2, true);
          }
          if (tablePages > 0) {
            for (let r = 0; r < reads; r++) {
              const off = rng.nextInt(tablePages) * TABLE_PAGE;
              out.syscall(cpu, pid, NR.pread64);
              out.transfer(cpu, pid, 'read', privBase, TABLE_PAGE, 4, off);
              if (rng.next() < updates) {
                out.syscall(cpu, pid, NR.pwrite64);
                out.transfer(cpu, pid, 'write', privBase, TABLE_PAGE, 4, off);
              }
            }
            if (rng.next() < fsyncRate) out.fsync(cpu, pid, 4);
          }
        }
      }
    }
    for (let i = 0; i < nproc; i++) out.exit(i % cpus, 100 + i);
  },
};
