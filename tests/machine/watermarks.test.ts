/**
 * min_free_kbytes, the zone watermarks and lowmem_reserve as the machine derives them at boot
 * (src/machine/memory.ts setWatermarks), checked two ways:
 * - exactly, re-derived here from each zone's managed pages by mm/page_alloc.c's and mm/khugepaged.c's
 *   formulas (Linux 6.1);
 * - against the real Debian 6.1 686 kernel booted with 4 GB (tests/fixtures/validation/slab/README.md):
 *   its /proc/sys/vm/min_free_kbytes and /proc/zoneinfo.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AccessOp, EventKind } from '../../src/trace/records.ts';
import { modelOf, runRecords } from './helpers.ts';

const REAL = readFileSync(new URL('../fixtures/validation/slab/debian-6.1-686-4G.txt', import.meta.url), 'utf8');

/** The real box's min_free_kbytes and, per zone, min/low/high/managed and the protection array. */
function realZones(): {
  minFreeKbytes: number;
  zones: Record<string, { min: number; low: number; high: number; managed: number; protection: number[] }>;
} {
  const minFreeKbytes = Number(/=== min_free_kbytes\n(\d+)/.exec(REAL)![1]);
  const zones: Record<string, { min: number; low: number; high: number; managed: number; protection: number[] }> = {};
  for (const m of REAL.matchAll(
    /Node 0, zone +(\w+)\n[\s\S]*?min +(\d+)\n +low +(\d+)\n +high +(\d+)\n[\s\S]*?managed +(\d+)\n[\s\S]*?protection: \(([\d, ]+)\)/g,
  )) {
    zones[m[1]!] = { min: +m[2]!, low: +m[3]!, high: +m[4]!, managed: +m[5]!, protection: m[6]!.split(',').map(Number) };
  }
  return { minFreeKbytes, zones };
}

const isqrt = (x: number): number => Math.floor(Math.sqrt(x));

describe('watermarks', () => {
  it('min_free_kbytes and every zone watermark follow the kernel formulas from the managed pages', async () => {
    const recs = [{ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: 0x10000000, len: 4 }];
    const { result } = await runRecords(recs, { config: '3g1g-highmem', kernel: 'debian-6.1-686', ram: '4G' }, { model: await modelOf() });
    const z = Object.fromEntries(result.memory.zones.map((x) => [x.name, x]));
    const low = ['DMA', 'Normal'];
    const lowManaged = z['DMA']!.managedPages + z['Normal']!.managedPages;
    // init_per_zone_wmark_min: int_sqrt(lowmem kB × 16), lowmem = managed pages of DMA and Normal.
    const first = isqrt(lowManaged * 4 * 16);
    const marks = (minFreeKb: number, name: string): { min: number; low: number; high: number } => {
      const managed = z[name]!.managedPages;
      const share = Math.floor((Math.floor(minFreeKb / 4) * managed) / lowManaged);
      const min = name === 'HighMem' ? Math.min(Math.max(Math.floor(managed / 1024), 32), 128) : share;
      const tmp = Math.max(share >> 2, Math.floor((managed * 10) / 10000));
      return { min, low: min + tmp, high: min + 2 * tmp };
    };
    // khugepaged: 1024-page pageblocks (4 MiB, non-PAE) × 2 zones × (2 + 3 × 3), at most 5 % of the
    // lowmem pages above the high watermarks of the first pass.
    const buffer = low.reduce((n, name) => n + z[name]!.managedPages - marks(first, name).high, 0);
    const recommended = Math.min(1024 * 2 * 11, Math.floor(buffer / 20)) * 4;
    const minFreeKb = Math.max(first, recommended);
    expect(recommended).toBe(Math.floor(buffer / 20) * 4); // the 5 % cap decides on a 4 GB box
    expect(result.memory.minFreeKbytes).toBe(minFreeKb);
    for (const name of ['DMA', 'Normal', 'HighMem']) expect(z[name]!.watermarks).toEqual(marks(minFreeKb, name));
  });

  it('agree with the real 6.1 686 kernel on a 4 GB box: min_free_kbytes within 1 %, HighMem exact', async () => {
    const real = realZones();
    const recs = [{ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: 0x10000000, len: 4 }];
    const { result } = await runRecords(recs, { config: '3g1g-highmem', kernel: 'debian-6.1-686', ram: '4G' }, { model: await modelOf() });
    const z = Object.fromEntries(result.memory.zones.map((x) => [x.name, x]));
    expect(real.minFreeKbytes).toBe(42092);
    expect(Math.abs(result.memory.minFreeKbytes / real.minFreeKbytes - 1)).toBeLessThan(0.01);
    // HighMem: same managed pages, and its watermarks depend on them and on the lowmem share.
    expect(z['HighMem']!.managedPages).toBe(real.zones['HighMem']!.managed);
    expect(z['HighMem']!.watermarks).toEqual({
      min: real.zones['HighMem']!.min,
      low: real.zones['HighMem']!.low,
      high: real.zones['HighMem']!.high,
    });
    // Normal: the model's managed pages (present minus mem_map and the measured boot reserve) are within
    // 1 % of the real zone's, and so is its min watermark.
    expect(Math.abs(z['Normal']!.managedPages / real.zones['Normal']!.managed - 1)).toBeLessThan(0.01);
    expect(Math.abs(z['Normal']!.watermarks.min / real.zones['Normal']!.min - 1)).toBeLessThan(0.01);
    // lowmem_reserve of Normal against HighMem requests: HighMem managed / 32, as the real protection array.
    expect(Math.floor(z['HighMem']!.managedPages / 32)).toBe(real.zones['Normal']!.protection[2]);
  });
});
