/**
 * Byte-level line splitting shared by the text importers: input chunks are regrouped into blocks that hold
 * only whole lines, so a parser scans bytes in one tight loop with no per-line string, regex or split.
 * Also: the bad-line bookkeeping every importer shares (`--skip-bad`), and quoting a line for a message.
 */
import { InputError } from '../../errors.ts';
import type { ImportStats } from './registry.ts';

/** Longest line accepted, bytes (a longer one is malformed input, not something to buffer). */
export const MAX_LINE_BYTES = 1 << 20;

/** Byte codes the parsers compare against. */
export const CH = {
  nl: 0x0a,
  cr: 0x0d,
  space: 0x20,
  tab: 0x09,
  comma: 0x2c,
  eq: 0x3d,
  zero: 0x30,
  nine: 0x39,
  x: 0x78,
  X: 0x58,
} as const;

/**
 * Blocks of whole lines from a byte stream. Every block ends just after a '\n', except the last block
 * when the input does not end with one. `onTooLong()` is called (and must throw) when a single line
 * exceeds MAX_LINE_BYTES. Blocks are plain Uint8Array views (one element type for the parsers' loops);
 * an input chunk is never copied: the line it continues is joined in a small block of its own.
 */
export async function* lineBlocks(input: AsyncIterable<Uint8Array | string>, onTooLong: () => never): AsyncGenerator<Uint8Array> {
  let carry: Uint8Array | undefined;
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? bytesOfLatin1(raw) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    if (chunk.length === 0) continue;
    let start = 0;
    if (carry !== undefined) {
      const firstNl = chunk.indexOf(CH.nl);
      if (firstNl < 0) {
        carry = concat(carry, chunk, chunk.length);
        if (carry.length > MAX_LINE_BYTES) onTooLong();
        continue;
      }
      if (carry.length + firstNl > MAX_LINE_BYTES) onTooLong();
      yield concat(carry, chunk, firstNl + 1);
      carry = undefined;
      start = firstNl + 1;
    }
    const lastNl = chunk.lastIndexOf(CH.nl);
    if (lastNl >= start) yield chunk.subarray(start, lastNl + 1);
    const rest = Math.max(start, lastNl + 1);
    if (rest < chunk.length) {
      carry = chunk.slice(rest);
      if (carry.length > MAX_LINE_BYTES) onTooLong();
    }
  }
  if (carry !== undefined && carry.length > 0) yield carry;
}

function bytesOfLatin1(text: string): Uint8Array {
  const b = Buffer.from(text, 'latin1');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function concat(a: Uint8Array, b: Uint8Array, bEnd: number): Uint8Array {
  const out = new Uint8Array(a.length + bEnd);
  out.set(a, 0);
  out.set(b.subarray(0, bEnd), a.length);
  return out;
}

/** Index of the end of the line starting at `start` (the '\n', or `buf.length`). */
export function lineEnd(buf: Uint8Array, start: number): number {
  const i = buf.indexOf(CH.nl, start);
  return i < 0 ? buf.length : i;
}

/** A line for a message: quoted, without its line ending, cut at 60 characters. */
export function quoteLine(buf: Uint8Array, start: number, end: number): string {
  let e = end;
  if (e > start && buf[e - 1] === CH.cr) e--;
  const cut = Math.min(e, start + 60);
  const text = Buffer.from(buf.buffer, buf.byteOffset + start, cut - start).toString('latin1');
  return JSON.stringify(text + (cut < e ? '…' : ''));
}

/**
 * What an importer does with a malformed line: throw (default) or, with `--skip-bad`, count it and keep
 * the first message for the summary.
 */
export class BadLines {
  count = 0;
  first: string | undefined;
  constructor(private readonly skipBad: boolean) {}

  /** Reports a malformed line with its full one-line message. Throws unless skipping. */
  report(message: string): void {
    if (!this.skipBad) throw new InputError(message);
    this.count++;
    this.first ??= message;
  }

  /** Fills the bad-line part of the stats. */
  stats(lines: number, records: number): ImportStats {
    const s: ImportStats = { lines, records, badLines: this.count };
    if (this.first !== undefined) s.firstBad = this.first;
    return s;
  }
}

/** Value of a hex digit byte, or -1. */
export function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
