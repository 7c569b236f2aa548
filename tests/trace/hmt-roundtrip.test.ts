import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace, readAllRecords } from '../../src/trace/hmt/reader.ts';
import { EventKind, KIND_COUNT, OBSERVED_TLB_FLUSHES, type TraceRecord } from '../../src/trace/records.ts';
import { RecordBatchBuilder, canonicalRecord, recordsToBatches } from '../../src/trace/batch.ts';
import { bin, concatBytes, frame, headerMap, tempDir, walkHmt } from './hmt-helpers.ts';
import { writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** One record of every kind, with every column used somewhere, on three CPUs. */
function everyKind(): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (let i = 0; i < 200; i++) {
    const cpu = i % 3;
    const kind = (i % KIND_COUNT) as TraceRecord['kind'];
    out.push({
      kind,
      cpu,
      // each kind's op range (record-ranges.ts)
      op: kind === EventKind.kmap || kind === EventKind.kunmap ? i % 3 : kind === EventKind.tlbflush ? 1 + (i % 4) : i % 4,
      pid: 100 + (i % 7),
      addr: (0xbfff0000 + i * 4099) >>> 0,
      len: i * 3,
      arg: i % 5 === 0 ? 0 : 0xffffffff - i,
      off: i % 2 === 0 ? 2 ** 40 + i : 0,
      time: i % 3 === 0 ? 1_700_000_000.123 + i : 0,
    });
  }
  return out;
}

/** Records of each CPU in push order (the file groups them in per-CPU chunks). */
function perCpu(records: readonly TraceRecord[]): Map<number, TraceRecord[]> {
  const m = new Map<number, TraceRecord[]>();
  for (const r of records) {
    const list = m.get(r.cpu) ?? [];
    list.push(canonicalRecord(r));
    m.set(r.cpu, list);
  }
  return m;
}

async function writeRecords(path: string, records: readonly TraceRecord[], cpus: number, chunkRecords?: number): Promise<void> {
  const w = await openTraceWriter(
    path,
    { source: 'test', cpus, provenance: { seed: 7, note: 'round trip' }, observed: [OBSERVED_TLB_FLUSHES] },
    chunkRecords === undefined ? {} : { chunkRecords },
  );
  for (const r of records) w.push(r);
  await w.close();
}

describe('HMT round trip', () => {
  for (const [name, file, chunk] of [
    ['uncompressed, small chunks', 'a.hmt', 16],
    ['gzip, small chunks', 'a.hmt.gz', 16],
    ['uncompressed, one chunk per CPU', 'b.hmt', undefined],
  ] as const) {
    it(`gives back every record of every kind on every CPU (${name})`, async () => {
      const path = join(tmp.dir, file);
      const records = everyKind();
      await writeRecords(path, records, 3, chunk);
      const back = await readAllRecords(path);
      expect(back.length).toBe(records.length);
      expect(perCpu(back)).toEqual(perCpu(records));
    });
  }

  it('keeps the header: source, CPUs, page size, address width, version, provenance', async () => {
    const path = join(tmp.dir, 'h.hmt');
    const w = await openTraceWriter(path, {
      source: 'gen:stream',
      cpus: 4,
      pageSize: 4096,
      addressBits: 32,
      provenance: { seed: 42, params: { mb: 8 } },
    });
    await w.close();
    const r = await openTrace(path);
    expect(r.header).toEqual({
      version: '2.0',
      source: 'gen:stream',
      pageSize: 4096,
      addressBits: 32,
      cpus: 4,
      provenance: { seed: 42, params: { mb: 8 } },
    });
    expect(r.recordCount).toBe(0);
    expect(await readAllRecords(path)).toEqual([]);
  });

  it('reads the record count from the footer at open (uncompressed) and after a pass (gzip)', async () => {
    const plain = join(tmp.dir, 'c.hmt');
    const gz = join(tmp.dir, 'c.hmt.gz');
    await writeRecords(plain, everyKind(), 3, 10);
    await writeRecords(gz, everyKind(), 3, 10);
    const r = await openTrace(plain);
    expect(r.recordCount).toBe(200);
    expect(r.footer?.byCpu).toEqual([67, 67, 66]);
    expect(r.footer?.byKind.reduce((a, b) => a + b, 0)).toBe(200);
    const g = await openTrace(gz);
    expect(g.gzip).toBe(true);
    expect(g.recordCount).toBeUndefined();
    for await (const _ of g.batches()) void _;
    expect(g.recordCount).toBe(200);
  });

  it('writes chunks of at most chunkRecords records, one CPU each', async () => {
    const path = join(tmp.dir, 'd.hmt');
    await writeRecords(path, everyKind(), 3, 16);
    const sizes: Array<[number, number]> = [];
    for await (const b of (await openTrace(path)).batches()) sizes.push([b.cpu, b.length]);
    // 67/67/66 records per CPU in chunks of 16: 4 full chunks each, then the remainders at close.
    expect(sizes).toEqual([
      [0, 16],
      [1, 16],
      [2, 16],
      [0, 16],
      [1, 16],
      [2, 16],
      [0, 16],
      [1, 16],
      [2, 16],
      [0, 16],
      [1, 16],
      [2, 16],
      [0, 3],
      [1, 3],
      [2, 2],
    ]);
  });

  it('pushBatch writes the same file as pushing the records one by one', async () => {
    const records = everyKind().map((r) => ({ ...r, cpu: 1 }));
    const a = join(tmp.dir, 'e1.hmt');
    const b = join(tmp.dir, 'e2.hmt');
    await writeRecords(a, records, 2, 32);
    const w = await openTraceWriter(
      b,
      { source: 'test', cpus: 2, provenance: { seed: 7, note: 'round trip' }, observed: [OBSERVED_TLB_FLUSHES] },
      { chunkRecords: 32 },
    );
    for (const batch of recordsToBatches(records, 50)) w.pushBatch(batch);
    await w.close();
    expect(readFileSync(b)).toEqual(readFileSync(a));
  });

  it('omits all-zero columns: an access-only chunk stores op, pid, addr and len only', async () => {
    const path = join(tmp.dir, 'f.hmt');
    const w = await openTraceWriter(path, { source: 'test', cpus: 1 }, { chunkRecords: 1000 });
    const b = new RecordBatchBuilder(0, 1000);
    for (let i = 0; i < 1000; i++) b.pushAccess(2, 9, 0x08048000 + i, 4);
    w.pushBatch(b.view());
    await w.close();
    const bytes = readFileSync(path);
    // op, pid, addr and len only, narrow (HMT 2.0): op 2 and pid 9 and len 4 in every record, stored once
    // (1 byte each); addr 4 bytes per record: 4,003 column bytes.
    const [chunk] = walkHmt(bytes).chunks;
    expect({ cols: chunk!.map.cols, w: chunk!.map.w, lengths: chunk!.cols.map((c) => c.bytes.length) }).toEqual({
      cols: ['op', 'pid', 'addr', 'len'],
      w: [1, 1, 4, 1],
      lengths: [1, 1, 4000, 1],
    });
    const back = await readAllRecords(path);
    expect(back[999]).toEqual({ kind: EventKind.access, cpu: 0, op: 2, pid: 9, addr: 0x08048000 + 999, len: 4 });
  });

  it('writes the same bytes for the same records (deterministic, no timestamps)', async () => {
    const a = join(tmp.dir, 'g1.hmt');
    const b = join(tmp.dir, 'g2.hmt');
    await writeRecords(a, everyKind(), 3, 16);
    await writeRecords(b, everyKind(), 3, 16);
    expect(readFileSync(a)).toEqual(readFileSync(b));
  });

  it('gzip output decompresses to exactly the uncompressed file', async () => {
    const a = join(tmp.dir, 'h1.hmt');
    const b = join(tmp.dir, 'h1.hmt.gz');
    await writeRecords(a, everyKind(), 3, 16);
    await writeRecords(b, everyKind(), 3, 16);
    expect(gunzipSync(readFileSync(b))).toEqual(readFileSync(a));
  });

  it(
    'sha256 is the stored content digest: ' + 'SHA-256 of the uncompressed bytes before the footer, the same for .hmt and .hmt.gz',
    async () => {
      const plain = join(tmp.dir, 'i.hmt');
      const path = join(tmp.dir, 'i.hmt.gz');
      await writeRecords(plain, everyKind(), 3, 16);
      await writeRecords(path, everyKind(), 3, 16);
      const bytes = readFileSync(plain);
      const footerAt = Number(bytes.readBigUInt64BE(bytes.length - 8)); // the end marker's footer offset
      const expected = createHash('sha256').update(bytes.subarray(0, footerAt)).digest('hex');
      expect((await openTrace(plain)).footer?.sha256).toBe(expected);
      expect(await (await openTrace(plain)).sha256()).toBe(expected);
      expect(await (await openTrace(path)).sha256()).toBe(expected); // a .gz footer: read by a pass
      const r = await openTrace(path);
      expect(r.digest).toBe('content');
      for await (const _ of r.batches({ hash: true })) void _;
      expect(await r.sha256()).toBe(expected);
    },
  );

  it('creates the file only on close, and abort leaves nothing behind', async () => {
    const path = join(tmp.dir, 'sub', 'j.hmt');
    const w = await openTraceWriter(path, { source: 'test', cpus: 1 });
    w.push({ kind: EventKind.exec, cpu: 0, pid: 1 });
    expect(existsSync(path)).toBe(false);
    await w.abort();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(join(tmp.dir, 'sub'))).toEqual([]);
    const w2 = await openTraceWriter(path, { source: 'test', cpus: 1 });
    w2.push({ kind: EventKind.exec, cpu: 0, pid: 1 });
    await w2.close();
    expect(statSync(path).isFile()).toBe(true);
    expect(readdirSync(join(tmp.dir, 'sub'))).toEqual(['j.hmt']);
  });

  it('refuses records that would not fit their columns instead of wrapping them', async () => {
    const w = await openTraceWriter(join(tmp.dir, 'k.hmt'), { source: 'test', cpus: 2 });
    expect(() => w.push({ kind: EventKind.access, cpu: 0, addr: 2 ** 32 })).toThrow(/addr 4294967296 does not fit/);
    expect(() => w.push({ kind: EventKind.access, cpu: 2 })).toThrow(
      'record for CPU 2 but the trace was opened with 2 CPUs (expected 0..1)',
    );
    await w.abort();
  });

  it('writes 2.0 unless the header declares observed TLB flushes; 2.1 holds tlbflush records and a footer of 16 kind counts', async () => {
    const flush: TraceRecord = { kind: EventKind.tlbflush, cpu: 0, pid: 7, op: 3, addr: 0x8048000, len: 2, arg: 1 };
    const old = await openTraceWriter(join(tmp.dir, 'v20.hmt'), { source: 'test', cpus: 1 });
    expect(old.header.version).toBe('2.0');
    expect(() => old.push(flush)).toThrow(
      "trace record 0: kind 15 (expected an event kind 0..14: a tlbflush record needs a header that declares observed ['tlbFlushes'])",
    );
    old.push({ kind: EventKind.exec, cpu: 0, pid: 1 });
    await old.close();
    const v20 = await openTrace(join(tmp.dir, 'v20.hmt'));
    expect(v20.header.version).toBe('2.0');
    expect(v20.header.observed).toBeUndefined();
    expect(v20.footer?.byKind).toHaveLength(15);

    const path = join(tmp.dir, 'v21.hmt');
    const w = await openTraceWriter(path, { source: 'test', cpus: 1, observed: [OBSERVED_TLB_FLUSHES] });
    expect(w.header.version).toBe('2.1');
    expect(() => w.push({ ...flush, op: 5 })).toThrow(/op 5 for kind 15 \(expected a tlb_flush reason 0\.\.4/);
    w.push(flush);
    await w.close();
    const t = await openTrace(path);
    expect(t.header).toMatchObject({ version: '2.1', observed: ['tlbFlushes'] });
    expect(t.footer?.byKind).toEqual([...new Array<number>(15).fill(0), 1]);
    expect((await readAllRecords(path)).map(canonicalRecord)).toEqual([canonicalRecord(flush)]);
  });

  it('a 2.1 file holds tlbflush records only when its header declares the flushes observed', async () => {
    // One chunk of one tlbflush (kind 15, op 3), full-width columns with their widths (2.x).
    const kind = Uint8Array.of(EventKind.tlbflush);
    const op = Uint8Array.of(3);
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(4, 1, true);
    const crc = crc32(op, crc32(Uint8Array.of(1), crc32('op', crc32(kind, crc32(Uint8Array.of(1), crc32('kind', crc32(head)))))));
    const chunk = concatBytes(frame(0x43, { cpu: 0, n: 1, cols: ['kind', 'op'], w: [1, 1], crc }), bin(kind), bin(op));
    const file = (observed: unknown): string => {
      const path = join(tmp.dir, `v21-${String(observed)}.hmt`);
      const header = headerMap({ version: [2, 1], ...(observed === undefined ? {} : { observed }) });
      writeFileSync(path, concatBytes(frame(0x48, header), chunk));
      return path;
    };
    expect((await readAllRecords(file(['tlbFlushes']))).map((r) => r.kind)).toEqual([EventKind.tlbflush]);
    for (const observed of [undefined, []]) {
      await expect(readAllRecords(file(observed))).rejects.toThrow(
        'record 0 of the chunk has kind 15 (expected an event kind 0..14 in HMT 2.1: ' +
          "kind 15 needs HMT 2.1 with observed ['tlbFlushes'] in the header)",
      );
    }
  });

  it('batches of the reader are independent arrays, valid after the next batch is read', async () => {
    const path = join(tmp.dir, 'l.hmt');
    await writeRecords(path, everyKind(), 3, 8);
    const kept = [];
    for await (const b of (await openTrace(path)).batches()) kept.push(b);
    expect(kept[0]!.addr[0]).toBe(0xbfff0000);
    expect(kept.reduce((a, b) => a + b.length, 0)).toBe(200);
  });
});
