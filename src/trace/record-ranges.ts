/**
 * The declared range of every record column (traces/README.md "Record values"), checked by the HMT
 * reader on every chunk and by the writer on every record, so that a consumer only ever sees records in
 * range: a replay loop over the pages of a record is bounded by its validated `off` and `len`.
 *
 * | column | range |
 * |---|---|
 * | kind | 0..KIND_COUNT−1 (the reader's own check) |
 * | op   | access: AccessOp 0..3 · kmap/kunmap: KmapApi 0..2 · mmap/mprotect: ProtBits 0..15 · tlbflush: 0..4 · others: not read |
 * | off  | an integer 0..MAX_FILE_OFFSET (2^53 − 2^32: off + len stays an exact integer) |
 * | time | finite and ≥ 0 |
 * | addr | below 2^addressBits for a user address (access, read, write, mmap, munmap, mprotect, tlbflush) when addressBits < 32 |
 * | len  | read, write: 0..MAX_RW_COUNT (the most one call transfers); other kinds: any u32 |
 *
 * pid, addr, len and arg are u32 columns: every other value of their type is in range.
 */
import { EventKind, KIND_COUNT, type RecordBatch, type TraceRecord, USER_ADDRESS_KINDS } from './records.ts';

/** Largest file offset: 2^53 − 2^32, so `off + len` (len < 2^32) is an exact integer and a page walk moves. */
export const MAX_FILE_OFFSET = 2 ** 53 - 2 ** 32;

/**
 * include/linux/fs.h MAX_RW_COUNT = INT_MAX & PAGE_MASK = 0x7ffff000: rw_verify_area cuts every read and
 * write to this many bytes, so no call ever transfers more (a capture's record of a longer one is corrupt).
 */
export const MAX_RW_COUNT = 0x7ffff000;

/** True for the kinds whose `len` is bytes transferred by one read or write call. */
function isReadWrite(kind: number): boolean {
  return kind === EventKind.read || kind === EventKind.write;
}

/** Largest `op` value per kind code (255: the column is not read for that kind). */
const OP_MAX: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(255);
  t[EventKind.access] = 3;
  t[EventKind.kmap] = 2;
  t[EventKind.kunmap] = 2;
  t[EventKind.mmap] = 15;
  t[EventKind.mprotect] = 15;
  t[EventKind.tlbflush] = 4;
  return t;
})();

/** What the op of a kind means, for messages. */
function opMeaning(kind: number): string {
  if (kind === EventKind.access) return 'an access op 0..3 (load, store, ifetch, modify)';
  if (kind === EventKind.kmap || kind === EventKind.kunmap) return 'a kmap API 0..2 (pkmap, atomic, local)';
  if (kind === EventKind.tlbflush) return 'a tlb_flush reason 0..4 (task switch, remote shootdown, local, local mm, remote send IPI)';
  return 'protection bits 0..15 (read 1, write 2, exec 4, shared 8)';
}

/** Kinds whose `addr` is a user virtual address (USER_ADDRESS_KINDS), as a table by kind code. */
const USER_ADDRESS: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const k of USER_ADDRESS_KINDS) t[k] = 1;
  return t;
})();

/** True when `off` is a valid file offset. */
export function validOffset(off: number): boolean {
  return Number.isInteger(off) && off >= 0 && off <= MAX_FILE_OFFSET;
}

/** True when `time` is a valid timestamp. */
export function validTime(time: number): boolean {
  return time >= 0 && time < Infinity; // false for NaN
}

/** The problem with one value of a record, or undefined (op by kind; off; time; addr within `addressBits`; len of a read/write). */
export function recordProblem(
  kind: number,
  op: number,
  addr: number,
  off: number,
  time: number,
  addressBits: number,
  len = 0,
): string | undefined {
  if (kind >= KIND_COUNT) return `kind ${kind} (expected an event kind 0..${KIND_COUNT - 1})`;
  if (op > OP_MAX[kind]!) return `op ${op} for kind ${kind} (expected ${opMeaning(kind)})`;
  if (len > MAX_RW_COUNT && isReadWrite(kind)) {
    return (
      `length ${len} of a ${kind === EventKind.read ? 'read' : 'write'} (expected ` +
      `at most ${MAX_RW_COUNT} bytes, MAX_RW_COUNT: the most one call transfers)`
    );
  }
  if (!validOffset(off)) return `file offset ${off} (expected an integer 0..${MAX_FILE_OFFSET})`;
  if (!validTime(time)) return `time ${time} (expected a finite number of nanoseconds ≥ 0)`;
  if (addressBits < 32 && USER_ADDRESS[kind] === 1 && addr >= 2 ** addressBits) {
    return `address 0x${addr.toString(16)} (expected below 2^${addressBits}, the trace's address width)`;
  }
  return undefined;
}

/** Which columns of a batch hold data (an omitted column is all zero: always in range). */
export interface PresentColumns {
  readonly kind: boolean;
  readonly op: boolean;
  readonly addr: boolean;
  readonly off: boolean;
  readonly time: boolean;
  readonly len: boolean;
}

const ALL_PRESENT: PresentColumns = { kind: true, op: true, addr: true, off: true, time: true, len: true };

/**
 * The first record of `b` out of range, as `[index, problem]`, or undefined. Only the columns `present`
 * says hold data are looked at (a chunk's omitted columns are zero), so a chunk of user accesses costs
 * one pass over its `op` bytes.
 */
export function firstBadRecord(b: RecordBatch, addressBits: number, present: PresentColumns = ALL_PRESENT): [number, string] | undefined {
  const n = b.length;
  const { kind, op, addr, off, time, len } = b;
  if (present.op) {
    if (present.kind) {
      for (let i = 0; i < n; i++) if (op[i]! > OP_MAX[kind[i]!]!) return at(b, i, addressBits);
    } else {
      const max = OP_MAX[EventKind.access]!;
      for (let i = 0; i < n; i++) if (op[i]! > max) return at(b, i, addressBits);
    }
  }
  if (present.len && present.kind)
    for (let i = 0; i < n; i++) if (len[i]! > MAX_RW_COUNT && isReadWrite(kind[i]!)) return at(b, i, addressBits);
  // Most records have no offset and no time: 0 is valid, and comparing with it is all they cost.
  if (present.off) for (let i = 0; i < n; i++) if (off[i] !== 0 && !validOffset(off[i]!)) return at(b, i, addressBits);
  if (present.time) for (let i = 0; i < n; i++) if (time[i] !== 0 && !validTime(time[i]!)) return at(b, i, addressBits);
  if (present.addr && addressBits < 32) {
    const limit = 2 ** addressBits;
    for (let i = 0; i < n; i++) if (addr[i]! >= limit && USER_ADDRESS[kind[i]!] === 1) return at(b, i, addressBits);
  }
  return undefined;
}

function at(b: RecordBatch, i: number, addressBits: number): [number, string] {
  return [i, recordProblem(b.kind[i]!, b.op[i]!, b.addr[i]!, b.off[i]!, b.time[i]!, addressBits, b.len[i]!) ?? 'out of range'];
}

/**
 * The problem with a record as an importer or generator builds it, or undefined: every integer field fits
 * its column (u8 op, u32 pid/addr/len/arg) and every value is in range (recordProblem). Importers check
 * a line's records with it before pushing them, so an out-of-range number names the input line.
 */
export function traceRecordProblem(r: TraceRecord, addressBits = 32): string | undefined {
  const fits = (v: number | undefined, max: number): boolean => v === undefined || (Number.isInteger(v) && v >= 0 && v <= max);
  if (!fits(r.op, 0xff)) return `op ${r.op} (expected an integer 0..255)`;
  for (const field of ['pid', 'addr', 'len', 'arg'] as const) {
    if (!fits(r[field], 0xffffffff)) return `${field} ${r[field]} (expected an integer 0..4294967295: a 32-bit column)`;
  }
  return recordProblem(r.kind, r.op ?? 0, r.addr ?? 0, r.off ?? 0, r.time ?? 0, addressBits, r.len ?? 0);
}
