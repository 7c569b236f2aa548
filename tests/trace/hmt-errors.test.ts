import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace, readAllRecords } from '../../src/trace/hmt/reader.ts';
import { UserError } from '../../src/errors.ts';
import { EventKind } from '../../src/trace/records.ts';
import { accessChunk, bin, chunkCrc, concatBytes, frame, headerMap, rawFrame, tempDir } from './hmt-helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);
let counter = 0;

/** Writes `bytes` to a fresh file and returns the error reading it all gives (or undefined). */
async function readError(bytes: Uint8Array, name = 'x.hmt'): Promise<{ path: string; error: unknown }> {
  const path = join(tmp.dir, `${counter++}-${name}`);
  writeFileSync(path, bytes);
  try {
    await readAllRecords(path);
    return { path, error: undefined };
  } catch (error) {
    return { path, error };
  }
}

async function expectMessage(bytes: Uint8Array, message: (path: string) => string, name?: string): Promise<void> {
  const { path, error } = await readError(bytes, name);
  expect(error).toBeInstanceOf(UserError);
  expect((error as Error).message).toBe(message(path));
}

const H = () => frame(0x48, headerMap());
const HF = () => frame(0x48, headerMap({ footer: true }));

/** A valid file written by the writer (3 chunks of 10 accesses), as bytes. */
async function validFile(): Promise<Uint8Array> {
  const path = join(tmp.dir, `valid-${counter++}.hmt`);
  const w = await openTraceWriter(path, { source: 'test', cpus: 1 }, { chunkRecords: 10 });
  for (let i = 0; i < 30; i++) w.push({ kind: EventKind.access, cpu: 0, op: 1, pid: 5, addr: 0x1000 + i, len: 4 });
  await w.close();
  return readFileSync(path);
}

describe('HMT reader: clear one-line errors for bad files', () => {
  it('rejects an empty file', async () => {
    await expectMessage(new Uint8Array(0), (p) => `${p} at byte 0: empty file (expected an HMT header frame)`);
  });

  it('rejects a file that is not HMT (bad magic bytes)', async () => {
    await expectMessage(
      Buffer.from('I  08049b00,2\n'),
      (p) => `${p} at byte 0: not an HMT trace: bad magic bytes 49 20 20 30 38 30 (expected an HMT header frame: c9 LL LL LL LL 48)`,
    );
  });

  it('rejects a gzip file whose content is not HMT', async () => {
    await expectMessage(
      gzipSync(Buffer.from('hello world')),
      (p) => `${p} at byte 0: not an HMT trace: bad magic bytes 68 65 6c 6c 6f 20 (expected an HMT header frame: c9 LL LL LL LL 48)`,
      'x.hmt.gz',
    );
  });

  it('rejects a header whose magic field is wrong', async () => {
    await expectMessage(
      frame(0x48, headerMap({ magic: 'XYZ' })),
      (p) => `${p} at byte 0: not an HMT trace: header magic is "XYZ" (expected "HMT")`,
    );
  });

  it('rejects an unknown major version and accepts a newer minor version', async () => {
    await expectMessage(
      frame(0x48, headerMap({ version: [3, 0] })),
      (p) => `${p} at byte 0: unknown HMT major version 3 (expected 1 or 2; this file needs a newer hmsim)`,
    );
    const { error } = await readError(concatBytes(frame(0x48, headerMap({ version: [1, 7], extra: 'ignored' })), accessChunk(3)));
    expect(error).toBeUndefined();
  });

  it('rejects absurd counts in the header before allocating anything', async () => {
    await expectMessage(
      frame(0x48, headerMap({ cpus: 1e9 })),
      (p) => `${p} at byte 0: header field 'cpus' is 1000000000 (expected an integer 1..4096)`,
    );
    await expectMessage(
      frame(0x48, headerMap({ pageSize: 3000 })),
      (p) => `${p} at byte 0: header field 'pageSize' is 3000 (expected a power of two 256..1073741824)`,
    );
    const huge = new Uint8Array(6);
    huge[0] = 0xc9;
    new DataView(huge.buffer).setUint32(1, 0xfffffff0, false);
    huge[5] = 0x48;
    await expectMessage(huge, (p) => `${p} at byte 0: absurd header frame length 4294967280 bytes (expected at most 1048576)`);
  });

  it('rejects a chunk with an absurd record count', async () => {
    const chunk = frame(0x43, { cpu: 0, n: 2 ** 31, cols: ['addr'], crc: 0 });
    const h = H();
    await expectMessage(
      concatBytes(h, chunk),
      (p) => `${p} at byte ${h.length}: chunk frame field 'n' is 2147483648 (expected a record count 1..1048576)`,
    );
  });

  it('rejects a chunk for a CPU the header does not declare', async () => {
    const h = H();
    await expectMessage(
      concatBytes(h, accessChunk(2, 3)),
      (p) => `${p} at byte ${h.length}: chunk is for CPU 3 but the header declares 1 CPU (expected 0..0)`,
    );
  });

  it('rejects a column of the wrong length', async () => {
    const h = H();
    const meta = frame(0x43, { cpu: 0, n: 4, cols: ['addr'], crc: 0 });
    await expectMessage(
      concatBytes(h, meta, bin(new Uint8Array(12))),
      (p) => `${p} at byte ${h.length + meta.length}: column 'addr' has 12 bytes (expected 4 records × 4 = 16)`,
    );
  });

  it('rejects a column that is not a bin', async () => {
    const h = H();
    const meta = frame(0x43, { cpu: 0, n: 1, cols: ['op'], crc: 0 });
    await expectMessage(
      concatBytes(h, meta, new Uint8Array([0xa1, 0x41])),
      (p) => `${p} at byte ${h.length + meta.length}: column 'op' starts with byte 0xa1 (expected a MessagePack bin: 0xc4, 0xc5 or 0xc6)`,
    );
  });

  it('detects a corrupted column byte by the chunk checksum', async () => {
    const bytes = await validFile();
    const corrupt = Uint8Array.from(bytes);
    corrupt[bytes.length - 200]! ^= 0x01; // inside the last chunk's columns (the footer is ~90 bytes)
    const { path, error } = await readError(corrupt);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^${escapeRegExp(path)} at byte \\d+: chunk checksum mismatch: stored ` +
          `0x[0-9a-f]{8}, computed 0x[0-9a-f]{8} \\(expected equal: the chunk is corrupt\\)$`,
      ),
    );
  });

  it('reports a truncated chunk with the byte offset of the column', async () => {
    const h = H();
    const chunk = accessChunk(4);
    const cut = concatBytes(h, chunk).subarray(0, h.length + chunk.length - 3);
    // accessChunk: frame, then bin(op: 4 bytes) = 9 bytes, then bin(addr: 16 bytes) = 21 bytes.
    const addrAt = h.length + chunk.length - 21;
    await expectMessage(
      cut,
      (p) =>
        `${p} at byte ${addrAt}: truncated column 'addr': the file ends after 18 of its 21 bytes (expected the complete column 'addr')`,
    );
  });

  it('reports a file cut anywhere as a UserError, never a crash or a silent partial read', async () => {
    const bytes = await validFile();
    for (let len = 1; len < bytes.length; len += 7) {
      const { error } = await readError(bytes.subarray(0, len));
      expect(error, `cut at ${len}`).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(/ at byte \d+: /);
    }
  });

  it('reports a file that ends after whole chunks without the promised footer', async () => {
    const h = HF();
    await expectMessage(
      concatBytes(h, accessChunk(2), accessChunk(2)),
      (p) =>
        `${p} at byte ${h.length + 2 * accessChunk(2).length}: the file ends after 2 chunks without a ` +
        `footer (expected a footer frame: the header says the writer writes one, so the file is truncated)`,
    );
  });

  it('accepts a footer-less file from a writer that does not promise one', async () => {
    const { path, error } = await readError(concatBytes(H(), accessChunk(2), accessChunk(5)));
    expect(error).toBeUndefined();
    expect((await readAllRecords(path)).length).toBe(7);
  });

  it('rejects data after the end marker', async () => {
    const bytes = await validFile();
    await expectMessage(
      concatBytes(bytes, new Uint8Array([0])),
      (p) => `${p} at byte ${bytes.length}: unexpected data after the end marker (expected the end of the file)`,
    );
  });

  it('rejects a footer whose counts disagree with the chunks', async () => {
    const h = HF();
    const c = accessChunk(2);
    const footer = frame(0x46, {
      records: 3,
      chunks: 1,
      byKind: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      byCpu: [3],
      index: [[h.length, 0, 2]],
    });
    await expectMessage(
      concatBytes(h, c, footer),
      (p) => `${p} at byte ${h.length + c.length}: footer says 3 records but the chunks hold 2 (expected equal)`,
    );
  });

  it('rejects an unknown frame type and a second header', async () => {
    const h = H();
    await expectMessage(
      concatBytes(h, frame(0x5a, {})),
      (p) => `${p} at byte ${h.length}: unknown frame type 0x5a (expected 0x43 chunk or 0x46 footer)`,
    );
    await expectMessage(concatBytes(h, h), (p) => `${p} at byte ${h.length}: a second header frame (expected a chunk or footer frame)`);
  });

  it('rejects a frame whose payload is not one MessagePack map', async () => {
    const h = H();
    await expectMessage(
      concatBytes(h, frame(0x43, [1, 2])),
      (p) => `${p} at byte ${h.length + 6}: chunk frame is an array of 2 (expected a MessagePack map)`,
    );
    const { error } = await readError(concatBytes(h, rawFrame(0x43, new Uint8Array([0xdc, 0xff, 0xff]))));
    expect((error as Error).message).toMatch(/at byte \d+: chunk frame is not valid MessagePack: .* \(expected one map\)$/);
  });

  it('rejects record kinds outside the vocabulary even with a valid checksum', async () => {
    const h = H();
    const kind = new Uint8Array([0, 99]);
    const chunk = concatBytes(frame(0x43, { cpu: 0, n: 2, cols: ['kind'], crc: chunkCrc(0, 2, [['kind', kind]]) }), bin(kind));
    await expectMessage(
      concatBytes(h, chunk),
      (p) => `${p} at byte ${h.length}: record 1 of the chunk has kind 99 (expected an event kind 0..14)`,
    );
  });

  it('reports corrupt gzip data as a UserError', async () => {
    const gz = gzipSync(await validFile());
    const cut = gz.subarray(0, gz.length - 30);
    const { error } = await readError(cut, 'cut.hmt.gz');
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      / at byte \d+: (gzip data is corrupt or truncated: .* \(expected a complete gzip stream\)|truncated .*|the file ends .*)$/,
    );
  });

  it('rejects a missing file and a folder with a one-line error', async () => {
    await expect(openTrace(join(tmp.dir, 'nope.hmt'))).rejects.toThrow(
      `${join(tmp.dir, 'nope.hmt')}: cannot read (ENOENT) (expected an HMT trace file)`,
    );
    await expect(openTrace(tmp.dir)).rejects.toThrow(`${tmp.dir}: not a file (expected an HMT trace)`);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
