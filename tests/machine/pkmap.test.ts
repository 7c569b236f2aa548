/**
 * The pkmap pool step by step, as mm/highmem.c does it (kmap_high, map_new_virtual,
 * flush_all_zero_pkmaps, kunmap_high; kernel-x86-32.md §5). Expected values follow the C code by hand.
 */
import { describe, expect, it } from 'vitest';
import { PkmapPool } from '../../src/machine/kmap/pkmap.ts';

describe('pkmap pool (mm/highmem.c)', () => {
  it('maps a page for the first time in the slot after the cursor, with count 2 (1 mapped + 1 user)', () => {
    const pool = new PkmapPool(8);
    const out = pool.map(1000);
    // last_pkmap_nr starts at 0 and is advanced before the probe: the first slot handed out is 1.
    expect(out).toMatchObject({ kind: 'mapped', slot: 1, scanned: 1, wraps: 0, flushes: 0 });
    expect(pool.count[1]).toBe(2);
    expect(pool.slotOfPage(1000)).toBe(1);
    expect(pool.lastPkmapNr).toBe(1);
  });

  it('re-kmap of a mapped page reuses its slot without scanning and adds a user', () => {
    const pool = new PkmapPool(8);
    pool.map(1000);
    const again = pool.map(1000);
    expect(again).toMatchObject({ kind: 'reused', slot: 1, scanned: 0 });
    expect(pool.count[1]).toBe(3);
    expect(pool.lastPkmapNr).toBe(1);
  });

  it('kunmap leaves the slot stale (count 1, still mapped) and a later kmap of that page reuses it', () => {
    const pool = new PkmapPool(8);
    pool.map(1000);
    const un = pool.unmap(1000);
    expect(un).toEqual({ slot: 1, wake: false });
    expect(pool.count[1]).toBe(1);
    expect(pool.slotOfPage(1000)).toBe(1);
    expect(pool.map(1000)).toMatchObject({ kind: 'reused', slot: 1 });
    expect(pool.count[1]).toBe(2);
  });

  it('a stale slot is not handed to another page before the wrap', () => {
    const pool = new PkmapPool(8);
    pool.map(1000);
    pool.unmap(1000);
    expect(pool.map(2000)).toMatchObject({ kind: 'mapped', slot: 2 });
  });

  it('the wrap clears every stale slot and flushes once, then hands out slot 0', () => {
    const pool = new PkmapPool(8);
    for (let p = 1; p <= 7; p++) pool.map(p); // slots 1..7
    for (let p = 1; p <= 5; p++) pool.unmap(p); // slots 1..5 stale, 6 and 7 in use
    expect(pool.census()).toEqual({ free: 1, stale: 5, inUse: 2 });
    const out = pool.map(100);
    // cursor 7 → 0: wrap → flush_all_zero_pkmaps clears slots 1..5 (one flush), slot 0 is free.
    expect(out).toMatchObject({ kind: 'mapped', slot: 0, scanned: 1, wraps: 1, flushes: 1, cleared: 5 });
    expect(pool.slotOfPage(1)).toBe(-1);
    expect(pool.census()).toEqual({ free: 5, stale: 0, inUse: 3 });
    // the next page takes slot 1 (now free and TLB-clean)
    expect(pool.map(101)).toMatchObject({ kind: 'mapped', slot: 1, flushes: 0 });
  });

  it('a wrap that finds nothing stale does not flush', () => {
    const pool = new PkmapPool(4);
    for (let p = 1; p <= 3; p++) pool.map(p); // slots 1..3 in use
    const out = pool.map(4);
    expect(out).toMatchObject({ kind: 'mapped', slot: 0, wraps: 1, flushes: 0, cleared: 0 });
  });

  it('a full pool makes the caller sleep; a kunmap that leaves a stale slot wakes it; the retry wraps, flushes and maps', () => {
    const pool = new PkmapPool(4);
    for (let p = 1; p <= 4; p++) pool.map(p); // slots 1,2,3,0 all in use
    const full = pool.map(99);
    expect(full.kind).toBe('sleep');
    // Cursor at 0: probes 1, 2, 3 (budget 4→1), then 0 is the wrap (budget reset to 4, nothing stale,
    // no flush), then 0, 1, 2, 3 again until the budget runs out: 7 probes, as map_new_virtual does.
    expect(full.scanned).toBe(7);
    expect(full.flushes).toBe(0);
    pool.addSleeper();
    expect(pool.waiting).toBe(1);
    const un = pool.unmap(3);
    expect(un).toEqual({ slot: 3, wake: true });
    expect(pool.wakeAll()).toBe(1);
    expect(pool.waiting).toBe(0);
    // The woken task cannot use the stale slot until a wrap clears it: it scans on, wraps, flushes once.
    const retry = pool.map(99);
    expect(retry).toMatchObject({ kind: 'mapped', slot: 3, flushes: 1, cleared: 1 });
  });

  it('kunmap of a page that is not mapped changes nothing (a BUG in the kernel)', () => {
    const pool = new PkmapPool(8);
    expect(pool.unmap(5)).toEqual({ slot: -1, wake: false });
    expect(pool.census()).toEqual({ free: 8, stale: 0, inUse: 0 });
  });
});
