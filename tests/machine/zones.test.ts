/**
 * Zones, the zonelist fallback and kmap counts against the real kernel
 * (tests/fixtures/validation/kernel-counts/README.md: Debian 6.1.0-50-686-pae, 2 GB, `dd bs=1M
 * count=512` into tmpfs → (268272 − 535) / 131072 = 2.04 highmem kmap_local calls per page written:
 * one to clear the new tmpfs page, one to copy into it; no kmap_high, no pkmap flush).
 */
import { describe, expect, it } from 'vitest';
import { AccessOp, EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { modelOf, runRecords } from './helpers.ts';

const MiB = 1 << 20;

/** dd if=/dev/zero of=/tmp/f bs=1M count=N: N write records of 1 MiB from one 1 MiB user buffer. */
function dd(mib: number): TraceRecord[] {
  const recs: TraceRecord[] = [];
  for (let i = 0; i < mib; i++) recs.push({ kind: EventKind.write, cpu: 0, pid: 100, addr: 0x08100000, len: MiB, arg: 7, off: i * MiB });
  return recs;
}

describe('zones and the zonelist fallback', () => {
  it('512 MiB into tmpfs on the 2 GB PAE 6.1 box maps about 2 highmem pages per page written, all kmap_local', async () => {
    const { result } = await runRecords(dd(512), { kernel: 'debian-6.1-686-pae', ram: '0x7ffe0000', cpus: 1 }, { model: await modelOf() });
    const pages = 131072;
    const k = result.counts.kmap;
    const perPage = (k.local + k.atomic + k.pkmap) / pages;
    expect(perPage).toBeGreaterThan(1.95);
    expect(perPage).toBeLessThan(2.1); // the real kernel: 2.04
    expect(k.pkmap).toBe(0);
    expect(result.counts.pkmapFlushes).toBe(0);
    const high = result.memory.zones.find((z) => z.name === 'HighMem')!;
    expect(high.byUse['pageCache']).toBe(pages); // page cache prefers highmem
  });

  it('on a 1 GB box highmem fills first, then page cache falls back to lowmem, where copies need no kmap', async () => {
    const { result } = await runRecords(dd(512), { kernel: 'debian-6.1-686-pae', ram: '1G', cpus: 1 }, { model: await modelOf() });
    const zones = Object.fromEntries(result.memory.zones.map((z) => [z.name, z]));
    const high = zones['HighMem']!;
    const normal = zones['Normal']!;
    // Highmem fills down to its low watermark (the fast path's check, mm/page_alloc.c), then the page
    // cache falls back to Normal, which stays above its own low watermark plus lowmem_reserve: kswapd is
    // never woken.
    expect(high.usedPages).toBe(high.totalPages - high.watermarks.low);
    expect(result.counts.lowmem.kswapdWakes).toBe(0);
    expect(normal.byUse['pageCache']).toBe(131072 - high.byUse['pageCache']!);
    const k = result.counts.kmap;
    // only the pages that landed in highmem were mapped (twice each), plus the user buffer's clears
    expect(k.local).toBeLessThan(2 * high.byUse['pageCache']! + 300);
    expect(k.local).toBeGreaterThan(2 * high.byUse['pageCache']! - 1);
    // lowmem_reserve: NORMAL keeps highmem/32 pages from highmem-capable requests (vm.lowmem_reserve_ratio)
    expect(normal.totalPages - normal.usedPages).toBeGreaterThanOrEqual(Math.floor(high.totalPages / 32));
  });

  it('with no highmem at all (RAM below lowmem) nothing is ever kmapped', async () => {
    const { result } = await runRecords(dd(16), { config: '3g1g-highmem', ram: '512M' }, { model: await modelOf() });
    expect(result.counts.kmap).toEqual({ pkmap: 0, atomic: 0, local: 0 });
  });

  it('page tables exhaust lowmem while highmem is free: a lowmem OOM, reported as infeasible', async () => {
    // vmalloc=900M leaves 95 MB of lowmem (~11,600 free pages after mem_map and the boot reserve); each
    // process touches one page in each of 760 4-MiB regions, so each needs 760 PTE pages of lowmem while its
    // user pages go to highmem.
    const recs: TraceRecord[] = [];
    for (let pid = 1; pid <= 20; pid++) {
      for (let r = 0; r < 760; r++) recs.push({ kind: EventKind.access, cpu: 0, pid, op: AccessOp.store, addr: r * 4 * MiB, len: 1 });
    }
    const { result } = await runRecords(
      recs,
      { config: '3g1g-highmem', ram: '4G', vmalloc: '900M', highpte: false },
      { model: await modelOf() },
    );
    expect(result.feasible).toBe(false);
    expect(result.memory.lowmemStarved).toBe(true);
    expect(result.infeasible.join('\n')).toContain('lowmem OOM: a pageTables page: no lowmem above the min watermark after reclaim');
    expect(result.counts.lowmem.oom).toBe(1);
    expect(result.memory.oom!.highmemFreePages).toBe(result.memory.highmemFreePages);
    expect(result.memory.highmemFreePages).toBeGreaterThan(0);
    // Nothing was reclaimable (no page cache, no dentries): Normal ends at its min watermark, DMA at its
    // min plus the lowmem_reserve it keeps from Normal's requests (Normal's managed pages / 256).
    const zone = (name: string) => result.memory.zones.find((z) => z.name === name)!;
    const [dma, normal] = [zone('DMA'), zone('Normal')];
    expect(normal.endFreePages).toBe(normal.watermarks.min);
    expect(dma.endFreePages).toBe(dma.watermarks.min + Math.floor(normal.managedPages / 256));
  });
});
