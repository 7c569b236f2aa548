/**
 * With a working set larger than RAM, RAM is worth having: doubling it cuts page-cache misses and the
 * elapsed time; halving it adds to both. The workload re-reads a 128 MiB file with a skewed popularity
 * (page ⌊N·u²⌋ for u uniform: the first pages are the hottest), so part of it stays hot.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/random/rng.ts';
import type { TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';
import { rw, storageModel } from './helpers.ts';

const N = 32768; // 128 MiB of file

function skewedReads(count: number): TraceRecord[] {
  const rng = createRng(7);
  const out: TraceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const u = rng.next();
    out.push(...rw('read', 2, Math.floor(N * u * u) * 4096, 4096));
  }
  return out;
}

describe('RAM against a working set larger than it', () => {
  it('doubling RAM reduces misses and elapsed time; halving increases them', async () => {
    const model = await storageModel(['io.device=sata-ssd']);
    const recs = skewedReads(60000);
    const at = async (ram: string) => (await runRecords(recs, { config: '3g1g-highmem', ram, vmalloc: '960M' }, { model })).result;
    const half = await at('48M');
    const base = await at('96M');
    const double = await at('192M');
    for (const r of [half, base, double]) expect(r.feasible).toBe(true);
    expect(double.counts.pagecache.misses).toBeLessThan(base.counts.pagecache.misses);
    expect(half.counts.pagecache.misses).toBeGreaterThan(base.counts.pagecache.misses);
    expect(double.time.elapsedSeconds).toBeLessThan(base.time.elapsedSeconds);
    expect(half.time.elapsedSeconds).toBeGreaterThan(base.time.elapsedSeconds);
    // Every page a miss or readahead inserted was read from the device, once.
    for (const r of [half, base, double])
      expect(r.counts.io.bytesRead).toBe(4096 * (r.counts.pagecache.misses + r.counts.pagecache.readahead));
  });
});
