/**
 * With a working set larger than lowmem but smaller than RAM, 3g1g-highmem keeps it in the page cache
 * and 3g1g-nohighmem cannot: the second pass reads from the device again, and the difference in elapsed
 * time is exactly those reads at the device model's cost (the acceptance case of the storage model).
 *
 * Machine: 160 MiB of RAM with vmalloc=960M, so lowmem is small (43 MB without HIGHMEM, 35 MB with it,
 * the rest highmem): a file of N = 16384 pages (64 MiB) is more than lowmem and less than RAM.
 * Trace: one process reads the file page by page in a scattered order (tests/storage/helpers.ts
 * `scattered`: never two consecutive pages, so readahead reads each missing page alone), twice.
 *
 * First principles:
 * - Pass 1: every page is a miss → N device reads of 4096 B.
 * - Pass 2 under HIGHMEM: the 64 MiB sit in highmem (the page cache fills HIGHMEM first) → N hits.
 * - Pass 2 without HIGHMEM: memory holds C < N pages; pass 1 evicted its N − C oldest; pass 2 reads them
 *   in the same order, and each miss evicts the inactive tail, which is the next page pass 2 wants (no
 *   page was read twice while cached, so none is active) → every page misses again: 2N reads in all.
 * - One CPU that waits for every read: each read finds the device idle and costs latency + 4096 B /
 *   bandwidth (hdd-7200: 12370 µs + 4096 / 138 µs), at 2 GHz (constantModel) → elapsed cycles = CPU
 *   cycles + reads × that.
 */
import { describe, expect, it } from 'vitest';
import { runRecords } from '../machine/helpers.ts';
import { rw, scattered, storageModel } from './helpers.ts';
import type { TraceRecord } from '../../src/trace/records.ts';

const N = 16384;
const GHZ = 2;
/** hdd-7200 (models/devices/hdd-7200.json): one 4 KiB read on an idle disk, in cycles at 2 GHz. */
const READ_4K_CYCLES = (12370 + 4096 / 138) * GHZ * 1000;

function twoPasses(): TraceRecord[] {
  const recs: TraceRecord[] = [];
  for (let pass = 0; pass < 2; pass++) for (const p of scattered(N)) recs.push(...rw('read', 2, p * 4096, 4096));
  return recs;
}

describe('a working set between lowmem and RAM', () => {
  it('3g1g-highmem reads it once, 3g1g-nohighmem twice; elapsed time differs by exactly those reads', async () => {
    const model = await storageModel(['io.device=hdd-7200']);
    const recs = twoPasses();
    const high = (await runRecords(recs, { config: '3g1g-highmem', ram: '160M', vmalloc: '960M' }, { model })).result;
    const low = (await runRecords(recs, { config: '3g1g-nohighmem', ram: '160M', vmalloc: '960M' }, { model })).result;
    expect(high.feasible && low.feasible).toBe(true);

    expect(high.counts.io).toEqual({ reads: N, writes: 0, bytesRead: N * 4096, bytesWritten: 0, swapReads: 0, swapWrites: 0 });
    expect(high.counts.pagecache).toEqual({ hits: N, misses: N, readahead: 0, evictions: 0, refaults: 0, writebacks: 0, throttles: 0 });
    expect(low.counts.io.reads).toBe(2 * N);
    const cachedAtEnd = low.memory.zones.reduce((s, z) => s + z.byUse['pageCache']!, 0);
    expect(cachedAtEnd).toBeLessThan(N);
    // Every page of pass 2 had been evicted (a shadow entry left: a refault); every page inserted beyond
    // what memory holds at the end was evicted.
    expect(low.counts.pagecache).toEqual({
      hits: 0,
      misses: 2 * N,
      readahead: 0,
      evictions: 2 * N - cachedAtEnd,
      refaults: N,
      writebacks: 0,
      throttles: 0,
    });

    // Elapsed = CPU cycles + the waits, each read on an idle disk.
    for (const r of [high, low]) {
      const waits = r.counts.io.reads * READ_4K_CYCLES;
      expect(r.time.ioWaitSeconds * GHZ * 1e9).toBeCloseTo(waits, 0);
      expect(r.time.elapsedSeconds * GHZ * 1e9).toBeCloseTo(r.cycles.total + waits, 0);
    }
    // HIGHMEM wins by N disk reads, less what its kmaps cost in CPU cycles.
    const gain = (low.time.elapsedSeconds - high.time.elapsedSeconds) * GHZ * 1e9;
    expect(gain).toBeCloseTo(N * READ_4K_CYCLES + low.cycles.total - high.cycles.total, 0);
    expect(high.time.elapsedSeconds).toBeLessThan(low.time.elapsedSeconds / 1.99);
  });
});
