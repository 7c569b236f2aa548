/**
 * Issue item 1 and 8 (values): a record whose value a replay loop cannot walk (an `off` of 1e308, ±∞, NaN,
 * a negative or fractional offset, an access op or kmap API outside its vocabulary) is refused by the
 * reader with one line naming the file and the chunk's byte, and by the writer; and a replay that is busy
 * inside one long batch still stops on SIGINT within a second.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { readAllRecords } from '../../src/trace/hmt/reader.ts';
import { UserError } from '../../src/errors.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { MAX_FILE_OFFSET, MAX_RW_COUNT } from '../../src/trace/record-ranges.ts';
import { bin, chunkCrc, concatBytes, frame, headerMap, tempDir } from '../trace/hmt-helpers.ts';
import { FakeSignals, runCaptured } from '../helpers/in-process.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);
let counter = 0;

/** A footer-less HMT file of one chunk holding `records` (every column stored), as bytes. */
export function traceBytes(records: readonly Partial<TraceRecord>[], header: Record<string, unknown> = {}): Uint8Array {
  const n = records.length;
  const cols: Array<[string, Uint8Array]> = [
    ['kind', Uint8Array.from(records, (r) => r.kind ?? 0)],
    ['op', Uint8Array.from(records, (r) => r.op ?? 0)],
    ['pid', new Uint8Array(Uint32Array.from(records, (r) => r.pid ?? 1).buffer)],
    ['addr', new Uint8Array(Uint32Array.from(records, (r) => r.addr ?? 0).buffer)],
    ['len', new Uint8Array(Uint32Array.from(records, (r) => r.len ?? 0).buffer)],
    ['arg', new Uint8Array(Uint32Array.from(records, (r) => r.arg ?? 0).buffer)],
    ['off', new Uint8Array(Float64Array.from(records, (r) => r.off ?? 0).buffer)],
    ['time', new Uint8Array(Float64Array.from(records, (r) => r.time ?? 0).buffer)],
  ];
  const chunk = frame(0x43, { cpu: 0, n, cols: cols.map(([c]) => c), crc: chunkCrc(0, n, cols) });
  return concatBytes(frame(0x48, headerMap(header)), chunk, ...cols.map(([, c]) => bin(c)));
}

function file(bytes: Uint8Array): string {
  const path = join(tmp.dir, `t${counter++}.hmt`);
  writeFileSync(path, bytes);
  return path;
}

/** Byte offset of the chunk frame in traceBytes' output (the header frame's length). */
function chunkAt(header: Record<string, unknown> = {}): number {
  return frame(0x48, headerMap(header)).length;
}

const READ = { kind: EventKind.read, pid: 1, addr: 0x10000000, len: 4096, arg: 1 };

const cases: ReadonlyArray<[string, Partial<TraceRecord>, string]> = [
  ['an offset of 1e308 (p++ cannot move it)', { ...READ, off: 1e308 }, 'file offset 1e+308 (expected an integer 0..9007194959773696)'],
  ['an offset of +Infinity', { ...READ, off: Infinity }, 'file offset Infinity'],
  ['an offset of -Infinity', { ...READ, off: -Infinity }, 'file offset -Infinity'],
  ['an offset of NaN', { ...READ, off: NaN }, 'file offset NaN'],
  ['a negative offset', { ...READ, off: -4096 }, 'file offset -4096'],
  ['a fractional offset', { ...READ, off: 0.5 }, 'file offset 0.5'],
  ['an offset just above the limit', { ...READ, off: MAX_FILE_OFFSET + 2 ** 20 }, 'file offset 9007194960822272'],
  ['a time of NaN', { kind: EventKind.compute, len: 10, time: NaN }, 'time NaN (expected a finite number of nanoseconds ≥ 0)'],
  ['a negative time', { kind: EventKind.compute, len: 10, time: -1 }, 'time -1'],
  [
    'an access op of 200',
    { kind: EventKind.access, op: 200, addr: 0x1000, len: 4 },
    'op 200 for kind 0 (expected an access op 0..3 (load, store, ifetch, modify))',
  ],
  ['a kmap API of 7', { kind: EventKind.kmap, op: 7, addr: 0x40000 }, 'op 7 for kind 12 (expected a kmap API 0..2 (pkmap, atomic, local))'],
  ['mmap protection bits of 16', { kind: EventKind.mmap, op: 16, addr: 0x1000, len: 4096 }, 'op 16 for kind 6'],
  [
    'a read one byte longer than MAX_RW_COUNT',
    { ...READ, len: 0x7ffff001 },
    'length 2147479553 of a read (expected at most 2147479552 bytes, MAX_RW_COUNT: the most one call transfers)',
  ],
  [
    'a write of 2 GiB (no call transfers it: rw_verify_area cuts it to MAX_RW_COUNT)',
    { ...READ, kind: EventKind.write, len: 2 ** 31 },
    'length 2147483648 of a write',
  ],
];

describe('the HMT reader refuses records outside their declared ranges (one line: file, byte, record, value)', () => {
  it.each(cases)('%s', async (_what, record, problem) => {
    const path = file(traceBytes([{ kind: EventKind.syscall, arg: 3 }, record]));
    const err = await readAllRecords(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    const message = (err as Error).message;
    expect(message.startsWith(`${path} at byte ${chunkAt()}: record 1 of the chunk has `), message).toBe(true);
    expect(message).toContain(problem);
    expect(message).toMatch(/\(expected [^\n]*\)$/);
  });

  it("refuses a user address beyond the header's address width", async () => {
    const path = file(traceBytes([{ kind: EventKind.access, addr: 0x10000, len: 4 }], { addressBits: 16 }));
    await expect(readAllRecords(path)).rejects.toThrow(
      `${path} at byte ${chunkAt({ addressBits: 16 })}: record 0 of the chunk ` +
        `has address 0x10000 (expected below 2^16, the trace's address width)`,
    );
  });

  it('accepts the extremes of every range', async () => {
    // include/linux/fs.h: MAX_RW_COUNT = INT_MAX & PAGE_MASK.
    expect(MAX_RW_COUNT).toBe(0x7fffffff & ~0xfff);
    const records = [
      { ...READ, off: MAX_FILE_OFFSET, len: MAX_RW_COUNT },
      { kind: EventKind.munmap, addr: 0, len: 0xffffffff },
      { kind: EventKind.access, op: 3, addr: 0xfffff000, len: 4 },
      { kind: EventKind.kmap, op: 2, addr: 0xffffffff },
      { kind: EventKind.mprotect, op: 15, addr: 0, len: 4096 },
      { kind: EventKind.compute, len: 1, time: Number.MAX_VALUE },
    ];
    const got = await readAllRecords(file(traceBytes(records)));
    expect(got.map((r) => [r.kind, r.op ?? 0, r.off ?? 0, r.time ?? 0])).toEqual(
      records.map((r) => [r.kind, r.op ?? 0, (r as { off?: number }).off ?? 0, (r as { time?: number }).time ?? 0]),
    );
  });

  it('hmsim run on the 1e308 trace: exit 2 and one line (it hung forever before)', async () => {
    const path = file(
      traceBytes([
        { kind: EventKind.syscall, arg: 3 },
        { ...READ, off: 1e308 },
      ]),
    );
    const r = await runCaptured(['run', '--trace', path, '--quiet']);
    expect(r.stderr).toBe(
      `hmsim: ${path} at byte ${chunkAt()}: record 1 of the chunk has file offset 1e+308 (expected an integer 0..${MAX_FILE_OFFSET})\n`,
    );
    expect(r.code).toBe(2);
  });
});

describe('the HMT writer refuses what the reader would refuse', () => {
  const bad: ReadonlyArray<[string, TraceRecord]> = [
    ['off 1e308', { ...READ, cpu: 0, off: 1e308 }],
    ['off Infinity', { ...READ, cpu: 0, off: Infinity }],
    ['off NaN', { ...READ, cpu: 0, off: NaN }],
    ['access op 200', { kind: EventKind.access, cpu: 0, op: 200, addr: 0x1000, len: 4 }],
    ['kmap api 7', { kind: EventKind.kmap, cpu: 0, op: 7, addr: 0x40000 }],
    ['pid 2^32', { kind: EventKind.access, cpu: 0, pid: 2 ** 32, addr: 0x1000, len: 4 }],
    ['write len 2^32 − 1', { ...READ, kind: EventKind.write, cpu: 0, len: 0xffffffff }],
  ];
  it.each(bad)('%s: a one-line UserError, nothing written', async (_what, record) => {
    const path = join(tmp.dir, `w${counter++}.hmt`);
    const w = await openTraceWriter(path, { source: 'test', cpus: 1 });
    expect(() => w.push(record)).toThrow(UserError);
    await w.abort();
  });
});

describe('SIGINT stops a replay that is busy inside one batch', () => {
  it('within a second, although the batch alone would take far longer', async () => {
    // One chunk of 20,000 reads of the same 64 MiB of a file: every record copies 16,384 cached pages, so
    // the batch takes minutes; the driver must still give the signal handler a turn.
    const records: Partial<TraceRecord>[] = [{ kind: EventKind.syscall, arg: 3 }];
    for (let i = 0; i < 20_000; i++) records.push({ kind: EventKind.read, pid: 1, addr: 0x10000000, len: 64 << 20, arg: 7, off: 0 });
    const path = file(traceBytes(records));
    const signals = new FakeSignals();
    const start = Date.now();
    let sentAt = 0;
    const timer = setTimeout(() => {
      sentAt = Date.now();
      signals.send('SIGINT');
    }, 1500);
    const r = await runCaptured(['run', '--trace', path, '--quiet'], signals);
    clearTimeout(timer);
    expect(r.stderr).toBe('hmsim: interrupted by SIGINT: stopped, no new output written (a previous output is left as it was)\n');
    expect(r.code).toBe(130);
    expect(sentAt).toBeGreaterThan(start);
    expect(Date.now() - sentAt).toBeLessThan(1000);
  }, 60_000);

  it('within a second inside one record: a 2 GiB write pauses in its page walk', async () => {
    // The longest record there can be (docs/robustness.md: ~2 s of replay alone); its walks take 2^20
    // pages (buffer and file), so an abort point comes every 1/16 of it (2^16 pages).
    const path = file(
      traceBytes([
        { kind: EventKind.syscall, arg: 4 },
        { kind: EventKind.write, pid: 1, addr: 0x10000000, len: MAX_RW_COUNT, arg: 7, off: 0 },
      ]),
    );
    const args = ['run', '--trace', path, '--quiet', '--config', '3g1g-highmem', '--ram', '4G'];
    let start = Date.now();
    expect((await runCaptured(args)).code).toBe(0);
    const whole = Date.now() - start;
    // The signal comes a quarter of the way in: the run stops long before the record would have ended.
    const signals = new FakeSignals();
    start = Date.now();
    let sentAt = 0;
    const timer = setTimeout(() => {
      sentAt = Date.now();
      signals.send('SIGINT');
    }, whole / 4);
    const r = await runCaptured(args, signals);
    clearTimeout(timer);
    const stopped = Date.now();
    expect(r.stderr).toBe('hmsim: interrupted by SIGINT: stopped, no new output written (a previous output is left as it was)\n');
    expect(r.code).toBe(130);
    expect(sentAt).toBeGreaterThan(start);
    expect(stopped - start).toBeLessThan(whole * 0.6);
    expect(stopped - sentAt).toBeLessThan(1000);
  }, 60_000);
});
