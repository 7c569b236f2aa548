/**
 * The active/inactive LRU (docs/machine.md "The LRU"): a re-read working set slightly larger than the
 * cache is not a miss storm. (Under 3G/1G NOHIGHMEM with the lowmem cut to 43 MB by `vmalloc=960M`:
 * under HIGHMEM, lowmem pressure also reclaims idle inodes with their page cache — the inode steal of
 * docs/machine.md — which may drop a hot file whole.) A hot file read twice (so its pages are activated) and then once per pass
 * stays cached while a cold file larger than the whole cache streams through the inactive list: each
 * further pass misses exactly the cold file's pages and hits exactly the hot file's. A plain LRU would
 * miss both (the cold stream, read after the hot pages, would push every hot page out before its next read).
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';
import { rw, scattered, storageModel } from './helpers.ts';

const HOT = 2048; // pages of file 3: well under half the cache (the active list may hold half: ratio 1 below 1 GB)
const COLD = 16384; // pages of file 4: more than twice the whole cache (~7,000 pages)

function trace(passes: number): TraceRecord[] {
  const out: TraceRecord[] = [];
  const read = (file: number, pages: readonly number[]) => {
    for (const p of pages) out.push(...rw('read', file, p * 4096, 4096));
  };
  // Twice: every hot page is referenced while inactive, then activated by the second read.
  read(3, scattered(HOT));
  read(3, scattered(HOT));
  for (let k = 0; k < passes; k++) {
    read(3, scattered(HOT));
    read(4, scattered(COLD));
  }
  return out;
}

describe('the active/inactive LRU', () => {
  it('a hot set read twice survives a cold stream larger than the cache: one more pass misses only the cold pages', async () => {
    const model = await storageModel(['io.device=sata-ssd']);
    const at = async (passes: number) =>
      (await runRecords(trace(passes), { config: '3g1g-nohighmem', ram: '96M', vmalloc: '960M' }, { model })).result.counts.pagecache;
    const two = await at(2);
    const three = await at(3);
    // Two passes: the hot file misses once (its first read) and hits on its second read and in both
    // passes; every read of the cold file misses (it does not fit, and no page of it survives to its next
    // read: its second pass refaults every page, too far back to be activated).
    expect(two).toMatchObject({ hits: 3 * HOT, misses: HOT + 2 * COLD, refaults: COLD, readahead: 0 });
    expect(two.evictions).toBeGreaterThan(COLD);
    // One more pass misses exactly the cold pages and hits exactly the hot ones.
    expect(three.misses - two.misses).toBe(COLD);
    expect(three.hits - two.hits).toBe(HOT);
  }, 120_000);
});
