import { UsageError } from '../../errors.ts';
import type { Xoshiro128 as Rng } from '../../random/rng.ts';
import { alignUp } from '../../units/address.ts';
import { AccessOp, ProtBits } from '../records.ts';
import { LAYOUT, NR, type GenEmitter } from './emitter.ts';
import { RECORDS_PARAM, type ParamValues } from './params.ts';
import type { Generator } from './registry.ts';
import { ZipfSampler } from './zipf.ts';

/**
 * `fileserver`: N worker processes on C CPUs serving files through the page cache — the classic case
 * where page-cache pages live in highmem and every copy to a user buffer needs a temporary kernel mapping.
 *
 * Setup: the master (pid 1, CPU 0) forks each worker (pid 100 + i, CPU i mod C); a worker execs and
 * maps its text (file 1), a request buffer and a stack. Then, round-robin over the CPUs, each CPU's
 * current worker serves `slice` requests before the CPU switches to its next worker. A request:
 * an `openat` naming a Zipf-chosen file (ids 2..files+1, each fileset/files bytes); `read` syscall +
 * page-cache `read` of `request` bytes of it (offset a random request-aligned position) into the
 * worker's buffer; a `close` naming the file; loads over the buffer every `touch` bytes; `compute`
 * cycles; a `write` syscall sending to a socket (no page cache). With `writes` > 0 that fraction of
 * requests instead store `request` bytes into the file (stores over the buffer, then openat, pwrite64 +
 * page-cache `write`), and `fsync` of those are followed by an fsync of the file, then the close. With
 * `open=0` there is no openat or close (the trace this generator made before it opened files: the file's
 * dentry and inode are then idle between requests). With `spawn` > 0 the
 * master forks that many workers before each round of requests instead of all of them first (a server
 * growing with its clients: kernel objects of processes and of files accumulate together); with
 * `exec=0` the workers do not exec but run the master's image, its `libs` shared-library mappings
 * included (Apache prefork, smbd). `--param processes=32000 --param exec=0 --param libs=100 --param
 * spawn=40 --param files=100000 --param fileset=400M --param request=4K` drives a 4 GB 3G/1G box into
 * lowmem reclaim, then a lowmem OOM, while 2G/2G holds it.
 *
 * What it imitates: the file-serving loop of filebench's `fileserver` personality (a file set served by
 * many threads: readwholefile/appendfile/createfile over nfiles = 10,000 files of 128 KiB mean, 50
 * threads, 1 MiB I/O) and of dbench (a NetBench-like SMB server mix). The defaults here are smaller and
 * read-only so the shipped trace stays small: 16 workers, 4,096 files of 256 KiB (1 GiB), 64 KiB reads,
 * Zipf 0.9 popularity; `--param fileset=4G --param writes=0.33 --param fsync=0.1` is a write-heavier set
 * larger than the RAM of a 32-bit box. Each request opens and closes its file as filebench's fileserver
 * flowops do (workloads/fileserver.f: openfile → readwholefile → closefile, openfile → appendfilerand →
 * closefile; webserver.f the same for reads): the open holds the inode in use until the close
 * (traces/README.md, the `addr` column), and both calls enter the kernel. Request boundary: the socket
 * `write` (syscall 4) ending each
 * request (the header's `requestSyscall`); file sizes are in the header (`files`).
 */
export const fileserver: Generator = {
  name: 'fileserver',
  description: 'N processes on C CPUs serving Zipf-popular files through the page cache (read + buffer touch + compute + send)',
  details:
    'Master pid 1 forks workers 100.. (worker i on CPU i mod cpus). Each request: openat of a Zipf-chosen file, ' +
    "syscall read, page-cache read of 'request' bytes of it into the worker's buffer, close of the file (open=0: " +
    'no openat or close), ' +
    "loads every 'touch' bytes over it, compute, syscall write (socket). " +
    'Files are ids 2..files+1 of fileset/files bytes each; user addresses stay below 0x40000000.',
  params: [
    { name: 'cpus', kind: 'int', description: 'CPUs', unit: 'CPUs', default: 4, min: 1, max: 64 },
    {
      name: 'processes',
      aliases: ['procs'],
      kind: 'int',
      description: 'worker processes',
      unit: 'processes',
      default: 16,
      min: 1,
      max: 100000,
    },
    { name: 'files', kind: 'int', description: 'files in the file set', unit: 'files', default: 4096, min: 1 },
    { name: 'fileset', kind: 'size', description: 'total size of the file set', unit: 'bytes', default: 1024 ** 3, min: 4096 },
    {
      name: 'zipf',
      kind: 'number',
      description: 'Zipf exponent of file popularity (0: uniform)',
      unit: 'exponent',
      default: 0.9,
      min: 0,
      max: 10,
    },
    {
      name: 'request',
      kind: 'size',
      description: 'bytes read per request',
      unit: 'bytes',
      default: 64 * 1024,
      min: 1,
      max: 64 * 1024 * 1024,
    },
    { name: 'requests', kind: 'int', description: 'requests in total', unit: 'requests', default: 2000, min: 0 },
    {
      name: 'touch',
      kind: 'size',
      description: 'stride of the loads over the buffer after each read (0: no loads)',
      unit: 'bytes',
      default: 4096,
      min: 0,
    },
    { name: 'compute', kind: 'int', description: 'work per request', unit: 'cycles', default: 20000, min: 0 },
    {
      name: 'slice',
      kind: 'int',
      description: 'requests a worker serves before its CPU switches to the next worker',
      unit: 'requests',
      default: 4,
      min: 1,
    },
    {
      name: 'writes',
      kind: 'number',
      description: 'fraction of requests that write request bytes into the file instead of reading',
      unit: 'fraction',
      default: 0,
      min: 0,
      max: 1,
    },
    {
      name: 'fsync',
      kind: 'number',
      description: 'fraction of write requests followed by an fsync of the file',
      unit: 'fraction',
      default: 0,
      min: 0,
      max: 1,
    },
    {
      name: 'exec',
      kind: 'int',
      description:
        "workers exec a program of their own (1) or run the master's image " +
        'as forked (0: a pre-forking server such as Apache prefork or smbd)',
      unit: 'flag',
      default: 1,
      min: 0,
      max: 1,
    },
    {
      name: 'libs',
      kind: 'int',
      description: 'shared-library mappings (file-backed VMAs) the master makes before forking, inherited by workers that do not exec',
      unit: 'mappings',
      default: 0,
      min: 0,
      max: 10000,
    },
    {
      name: 'spawn',
      kind: 'int',
      description:
        'workers forked before each round of requests (0: every worker before ' +
        'the first request), as a pre-forking server grows with its clients',
      unit: 'workers',
      default: 0,
      min: 0,
    },
    {
      name: 'open',
      kind: 'int',
      description:
        'each request opens its file before the read or write and closes it after ' +
        '(1: openat and close records naming the file, as filebench fileserver.f flowops openfile/closefile; 0: neither)',
      unit: 'flag',
      default: 1,
      min: 0,
      max: 1,
    },
    RECORDS_PARAM,
  ],
  cpus: (p) => p.num('cpus'),
  header: (p) => ({
    imitates: 'filebench fileserver / dbench (a file set served by many workers)',
    requestSyscall: NR.write,
    files: [[2, p.num('files') + 1, Math.floor(p.num('fileset') / p.num('files') / 4096) * 4096]],
  }),
  validate(p) {
    if (p.num('fileset') < p.num('files') * 4096)
      throw new UsageError(`--param fileset: ${p.num('fileset')} bytes is less than one page per file (${p.num('files')} files)`);
  },
  run(p: ParamValues, rng: Rng, out: GenEmitter): void {
    const cpus = p.num('cpus');
    const nproc = p.num('processes');
    const files = p.num('files');
    const fileSize = Math.floor(p.num('fileset') / files / 4096) * 4096;
    const request = p.num('request');
    const touch = p.num('touch');
    const compute = p.num('compute');
    const slice = p.num('slice');
    const writes = p.num('writes');
    const fsync = p.num('fsync');
    const zipf = new ZipfSampler(files, p.num('zipf'));
    const buffer = LAYOUT.heap;
    const bufferLen = alignUp(request, 4096);
    const stackLo = LAYOUT.stackTop - LAYOUT.stackSize;
    const rw = ProtBits.read | ProtBits.write;

    const spawn = p.num('spawn');
    const exec = p.num('exec') === 1;
    const libs = p.num('libs');
    const open = p.num('open') === 1;
    // A pre-forking master maps its program, its libraries (one 64 KiB mapping each of files after the
    // file set, in LAYOUT.libs), the buffer and the stack once; its workers inherit them.
    const mapImage = (cpu: number, pid: number): void => {
      out.mmap(cpu, pid, LAYOUT.text, 0x100000, ProtBits.read | ProtBits.exec, 1, 0);
      for (let l = 0; l < libs; l++)
        out.mmap(cpu, pid, LAYOUT.libs + l * 0x10000, 0x10000, ProtBits.read | ProtBits.exec, files + 2 + l, 0);
      out.mmap(cpu, pid, buffer, bufferLen, rw);
      out.mmap(cpu, pid, stackLo, LAYOUT.stackSize, rw);
    };
    if (!exec) mapImage(0, 1);
    let started = 0;
    const startWorkers = (n: number): void => {
      for (const end = Math.min(nproc, started + n); started < end; started++) {
        const pid = 100 + started;
        const cpu = started % cpus;
        out.fork(0, 1, pid);
        if (exec) {
          out.exec(cpu, pid);
          mapImage(cpu, pid);
        }
        out.access(cpu, pid, AccessOp.store, LAYOUT.stackTop - 64, 4);
      }
    };
    startWorkers(spawn === 0 ? nproc : spawn);
    // Workers of each CPU (those started so far), served round-robin.
    const next = new Array<number>(cpus).fill(0);
    const perCpu = (cpu: number): number => Math.floor((started - 1 - cpu) / cpus) + 1;
    let served = 0;
    const total = p.num('requests');
    while (served < total && !out.exhausted) {
      if (spawn > 0 && served > 0) startWorkers(spawn);
      for (let cpu = 0; cpu < cpus && served < total; cpu++) {
        if (cpu >= started) break;
        const k = next[cpu]! % perCpu(cpu);
        next[cpu] = k + 1;
        const pid = 100 + cpu + k * cpus;
        for (let r = 0; r < slice && served < total; r++, served++) {
          const fileId = 1 + zipf.sample(rng);
          const len = Math.min(request, fileSize);
          const slots = Math.max(1, Math.floor(fileSize / len));
          const offset = rng.nextInt(slots) * len;
          // Draws only when the mix asks for writes: the default trace is the read-only one it always was.
          // open=0 emits exactly the records it did before files were opened (no draw depends on it).
          if (writes > 0 && rng.next() < writes) {
            out.touch(cpu, pid, AccessOp.store, buffer, len, touch);
            if (open) out.openFile(cpu, pid, fileId);
            out.syscall(cpu, pid, NR.pwrite64);
            out.transfer(cpu, pid, 'write', buffer, len, fileId, offset);
            if (fsync > 0 && rng.next() < fsync) out.fsync(cpu, pid, fileId);
            if (open) out.closeFile(cpu, pid, fileId);
          } else {
            if (open) out.openFile(cpu, pid, fileId);
            out.syscall(cpu, pid, NR.read);
            out.transfer(cpu, pid, 'read', buffer, len, fileId, offset);
            if (open) out.closeFile(cpu, pid, fileId);
            out.touch(cpu, pid, AccessOp.load, buffer, len, touch);
          }
          out.compute(cpu, pid, compute);
          out.syscall(cpu, pid, NR.write);
        }
      }
    }
    for (let i = 0; i < started; i++) out.exit(i % cpus, 100 + i);
  },
};
