/**
 * tmpfs (io.files=tmpfs): file pages are shmem pages — never read from the device nor written back, and
 * never evicted without swap. A tmpfs working set larger than memory is infeasible without swap (the
 * reason says so) and swaps with it.
 */
import { describe, expect, it } from 'vitest';
import { AccessOp, EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';
import { BUF, rw, storageModel } from './helpers.ts';

const setup: TraceRecord[] = [{ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: BUF, len: 4 }];
const machine = { config: '3g1g-highmem', ram: '64M', vmalloc: '960M' } as const;

function writes(pages: number): TraceRecord[] {
  const out: TraceRecord[] = [...setup];
  for (let i = 0; i < pages; i++) out.push(...rw('write', 5, i * 4096, 4096));
  return out;
}

describe('tmpfs', () => {
  it('pages that fit: no device I/O at all, nothing evicted', async () => {
    const model = await storageModel(['io.files=tmpfs']);
    const { result } = await runRecords(writes(2048), machine, { model });
    expect(result.feasible).toBe(true);
    expect(result.counts.io).toEqual({ reads: 0, writes: 0, bytesRead: 0, bytesWritten: 0, swapReads: 0, swapWrites: 0 });
    expect(result.counts.pagecache).toEqual({
      hits: 0,
      misses: 2048,
      readahead: 0,
      evictions: 0,
      refaults: 0,
      writebacks: 0,
      throttles: 0,
    });
  });

  it('more than memory without swap: infeasible, the tmpfs pages named, none evicted', async () => {
    const model = await storageModel(['io.files=tmpfs']);
    const { result } = await runRecords(writes(32768), machine, { model });
    expect(result.feasible).toBe(false);
    const cached = result.memory.zones.reduce((s, z) => s + z.byUse['pageCache']!, 0);
    expect(result.infeasible).toEqual([
      `out of memory: no free page in any zone: ${cached} tmpfs pages fill memory ` +
        `and cannot be evicted without swap (io.swap.sizeMiB = 0) (replay stopped there)`,
    ]);
    expect(result.counts.pagecache.evictions).toBe(0);
  });

  it('more than memory with swap: the oldest pages go to swap, once each, and come back when read', async () => {
    const model = await storageModel(['io.files=tmpfs', 'io.swap.sizeMiB=256', 'io.swap.device=nvme']);
    const pages = 32768;
    const { result } = await runRecords([...writes(pages), ...rw('read', 5, 0, 4096)], machine, { model });
    expect(result.feasible).toBe(true);
    const cached = result.memory.zones.reduce((s, z) => s + z.byUse['pageCache']!, 0);
    // Every page written is resident or was evicted to swap; page 0 (the first out) is read back once, so
    // pages + 1 pages were allocated in all.
    expect(result.counts.pagecache.evictions).toBe(pages + 1 - cached);
    expect(result.counts.io.swapReads).toBe(1);
    // Reclaim keeps SWAP_CLUSTER_MAX (32) swap writes in flight. kswapd, woken at the low watermark,
    // starts them and never waits; direct reclaim below the min watermark waits for the first and takes
    // it. The last allocation succeeded after kswapd's wake-up, so at the end kswapd's 32 pages are
    // written to swap but not yet freed.
    expect(result.counts.lowmem.kswapdWakes).toBeGreaterThan(0);
    expect(result.counts.io.swapWrites).toBe(result.counts.pagecache.evictions + 32);
    expect(result.counts.io.bytesWritten).toBe(4096 * result.counts.io.swapWrites);
  });
});
