/**
 * The trace vocabulary (DESIGN.md "Event vocabulary"): what a workload did, independent of configuration.
 *
 * In memory a trace is a sequence of `RecordBatch`es: one CPU's records, column by column, in typed arrays.
 * The same columns are what an HMT chunk carries on disk (see traces/README.md). Every record has every
 * column; a column a kind does not use is 0. Meaning of the generic columns per kind:
 *
 * | kind      | op                 | pid     | addr                 | len            | arg          | off          |
 * |-----------|--------------------|---------|----------------------|----------------|--------------|--------------|
 * | access    | AccessOp           | pid     | user virtual address | size (bytes)   | AccessFlags  |              |
 * | compute   |                    | pid     |                      | cycles (or ns) | ComputeFlags |              |
 * | switch    |                    | new pid |                      |                |              |              |
 * | syscall   |                    | pid     |                      | observed ns    | number       |              |
 * | read      |                    | pid     | user buffer address  | length (bytes) | file id      | file offset  |
 * | write     |                    | pid     | user buffer address  | length (bytes) | file id      | file offset  |
 * | mmap      | ProtBits           | pid     | start address        | length (bytes) | file id (0 = anonymous) | file offset |
 * | munmap    |                    | pid     | start address        | length (bytes) |              |              |
 * | mprotect  | ProtBits           | pid     | start address        | length (bytes) |              |              |
 * | fork      |                    | parent  |                      |                | child pid    |              |
 * | exec      |                    | pid     |                      |                |              |              |
 * | exit      |                    | pid     |                      |                |              |              |
 * | kmap      | KmapApi            | pid     | physical frame (pfn) |                | KmapPurpose  |              |
 * | kunmap    | KmapApi            | pid     | physical frame (pfn) |                | KmapPurpose  |              |
 * | kaccess   |                    | pid     | physical frame (pfn) | bytes          |              |              |
 * | tlbflush  | TlbFlushReason     | pid     | first user address   | pages (TLB_FLUSH_ALL: all) | TlbFlushFlags | |
 *
 * `cpu` is the CPU the event ran on (chunk-level on disk: a chunk holds one CPU's records).
 * `time` is an optional timestamp in nanoseconds from the source (ftrace); 0 when the source has none.
 */

/** Record kinds. The numeric values are the on-disk codes of HMT v1 and must never change. */
export const EventKind = {
  access: 0,
  compute: 1,
  switch: 2,
  syscall: 3,
  read: 4,
  write: 5,
  mmap: 6,
  munmap: 7,
  mprotect: 8,
  fork: 9,
  exec: 10,
  exit: 11,
  kmap: 12,
  kunmap: 13,
  kaccess: 14,
  /** HMT 2.1: a user TLB flush a kernel capture observed (ftrace tlb_flush); see TlbFlushReason. */
  tlbflush: 15,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];
export type EventKindName = keyof typeof EventKind;
export const EVENT_KIND_NAMES: readonly EventKindName[] = Object.keys(EventKind) as EventKindName[];
export const KIND_COUNT = EVENT_KIND_NAMES.length;
/** Kinds of HMT 2.0 and older (0..14: every kind before tlbflush); record counts by kind list them, 0 or not. */
export const HMT_2_0_KINDS: number = EventKind.tlbflush;

/** Record counts by kind name: every kind of HMT 2.0, and a later kind (tlbflush) only when there are some. */
export function recordsByKind(byKind: ArrayLike<number>): Record<string, number> {
  const records: Record<string, number> = {};
  EVENT_KIND_NAMES.forEach((name, k) => {
    const n = byKind[k] ?? 0;
    if (k < HMT_2_0_KINDS || n > 0) records[name] = n;
  });
  return records;
}

/**
 * Kinds whose `addr` is a user virtual address (the record-range check of addressBits, relocation); a
 * tlbflush's only with its addressKnown flag.
 */
export const USER_ADDRESS_KINDS: readonly EventKind[] = [
  EventKind.access,
  EventKind.read,
  EventKind.write,
  EventKind.mmap,
  EventKind.munmap,
  EventKind.mprotect,
  EventKind.tlbflush,
];

/** `op` of an access record. A modify (read-modify-write) is one access that dirties the page. */
export const AccessOp = { load: 0, store: 1, ifetch: 2, modify: 3 } as const;
export type AccessOp = (typeof AccessOp)[keyof typeof AccessOp];

/**
 * `arg` of an access record (HMT 1.1): flag bits. `observedFault`: the source saw this access fault
 * (ftrace page_fault_user) — the replay installs the page as the kernel did but derives nothing the
 * source also recorded (no clear, page-table page or PTE-write mapping: those are kmap records of their
 * own). 0 in HMT 1.0 traces: every fault is derived.
 */
export const AccessFlags = { observedFault: 1 } as const;

/**
 * `arg` of a compute record (HMT 1.1): flag bits. `nanoseconds`: `len` is an observed time in ns (the
 * time a process spent between two system calls in a strace log), charged at the cost model's clock;
 * without it `len` is cycles, as in 1.0.
 */
export const ComputeFlags = { nanoseconds: 1 } as const;

/**
 * `arg` of kmap/kunmap records (HMT 1.1): what the kernel mapped the frame for, as the importer saw it.
 * Each purpose is made with the kernel profile's API for that path (KmapPolicy); `other` (0, and every
 * HMT 1.0 record) keeps the record's own API as before (Machine.eraApi).
 */
export const KmapPurpose = { other: 0, pageTable: 1, clear: 2, cowCopy: 3, pageCache: 4 } as const;
export type KmapPurpose = (typeof KmapPurpose)[keyof typeof KmapPurpose];
/** @public The name of each KmapPurpose, in value order (the order of per-purpose kmap counts). */
export const KMAP_PURPOSE_NAMES = ['other', 'pageTable', 'clear', 'cowCopy', 'pageCache'] as const;

/**
 * `capture` of a trace header (HMT 1.1): the configuration of the box a kernel capture was made on. A
 * replay under the same configuration and RAM uses the captured frame numbers as they are; under any
 * other it re-allocates each captured frame on first sight (src/machine/captured-frames.ts).
 */
export interface CaptureInfo {
  /** Configuration preset of the captured kernel (`3g1g-pae`, ...). */
  readonly config: string;
  /** Kernel profile (`debian-6.1-686-pae`, ...). */
  readonly kernel: string;
  /** Highest RAM address + 1, bytes. */
  readonly ram: number;
  /** Online CPUs of the box. */
  readonly cpus?: number;
  /** `uname -r` of the box, when known. */
  readonly release?: string;
}

/**
 * `op` of a tlbflush record (HMT 2.1): the `reason` of the kernel's tlb_flush tracepoint
 * (include/linux/mm_types.h enum tlb_flush_reason).
 * - taskSwitch (0): switch_mm loaded another mm on this CPU (a switch to a task with another mm, or an
 *   exec's new mm): a CR3 write. In a trace that observes TLB flushes the replay's context switch loads
 *   no mm itself (a switch to a kernel thread, which keeps the previous mm, makes no such record);
 * - remoteShootdown (1): this CPU flushed in the interrupt of another CPU's shootdown IPI;
 * - localShootdown (2): this CPU flushed for no particular mm (arch_tlbbatch_flush after reclaim unmapped pages);
 * - localMmShootdown (3): this CPU flushed for its own mm (flush_tlb_mm_range: munmap, mprotect, fork,
 *   copy-on-write, exec);
 * - remoteSendIpi (4): this CPU sent the shootdown IPIs of such a flush and waited for them.
 */
export const TlbFlushReason = { taskSwitch: 0, remoteShootdown: 1, localShootdown: 2, localMmShootdown: 3, remoteSendIpi: 4 } as const;
/** `len` of a tlbflush record that flushed every user translation: the kernel's TLB_FLUSH_ALL (-1UL) as a u32. */
export const TLB_FLUSH_ALL = 0xffffffff;
/** `arg` of a tlbflush record (HMT 2.1): flag bits. `addressKnown`: `addr` is the first flushed page's user address. */
export const TlbFlushFlags = { addressKnown: 1 } as const;
/** The `observed` header entry of a trace that holds tlbflush records (HMT 2.1). */
export const OBSERVED_TLB_FLUSHES = 'tlbFlushes';
/**
 * The `observed` header entry of a trace whose source knows which descriptors an exec closes (HMT 2.2):
 * each file closed there is a `close` syscall record flagged SyscallFlags.kernel.
 */
export const OBSERVED_EXEC_CLOSES = 'execCloses';
/**
 * `op` of a syscall record (HMT 2.2, in a trace declaring OBSERVED_EXEC_CLOSES; other bits reserved, 0).
 * `kernel`: the kernel made this call's effect on the process's behalf inside another call, with no
 * kernel entry of its own — a close of a close-on-exec descriptor by a successful execve (fs/exec.c
 * begin_new_exec → do_close_on_exec). Its effect applies (the file it names is released); it costs nothing.
 */
export const SyscallFlags = { kernel: 1 } as const;

/** `op` of kmap/kunmap records: which kernel API made the temporary mapping. */
export const KmapApi = { pkmap: 0, atomic: 1, local: 2 } as const;
export type KmapApi = (typeof KmapApi)[keyof typeof KmapApi];
/** The kmap API names (`pkmap`, `atomic`, `local`): the trace's op names and the kernel profiles' values. */
export type KmapApiName = keyof typeof KmapApi;
/** Every kmap API name, indexed by its op code. */
export const KMAP_API_NAMES: readonly KmapApiName[] = Object.keys(KmapApi) as KmapApiName[];

/** `op` of mmap/mprotect records: protection and sharing bits. */
export const ProtBits = { read: 1, write: 2, exec: 4, shared: 8 } as const;

/** One record as a plain object: for importers, generators and tests (not the replay hot path). */
export interface TraceRecord {
  kind: EventKind;
  cpu: number;
  op?: number;
  pid?: number;
  addr?: number;
  len?: number;
  arg?: number;
  off?: number;
  time?: number;
}

/** Column names in their on-disk order, and their element types. */
export const COLUMNS = [
  ['kind', 'u8'],
  ['op', 'u8'],
  ['pid', 'u32'],
  ['addr', 'u32'],
  ['len', 'u32'],
  ['arg', 'u32'],
  ['off', 'f64'],
  ['time', 'f64'],
] as const;
export type ColumnName = (typeof COLUMNS)[number][0];

/** A run of records from one CPU, column by column. All arrays have at least `length` elements. */
export interface RecordBatch {
  readonly cpu: number;
  readonly length: number;
  readonly kind: Uint8Array;
  readonly op: Uint8Array;
  readonly pid: Uint32Array;
  readonly addr: Uint32Array;
  readonly len: Uint32Array;
  readonly arg: Uint32Array;
  readonly off: Float64Array;
  readonly time: Float64Array;
}

/** The header of a trace (HMT header object). */
export interface TraceHeader {
  /** Format major.minor, e.g. "1.0". */
  readonly version: string;
  /** What produced the trace: "lackey", "din", "strace", "ftrace", "gen:fileserver", ... */
  readonly source: string;
  readonly pageSize: number;
  /** Width of user virtual addresses in bits (32 for x86-32 traces). */
  readonly addressBits: number;
  readonly cpus: number;
  /** Free-form provenance: command line, seed, parameters, input file hash, ... */
  readonly provenance: Readonly<Record<string, unknown>>;
  /** The captured box's configuration (HMT 1.1, kernel captures only). */
  readonly capture?: CaptureInfo;
  /**
   * Mechanisms the source recorded as records of their own, which the replay must not derive (HMT 2.1):
   * `tlbFlushes` (OBSERVED_TLB_FLUSHES) — user TLB flushes are tlbflush records; (HMT 2.2) `execCloses`
   * (OBSERVED_EXEC_CLOSES) — the files an exec closes are close records flagged SyscallFlags.kernel.
   */
  readonly observed?: readonly string[];
}

/** Where importers and generators put records (the HMT writer implements it). */
export interface TraceSink {
  push(record: TraceRecord): void;
  /** Flushes and finishes the trace; the output exists completely only after this resolves. */
  close(): Promise<void>;
}

/** How a pass over a trace hands out its batches. */
export interface BatchOptions {
  /**
   * Reuse the column arrays: a batch's arrays are overwritten by the batch two after it. For a consumer
   * that holds only the batch it replays and the one it reads ahead, never an older one: the pass then
   * allocates no arrays per chunk. A source may ignore it (its batches then stay valid).
   */
  readonly recycle?: boolean;
}

/** Where the replay engine gets records from (the HMT reader implements it). */
export interface TraceSource {
  readonly header: TraceHeader;
  /** Batches in file order; each batch is one CPU's consecutive records. Bounded memory. */
  batches(options?: BatchOptions): AsyncIterable<RecordBatch>;
}
