/**
 * A sequential read whose readahead window was evicted before it was read (Storage.readMiss,
 * filemap_create_folio; Storage.settled: a readahead page whose read completed is reclaimable).
 * ondemand_readahead (mm/readahead.c, 6.1) takes a miss at the window's expected index as the next step
 * of a sequential stream and pushes the window forward, past the page asked for; filemap_get_pages then
 * reads that page alone. Seen on a file server whose file set outgrows lowmem under NOHIGHMEM: the
 * replay stopped with an internal error, the page asked for never read.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';
import { rw, storageModel } from './helpers.ts';

const KIB64 = 65536;
/** Pages of file 4, streamed between the two reads of file 3: more than twice the ~7,000-page cache. */
const COLD = 16384;

/** File 3's first 64 KiB, file 4 in 64 KiB reads, then file 3's second 64 KiB (with `second`). */
function trace(second: boolean): TraceRecord[] {
  const out: TraceRecord[] = [...rw('read', 3, 0, KIB64)];
  for (let off = 0; off < COLD * 4096; off += KIB64) out.push(...rw('read', 4, off, KIB64));
  if (second) out.push(...rw('read', 3, KIB64, KIB64));
  return out;
}

describe('a readahead window evicted before it was read', () => {
  it('reads the page asked for alone, then the rest of the request, instead of stopping', async () => {
    const model = await storageModel(['io.device=sata-ssd']);
    const run = async (second: boolean) =>
      (await runRecords(trace(second), { config: '3g1g-nohighmem', ram: '96M', vmalloc: '960M' }, { model })).result;
    const before = (await run(false)).counts.pagecache;
    const after = await run(true);
    expect(after.feasible).toBe(true);
    const pc = after.counts.pagecache;
    // The first read (index 0, 16 pages; read_ahead_kb 128 = 32 pages) opened the window [0, 32) with its
    // marker at 16; file 4's stream evicted pages 16–31 unread. The second read misses page 16, the
    // window's expected index: the window moves to [32, 64) (32 pages of readahead) without page 16,
    // which is read alone (one miss). Page 17 then misses next to the previous read's end (prev_pos):
    // an initial window from 17, whose pages 17–31 are the request's other 15 misses (32 on are cached).
    expect(pc.misses - before.misses).toBe(16);
    expect(pc.readahead - before.readahead).toBe(32);
    expect(pc.hits - before.hits).toBe(0);
    // Pages 16–31 had been read (by readahead, never asked for) and evicted: each leaves a shadow entry,
    // so their misses are refaults. Until a read that completed unwaited-for was taken as still on the
    // device, they could not be evicted at all, and the second read hit them.
    expect(pc.refaults - before.refaults).toBe(16);
  }, 120_000);
});
