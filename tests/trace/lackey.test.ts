import { describe, expect, it } from 'vitest';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { lackeyImporter } from '../../src/trace/importers/lackey.ts';
import { gunzipIfNeeded } from '../../src/trace/hmt/gzip.ts';
import { InputError } from '../../src/errors.ts';
import { AccessOp, EventKind } from '../../src/trace/records.ts';
import type { ImportOptions } from '../../src/trace/importers/registry.ts';
import { join } from 'node:path';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { inspectTrace } from '../../src/trace/inspect.ts';
import { CollectSink, tempDir, textStream, walkHmt } from './hmt-helpers.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/validation/tlb/busybox-gzip-3k.lackey.gz', import.meta.url));
const opts = (over: Partial<ImportOptions> = {}): ImportOptions => ({ file: 'in.lackey', skipBad: false, ...over });

async function run(text: string, over: Partial<ImportOptions> = {}, chunk?: number) {
  const sink = new CollectSink();
  const stats = await lackeyImporter.run(textStream(text, chunk), sink, opts(over));
  return { stats, records: sink.records };
}

const SAMPLE = [
  '==15635== Lackey, an example Valgrind tool',
  '==15635== Command: /bin/busybox gzip -c f',
  'I  08049b00,2',
  ' L fee7c8a0,4',
  ' S FEE7C89C,4',
  ' M 0025747c,1',
  '',
  'I  08049B02,16',
  '==15635== ',
].join('\n');

describe('lackey importer', () => {
  it('turns I/L/S/M lines into access records with the banner pid (exact records)', async () => {
    const { stats, records } = await run(SAMPLE + '\n');
    const a = { kind: EventKind.access, cpu: 0, pid: 15635 };
    expect(records).toEqual([
      { ...a, op: AccessOp.ifetch, addr: 0x08049b00, len: 2 },
      { ...a, addr: 0xfee7c8a0, len: 4 }, // load: op 0 is left out
      { ...a, op: AccessOp.store, addr: 0xfee7c89c, len: 4 },
      { ...a, op: AccessOp.modify, addr: 0x0025747c, len: 1 },
      { ...a, op: AccessOp.ifetch, addr: 0x08049b02, len: 16 },
    ]);
    expect(stats).toEqual({ lines: 9, records: 5, badLines: 0 });
  });

  it('gives the same records whatever the chunking of the input, with CRLF line ends and no final newline', async () => {
    const whole = (await run(SAMPLE)).records;
    for (const chunk of [1, 2, 3, 7, 13]) expect((await run(SAMPLE, {}, chunk)).records).toEqual(whole);
    expect((await run(SAMPLE.replace(/\n/g, '\r\n'))).records).toEqual(whole);
  });

  it('uses --pid and --cpu when given, and pid 1 without a banner', async () => {
    expect((await run('I  00001000,4\n', { pid: 42, cpu: 3 })).records).toEqual([
      { kind: EventKind.access, cpu: 3, op: AccessOp.ifetch, pid: 42, addr: 0x1000, len: 4 },
    ]);
    expect((await run(' S 00002000,8\n')).records[0]).toEqual({
      kind: EventKind.access,
      cpu: 0,
      op: AccessOp.store,
      pid: 1,
      addr: 0x2000,
      len: 8,
    });
  });

  it('stops at the first malformed line with file:line, the line and what was expected', async () => {
    await expect(run('I  08049b00,2\n X 1234,4\n')).rejects.toThrow(
      new InputError(
        `in.lackey:2: unrecognized lackey line " X 1234,4" (expected 'I  ` +
          `ADDR,SIZE', ' L ADDR,SIZE', ' S ADDR,SIZE', ' M ADDR,SIZE' or '==PID== ...')`,
      ),
    );
    await expect(run('I  08049g00,2\n')).rejects.toThrow(
      `in.lackey:1: bad address in lackey line "I  08049g00,2" (expected 1 to 16 hex digits then ',')`,
    );
    await expect(run('I  08049b00,\n')).rejects.toThrow(
      `in.lackey:1: bad size in lackey line "I  08049b00," (expected a decimal size after ',')`,
    );
    await expect(run('I  08049b00,4x\n')).rejects.toThrow(
      `in.lackey:1: bad size in lackey line "I  08049b00,4x" (expected a decimal size after ',')`,
    );
  });

  it('refuses addresses above 32 bits, naming the line, unless an address mapper relocates them', async () => {
    const text = 'I  08049b00,2\n L 7ffd12345678,8\n';
    await expect(run(text)).rejects.toThrow(
      'in.lackey:2: address 0x7ffd12345678 does not fit in 32 bits (expected a 32-bit user address: ' +
        'use --relocate auto, or --relocate stack=0x40000000 for the stack of a 32-bit program)',
    );
    const relocated = await run(text, { mapAddress: (a) => (a >= 2 ** 32 ? a - 0x7ffd00000000 + 0xb0000000 : a) });
    expect(relocated.records[1]).toEqual({ kind: EventKind.access, cpu: 0, pid: 1, addr: 0xb0000000 + 0x12345678, len: 8 });
  });

  it('with skipBad counts bad lines, keeps the first message and imports the rest', async () => {
    const { stats, records } = await run('I  1000,4\ngarbage\n L 2000,4\n Q 1,1\n', { skipBad: true });
    expect(records.length).toBe(2);
    expect(stats).toEqual({
      lines: 4,
      records: 2,
      badLines: 2,
      firstBad:
        `in.lackey:2: unrecognized lackey line "garbage" (expected 'I  ADDR,SIZE', ` +
        `' L ADDR,SIZE', ' S ADDR,SIZE', ' M ADDR,SIZE' or '==PID== ...')`,
    });
  });

  it('reads gzip input transparently and reports corrupt gzip input as a one-line UserError', async () => {
    const gz = gzipSync(Buffer.from(SAMPLE));
    const sink = new CollectSink();
    await lackeyImporter.run(Readable.from(gunzipIfNeeded(Readable.from([gz]), 'in.gz')), sink, opts());
    expect(sink.records.length).toBe(5);
    const cut = gz.subarray(0, gz.length - 12);
    await expect(
      lackeyImporter.run(Readable.from(gunzipIfNeeded(Readable.from([cut]), 'in.gz')), new CollectSink(), opts()),
    ).rejects.toThrow(/^in\.gz: gzip data is corrupt or truncated after \d+ decompressed bytes: .* \(expected a complete gzip stream\)$/);
  });

  it('refuses a line longer than 1 MiB instead of buffering it', async () => {
    const long = 'I  1000,4\n' + 'x'.repeat((1 << 20) + 10) + '\n';
    await expect(run(long)).rejects.toThrow(new InputError('in.lackey:2: line longer than 1048576 bytes (expected lackey lines)'));
  });

  it('imports the real busybox gzip trace: every line, one access record per I/L/S/M line, Dinero page references', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = join(dir, 'busybox.hmt');
      const writer = await openTraceWriter(out, { source: 'lackey', cpus: 1 });
      const input = Readable.from(gunzipIfNeeded(createReadStream(FIXTURE), FIXTURE));
      const stats = await lackeyImporter.run(input, writer, opts({ file: FIXTURE }));
      await writer.close();
      // Line counts from the fixture itself (tests/fixtures/validation/tlb/README.md: 1,694,634 lines;
      // `cut -c1-2 | sort | uniq -c`: 1,019,918 I, 240,256 L, 413,587 S, 20,848 M and 25 '==' lines).
      expect(stats).toEqual({ lines: 1_694_634, records: 1_694_609, badLines: 0 });
      const info = await inspectTrace(await openTrace(out));
      expect(info.records).toBe(1_694_609);
      expect(info.byKind.access).toBe(1_694_609);
      expect(info.byAccessOp).toEqual({ ifetch: 1_019_918, load: 240_256, store: 413_587, modify: 20_848 });
      expect(info.byPid).toEqual({ '15635': 1_694_609 });
      // tests/fixtures/validation/tlb/dinero-misses.csv: 1,019,949 I and 674,691 D references, where an access
      // straddling a page boundary references both pages: 31 straddling instruction fetches, no data ones.
      expect(info.pageReferences).toEqual({ instruction: 1_019_949, data: 674_691 });
      expect(info.straddlingAccesses).toBe(31);
      // HMT 2.0 narrow columns: op 1 byte, addr 4, len 1 (every size ≤ 255), pid 15635 the same in every
      // record, so stored once per chunk as u16; kind (all access), arg, off and time all zero: omitted.
      // 26 chunks of 65,536 records (the last 55,209). Column data: 6 bytes per reference + 2 per chunk.
      const file = readFileSync(out);
      const walk = walkHmt(file);
      expect(walk.chunks.map((c) => c.map.n)).toEqual([...new Array<number>(25).fill(65_536), 1_694_609 - 25 * 65_536]);
      for (const c of walk.chunks) {
        expect({ cols: c.map.cols, w: c.map.w, lengths: c.cols.map((x) => x.bytes.length) }).toEqual({
          cols: ['op', 'pid', 'addr', 'len'],
          w: [1, 2, 4, 1],
          lengths: [c.map.n, 2, 4 * c.map.n, c.map.n],
        });
      }
      const columnBytes = 6 * 1_694_609 + 2 * 26;
      expect(walk.chunks.reduce((a, c) => a + c.cols.reduce((s, x) => s + x.bytes.length, 0), 0)).toBe(columnBytes);
      // The rest is framing: the header frame, per chunk its frame and 4 bin headers of 5 bytes, the
      // footer frame (with the chunk index and the digest) and the 10-byte end marker.
      const framing =
        6 + walk.headerBytes + walk.chunks.reduce((a, c) => a + 6 + c.payloadBytes + 5 * c.cols.length, 0) + 6 + walk.footerBytes + 10;
      expect(file.length).toBe(columnBytes + framing);
      expect(framing / 1_694_609).toBeLessThan(0.002); // under 2 bytes of framing per thousand references
    } finally {
      cleanup();
    }
  });
});
