import { AccessOp, EventKind, type KmapApi, type TraceSink } from '../records.ts';

/**
 * The generators' record writer: one method per event kind, a per-CPU "who runs here" so that a
 * `switch` record is emitted exactly when a CPU starts running another process, and a record count for
 * the `records` budget. Records go straight to the sink (the HMT writer writes synchronously), so a
 * generator's memory stays bounded however many records it makes.
 */
export class GenEmitter {
  /** Records written so far. */
  count = 0;
  private readonly running: number[];

  /**
   * @param sink   where records go
   * @param cpus   CPUs of the trace
   * @param budget stop-starting-work threshold (0: none); see `exhausted`
   */
  constructor(
    private readonly sink: TraceSink,
    readonly cpus: number,
    private readonly budget: number,
  ) {
    this.running = new Array<number>(cpus).fill(-1);
  }

  /** True once the record budget is used up: generators start no new unit of work after this. */
  get exhausted(): boolean {
    return this.budget > 0 && this.count >= this.budget;
  }

  /** Makes `pid` the running process of `cpu` (a `switch` record if it was not). */
  run(cpu: number, pid: number): void {
    if (this.running[cpu] === pid) return;
    this.running[cpu] = pid;
    this.sink.push({ kind: EventKind.switch, cpu, pid });
    this.count++;
  }

  /** A user access of `size` bytes at `addr` by the process running on `cpu`. */
  access(cpu: number, pid: number, op: AccessOp, addr: number, size: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.access, cpu, pid, op, addr, len: size });
    this.count++;
  }

  /** Loads (or stores) of `size` bytes every `stride` bytes over [addr, addr + bytes). */
  touch(cpu: number, pid: number, op: AccessOp, addr: number, bytes: number, stride: number, size = 8): void {
    if (stride <= 0) return;
    for (let o = 0; o < bytes; o += stride) this.access(cpu, pid, op, addr + o, size);
  }

  /** `cycles` of work. */
  compute(cpu: number, pid: number, cycles: number): void {
    if (cycles <= 0) return;
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.compute, cpu, pid, len: cycles });
    this.count++;
  }

  /** A system call (entry + exit) with its i386 number. */
  syscall(cpu: number, pid: number, nr: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.syscall, cpu, pid, arg: nr });
    this.count++;
  }

  /** A page-cache copy: `read` (file → user buffer) or `write` (user buffer → file). */
  transfer(cpu: number, pid: number, kind: 'read' | 'write', buffer: number, bytes: number, fileId: number, offset: number): void {
    this.run(cpu, pid);
    this.sink.push({
      kind: kind === 'read' ? EventKind.read : EventKind.write,
      cpu,
      pid,
      addr: buffer,
      len: bytes,
      arg: fileId,
      off: offset,
    });
    this.count++;
  }

  /** mmap of [addr, addr + len) with ProtBits `prot`, of file `fileId` at `offset` (0: anonymous). */
  mmap(cpu: number, pid: number, addr: number, len: number, prot: number, fileId = 0, offset = 0): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.mmap, cpu, pid, op: prot, addr, len, arg: fileId, off: offset });
    this.count++;
  }

  /** munmap of [addr, addr + len). */
  munmap(cpu: number, pid: number, addr: number, len: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.munmap, cpu, pid, addr, len });
    this.count++;
  }

  /** mprotect of [addr, addr + len) to ProtBits `prot`. */
  mprotect(cpu: number, pid: number, addr: number, len: number, prot: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.mprotect, cpu, pid, op: prot, addr, len });
    this.count++;
  }

  /** `parent` (running on `cpu`) forks `child`. */
  fork(cpu: number, parent: number, child: number): void {
    this.run(cpu, parent);
    this.sink.push({ kind: EventKind.fork, cpu, pid: parent, arg: child });
    this.count++;
  }

  /** `pid` replaces its program (a new address space). */
  exec(cpu: number, pid: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.exec, cpu, pid });
    this.count++;
  }

  /** `pid` ends. */
  exit(cpu: number, pid: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.exit, cpu, pid });
    this.count++;
  }

  /** fsync (or fdatasync with `data`) of `fileId` (0: every file `pid` dirtied), the file id in `addr`. */
  fsync(cpu: number, pid: number, fileId: number, data = false): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.syscall, cpu, pid, arg: data ? NR.fdatasync : NR.fsync, addr: fileId });
    this.count++;
  }

  /** An openat of file `fileId` (named in `addr`: the inode is in use until the close or the exit). */
  openFile(cpu: number, pid: number, fileId: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.syscall, cpu, pid, arg: NR.openat, addr: fileId });
    this.count++;
  }

  /** A close of file `fileId` (named in `addr`: the reference its open took goes, mirroring openFile). */
  closeFile(cpu: number, pid: number, fileId: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.syscall, cpu, pid, arg: NR.close, addr: fileId });
    this.count++;
  }

  /** Kernel-level temporary mapping of physical page `pfn` with `api`. */
  kmap(cpu: number, pid: number, api: KmapApi, pfn: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.kmap, cpu, pid, op: api, addr: pfn });
    this.count++;
  }

  /** Ends the temporary mapping of `pfn` made with `api`. */
  kunmap(cpu: number, pid: number, api: KmapApi, pfn: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.kunmap, cpu, pid, op: api, addr: pfn });
    this.count++;
  }

  /** The kernel touching `bytes` of physical page `pfn`. */
  kaccess(cpu: number, pid: number, pfn: number, bytes: number): void {
    this.run(cpu, pid);
    this.sink.push({ kind: EventKind.kaccess, cpu, pid, addr: pfn, len: bytes });
    this.count++;
  }
}

/** i386 system-call numbers the generators use (syscall_32.tbl). */
export const NR = {
  read: 3,
  write: 4,
  close: 6,
  openat: 295,
  fstat64: 197,
  fsync: 118,
  fdatasync: 148,
  pread64: 180,
  pwrite64: 181,
  sendfile64: 239,
  mmap2: 192,
  munmap: 91,
  mprotect: 125,
  brk: 45,
  clone: 120,
  execve: 11,
  exit_group: 252,
  wait4: 114,
  epoll_wait: 256,
} as const;

/** Shared user layout of generated processes (all below 0x40000000 so traces fit every split). */
export const LAYOUT = {
  /** Program text (classic i386 ELF base). */
  text: 0x08048000,
  /** Heap / data. */
  heap: 0x10000000,
  /** Shared libraries. */
  libs: 0x20000000,
  /** Stack: 1 MiB ending 64 KiB below 1 GiB. */
  stackTop: 0x3fff0000,
  stackSize: 0x100000,
} as const;

export { AccessOp };
