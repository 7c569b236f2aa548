import {
  AccessFlags,
  AccessOp,
  EventKind,
  KmapApi,
  KmapPurpose,
  TLB_FLUSH_ALL,
  TlbFlushFlags,
  TlbFlushReason,
  type TraceRecord,
} from '../records.ts';
import { i386SyscallNumber } from './strace-syscalls.ts';
import { PAGE_SIZE } from '../../units/address.ts';
import { heldRecordProblem, RecordRangeError } from './strace-ftrace-lines.ts';
import { FtraceSyntaxError, intField, parseFtraceLine, type FtraceEvent } from './ftrace-line.ts';

/**
 * Turns ftrace events from a real 32-bit kernel into configuration-independent records.
 *
 * The point is that the trace says what the kernel *did to which physical page*, not how the captured
 * kernel happened to do it, so that a replay under another configuration pays that configuration's price:
 *
 * - `kmap_local pfn=P` (kprobe on __kmap_local_pfn_prot): the captured kernel mapped highmem page P through
 *   a per-CPU fixmap slot → `kmap` (api local, pfn P), pushed on the slot stack of (CPU, pid).
 * - `kunmap_local addr=A` (kprobe on kunmap_local_indexed, called for every kunmap_local):
 *   - A in the captured kernel's direct map [PAGE_OFFSET, PAGE_OFFSET + 896 MiB): a LOWMEM page the kernel
 *     touched through kmap_local_page() with no mapping needed (lowmem pages never reach
 *     __kmap_local_pfn_prot). Emitted as `kmap` + `kunmap` (api local, pfn (A − PAGE_OFFSET) >> 12), both
 *     at this timestamp: the map time is unknown (the kprobe only sees the unmap), and an adjacent pair
 *     keeps every slot stack properly nested.
 *   - A above the direct map (fixmap, 0xfff…, possibly with an in-page offset): pops the slot stack of
 *     (CPU, pid) → `kunmap` of the pfn that was mapped there. The stack is per task because kmap_local
 *     state lives in the task (kmap_ctrl) and migration is disabled while a mapping is held; an unmap with
 *     an empty stack (mapped before the capture began) is counted and dropped.
 *   So both lowmem and highmem touches become "the kernel temporarily mapped page P with API local":
 *   replayed where P is highmem it pays for a kmap_local; where P is lowmem it pays nothing.
 * - Each kmap/kunmap pair carries its **purpose** (`arg`, KmapPurpose, HMT 1.1), known at the unmap:
 *   - `pageTable`: the unmap address has an in-page offset — pte_unmap(pte) passes the PTE pointer
 *     (pte_offset_map / pte_offset_map_lock under HIGHPTE), every data path unmaps the page's base;
 *   - `cowCopy`: in a fault window (after a page_fault_user of the same task, until its next syscall or
 *     fault), two page-aligned maps held at once (copy_user_highpage maps source and destination);
 *   - `clear`: in a fault window, a page-aligned map held alone (clear_user_highpage of a new page);
 *   - `pageCache`: any other page-aligned map (outside faults the traced tasks map pages only to copy
 *     file data: generic_perform_write / filemap_read, shmem_write_begin's zeroing);
 *   - `other`: kmap_high (pkmap) maps and maps still open at the end of the capture.
 *   So that the kmap record can carry what only its unmap shows, a CPU's records are held back while it
 *   has a map open and released, in order, when its last map is undone.
 * - `kmap_high` / `kunmap_high` (pkmap): `kmap`/`kunmap` with api pkmap. The kprobe argument is a
 *   `struct page *`, not a pfn; a `pfn=` field is used when present, otherwise each distinct page pointer
 *   gets a stand-in pfn from PKMAP_STANDIN_PFN up, in order of first appearance (same pointer, same pfn).
 * - `flush_zero_pkmaps`: not emitted — the replay models pkmap wrap flushes from the configuration it
 *   simulates; counted in FtraceCounts.
 * - `tlb_flush pages:N reason:R` → `tlbflush` (HMT 2.1; op R, len N, TLB_FLUSH_ALL for -1), counted by
 *   reason. A task switch's (0) carries the pid of the task the CPU's latest sched_switch switched to
 *   (the event fires before the task column changes): the replay loads that mm then. Its first
 *   page (addr, flag addressKnown) comes from the `tlb_range` kprobe on flush_tlb_mm_range when the
 *   capture has it (the initiator's own flush and IPIs use its latest range, a shootdown received the
 *   latest range of another CPU), or, for one page in a fault window, from the fault's address
 *   (ptep_clear_flush of a copy-on-write); otherwise it is unknown.
 * - `sched_switch` → `switch` (cpu, next_pid).
 * - `page_fault_user address=A error_code=E` → `access` (user address A, 1 byte; op store when the
 *   write bit 0x2 is set, ifetch when the instruction-fetch bit 0x10 is set, else load) flagged
 *   `observedFault` (AccessFlags): the replay installs the page but derives none of what the kernel did
 *   for the fault — that is in the capture as kmap records (clear, copy, page-table maps).
 * - `sys_enter_write` (printed `sys_write(...)`) → `syscall` number 4 (i386 __NR_write); other
 *   `sys_enter_NAME` events → `syscall` with NAME's i386 number (strace-syscalls.ts); `sys_exit_*`
 *   (`sys_NAME -> result`) events are counted as other.
 * - any other event: counted in `otherEvents`, not emitted.
 * Every record carries the event's CPU, the pid of the task column and the timestamp in ns.
 */

/**
 * The kprobes this converter consumes, as `tracing/kprobe_events` definitions (name, probe point,
 * fetch arguments; i386 passes the first argument in EAX). The capture kit (tools/capture/capture.sh)
 * enables exactly these (tests/trace/capture-kit.test.ts).
 */
export const FTRACE_KPROBES: readonly string[] = [
  'kmap_local __kmap_local_pfn_prot pfn=%ax:u32',
  'kunmap_local kunmap_local_indexed addr=%ax:x32',
  'kmap_high kmap_high page=%ax:x32',
  'kunmap_high kunmap_high page=%ax:x32',
  'flush_zero_pkmaps flush_all_zero_pkmaps',
  // flush_tlb_mm_range(mm, start, end, stride_shift, freed_tables): start in EDX, end in ECX (regparm 3).
  'tlb_range flush_tlb_mm_range start=%dx:x32 end=%cx:x32',
];
/** The tracepoints this converter consumes (subsystem/event); other sys_enter_* events are read too. */
export const FTRACE_TRACEPOINTS: readonly string[] = [
  'sched/sched_switch',
  'tlb/tlb_flush',
  'exceptions/page_fault_user',
  'syscalls/sys_enter_write',
];

/** PAGE_OFFSET of the captured kernel (3G/1G split): start of its direct map. */
export const CAPTURED_PAGE_OFFSET = 0xc0000000;
/** End of the largest direct map a 3G/1G kernel can have (896 MiB of lowmem). */
export const CAPTURED_DIRECT_MAP_END = CAPTURED_PAGE_OFFSET + 896 * 1024 * 1024;
/** First stand-in pfn for pkmap pages known only by their struct page pointer (4 GiB − 1 GiB: highmem under every split). */
export const PKMAP_STANDIN_PFN = 0xc0000;
/** i386 __NR_write. */
const NR_WRITE = 4;

/** What the converter saw (exact counts for tests and the import summary). */
export interface FtraceCounts {
  events: number;
  /** kmap_local of highmem pages (captured kernel). */
  kmapLocalHigh: number;
  /** kunmap_local of direct-map (lowmem) addresses. */
  kunmapLocalLow: number;
  /** kunmap_local of fixmap slots paired with a preceding kmap_local. */
  kunmapLocalHigh: number;
  /** kunmap_local of a fixmap slot with an empty slot stack (mapped before the capture). */
  unpairedUnmaps: number;
  kmapHigh: number;
  kunmapHigh: number;
  flushZeroPkmaps: number;
  switches: number;
  pageFaults: number;
  syscalls: number;
  /** tlb_flush events by reason number (0 task switch, 1 remote shootdown, 2 local shootdown, 3 local mm shootdown, 4 remote send IPI). */
  tlbFlushByReason: Record<string, number>;
  /** flush_tlb_mm_range calls seen (kprobe `tlb_range`: the range a flush covers). */
  tlbRanges: number;
  /** tlbflush records of some pages whose first page is known (from a range, or a copy-on-write fault's page). */
  tlbFlushAddressed: number;
  /** Captured kmaps (highmem maps and direct-map pairs) by purpose (KMAP_PURPOSE_NAMES order). */
  byPurpose: Record<string, number>;
  /** Events of other kinds (skipped). */
  otherEvents: number;
  /** `#P:N` of the capture's header (0 when absent). */
  headerCpus: number;
}

/** A map on a slot stack: its record, whether it was made in a fault window, whether another map nested with it. */
interface OpenMap {
  pfn: number;
  record: TraceRecord;
  inFault: boolean;
  nested: boolean;
}

const PURPOSE_NAMES = ['other', 'pageTable', 'clear', 'cowCopy', 'pageCache'] as const;

/** Where converted records go. */
export type RecordEmitter = (record: TraceRecord) => void;

/** The stateful ftrace → records converter (see the module comment for what each event becomes). */
export class FtraceConverter {
  /** Slot stacks of kmap_local, keyed `cpu:pid`: the maps open, innermost last. */
  private readonly stacks = new Map<string, OpenMap[]>();
  /** Tasks (`cpu:pid`) in a fault window: after a page_fault_user, until their next syscall or fault. */
  private readonly inFault = new Map<string, number>();
  /** Per CPU: the range of its latest flush_tlb_mm_range (kprobe `tlb_range`), until its local flush uses it. */
  private readonly ranges: Array<{ start: number; end: number } | undefined> = [];
  /** Per CPU: the pid its latest sched_switch switched to (a task switch's flush loads that task's mm). */
  private readonly switchedTo: number[] = [];
  /** The latest flush_tlb_mm_range of any CPU: the range a shootdown IPI asks the others to flush. */
  private lastRange: { cpu: number; start: number; end: number } | undefined;
  /** Per CPU: maps open, and the records held back until the last of them is undone. */
  private readonly open: number[] = [];
  private readonly held: TraceRecord[][] = [];
  /** struct page pointer → stand-in pfn (pkmap events without a pfn field). */
  private readonly pagePfns = new Map<number, number>();
  /** Highest CPU number seen + 1. */
  cpusSeen = 0;
  readonly counts: FtraceCounts = {
    events: 0,
    kmapLocalHigh: 0,
    kunmapLocalLow: 0,
    kunmapLocalHigh: 0,
    unpairedUnmaps: 0,
    kmapHigh: 0,
    kunmapHigh: 0,
    flushZeroPkmaps: 0,
    switches: 0,
    pageFaults: 0,
    syscalls: 0,
    tlbFlushByReason: {},
    tlbRanges: 0,
    tlbFlushAddressed: 0,
    byPurpose: Object.fromEntries(PURPOSE_NAMES.map((n) => [n, 0])),
    otherEvents: 0,
    headerCpus: 0,
  };
  private readonly emit: RecordEmitter;

  /** @param cpus CPUs of the output trace: events of a CPU ≥ cpus are an error. */
  constructor(
    private readonly cpus: number,
    emit: RecordEmitter,
  ) {
    this.emit = (r) => {
      if ((this.open[r.cpu] ?? 0) > 0) {
        const problem = heldRecordProblem(r);
        if (problem !== undefined) throw new RecordRangeError(problem);
        this.held[r.cpu]!.push(r);
      } else emit(r);
    };
    this.release = (cpu) => {
      const h = this.held[cpu];
      if (h === undefined || h.length === 0) return;
      this.held[cpu] = [];
      for (const r of h) emit(r);
    };
  }
  private readonly release: (cpu: number) => void;

  /** Converts one line. Throws FtraceSyntaxError with what was expected when the line is malformed. */
  line(text: string): void {
    const header = /#P:(\d+)/.exec(text);
    if (header && text.startsWith('#')) this.counts.headerCpus = Number(header[1]);
    if (header && text.startsWith('#') && Number(header[1]) > this.cpus) {
      throw new FtraceSyntaxError(
        `at most ${this.cpus} CPU${this.cpus === 1 ? '' : 's'} (the trace's ` +
          `CPU count): this capture has ${header[1]}, use --cpus ${header[1]}`,
      );
    }
    const e = parseFtraceLine(text);
    if (e === null) return;
    if (e.cpu >= this.cpus)
      throw new FtraceSyntaxError(`a CPU number below ${this.cpus} (the trace's CPU count; use --cpus), found [${e.cpu}]`);
    this.cpusSeen = Math.max(this.cpusSeen, e.cpu + 1);
    this.counts.events++;
    this.event(e);
  }

  private event(e: FtraceEvent): void {
    const base = { cpu: e.cpu, pid: e.pid, time: e.timeNs };
    const c = this.counts;
    switch (e.event) {
      case 'kmap_local': {
        const pfn = intField(e.fields, 'pfn');
        const stack = this.stack(e);
        const record: TraceRecord = { kind: EventKind.kmap, op: KmapApi.local, addr: pfn, arg: KmapPurpose.other, ...base };
        // Checked before the map is pushed: a bad line (skipped with --skip-bad) leaves no open map behind.
        const problem = heldRecordProblem(record);
        if (problem !== undefined) throw new RecordRangeError(problem);
        const map: OpenMap = { pfn, record, inFault: this.inFault.has(`${e.cpu}:${e.pid}`), nested: false };
        const outer = stack[stack.length - 1];
        if (outer !== undefined) outer.nested = map.nested = true;
        c.kmapLocalHigh++;
        stack.push(map);
        this.open[e.cpu] = (this.open[e.cpu] ?? 0) + 1;
        this.held[e.cpu] ??= [];
        this.emit(record); // held back until its unmap says what it was for
        return;
      }
      case 'kunmap_local': {
        const addr = intField(e.fields, 'addr', true);
        if (addr >= CAPTURED_PAGE_OFFSET && addr < CAPTURED_DIRECT_MAP_END) {
          const pfn = Math.floor((addr - CAPTURED_PAGE_OFFSET) / PAGE_SIZE);
          c.kunmapLocalLow++;
          const arg = this.purpose(addr, this.inFault.has(`${e.cpu}:${e.pid}`), false);
          this.emit({ kind: EventKind.kmap, op: KmapApi.local, addr: pfn, arg, ...base });
          this.emit({ kind: EventKind.kunmap, op: KmapApi.local, addr: pfn, arg, ...base });
          return;
        }
        const map = this.stack(e).pop();
        if (map === undefined) {
          c.unpairedUnmaps++;
          return;
        }
        c.kunmapLocalHigh++;
        const arg = this.purpose(addr, map.inFault, map.nested);
        map.record.arg = arg;
        this.emit({ kind: EventKind.kunmap, op: KmapApi.local, addr: map.pfn, arg, ...base });
        if (--this.open[e.cpu]! === 0) this.release(e.cpu);
        return;
      }
      case 'kmap_high':
      case 'kunmap_high': {
        const pfn = this.pkmapPfn(e.fields);
        const map = e.event === 'kmap_high';
        if (map) c.kmapHigh++;
        else c.kunmapHigh++;
        this.emit({ kind: map ? EventKind.kmap : EventKind.kunmap, op: KmapApi.pkmap, addr: pfn, ...base });
        return;
      }
      case 'flush_zero_pkmaps':
        c.flushZeroPkmaps++;
        return;
      case 'tlb_range': {
        const range = { start: intField(e.fields, 'start', true), end: intField(e.fields, 'end', true) };
        this.ranges[e.cpu] = range;
        this.lastRange = { cpu: e.cpu, ...range };
        c.tlbRanges++;
        return;
      }
      case 'tlb_flush': {
        const reason = Number(/reason:.*?\((\d+)\)/.exec(e.fields)?.[1] ?? fieldValueLoose(e.fields, 'reason') ?? NaN);
        const pages = Number(fieldValueLoose(e.fields, 'pages') ?? NaN);
        if (!Number.isInteger(reason) || reason < 0 || reason > TlbFlushReason.remoteSendIpi || !Number.isInteger(pages) || pages < -1)
          throw new FtraceSyntaxError(`a tlb_flush with pages:N (N ≥ -1) and reason:... (0..4), found '${e.fields}'`);
        c.tlbFlushByReason[String(reason)] = (c.tlbFlushByReason[String(reason)] ?? 0) + 1;
        const record: TraceRecord = { kind: EventKind.tlbflush, op: reason, len: pages === -1 ? TLB_FLUSH_ALL : pages, ...base };
        // A task switch's flush fires in context_switch, while the task column still shows the task
        // switched from: the mm it loads is the switched-to task's (an exec's flush shows its own task).
        if (reason === TlbFlushReason.taskSwitch) record.pid = this.switchedTo[e.cpu] ?? e.pid;
        if (pages > 0) {
          const start = this.flushStart(e, reason, pages);
          if (start !== undefined) {
            record.addr = start;
            record.arg = TlbFlushFlags.addressKnown;
          }
        }
        this.emit(record);
        return;
      }
      case 'sched_switch': {
        // tracing/trace prints `... ==> next_comm=X next_pid=N ...`; trace-cmd report prints `... ==> X:N [prio]`.
        const cmd = /==>\s*.*:(\d+)\s*\[/.exec(e.fields);
        const next = /\bnext_pid=/.test(e.fields) || !cmd ? intField(e.fields, 'next_pid') : Number(cmd[1]);
        c.switches++;
        this.switchedTo[e.cpu] = next;
        this.emit({ kind: EventKind.switch, cpu: e.cpu, pid: next, time: e.timeNs });
        return;
      }
      case 'page_fault_user': {
        const address = intField(e.fields, 'address', true);
        const code = intField(e.fields, 'error_code', true);
        const op = code & 0x2 ? AccessOp.store : code & 0x10 ? AccessOp.ifetch : AccessOp.load;
        c.pageFaults++;
        this.inFault.set(`${e.cpu}:${e.pid}`, address);
        this.emit({ kind: EventKind.access, op, addr: address, len: 1, arg: AccessFlags.observedFault, ...base });
        return;
      }
      case 'sys_write':
      case 'sys_enter_write':
        this.inFault.delete(`${e.cpu}:${e.pid}`);
        c.syscalls++;
        this.emit({ kind: EventKind.syscall, arg: NR_WRITE, ...base });
        return;
      default: {
        // Other syscall-entry events print as `sys_NAME(args)` (or `sys_enter_NAME: args` in trace-cmd).
        const name = /^sys_(?:enter_)?(\w+)$/.exec(e.event)?.[1];
        if (name !== undefined && !e.fields.startsWith('->') && !e.event.startsWith('sys_exit')) {
          this.inFault.delete(`${e.cpu}:${e.pid}`);
          c.syscalls++;
          this.emit({ kind: EventKind.syscall, arg: i386SyscallNumber(name), ...base });
        } else c.otherEvents++;
      }
    }
  }

  /**
   * The first page of a flush of `pages` pages (see the module comment), or undefined: the range of this
   * CPU's flush_tlb_mm_range for its own flush (reason 3, which uses it up) and its IPIs (4), the latest
   * range of another CPU for a shootdown received (1); without a range, a one-page flush in a fault window
   * is the faulting page's (ptep_clear_flush of a copy-on-write).
   */
  private flushStart(e: FtraceEvent, reason: number, pages: number): number | undefined {
    let range: { start: number; end: number } | undefined;
    if (reason === TlbFlushReason.remoteShootdown) range = this.lastRange?.cpu !== e.cpu ? this.lastRange : undefined;
    else if (reason !== TlbFlushReason.localShootdown) range = this.ranges[e.cpu];
    if (reason === TlbFlushReason.localMmShootdown) this.ranges[e.cpu] = undefined;
    if (range !== undefined && Math.floor((range.end - range.start) / PAGE_SIZE) === pages) {
      this.counts.tlbFlushAddressed++;
      return range.start - (range.start % PAGE_SIZE);
    }
    const fault = this.inFault.get(`${e.cpu}:${e.pid}`);
    if (fault !== undefined && pages === 1 && reason === TlbFlushReason.localMmShootdown) {
      this.counts.tlbFlushAddressed++;
      return fault - (fault % PAGE_SIZE);
    }
    return undefined;
  }

  /** The purpose of a map undone at `addr` (see the module comment), counted. */
  private purpose(addr: number, inFault: boolean, nested: boolean): number {
    const p =
      addr % 4096 !== 0 ? KmapPurpose.pageTable : inFault ? (nested ? KmapPurpose.cowCopy : KmapPurpose.clear) : KmapPurpose.pageCache;
    this.counts.byPurpose[PURPOSE_NAMES[p]!]!++;
    return p;
  }

  /** End of input: maps still open keep purpose `other`; every held record goes out. */
  finish(): void {
    for (let cpu = 0; cpu < this.held.length; cpu++) {
      this.open[cpu] = 0;
      this.release(cpu);
    }
  }

  private stack(e: FtraceEvent): OpenMap[] {
    const key = `${e.cpu}:${e.pid}`;
    let s = this.stacks.get(key);
    if (!s) {
      s = [];
      this.stacks.set(key, s);
    }
    return s;
  }

  private pkmapPfn(fields: string): number {
    if (/\bpfn=/.test(fields)) return intField(fields, 'pfn');
    const page = intField(fields, 'page', true);
    let pfn = this.pagePfns.get(page);
    if (pfn === undefined) {
      pfn = PKMAP_STANDIN_PFN + this.pagePfns.size;
      this.pagePfns.set(page, pfn);
    }
    return pfn;
  }

  /** Mappings still open at the end of the capture (per task slot stacks). */
  openMappings(): number {
    let n = 0;
    for (const s of this.stacks.values()) n += s.length;
    return n;
  }
}

function fieldValueLoose(fields: string, name: string): string | undefined {
  return new RegExp(`${name}[:=](\\S+)`).exec(fields)?.[1];
}
