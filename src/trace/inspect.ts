/**
 * What is in a trace (`hmsim trace inspect`): counts by kind / CPU / pid, user pages touched, the highest
 * user address and so which address-space splits the trace fits, and its duration. One pass over the
 * batches; returns plain data (the CLI formats it).
 */
import { AccessOp, EVENT_KIND_NAMES, EventKind, recordsByKind, type EventKindName, type TraceHeader } from './records.ts';
import type { TraceDigestKind, TraceReader } from './hmt/reader.ts';
import { SPLITS, type SplitInfo } from '../layout/splits.ts';

/**
 * The user-space limits of the x86-32 splits, smallest first: the layout's TASK_SIZE (src/layout/splits.ts,
 * the one table of splits; 4G/4G's is 0xff000000, not 4 GiB).
 */
export const SPLIT_TASK_SIZES: ReadonlyArray<{ readonly split: string; readonly taskSize: number }> = (
  Object.entries(SPLITS) as Array<[string, SplitInfo]>
)
  .map(([split, info]) => ({ split, taskSize: info.taskSize }))
  .sort((a, b) => a.taskSize - b.taskSize);

/** Duration of a trace: the timestamp span when it has timestamps, else its total compute cycles. */
export type TraceDuration =
  | { readonly kind: 'time' /** Last minus first timestamp, ns. */; readonly ns: number }
  | { readonly kind: 'cycles' /** Sum of compute records' cycles. */; readonly cycles: number };

/** The result of inspecting a trace. */
export interface TraceInspection {
  readonly file: string;
  readonly gzip: boolean;
  /** The trace's digest (reader.sha256()): the stored content digest, or the file's SHA-256 (`digest`). */
  readonly sha256: string;
  /** What `sha256` is: `content` (stored in the footer, HMT 2.0) or `file` (no stored digest: computed). */
  readonly digest: TraceDigestKind;
  readonly header: TraceHeader;
  readonly chunks: number;
  /** Total records. */
  readonly records: number;
  /** Records per kind name (every kind listed, 0 when absent). */
  readonly byKind: Readonly<Record<EventKindName, number>>;
  /** Access records per op name. */
  readonly byAccessOp: Readonly<Record<'load' | 'store' | 'ifetch' | 'modify', number>>;
  /** Records per CPU (CPU number as key). */
  readonly byCpu: Readonly<Record<string, number>>;
  /** Records per pid (pid as key). */
  readonly byPid: Readonly<Record<string, number>>;
  /** Distinct (pid, virtual page) pairs touched by access records (a straddling access touches each page). */
  readonly distinctPages: number;
  /**
   * Page references as a cache simulator with page-sized blocks counts them (Dinero IV): one per page an
   * access spans, so an access straddling a page boundary counts twice. Instruction = ifetch; data =
   * load, store and modify.
   */
  readonly pageReferences: { readonly instruction: number; readonly data: number };
  /** Access records that span more than one page. */
  readonly straddlingAccesses: number;
  /** Highest user virtual byte address touched (accesses, read/write buffers, mapped ranges); null if none. */
  readonly maxUserAddress: number | null;
  /** For each split, whether every user address is below its TASK_SIZE. */
  readonly fits: ReadonlyArray<{ readonly split: string; readonly taskSize: number; readonly fits: boolean }>;
  readonly duration: TraceDuration;
}

/** Reads the whole trace once and summarizes it. */
export async function inspectTrace(reader: TraceReader): Promise<TraceInspection> {
  const header = reader.header;
  const pageSize = header.pageSize;
  const kinds = new Array<number>(EVENT_KIND_NAMES.length).fill(0);
  const ops = [0, 0, 0, 0];
  const byCpu = new Map<number, number>();
  const byPid = new Map<number, number>();
  const pages = new Map<number, Set<number>>();
  let chunks = 0;
  let records = 0;
  let refI = 0;
  let refD = 0;
  let straddling = 0;
  let maxAddr = -1;
  let tMin = Infinity;
  let tMax = -Infinity;
  let cycles = 0;
  let lastPid = -1;
  let lastSet: Set<number> = new Set();

  for await (const b of reader.batches({ hash: true })) {
    chunks++;
    records += b.length;
    byCpu.set(b.cpu, (byCpu.get(b.cpu) ?? 0) + b.length);
    for (let i = 0; i < b.length; i++) {
      const kind = b.kind[i]!;
      const pid = b.pid[i]!;
      const addr = b.addr[i]!;
      const len = b.len[i]!;
      const time = b.time[i]!;
      kinds[kind]!++;
      byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
      if (time !== 0) {
        if (time < tMin) tMin = time;
        if (time > tMax) tMax = time;
      }
      if (kind === EventKind.access) {
        const op = b.op[i]!;
        if (op < 4) ops[op]!++;
        const last = len > 0 ? addr + len - 1 : addr;
        if (last > maxAddr) maxAddr = last;
        const first = Math.floor(addr / pageSize);
        const lastPage = Math.floor(last / pageSize);
        const spanned = lastPage - first + 1;
        if (spanned > 1) straddling++;
        if (op === AccessOp.ifetch) refI += spanned;
        else refD += spanned;
        if (pid !== lastPid) {
          let s = pages.get(pid);
          if (s === undefined) {
            s = new Set();
            pages.set(pid, s);
          }
          lastSet = s;
          lastPid = pid;
        }
        for (let v = first; v <= lastPage; v++) lastSet.add(v);
      } else if (kind === EventKind.compute) {
        cycles += len;
      } else if (hasUserRange(kind) && len > 0) {
        const last = addr + len - 1;
        if (last > maxAddr) maxAddr = last;
      }
    }
  }
  let distinctPages = 0;
  for (const s of pages.values()) distinctPages += s.size;
  const byKind = recordsByKind(kinds) as Record<EventKindName, number>;
  const maxUserAddress = maxAddr < 0 ? null : maxAddr;
  return {
    file: reader.path,
    gzip: reader.gzip,
    sha256: await reader.sha256(),
    digest: reader.digest,
    header,
    chunks,
    records,
    byKind,
    byAccessOp: { load: ops[0]!, store: ops[1]!, ifetch: ops[2]!, modify: ops[3]! },
    byCpu: Object.fromEntries([...byCpu].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
    byPid: Object.fromEntries([...byPid].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
    distinctPages,
    pageReferences: { instruction: refI, data: refD },
    straddlingAccesses: straddling,
    maxUserAddress,
    fits: SPLIT_TASK_SIZES.map(({ split, taskSize }) => ({ split, taskSize, fits: maxUserAddress === null || maxUserAddress < taskSize })),
    duration: tMax >= tMin ? { kind: 'time', ns: tMax - tMin } : { kind: 'cycles', cycles },
  };
}

/** Kinds whose addr/len is a user virtual range (read/write buffers, mmap/munmap/mprotect). */
function hasUserRange(kind: number): boolean {
  return (
    kind === EventKind.read ||
    kind === EventKind.write ||
    kind === EventKind.mmap ||
    kind === EventKind.munmap ||
    kind === EventKind.mprotect
  );
}
