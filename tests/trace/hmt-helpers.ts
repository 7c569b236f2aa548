/** Test helpers: temp folders, collecting sinks, and hand-built HMT bytes for hostile-input tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { decode, encode } from '@msgpack/msgpack';
import { crc32 } from 'node:zlib';
import type { RecordBatch, TraceRecord, TraceSink } from '../../src/trace/records.ts';
import { batchToRecords } from '../../src/trace/batch.ts';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hmsim-trace-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A sink that keeps every record (through push and pushBatch). */
export class CollectSink implements TraceSink {
  readonly records: TraceRecord[] = [];
  closed = false;
  push(r: TraceRecord): void {
    this.records.push(r);
  }
  pushBatch(b: RecordBatch): void {
    for (const r of batchToRecords(b)) this.records.push(r);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A readable stream of `text` delivered in chunks of `chunk` bytes (to exercise line splitting). */
export function textStream(text: string | Uint8Array, chunk = 1 << 16): NodeJS.ReadableStream {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  return Readable.from(parts);
}

/** An HMT frame: 0xc9, u32 length, type, msgpack payload. */
export function frame(type: number, map: unknown): Uint8Array {
  const payload = encode(map);
  return rawFrame(type, payload);
}

export function rawFrame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(6 + payload.length);
  out[0] = 0xc9;
  new DataView(out.buffer).setUint32(1, payload.length, false);
  out[5] = type;
  out.set(payload, 6);
  return out;
}

/** A bin 32 column. */
export function bin(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + bytes.length);
  out[0] = 0xc6;
  new DataView(out.buffer).setUint32(1, bytes.length, false);
  out.set(bytes, 5);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** A header map with overrides. */
export function headerMap(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    magic: 'HMT',
    version: [1, 0],
    source: 'test',
    pageSize: 4096,
    addressBits: 32,
    cpus: 1,
    footer: false,
    provenance: {},
    ...over,
  };
}

/** The chunk CRC for columns (cpu, n, then the column bytes). */
export function chunkCrc(cpu: number, n: number, cols: Array<[string, Uint8Array]>): number {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(0, cpu, true);
  new DataView(head.buffer).setUint32(4, n, true);
  let c = crc32(head);
  for (const [name, col] of cols) c = crc32(col, crc32(name, c));
  return c;
}

/** A valid footer-less chunk of `n` ifetch accesses at addresses 0x1000·i with one column each for op and addr. */
export function accessChunk(n: number, cpu = 0): Uint8Array {
  const op = new Uint8Array(n).fill(2);
  const addr = new Uint32Array(n).map((_, i) => 0x1000 * (i + 1));
  const addrBytes = new Uint8Array(addr.buffer);
  return concatBytes(
    frame(0x43, {
      cpu,
      n,
      cols: ['op', 'addr'],
      crc: chunkCrc(cpu, n, [
        ['op', op],
        ['addr', addrBytes],
      ]),
    }),
    bin(op),
    bin(addrBytes),
  );
}

/** One chunk of an HMT file as stored: its frame's map, payload bytes and its column bins. */
export interface StoredChunk {
  readonly at: number;
  readonly map: { cpu: number; n: number; cols: string[]; w?: number[]; crc: number };
  readonly payloadBytes: number;
  readonly cols: Array<{ name: string; bytes: Uint8Array }>;
}

/**
 * Walks an uncompressed HMT file with a footer frame by frame (bin 32 columns, as hmsim writes them):
 * the header and footer payload sizes and every chunk as stored.
 */
export function walkHmt(b: Uint8Array): { headerBytes: number; chunks: StoredChunk[]; footerAt: number; footerBytes: number } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const headerBytes = dv.getUint32(1, false);
  let p = 6 + headerBytes;
  const chunks: StoredChunk[] = [];
  while (b[p + 5] === 0x43) {
    const len = dv.getUint32(p + 1, false);
    const map = decode(b.subarray(p + 6, p + 6 + len)) as StoredChunk['map'];
    const at = p;
    p += 6 + len;
    const cols: StoredChunk['cols'] = [];
    for (const name of map.cols) {
      const n = dv.getUint32(p + 1, false);
      cols.push({ name, bytes: b.subarray(p + 5, p + 5 + n) });
      p += 5 + n;
    }
    chunks.push({ at, map, payloadBytes: len, cols });
  }
  return { headerBytes, chunks, footerAt: p, footerBytes: dv.getUint32(p + 1, false) };
}
