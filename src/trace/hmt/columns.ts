/**
 * Narrow columns (HMT 2.0, traces/README.md "Narrow columns"): how a chunk's column is stored and read.
 *
 * A column is stored with an element width (the chunk map's `w`, one entry per listed column) and either
 * `n` elements of that width or, when every record of the chunk has the same value, that one element:
 *
 *   - u8 columns (kind, op): width 1;
 *   - u32 columns (pid, addr, len, arg): width 1, 2 or 4 (unsigned little-endian, zero-extended on read)
 *     — the writer picks the narrowest that holds the chunk's largest value;
 *   - f64 columns (off, time): width 8;
 *   - an all-zero column is omitted (as in HMT 1.x).
 *
 * Reading widens a column straight into the typed array the replay reads (one typed-array copy that
 * converts, no per-record decoding in JavaScript); a full-width column is read into it directly.
 */
import type { ColumnName, RecordBatch } from '../records.ts';
import { bytesOf } from './checksum.ts';

/** Element types of the known columns. */
export type ColumnType = 'u8' | 'u32' | 'f64';

/** Widths a column of each type may be stored with, bytes. */
export const COLUMN_WIDTHS: Readonly<Record<ColumnType, readonly number[]>> = { u8: [1], u32: [1, 2, 4], f64: [8] };

/** A column as stored: its element width and its bytes (`n` elements, or one for a constant column). */
export interface StoredColumn {
  readonly width: number;
  readonly bytes: Uint8Array;
}

/**
 * The stored form of the first `n` elements of a column: undefined when all are zero (omitted), else the
 * narrowest width holding every value, and one element when all are equal.
 */
export function narrowColumn(a: RecordBatch[ColumnName], n: number): StoredColumn | undefined {
  // One loop per element type: each stays monomorphic (the writer calls this for every column of every chunk).
  if (a instanceof Float64Array) return narrowF64(a, n);
  if (a instanceof Uint8Array) return narrowU8(a, n);
  return narrowU32(a, n);
}

function narrowF64(a: Float64Array, n: number): StoredColumn | undefined {
  // Compared as bit patterns (so -0 is not 0): two u32 words per element.
  const w = new Uint32Array(a.buffer, a.byteOffset, 2 * n);
  const lo = w[0]!;
  const hi = w[1]!;
  let same = true;
  let any = 0;
  for (let i = 0; i < 2 * n; i += 2) {
    const l = w[i]!;
    const h = w[i + 1]!;
    any |= l | h;
    if (l !== lo || h !== hi) same = false;
  }
  if (any === 0) return undefined;
  return { width: 8, bytes: bytesOf(a.subarray(0, same ? 1 : n)) };
}

function narrowU8(a: Uint8Array, n: number): StoredColumn | undefined {
  const first = a[0]!;
  let or = 0;
  let diff = 0;
  let i = 0;
  if ((a.byteOffset & 3) === 0) {
    // Four bytes at a time through a word view: OR of the words, and of each word XOR the first byte four times.
    const words = new Uint32Array(a.buffer, a.byteOffset, n >>> 2);
    const four = (first * 0x01010101) | 0;
    for (let k = 0; k < words.length; k++) {
      const v = words[k]! | 0;
      or |= v;
      diff |= v ^ four;
    }
    i = words.length * 4;
  }
  for (; i < n; i++) {
    const v = a[i]!;
    or |= v;
    diff |= v ^ first;
  }
  if (or === 0) return undefined;
  return { width: 1, bytes: a.subarray(0, diff === 0 ? 1 : n) };
}

function narrowU32(a: Uint32Array, n: number): StoredColumn | undefined {
  const first = a[0]!;
  // OR of every value (its highest bit is the largest value's) and of every difference from the first.
  let or = 0;
  let diff = 0;
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    or |= v;
    diff |= v ^ first;
  }
  if (or === 0) return undefined;
  const count = diff === 0 ? 1 : n;
  const max = or >>> 0;
  if (max > 0xffff) return { width: 4, bytes: bytesOf(a.subarray(0, count)) };
  const narrow = max > 0xff ? new Uint16Array(count) : new Uint8Array(count);
  narrow.set(a.subarray(0, count));
  return { width: narrow.BYTES_PER_ELEMENT, bytes: new Uint8Array(narrow.buffer) };
}

/**
 * Fills `column` (n elements of its type) from `stored` bytes of element width `width`: `n` elements, or
 * one (`stored.length === width`, n > 1) for every record. `stored` must start at a multiple of `width`
 * in its buffer (the reader's scratch buffer starts at 0).
 */
export function widenInto(column: Uint8Array | Uint32Array | Float64Array, stored: Uint8Array, width: number): void {
  const n = column.length;
  if (stored.length === width && n > 1) {
    const dv = new DataView(stored.buffer, stored.byteOffset, width);
    const v =
      width === 8 ? dv.getFloat64(0, true) : width === 4 ? dv.getUint32(0, true) : width === 2 ? dv.getUint16(0, true) : dv.getUint8(0);
    column.fill(v);
    return;
  }
  if (width === column.BYTES_PER_ELEMENT) {
    bytesOf(column).set(stored);
    return;
  }
  // A u32 column stored as u8 or u16: the typed-array copy converts each element (zero-extends).
  column.set(width === 1 ? stored : new Uint16Array(stored.buffer, stored.byteOffset, n));
}
