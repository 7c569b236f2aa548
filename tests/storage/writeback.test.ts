/**
 * Writeback (mm/page-writeback.c as modelled in src/machine/storage/page-io.ts): fsync writes exactly
 * the pages written, in requests of contiguous pages; a writer is throttled once dirty + writeback
 * pages exceed vm.dirty_ratio of the *dirtyable* memory — which under HIGHMEM is lowmem only
 * (vm_highmem_is_dirtyable = 0), far less than the RAM.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventKind, AccessOp, type TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';
import { BUF, fsync, rw, storageModel } from './helpers.ts';
import { Storage } from '../../src/machine/storage/page-io.ts';
import type { Machine } from '../../src/machine/machine.ts';
import { DIRTY_PAUSE_PAGES } from '../../src/machine/syscalls.ts';

/** The method itself, read before any test spies on it (a spy's implementation calls it). */
const ORIGINAL_BALANCE_DIRTY = Storage.prototype.balanceDirty;

const GHZ = 2;
/** Pages per request: max_sectors_kb 1280 KiB (models/devices/*.json maxRequestKiB). */
const REQUEST_PAGES = 1280 / 4;

/** Faults the user buffer in (so that later records allocate nothing in lowmem). */
const setup: TraceRecord[] = [{ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: BUF, len: 4 }];

function writes(file: number, pages: number, from = 0): TraceRecord[] {
  const out: TraceRecord[] = [];
  for (let i = 0; i < pages; i++) out.push(...rw('write', file, (from + i) * 4096, 4096));
  return out;
}

describe('writeback', () => {
  it('writing N MiB then fsync writes exactly N MiB, in max_sectors_kb requests, and waits for them', async () => {
    const model = await storageModel(['io.device=hdd-7200']);
    const pages = 4 * 256; // 4 MiB: far below the background threshold, so nothing is written before fsync
    const recs = [...setup, ...writes(3, pages), fsync(3), fsync(3), ...writes(3, pages), fsync(0)];
    const { result } = await runRecords(recs, { config: '3g1g-highmem', ram: '1G' }, { model });
    expect(result.feasible).toBe(true);
    // Each fsync writes the 4 MiB once: 1024 contiguous pages = 320 + 320 + 320 + 64 → 4 requests; the
    // second fsync finds nothing dirty; the rewrite makes the pages dirty again and fsync(0) (every file
    // the process dirtied) writes them once more.
    expect(result.counts.io).toEqual({ reads: 0, writes: 8, bytesRead: 0, bytesWritten: 2 * pages * 4096, swapReads: 0, swapWrites: 0 });
    expect(result.counts.pagecache.writebacks).toBe(2 * pages);
    // fsync waits for its requests, served one after the other by the idle disk: latency + bytes / bandwidth each.
    const request = (n: number): number => (12370 + (n * 4096) / 138) * GHZ * 1000;
    const perFsync = 3 * request(REQUEST_PAGES) + request(pages - 3 * REQUEST_PAGES);
    expect(result.time.ioWaitSeconds * GHZ * 1e9).toBeCloseTo(2 * perFsync, 0);
    expect(result.time.elapsedSeconds * GHZ * 1e9).toBeCloseTo(result.cycles.total + 2 * perFsync, 0);
    expect(result.time.dirtyThrottleSeconds).toBe(0);
  });

  it('under HIGHMEM the dirty limit is 20 % of lowmem, not of RAM: the writer blocks at exactly that many pages', async () => {
    // 1 GiB of RAM with vmalloc=960M: ~35 MB lowmem, the rest highmem. A write takes 1 s on this device,
    // so no write completes while the limit fills: dirty + writeback = pages written.
    const sets = ['io.device=hdd-7200', 'io.write.latencyUs=1000000'];
    const machine = { config: '3g1g-highmem', ram: '1G', vmalloc: '960M' } as const;
    const model = await storageModel(sets);
    const base = (await runRecords(setup, machine, { model })).result;
    const lowFree = base.memory.lowmemFreePages;
    const highFree = base.memory.highmemFreePages;
    // global_dirtyable_memory: free + file pages, highmem's left out (the page cache goes to highmem, so
    // the lowmem part stays lowFree); domain_dirty_limits: (20 × 4096 / 100) × dirtyable / 4096.
    const limit = (dirtyable: number): number => Math.floor((Math.floor((20 * 4096) / 100) * dirtyable) / 4096);
    // Writing also takes lowmem, which leaves dirtyable memory: the file's dentry (a 1-page slab), its
    // ext4 inode (a 2-page slab), the process's struct file (1 page) and a buffer_head per page written
    // (64 per slab page). The writer of page n is throttled once n > limit(lowFree − those pages + 1).
    const slabPages = (n: number): number => 1 + 2 + 1 + Math.ceil(n / 64);
    let thresh = 0;
    while (thresh + 1 <= limit(lowFree - slabPages(thresh + 1) + 1)) thresh++;
    const atLimit = (await runRecords([...setup, ...writes(3, thresh)], machine, { model })).result;
    expect(atLimit.counts.pagecache.throttles).toBe(0);
    const over = (await runRecords([...setup, ...writes(3, thresh + 1)], machine, { model })).result;
    expect(over.counts.pagecache.throttles).toBe(1);
    // The writer waited for the first background chunk (written when dirty passed 10 %) to complete.
    expect(over.time.dirtyThrottleSeconds).toBeGreaterThan(1);
    // With highmem dirtyable the same writes are nowhere near the limit.
    const dirtyable = await storageModel([...sets, 'vm.highmemIsDirtyable=1']);
    const relaxed = (await runRecords([...setup, ...writes(3, thresh + 1)], machine, { model: dirtyable })).result;
    expect(relaxed.counts.pagecache.throttles).toBe(0);
    // "Far sooner than the RAM size suggests": the limit counting highmem is over 7 times larger.
    expect(limit(lowFree + highFree + 1) / thresh).toBeGreaterThan(7);
  });

  describe('one long write record is throttled while it runs (generic_perform_write balances every nr_dirtied_pause = 32 pages)', () => {
    afterEach(() => vi.restoreAllMocks());

    /** Dirty + writeback pages of the machine at each balanceDirty call of `records`' replay, in order. */
    async function atBalance(
      records: readonly TraceRecord[],
      machine: { config: string; ram: string; vmalloc?: string },
      sets: readonly string[],
    ): Promise<number[]> {
      const seen: number[] = [];
      const spy = vi.spyOn(Storage.prototype, 'balanceDirty');
      spy.mockImplementation(function (this: Storage, cpu: number) {
        const m = (this as unknown as { m: Machine }).m;
        seen.push(m.cache.dirtyCount + m.cache.writebackCount);
        ORIGINAL_BALANCE_DIRTY.call(this, cpu);
      });
      await runRecords(records, machine, { model: await storageModel(sets) });
      return seen;
    }

    it('a 100-page write balances after pages 32, 64 and 96 and after the record; on tmpfs never in between', async () => {
      expect(DIRTY_PAUSE_PAGES).toBe(32);
      const seen = await atBalance([...setup, ...rw('write', 3, 0, 100 * 4096)], { config: '3g1g-highmem', ram: '1G' }, [
        'io.device=hdd-7200',
      ]);
      // Far below the background threshold: nothing is written, so the dirty pages are the pages copied.
      expect(seen).toEqual([32, 64, 96, 100]);
      const tmpfs = await atBalance([...setup, ...rw('write', 3, 0, 100 * 4096)], { config: '3g1g-highmem', ram: '1G' }, [
        'io.files=tmpfs',
      ]);
      expect(tmpfs).toHaveLength(1);
    });

    it('a write record three times the dirty limit never holds more than the limit + 32 pages dirty or under writeback', async () => {
      // The limit of the test above: 20 % of the dirtyable lowmem of 1 GiB with vmalloc=960M, a few hundred
      // pages; writes take 1 s each, so pages leave "dirty + writeback" only as whole requests complete.
      const machine = { config: '3g1g-highmem', ram: '1G', vmalloc: '960M' };
      const sets = ['io.device=hdd-7200', 'io.write.latencyUs=1000000'];
      const model = await storageModel(sets);
      const base = (await runRecords(setup, machine, { model })).result;
      const limit = (dirtyable: number): number => Math.floor((Math.floor((20 * 4096) / 100) * dirtyable) / 4096);
      const slabPages = (n: number): number => 1 + 2 + 1 + Math.ceil(n / 64);
      let thresh = 0;
      while (thresh + 1 <= limit(base.memory.lowmemFreePages - slabPages(thresh + 1) + 1)) thresh++;
      const pages = 3 * thresh;
      const seen = await atBalance([...setup, ...rw('write', 3, 0, pages * 4096)], machine, sets);
      expect(seen).toHaveLength(Math.ceil(pages / 32));
      expect(Math.max(...seen)).toBeLessThanOrEqual(thresh + 32);
      // The writer did block inside the record: a balance found the limit exceeded.
      expect(Math.max(...seen)).toBeGreaterThan(thresh);
    });
  });
});
