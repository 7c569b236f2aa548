import { AccessOp, ComputeFlags, EventKind, ProtBits, SyscallFlags, type TraceRecord } from '../records.ts';
import { parseCallText, parseIntText, parseStraceLine, StraceSyntaxError, type SecondsForm, type StraceCall } from './strace-line.ts';
import { i386SyscallNumber } from './strace-syscalls.ts';
import { PAGE_SIZE } from '../../units/address.ts';
import { execFds, FileIds, forkFds, lastDescriptor, PIPE_BUFFER_BYTES, type FdTable, type OpenFile } from './strace-files.ts';

/**
 * Turns parsed strace lines into trace records (pure: lines in, records out through `emit`).
 *
 * Per process the converter keeps: its CPU, its descriptor table (strace-files.ts), its program break and
 * the start of its heap, and at most one call left `<unfinished ...>`. A process is, at any time:
 * - *unknown*  — never seen; the first line that names it creates it, as the child of the most recent
 *                still-unfinished clone/fork/vfork (strace prints the child before the parent's call
 *                returns) or, if there is none, as a root process with no fork record;
 * - *live*     — has records; its fork record, if any, has been emitted;
 * - *exited*   — its `+++ exited/killed +++` line was seen and an `exit` record emitted.
 *
 * What each call becomes (after one `syscall` record with the i386 number, for every call):
 * - read/pread64/readv (result > 0) on a regular file or pipe → `read` (buffer, bytes, file id, offset);
 *   write/pwrite64/writev likewise → `write`. The buffer is the pointer argument when strace printed it
 *   (`-e raw=read,write,...`), else the start of the process's heap, 0 before any brk (a stand-in: default strace output
 *   shows the data, not the pointer). Devices, /proc, /sys, sockets and inherited descriptors → nothing more.
 * - mmap/mmap2 → `mmap` (result address, length, prot bits + shared bit, file id or 0, file offset);
 *   munmap → `munmap`; mprotect → `mprotect`; mremap → `munmap`/`mmap` of the difference;
 *   brk growing/shrinking the break → `mmap`/`munmap` of the difference (the first brk only learns it).
 * - clone/clone3/fork/vfork (result > 0) → `fork` (parent, child); threads are forks too (the vocabulary
 *   has no shared-mm thread); execve/execveat (result 0) → `exec`; `+++ exited/killed +++` → `exit`.
 * - open/openat/creat name the regular file they opened in the `syscall` record's `addr`; a close names
 *   it when it closes the process's last descriptor of that open file (a dup'ed or dup2'ed descriptor
 *   keeps the file open); after an `exec`, every regular file whose descriptors were all close-on-exec
 *   (O_CLOEXEC, dup3/F_DUPFD_CLOEXEC, fcntl F_SETFD FD_CLOEXEC, ioctl FIOCLEX) gets a `close` record
 *   flagged SyscallFlags.kernel (HMT 2.2, header `observed: ["execCloses"]`): the kernel closed it in
 *   the execve (do_close_on_exec), no call of its own.
 * - failed calls (result −1) → the `syscall` record only.
 * - user pages the calls imply: read/write buffers are touched by the replay's copy itself; an exec touches
 *   the new image — one instruction fetch of its text and a store to its data at stand-in addresses
 *   (EXEC_TEXT_STANDIN, EXEC_DATA_STANDIN: strace does not show where the kernel put the binary) and a
 *   store to the top page of the stack (STACK_TOP_STANDIN); a file mmap with PROT_EXEC is fetched from
 *   at its first page (the loader jumps into it), a private writable file mmap (a library's data) is
 *   written at its first page (relocations). Each is an `access` record: the replay derives its fault.
 * CPUs: a process runs on CPU (order of first appearance mod `cpus`); a `switch` record is emitted whenever
 * the process a CPU runs changes. Time: nanoseconds since the first timestamp of the log (`-ttt`, `-tt`,
 * or `-r` summed: a log whose first `SECONDS.MICROS` timestamp is 0.000000 is `-r`). The time a process spent
 * between the end of one call and the start of its next becomes a `compute` record in ns
 * (ComputeFlags.nanoseconds; the replay charges it at the model's clock); a call's end is its `-T` duration
 * after its start, or its `resumed` line. A `-T` duration is kept as the `syscall` record's observed time
 * (`len`, ns) for comparison, not charged.
 * Addresses are the host's (64-bit on x86_64 hosts): relocate them (src/trace/relocate.ts) to fit 32 bits.
 */

/** Where a converted record goes. */
export type RecordEmitter = (record: TraceRecord) => void;

/** Counters of what the converter saw and did (for import statistics and tests). */
export interface StraceCounts {
  /** Complete system calls (unfinished + resumed pairs count once). */
  calls: number;
  /** Distinct processes seen. */
  processes: number;
  signals: number;
  /** `read`/`write` records whose buffer address is the heap stand-in. */
  standInBuffers: number;
  /** Transfers on descriptors of kind `other` (no page-cache record). */
  otherTransfers: number;
  /** Distinct files and pipes given a file id. */
  files: number;
  /** `compute` records (time between a process's calls) and their total, ns. */
  computeRecords: number;
  computeNs: number;
  /** Calls with a `-T` duration, and the sum of those durations, ns. */
  timedCalls: number;
  observedSyscallNs: number;
  /** User page touches implied by exec and mmap. */
  touches: number;
  /** Timestamps read as `-r` (relative to the previous line). */
  relativeTimestamps: boolean;
}

/** Stand-in user addresses (host space, relocated like every other) of a new program image and its stack. */
export const EXEC_TEXT_STANDIN = 0x400000;
export const EXEC_DATA_STANDIN = 0x600000;
export const STACK_TOP_STANDIN = 0x7ffffffff000 - 4096;
/** Largest `len` of one compute record (u32 ns); longer gaps are split. */
const MAX_COMPUTE_NS = 0xffffffff;
/**
 * Longest time a process may spend between two calls: one hour (split into 839 compute records). A
 * larger jump is a damaged timestamp, not a traced program: 70 million seconds made 16 million records
 * and 2 GiB of memory out of a 40-line log.
 */
const MAX_GAP_NS = 3600e9;

interface Proc {
  readonly pid: number;
  readonly cpu: number;
  fds: FdTable;
  /** Start of the heap (first brk result of the current program image), null until seen. */
  heapStart: number | null;
  /** Current program break, null until seen. */
  brk: number | null;
  exited: boolean;
  /** exit/exit_group was called (the `+++ exited` line may be missing from a cut log). */
  exitCalled: boolean;
  /** Time of the last line of this process, ns. */
  lastNs: number;
  /** End of this process's last call (start + `-T` duration, or its resumed line), ns; null before its first call. */
  endNs: number | null;
  /** Start of the call left unfinished, ns. */
  pendingStartNs: number;
  /** A clone/fork/vfork call printed `<unfinished ...>`: children that appear now are its. */
  cloning: boolean;
  /** Children already announced (fork record emitted) before the parent's clone returned. */
  readonly announced: Set<number>;
  /** The first half of an interrupted call. */
  pending: { name: string; head: string } | null;
}

const CLONE_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);
/** i386 close (arch/x86/entry/syscalls/syscall_32.tbl). */
const NR_CLOSE = 6;

/** The stateful strace → records converter (see the module comment for what each call becomes). */
export class StraceConverter {
  private readonly procs = new Map<number, Proc>();
  private readonly files = new FileIds();
  private readonly running: number[];
  private firstUs: number | null = null;
  private nextCpu = 0;
  /** Pid order of unfinished clone calls (most recent last). */
  private readonly cloners: number[] = [];
  readonly counts: StraceCounts = {
    calls: 0,
    processes: 0,
    signals: 0,
    standInBuffers: 0,
    otherTransfers: 0,
    files: 0,
    computeRecords: 0,
    computeNs: 0,
    timedCalls: 0,
    observedSyscallNs: 0,
    touches: 0,
    relativeTimestamps: false,
  };
  /** Sum of `-r` timestamps so far, µs. */
  private relativeUs = 0;

  constructor(
    private readonly cpus: number,
    private readonly emit: RecordEmitter,
    /** Pid for lines without a pid column (strace without -f). */
    private readonly defaultPid = 1,
  ) {
    this.running = new Array<number>(cpus).fill(-1);
  }

  /** Converts one line. Throws StraceSyntaxError with what was expected when the line is malformed. */
  line(text: string): void {
    const parsed = parseStraceLine(text);
    if (parsed.type === 'note') return;
    const pid = parsed.pid ?? this.defaultPid;
    const timeNs = this.timeNs(parsed.timeUs, (parsed as SecondsForm).secondsForm === true);
    // Refused before any process state changes: a skipped line must leave nothing behind (its time
    // would otherwise become the process's last call end, and the next line's gap a huge compute).
    if (!(timeNs >= 0)) throw new StraceSyntaxError("a timestamp not before the log's first");
    switch (parsed.type) {
      case 'unfinished': {
        const p = this.proc(pid, timeNs);
        p.pending = { name: parsed.name, head: parsed.head };
        p.pendingStartNs = timeNs;
        if (CLONE_CALLS.has(parsed.name)) {
          p.cloning = true;
          this.cloners.push(pid);
        }
        return;
      }
      case 'resumed': {
        const p = this.proc(pid, timeNs);
        const pending = p.pending;
        if (pending === null || pending.name !== parsed.name) {
          throw new StraceSyntaxError(`an earlier '${parsed.name}(... <unfinished ...>' line of pid ${pid} before this resumed half`);
        }
        p.pending = null;
        const call = parseCallText(joinHalves(pending.head, parsed.tail));
        if (CLONE_CALLS.has(call.name)) this.endCloning(p);
        this.computeBefore(p, p.pendingStartNs);
        this.call(p, { type: 'call', pid, timeUs: parsed.timeUs, ...call }, timeNs);
        p.endNs = timeNs;
        return;
      }
      case 'call': {
        const p = this.proc(pid, timeNs);
        this.computeBefore(p, timeNs);
        this.call(p, parsed, timeNs);
        p.endNs = timeNs + (parsed.durationUs ?? 0) * 1000;
        return;
      }
      case 'signal':
        this.proc(pid, timeNs);
        this.counts.signals++;
        return;
      case 'exit': {
        const p = this.proc(pid, timeNs);
        if (!p.exited) {
          p.exited = true;
          this.record(p, { kind: EventKind.exit, cpu: p.cpu, pid, time: timeNs });
        }
        return;
      }
    }
  }

  /** Number of file ids handed out so far. */
  get fileCount(): number {
    return this.files.count;
  }

  private timeNs(us: number | null, secondsForm: boolean): number {
    if (us === null) return 0;
    if (this.firstUs === null) {
      this.firstUs = us;
      this.counts.relativeTimestamps = secondsForm && us === 0; // `-r` starts at 0.000000; `-ttt` at the epoch time
    }
    if (this.counts.relativeTimestamps) {
      this.relativeUs += us;
      return this.relativeUs * 1000;
    }
    return (us - this.firstUs) * 1000;
  }

  /** The time `p` spent since the end of its last call, up to `startNs`, as compute records (ns). */
  private computeBefore(p: Proc, startNs: number): void {
    if (p.endNs === null) return;
    let gap = Math.round(startNs - p.endNs);
    if (gap > MAX_GAP_NS) {
      throw new StraceSyntaxError(
        `a timestamp at most an hour after pid ${p.pid}'s previous call (this one is ${(gap / 1e9).toFixed(0)} s later)`,
      );
    }
    while (gap > 0) {
      const len = Math.min(gap, MAX_COMPUTE_NS);
      this.record(p, { kind: EventKind.compute, cpu: p.cpu, pid: p.pid, len, arg: ComputeFlags.nanoseconds, time: startNs });
      this.counts.computeRecords++;
      this.counts.computeNs += len;
      gap -= len;
    }
  }

  /** A user page touch the calls imply (see the module comment). */
  private touch(p: Proc, op: number, addr: number, time: number): void {
    this.counts.touches++;
    this.record(p, { kind: EventKind.access, cpu: p.cpu, pid: p.pid, op, addr, len: 1, time });
  }

  /** The process of a pid, creating it (and announcing it as a fork child) on first sight. */
  private proc(pid: number, timeNs: number): Proc {
    const known = this.procs.get(pid);
    if (known) return known;
    const parentPid = this.cloners.length > 0 ? this.cloners[this.cloners.length - 1]! : null;
    const parent = parentPid === null ? undefined : this.procs.get(parentPid);
    const p: Proc = {
      pid,
      cpu: this.nextCpu++ % this.cpus,
      fds: parent ? forkFds(parent.fds) : new Map(),
      heapStart: parent?.heapStart ?? null,
      brk: parent?.brk ?? null,
      exited: false,
      exitCalled: false,
      lastNs: timeNs,
      endNs: parent ? timeNs : null,
      pendingStartNs: timeNs,
      cloning: false,
      announced: new Set(),
      pending: null,
    };
    this.procs.set(pid, p);
    this.counts.processes++;
    if (parent) {
      parent.announced.add(pid);
      this.record(parent, { kind: EventKind.fork, cpu: parent.cpu, pid: parent.pid, arg: pid, time: timeNs });
    }
    return p;
  }

  private endCloning(p: Proc): void {
    p.cloning = false;
    const i = this.cloners.lastIndexOf(p.pid);
    if (i >= 0) this.cloners.splice(i, 1);
  }

  /** Emits a record of process `p`, preceded by a switch when its CPU was running another process. */
  private record(p: Proc, r: TraceRecord): void {
    if (this.running[p.cpu] !== p.pid) {
      this.running[p.cpu] = p.pid;
      this.emit({ kind: EventKind.switch, cpu: p.cpu, pid: p.pid, time: r.time ?? 0 });
    }
    this.emit(r);
  }

  /** The flags of an open, openat or creat call (creat's implied ones). */
  private openFlags(c: StraceCall): string {
    return c.name === 'creat' ? 'O_CREAT|O_WRONLY|O_TRUNC' : ((c.name === 'openat' ? c.args[2] : c.args[1]) ?? '');
  }

  /** The open file description a successful open, openat or creat call made. */
  private openPath(c: StraceCall): OpenFile {
    const flags = this.openFlags(c);
    const path = unquote((c.name === 'openat' ? c.args[1] : c.args[0]) ?? '');
    return this.files.open(path, /O_APPEND/.test(flags), /O_TRUNC/.test(flags));
  }

  private call(p: Proc, c: StraceCall, time: number): void {
    this.counts.calls++;
    const pid = p.pid;
    const cpu = p.cpu;
    const observed = c.durationUs !== null ? Math.min(Math.round(c.durationUs * 1000), 0xffffffff) : 0;
    if (c.durationUs !== null) {
      this.counts.timedCalls++;
      this.counts.observedSyscallNs += observed;
    }
    const ret = c.ret;
    const a = c.args;
    const ok = ret !== null && ret >= 0;
    // A successful open names the file it opened, a close the file it closed, in the record's `addr`
    // (traces/README.md: the machine holds the inode in use between them).
    const opened = ok && (c.name === 'open' || c.name === 'openat' || c.name === 'creat') ? this.openPath(c) : null;
    const closed = ok && c.name === 'close' ? lastDescriptor(p.fds, argInt(a, 0)) : undefined;
    const named = opened?.kind === 'file' ? opened.fileId : closed?.kind === 'file' ? closed.fileId : 0;
    this.record(p, {
      kind: EventKind.syscall,
      cpu,
      pid,
      arg: i386SyscallNumber(c.name),
      ...(named > 0 ? { addr: named } : {}),
      ...(observed > 0 ? { len: observed } : {}),
      time,
    });
    p.lastNs = time;
    if (c.name === 'exit' || c.name === 'exit_group') p.exitCalled = true;
    if (ret === null || ret < 0) return;
    switch (c.name) {
      case 'read':
      case 'readv':
      case 'pread64':
      case 'write':
      case 'writev':
      case 'pwrite64': {
        if (ret === 0) return;
        const fd = argInt(a, 0);
        const entry = p.fds.get(fd);
        const file = entry?.file;
        if (!file || file.kind === 'other') {
          this.counts.otherTransfers++;
          return;
        }
        const isRead = c.name.startsWith('read') || c.name === 'pread64';
        const positional = c.name === 'pread64' || c.name === 'pwrite64';
        const buf = c.name.endsWith('v') ? Number.NaN : parseIntText(a[1] ?? '');
        const addr = Number.isFinite(buf) ? buf : this.standIn(p);
        const off = this.transferOffset(file, isRead, positional ? argInt(a, 3) : null, ret);
        this.record(p, { kind: isRead ? EventKind.read : EventKind.write, cpu, pid, addr, len: ret, arg: file.fileId, off, time });
        return;
      }
      case 'open':
      case 'openat':
      case 'creat':
        p.fds.set(ret, { file: opened!, cloexec: /O_CLOEXEC/.test(this.openFlags(c)) });
        return;
      case 'close':
        p.fds.delete(argInt(a, 0));
        return;
      case 'dup':
        this.dupFd(p, argInt(a, 0), ret, false);
        return;
      case 'dup2':
      case 'dup3':
        this.dupFd(p, argInt(a, 0), ret, /O_CLOEXEC/.test(a[2] ?? ''));
        return;
      case 'fcntl':
      case 'fcntl64':
        if (/^F_DUPFD/.test(a[1] ?? '')) this.dupFd(p, argInt(a, 0), ret, a[1] === 'F_DUPFD_CLOEXEC');
        else if (a[1] === 'F_SETFD') this.setCloexec(p, argInt(a, 0), /FD_CLOEXEC/.test(a[2] ?? ''));
        return;
      case 'ioctl':
        if (a[1] === 'FIOCLEX' || a[1] === 'FIONCLEX') this.setCloexec(p, argInt(a, 0), a[1] === 'FIOCLEX');
        return;
      case 'pipe':
      case 'pipe2': {
        const ends = /^\[\s*(\d+)(?:<[^>]*>)?,\s*(\d+)(?:<[^>]*>)?\s*\]$/.exec(a[0] ?? '');
        if (!ends) throw new StraceSyntaxError(`a descriptor pair like [3, 4] as the first argument of ${c.name}`);
        const [r, w] = this.files.pipe();
        const cloexec = /O_CLOEXEC/.test(a[1] ?? '');
        p.fds.set(Number(ends[1]), { file: r, cloexec });
        p.fds.set(Number(ends[2]), { file: w, cloexec });
        return;
      }
      case 'socket':
      case 'accept':
      case 'accept4':
      case 'eventfd2':
      case 'epoll_create1':
        p.fds.set(ret, { file: this.files.other(), cloexec: false });
        return;
      case 'lseek': {
        const entry = p.fds.get(argInt(a, 0));
        if (entry) entry.file.offset = ret;
        return;
      }
      case 'mmap':
      case 'mmap2': {
        const len = argInt(a, 1);
        const prot = protBits(a[2] ?? '', a[3] ?? '');
        const anonymous = /MAP_ANONYMOUS|MAP_ANON\b/.test(a[3] ?? '');
        const fd = argInt(a, 4);
        const file = anonymous ? undefined : p.fds.get(fd)?.file;
        const pageOff = argInt(a, 5);
        const off = c.name === 'mmap2' ? pageOff * PAGE_SIZE : pageOff;
        this.record(p, { kind: EventKind.mmap, cpu, pid, op: prot, addr: ret, len, arg: file?.fileId ?? 0, off: file ? off : 0, time });
        if (file !== undefined && (prot & ProtBits.exec) !== 0) this.touch(p, AccessOp.ifetch, ret, time);
        else if (file !== undefined && (prot & ProtBits.write) !== 0 && (prot & ProtBits.shared) === 0)
          this.touch(p, AccessOp.store, ret, time);
        return;
      }
      case 'munmap':
        this.record(p, { kind: EventKind.munmap, cpu, pid, addr: argInt(a, 0), len: argInt(a, 1), time });
        return;
      case 'mprotect':
        this.record(p, { kind: EventKind.mprotect, cpu, pid, op: protBits(a[2] ?? '', ''), addr: argInt(a, 0), len: argInt(a, 1), time });
        return;
      case 'mremap': {
        const old = argInt(a, 0);
        const oldLen = argInt(a, 1);
        const newLen = argInt(a, 2);
        const rw = ProtBits.read | ProtBits.write;
        if (ret === old) {
          if (newLen > oldLen) this.record(p, { kind: EventKind.mmap, cpu, pid, op: rw, addr: old + oldLen, len: newLen - oldLen, time });
          else if (newLen < oldLen) this.record(p, { kind: EventKind.munmap, cpu, pid, addr: old + newLen, len: oldLen - newLen, time });
        } else {
          this.record(p, { kind: EventKind.munmap, cpu, pid, addr: old, len: oldLen, time });
          this.record(p, { kind: EventKind.mmap, cpu, pid, op: rw, addr: ret, len: newLen, time });
        }
        return;
      }
      case 'brk': {
        if (p.brk === null) {
          p.heapStart = ret;
          p.brk = ret;
          return;
        }
        const rw = ProtBits.read | ProtBits.write;
        if (ret > p.brk) this.record(p, { kind: EventKind.mmap, cpu, pid, op: rw, addr: p.brk, len: ret - p.brk, time });
        else if (ret < p.brk) this.record(p, { kind: EventKind.munmap, cpu, pid, addr: ret, len: p.brk - ret, time });
        p.brk = ret;
        return;
      }
      case 'clone':
      case 'clone3':
      case 'fork':
      case 'vfork': {
        if (ret === 0) return;
        if (p.announced.delete(ret)) return;
        const known = this.procs.get(ret);
        if (known) return; // the child was seen first with no unfinished clone to attach it to
        this.cloners.push(pid);
        this.proc(ret, time);
        this.endCloning(p);
        return;
      }
      case 'execve':
      case 'execveat':
        if (ret !== 0) return;
        p.heapStart = null;
        p.brk = null;
        this.record(p, { kind: EventKind.exec, cpu, pid, time });
        for (const file of execFds(p.fds)) {
          if (file.kind === 'file')
            this.record(p, { kind: EventKind.syscall, cpu, pid, op: SyscallFlags.kernel, arg: NR_CLOSE, addr: file.fileId, time });
        }
        this.touch(p, AccessOp.ifetch, EXEC_TEXT_STANDIN, time);
        this.touch(p, AccessOp.store, EXEC_DATA_STANDIN, time);
        this.touch(p, AccessOp.store, STACK_TOP_STANDIN, time);
        return;
      default:
        return;
    }
  }

  /** Sets or clears the close-on-exec flag of descriptor `fd` (a descriptor not known: nothing). */
  private setCloexec(p: Proc, fd: number, cloexec: boolean): void {
    const entry = p.fds.get(fd);
    if (entry !== undefined) p.fds.set(fd, { file: entry.file, cloexec });
  }

  private dupFd(p: Proc, from: number, to: number, cloexec: boolean): void {
    const entry = p.fds.get(from);
    p.fds.set(to, { file: entry?.file ?? this.files.other(), cloexec });
  }

  /** File offset of a transfer of `bytes`, advancing the description's offset when not positional. */
  private transferOffset(file: OpenFile, isRead: boolean, position: number | null, bytes: number): number {
    if (file.pipe) {
      const s = file.pipe;
      const at = isRead ? s.read : s.written;
      if (isRead) s.read += bytes;
      else s.written += bytes;
      return at % PIPE_BUFFER_BYTES;
    }
    let at: number;
    if (position !== null) at = position;
    else {
      if (!isRead && file.append) file.offset = this.files.size(file.fileId);
      at = file.offset;
      file.offset += bytes;
    }
    if (!isRead) this.files.grow(file.fileId, at + bytes);
    return at;
  }

  private standIn(p: Proc): number {
    this.counts.standInBuffers++;
    return p.heapStart ?? 0;
  }

  /**
   * Finishes the conversion: a process that called exit/exit_group but whose `+++ exited` line is missing
   * (the log was cut) gets its `exit` record at its last timestamp; fills in the last counters.
   */
  finish(): StraceCounts {
    for (const p of this.procs.values()) {
      if (p.exitCalled && !p.exited) {
        p.exited = true;
        this.record(p, { kind: EventKind.exit, cpu: p.cpu, pid: p.pid, time: p.lastNs });
      }
    }
    this.counts.files = this.files.count;
    return this.counts;
  }
}

/** Joins `read(3, ` and `"abc"..., 4096) = 3` into one call text. */
function joinHalves(head: string, tail: string): string {
  const h = head.trimEnd();
  if (tail.startsWith(')') || tail.startsWith(',') || h.endsWith('(') || h.endsWith(',')) return h + tail;
  return `${h} ${tail}`;
}

function argInt(args: readonly string[], i: number): number {
  const text = args[i];
  if (text === undefined) throw new StraceSyntaxError(`an argument #${i + 1}`);
  if (text === 'NULL') return 0;
  const n = parseIntText(text);
  if (Number.isNaN(n)) throw new StraceSyntaxError(`an integer as argument #${i + 1}, found '${text.slice(0, 40)}'`);
  return n;
}

/** PROT_* and MAP_SHARED flag texts → ProtBits. */
function protBits(prot: string, flags: string): number {
  let bits = 0;
  if (/PROT_READ/.test(prot)) bits |= ProtBits.read;
  if (/PROT_WRITE/.test(prot)) bits |= ProtBits.write;
  if (/PROT_EXEC/.test(prot)) bits |= ProtBits.exec;
  if (/MAP_SHARED/.test(flags)) bits |= ProtBits.shared;
  return bits;
}

/** `"/data/in.txt"` → `/data/in.txt` (C escapes kept as written: they only need to identify the path). */
function unquote(text: string): string {
  const m = /^"(.*)"(?:\.\.\.)?$/s.exec(text);
  return m ? m[1]! : text;
}
