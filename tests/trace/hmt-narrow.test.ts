/**
 * Narrow columns (HMT 2.0): every width a column can be stored with round-trips and is the one the
 * writer must choose; hand-built 2.0 chunks are checked; 1.x files (the shipped samples) read unchanged
 * and give the same records as their 2.0 rewrites.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, crc32 } from 'node:zlib';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace, readAllRecords } from '../../src/trace/hmt/reader.ts';
import { COLUMNS, EventKind, type RecordBatch, type TraceRecord } from '../../src/trace/records.ts';
import { canonicalRecord } from '../../src/trace/batch.ts';
import { InputError } from '../../src/errors.ts';
import { bin, concatBytes, frame, headerMap, tempDir, walkHmt } from './hmt-helpers.ts';
import { ROOT } from '../helpers/cli.ts';
import { writeFileSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { bytesOf } from '../../src/trace/hmt/checksum.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);

/**
 * Three chunks of 8 records on CPU 0 that between them store every column with every width it may
 * have, both as n elements and as one constant element (the widths the writer must choose in comments).
 */
function everyWidth(): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (let i = 0; i < 8; i++) {
    // A: op varied (u8), pid 7 (constant, 1 byte), addr ≤ 0x71 (1 byte), len 256.. (2), arg 70000.. (4), off varied, time constant.
    out.push({
      kind: EventKind.access,
      cpu: 0,
      op: i % 4,
      pid: 7,
      addr: 0x10 * i + 1,
      len: 256 + i,
      arg: 70_000 + i,
      off: 4096 * i + 1,
      time: 5.5,
    });
  }
  for (let i = 8; i < 16; i++) {
    // B: op 3 (constant), pid 300 (constant, 2 bytes), addr constant (4), len 8..15 (1), arg 9 (constant, 1), off constant, time varied.
    out.push({ kind: EventKind.access, cpu: 0, op: 3, pid: 300, addr: 0x12345678, len: i, arg: 9, off: 2 ** 40, time: i * 1.25 });
  }
  for (let i = 16; i < 24; i++) {
    // C: kind varied, op 0 (omitted), pid 70000.. (4), addr 0x1000.. (2), len 70000 (constant, 4), arg 300
    // (constant, 2), off and time 0 (omitted).
    out.push({ kind: i % 2 === 0 ? EventKind.access : EventKind.compute, cpu: 0, pid: 70_000 + i, addr: 0x100 * i, len: 70_000, arg: 300 });
  }
  return out;
}

describe('HMT 2.0 narrow columns', () => {
  it('stores each column in the narrowest width its chunk needs, a constant once, and reads every choice back', async () => {
    const path = join(tmp.dir, 'widths.hmt');
    const gz = join(tmp.dir, 'widths.hmt.gz');
    for (const p of [path, gz]) {
      const w = await openTraceWriter(p, { source: 'test', cpus: 1 }, { chunkRecords: 8 });
      for (const r of everyWidth()) w.push(r);
      await w.close();
    }
    const bytes = readFileSync(path);
    expect(gunzipSync(readFileSync(gz))).toEqual(bytes);
    const stored = walkHmt(bytes).chunks.map((c) => ({ cols: c.map.cols, w: c.map.w, lengths: c.cols.map((x) => x.bytes.length) }));
    expect(stored).toEqual([
      { cols: ['op', 'pid', 'addr', 'len', 'arg', 'off', 'time'], w: [1, 1, 1, 2, 4, 8, 8], lengths: [8, 1, 8, 16, 32, 64, 8] },
      { cols: ['op', 'pid', 'addr', 'len', 'arg', 'off', 'time'], w: [1, 2, 4, 1, 1, 8, 8], lengths: [1, 2, 4, 8, 1, 8, 64] },
      { cols: ['kind', 'pid', 'addr', 'len', 'arg'], w: [1, 4, 2, 4, 2], lengths: [8, 32, 16, 4, 2] },
    ]);
    const expected = everyWidth().map(canonicalRecord);
    expect(await readAllRecords(path)).toEqual(expected);
    expect(await readAllRecords(gz)).toEqual(expected);
  });

  it('checks a 2.0 chunk: widths listed, allowed for the column, and a length of n or one element', async () => {
    const at = frame(0x48, headerMap({ version: [2, 0] })).length;
    const addr = new Uint8Array(new Uint16Array([0x1000, 0x2000, 0x3000]).buffer);
    const crc = (cols: Array<[string, number, Uint8Array]>): number => {
      const head = new Uint8Array(8);
      new DataView(head.buffer).setUint32(4, 3, true);
      let c = crc32(head);
      for (const [name, width, data] of cols) c = crc32(data, crc32(Uint8Array.of(width), crc32(name, c)));
      return c;
    };
    const file = async (chunkMap: Record<string, unknown>, col: Uint8Array): Promise<string> => {
      const p = join(tmp.dir, `hand-${Math.random().toString(16).slice(2)}.hmt`);
      writeFileSync(p, concatBytes(frame(0x48, headerMap({ version: [2, 0] })), frame(0x43, chunkMap), bin(col)));
      return p;
    };
    const read = async (p: string): Promise<unknown> => {
      try {
        await readAllRecords(p);
        return undefined;
      } catch (err) {
        return err;
      }
    };
    // A valid one first: addr as u16, widened on read.
    const good = await file({ cpu: 0, n: 3, cols: ['addr'], w: [2], crc: crc([['addr', 2, addr]]) }, addr);
    expect((await readAllRecords(good)).map((r) => r.addr)).toEqual([0x1000, 0x2000, 0x3000]);
    const noW = await file({ cpu: 0, n: 3, cols: ['addr'], crc: 0 }, addr);
    expect(await read(noW)).toEqual(
      new InputError(
        `${noW} at byte ${at}: chunk frame field 'w' is undefined (expected an array of 1 element widths 1..16, one per column)`,
      ),
    );
    const three = await file({ cpu: 0, n: 3, cols: ['addr'], w: [3], crc: 0 }, addr);
    expect(await read(three)).toEqual(new InputError(`${three} at byte ${at}: column 'addr' has element width 3 (expected 1, 2, 4 bytes)`));
    const short = await file({ cpu: 0, n: 3, cols: ['addr'], w: [2], crc: 0 }, addr.subarray(0, 4));
    const colAt = at + frame(0x43, { cpu: 0, n: 3, cols: ['addr'], w: [2], crc: 0 }).length;
    expect(await read(short)).toEqual(
      new InputError(
        `${short} at byte ${colAt}: column 'addr' has 4 bytes (expected 3 records × 2 = 6, or 2 for one value of every record)`,
      ),
    );
    // The width is part of the checksum: the same bytes under another width list do not pass as intact.
    const wrongCrc = await file({ cpu: 0, n: 3, cols: ['addr'], w: [2], crc: crc([['addr', 4, addr]]) }, addr);
    expect(String(await read(wrongCrc))).toContain('chunk checksum mismatch');
  });

  it('a 1.x chunk is full width whatever keys it carries (a 1.x reader ignores unknown keys)', async () => {
    const p = join(tmp.dir, 'v11.hmt');
    const addr = new Uint8Array(new Uint32Array([0x1000, 0x2000]).buffer);
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(4, 2, true);
    const c = crc32(addr, crc32('addr', crc32(head)));
    writeFileSync(
      p,
      concatBytes(frame(0x48, headerMap({ version: [1, 1] })), frame(0x43, { cpu: 0, n: 2, cols: ['addr'], w: [9], crc: c }), bin(addr)),
    );
    expect((await readAllRecords(p)).map((r) => r.addr)).toEqual([0x1000, 0x2000]);
  });
});

/**
 * The shipped samples (traces/README.md "Samples"): file under the repository, records, version. The
 * ftrace sample's 1.1 import (before 2.1 added its TLB flushes) is kept as a fixture of that version.
 */
const SHIPPED: Array<[string, number, string]> = [
  ['traces/fileserver-4cpu.hmt', 40_645 + 2 * 2000, '2.0'], // 2,000 requests, each with an openat and a close
  ['traces/kmap-storm-small.hmt', 40_004, '1.0'],
  ['traces/stream-small.hmt', 9_734, '1.0'],
  ['traces/build-small.hmt', 47_804, '2.0'], // its jobs open, fstat, read and close 98 headers (src/trace/generators/build.ts)
  ['traces/busybox-gzip-3k.hmt.gz', 1_694_609, '1.0'],
  ['traces/strace-sh-pipeline.hmt', 604, '1.0'],
  ['traces/ftrace-dd-2cpu.hmt.gz', 36_535, '2.1'],
  ['tests/fixtures/hmt/ftrace-dd-2cpu-hmt1.1.hmt.gz', 36_433, '1.1'],
];

/** Per CPU: its record count and the SHA-256 of each column's full-width bytes in record order. */
async function columnsPerCpu(path: string): Promise<Map<number, { records: number; columns: Record<string, string> }>> {
  const hashes = new Map<number, { records: number; h: Record<string, Hash> }>();
  for await (const b of (await openTrace(path)).batches()) {
    const cpu = hashes.get(b.cpu) ?? { records: 0, h: Object.fromEntries(COLUMNS.map(([c]) => [c, createHash('sha256')])) };
    for (const [c] of COLUMNS) cpu.h[c]!.update(bytesOf((b as RecordBatch)[c].subarray(0, b.length)));
    cpu.records += b.length;
    hashes.set(b.cpu, cpu);
  }
  return new Map(
    [...hashes].map(([cpu, { records, h }]) => [
      cpu,
      { records, columns: Object.fromEntries(Object.entries(h).map(([c, x]) => [c, x.digest('hex')])) },
    ]),
  );
}

describe('shipped traces (HMT 1.0, 1.1, 2.0 and 2.1)', () => {
  for (const [name, records, version] of SHIPPED) {
    it(`${name}: reads as HMT ${version}, and its rewrite (2.0, or 2.1 with observed flushes) holds the same records per CPU`, async () => {
      const src = join(ROOT, name);
      const r = await openTrace(src);
      expect(r.header.version).toBe(version);
      const out = join(tmp.dir, basename(name).replace('.gz', ''));
      const w = await openTraceWriter(out, {
        source: r.header.source,
        cpus: r.header.cpus,
        provenance: { ...r.header.provenance },
        ...(r.header.capture !== undefined ? { capture: r.header.capture } : {}),
        ...(r.header.observed !== undefined ? { observed: r.header.observed } : {}),
      });
      let n = 0;
      for await (const b of r.batches()) {
        w.pushBatch(b);
        n += b.length;
      }
      await w.close();
      expect(n).toBe(records);
      const again = await openTrace(out);
      expect(again.header).toEqual({ ...r.header, version: r.header.observed !== undefined ? '2.1' : '2.0' });
      expect(again.recordCount).toBe(records);
      expect(await columnsPerCpu(out)).toEqual(await columnsPerCpu(src));
    }, 60_000);
  }
});
