/**
 * Issue item 3 (layout): a trace whose CPUs' records lie far apart in the file (one CPU's records after
 * all the others') replays with a bounded look-ahead — the queues never hold more than the look-ahead
 * plus one chunk, the file is then read one stream per CPU — and gives the same result as the same
 * records interleaved. hmsim's own writer interleaves CPUs: a CPU's partial buffer is written once it
 * is older than a window of records, not only at close.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openTrace, type TraceReader } from '../../src/trace/hmt/reader.ts';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { replayMachineSource } from '../../src/machine/replay.ts';
import type { RecordBatch } from '../../src/trace/records.ts';
import { EventKind } from '../../src/trace/records.ts';
import { configOf, modelOf } from '../machine/helpers.ts';
import { tempDir } from '../trace/hmt-helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);
const SAMPLE = 'traces/fileserver-4cpu.hmt';
const CHUNK = 1000;

/**
 * The sample's records (and header provenance: file sizes, request syscall) rewritten CPU after CPU (all of CPU 0's
 * chunks first, …), `CHUNK` records a chunk.
 */
async function skewedCopy(): Promise<string> {
  const src = await openTrace(SAMPLE);
  const path = join(tmp.dir, 'skewed.hmt');
  const w = await openTraceWriter(
    path,
    { source: 'test:skewed', cpus: src.header.cpus, provenance: src.header.provenance },
    { chunkRecords: CHUNK },
  );
  for (let cpu = 0; cpu < src.header.cpus; cpu++) for await (const b of src.cpuBatches(cpu, 0)) w.pushBatch(b);
  await w.close();
  return path;
}

async function run(reader: TraceReader, lookahead?: number) {
  const { config, layout } = configOf({ config: '3g1g-highmem' });
  const model = await modelOf('core2');
  const out = await replayMachineSource({ config, model, seed: 1 }, layout, reader, lookahead === undefined ? {} : { lookahead });
  return { parts: JSON.stringify(out.parts), drive: out.drive, records: out.records };
}

describe('a trace whose CPUs come one after another', () => {
  it('replays with bounded look-ahead, one stream per CPU, and the same result as the interleaved trace', async () => {
    const skewed = await openTrace(await skewedCopy());
    const reference = await run(await openTrace(SAMPLE));
    expect(reference.drive.perCpuStreams).toBe(false);

    const unbounded = await run(skewed, Infinity);
    // Without a bound the queues take in nearly all of the first CPUs' records while CPU 3 waits for its own.
    expect(unbounded.drive.maxQueued).toBeGreaterThan(20_000);

    const bounded = await run(skewed, 2 * CHUNK);
    expect(bounded.drive.perCpuStreams).toBe(true);
    // Up to the look-ahead plus the chunk that crossed it, then at most one chunk per CPU stream.
    expect(bounded.drive.maxQueued).toBeLessThanOrEqual(2 * CHUNK + CHUNK + skewed.header.cpus * CHUNK);
    expect(bounded.records).toBe(44_645); // the sample's records (traces/README.md)
    expect(bounded.parts).toBe(reference.parts);
    expect(unbounded.parts).toBe(reference.parts);
  });

  it('cpuBatches gives one CPU its own batches, after the chunks it skips', async () => {
    const r = await openTrace(SAMPLE);
    const all: RecordBatch[] = [];
    for await (const b of r.batches()) all.push(b);
    for (let cpu = 0; cpu < r.header.cpus; cpu++) {
      const mine = all.filter((b) => b.cpu === cpu);
      const got: RecordBatch[] = [];
      for await (const b of r.cpuBatches(cpu, 1)) got.push(b);
      expect(got.map((b) => [b.cpu, b.length, Array.from(b.addr.subarray(0, b.length))])).toEqual(
        mine.slice(1).map((b) => [b.cpu, b.length, Array.from(b.addr.subarray(0, b.length))]),
      );
    }
  });
});

describe("hmsim's writer interleaves the CPUs", () => {
  it("writes a CPU's partial buffer once it is older than the window, so its records never trail far behind", async () => {
    // CPU 1 gets one record per 100 of CPU 0: with 1,000-record chunks its buffer would fill only after
    // 100,000 records of CPU 0 (at close here); the writer writes it within a window of 2 × 1,000 × 2 CPUs.
    const path = join(tmp.dir, 'sparse.hmt');
    const w = await openTraceWriter(path, { source: 'test:sparse', cpus: 2 }, { chunkRecords: CHUNK });
    for (let i = 0; i < 20_000; i++) {
      w.push({ kind: EventKind.access, cpu: i % 100 === 99 ? 1 : 0, pid: 1, addr: 0x1000 + (i % 512) * 8, len: 4 });
    }
    await w.close();
    const r = await openTrace(path);
    let pushedBefore = 0;
    let worst = 0;
    let cpu1Seen = 0;
    // For every chunk of CPU 1: how many records of CPU 0 the file holds before it, beyond those pushed
    // before its first record (records pushed i: CPU 1's k-th record was push number 100k + 99).
    for (const e of r.footer!.index) {
      if (e.cpu === 1) {
        const firstPushedAt = 100 * cpu1Seen + 99;
        worst = Math.max(worst, pushedBefore - firstPushedAt);
        cpu1Seen += e.records;
      }
      pushedBefore += e.records;
    }
    expect(cpu1Seen).toBe(200);
    expect(worst).toBeLessThanOrEqual(2 * CHUNK * 2 + CHUNK);
  });
});
