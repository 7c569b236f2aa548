/**
 * Trace benchmarks (measured, never asserted): lackey import speed and HMT read speed.
 * Inputs are generated on the fly (lackey text in memory, HMT files in a temporary folder).
 * Targets (issue 3): lackey import ≥ 3 million lines/s; HMT column reading ≥ 50 million records/s.
 * Run: npm run bench -- trace
 */
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { lackeyImporter } from '../src/trace/importers/lackey.ts';
import { openTraceWriter } from '../src/trace/hmt/writer.ts';
import { openTrace } from '../src/trace/hmt/reader.ts';
import { RecordBatchBuilder, type BatchSink } from '../src/trace/batch.ts';
import { createRng } from '../src/random/rng.ts';
import type { RecordBatch } from '../src/trace/records.ts';

const LACKEY_LINES = 6_000_000;
const ACCESS_RECORDS = 30_000_000;
const MIXED_RECORDS = 5_000_000;
const RUNS = 3;

/** Lackey text like a real trace: ~60% I lines, then L/S/M, 8 hex digits, in 1 MiB chunks. */
function synthesizeLackey(lines: number): Buffer[] {
  const rng = createRng(1);
  const chunks: Buffer[] = [];
  let buf = Buffer.alloc(1 << 20);
  let p = 0;
  const hex = '0123456789abcdef';
  let pc = 0x08049000;
  let sp = 0xbfff0000;
  for (let i = 0; i < lines; i++) {
    if (p > buf.length - 40) {
      chunks.push(buf.subarray(0, p));
      buf = Buffer.alloc(1 << 20);
      p = 0;
    }
    const r = rng.next();
    let addr: number;
    if (r < 0.6) {
      buf[p++] = 0x49;
      buf[p++] = 0x20;
      buf[p++] = 0x20;
      pc = (pc + 1 + rng.nextInt(6)) >>> 0;
      addr = pc;
    } else {
      buf[p++] = 0x20;
      buf[p++] = r < 0.75 ? 0x4c : r < 0.98 ? 0x53 : 0x4d;
      buf[p++] = 0x20;
      sp = (0xbfff0000 + rng.nextInt(1 << 16)) >>> 0;
      addr = sp;
    }
    for (let s = 28; s >= 0; s -= 4) buf[p++] = hex.charCodeAt((addr >>> s) & 15);
    buf[p++] = 0x2c;
    buf[p++] = 0x30 + 1 + rng.nextInt(8);
    buf[p++] = 0x0a;
  }
  chunks.push(buf.subarray(0, p));
  return chunks;
}

/** A sink that only counts (parsing cost alone). */
class CountSink implements BatchSink {
  records = 0;
  push(): void {
    this.records++;
  }
  pushBatch(b: RecordBatch): void {
    this.records += b.length;
  }
  async close(): Promise<void> {}
}

function best(xs: number[]): number {
  return Math.max(...xs);
}

function fmt(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(1)} M/s`;
}

async function benchLackey(dir: string): Promise<void> {
  const chunks = synthesizeLackey(LACKEY_LINES);
  const mb = chunks.reduce((a, c) => a + c.length, 0) / 2 ** 20;
  const parseOnly: number[] = [];
  const toHmt: number[] = [];
  const toHmtCpu: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let t = performance.now();
    const sink = new CountSink();
    const stats = await lackeyImporter.run(Readable.from(chunks), sink, { file: 'bench', skipBad: false });
    parseOnly.push(stats.lines / ((performance.now() - t) / 1000));
    t = performance.now();
    const c0 = process.cpuUsage();
    const w = await openTraceWriter(join(dir, 'lackey.hmt'), { source: 'lackey', cpus: 1 });
    await lackeyImporter.run(Readable.from(chunks), w, { file: 'bench', skipBad: false });
    await w.close();
    toHmt.push(stats.lines / ((performance.now() - t) / 1000));
    const c = process.cpuUsage(c0);
    toHmtCpu.push(stats.lines / ((c.user + c.system) / 1e6));
  }
  console.log(`lackey import, ${LACKEY_LINES.toLocaleString('en-US')} lines (${mb.toFixed(0)} MiB of text), best of ${RUNS}:`);
  console.log(`  parse only           ${fmt(best(parseOnly))} lines   (runs: ${parseOnly.map(fmt).join(', ')})`);
  console.log(`  parse + write .hmt   ${fmt(best(toHmt))} lines   (runs: ${toHmt.map(fmt).join(', ')})   target ≥ 3 M lines/s`);
  console.log(`  per CPU-second       ${fmt(best(toHmtCpu))} lines   (runs: ${toHmtCpu.map(fmt).join(', ')})`);
}

async function writeAccessTrace(path: string, records: number): Promise<void> {
  const w = await openTraceWriter(path, { source: 'bench', cpus: 2 });
  const rng = createRng(2);
  const b0 = new RecordBatchBuilder(0, 65_536);
  const b1 = new RecordBatchBuilder(1, 65_536);
  for (let i = 0; i < records; i++) {
    const b = i % 2 === 0 ? b0 : b1;
    b.pushAccess(rng.nextInt(3), 100 + (i & 3), (0x08048000 + rng.nextInt(1 << 24)) >>> 0, 4);
    if (b.full) {
      w.pushBatch(b.view());
      b.clear();
    }
  }
  for (const b of [b0, b1]) if (b.length > 0) w.pushBatch(b.view());
  await w.close();
}

async function writeMixedTrace(path: string, records: number): Promise<void> {
  const w = await openTraceWriter(path, { source: 'bench', cpus: 4 });
  const rng = createRng(3);
  for (let i = 0; i < records; i++) {
    w.push({
      kind: rng.nextInt(15) as never,
      cpu: i & 3,
      op: rng.nextInt(3),
      pid: rng.nextInt(500),
      addr: rng.nextU32(),
      len: rng.nextInt(65_536),
      arg: rng.nextInt(400),
      off: rng.nextU32() * 16,
      time: i * 13.5,
    });
  }
  await w.close();
}

/**
 * Decompression alone (node:zlib, 1 MiB output chunks as the reader uses): decompressed bytes per
 * CPU-second of this process — the ceiling of reading a `.gz` trace.
 */
async function inflateRate(path: string): Promise<number> {
  const c0 = process.cpuUsage();
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }))) {
    bytes += (chunk as Buffer).length;
  }
  const c = process.cpuUsage(c0);
  return bytes / ((c.user + c.system) / 1e6);
}

/** Records per wall-clock second and per CPU-second of this process (the machine may be shared). */
async function readRate(path: string): Promise<{ rate: number; cpuRate: number }> {
  const reader = await openTrace(path);
  const t = performance.now();
  const c0 = process.cpuUsage();
  let records = 0;
  let sink = 0;
  for await (const b of reader.batches()) {
    records += b.length;
    sink ^= b.addr[b.length - 1]!; // touch the data
  }
  void sink;
  const c = process.cpuUsage(c0);
  return { rate: records / ((performance.now() - t) / 1000), cpuRate: records / ((c.user + c.system) / 1e6) };
}

async function benchRead(dir: string): Promise<void> {
  for (const [name, path, write, count] of [
    ['access-only', join(dir, 'access.hmt'), writeAccessTrace, ACCESS_RECORDS],
    ['access-only, gzip', join(dir, 'access.hmt.gz'), writeAccessTrace, ACCESS_RECORDS / 3],
    ['all columns', join(dir, 'mixed.hmt'), writeMixedTrace, MIXED_RECORDS],
  ] as const) {
    let t = performance.now();
    await write(path, count);
    const writeSeconds = (performance.now() - t) / 1000;
    const size = statSync(path).size;
    const rates: number[] = [];
    const cpuRates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const r = await readRate(path);
      rates.push(r.rate);
      cpuRates.push(r.cpuRate);
    }
    t = performance.now();
    const reader = await openTrace(path);
    await reader.sha256();
    const hashSeconds = (performance.now() - t) / 1000;
    console.log(
      `HMT read, ${name}: ${count.toLocaleString('en-US')} ` +
        `records, ${(size / 2 ** 20).toFixed(0)} MiB on disk (${(size / count).toFixed(2)} B/record)` +
        ` (written at ${fmt(count / writeSeconds)} records):`,
    );
    console.log(`  batches() incl. CRC  ${fmt(best(rates))} records   (runs: ${rates.map(fmt).join(', ')})   target ≥ 50 M records/s`);
    console.log(`  per CPU-second       ${fmt(best(cpuRates))} records   (runs: ${cpuRates.map(fmt).join(', ')})`);
    console.log(`  separate sha256      ${(size / 2 ** 20 / hashSeconds).toFixed(0)} MiB/s`);
    if (path.endsWith('.gz')) {
      const inflates: number[] = [];
      for (let run = 0; run < RUNS; run++) inflates.push(await inflateRate(path));
      // Access-only records here take 6 bytes decompressed (HMT 2.0: op, pid as u8, addr u32; len stored once).
      console.log(
        `  inflate alone        ${(best(inflates) / 2 ** 20).toFixed(0)} MiB/s decompressed per CPU-second` +
          ` (≈ ${fmt(best(inflates) / 6)} records: the ceiling for .gz)`,
      );
    }
    rmSync(path);
  }
}

console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} CPUs (wall-clock figures drop when the machine is shared)`,
);
const dir = mkdtempSync(join(tmpdir(), 'hmsim-trace-bench-'));
try {
  await benchLackey(dir);
  await benchRead(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
