/**
 * SLUB's slab geometry (src/machine/slab.ts slubGeometry: mm/slub.c calculate_order, 6.1) against two real
 * boots' /proc/slabinfo (tests/fixtures/validation/slab/): Debian's 6.1.0-50-686 on one CPU and
 * 6.1.0-50-686-pae on two. Every cache's objects per slab and pages per slab follow from its object size
 * and the CPU count alone; the replay uses them for the run's CPUs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/layout/configs.ts';
import { SLAB_CACHE_NAMES } from '../../src/layout/facts.ts';
import { loadKernelProfile } from '../../src/layout/profiles.ts';
import { kernelObjectsOf } from '../../src/machine/machine.ts';
import { slubGeometry } from '../../src/machine/slab.ts';

const DIR = 'tests/fixtures/validation/slab/';

/** name → [objsize, objperslab, pagesperslab] of the /proc/slabinfo printed after `section`. */
function slabinfo(file: string, section: string): Map<string, [number, number, number]> {
  const text = readFileSync(DIR + file, 'utf8');
  const body = text.split(`=== ${section}\n`)[1]!.split('=== meminfo')[0]!;
  const caches = new Map<string, [number, number, number]>();
  for (const line of body.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length > 5 && !line.startsWith('#') && /^\d+$/.test(f[3]!)) caches.set(f[0]!, [Number(f[3]), Number(f[4]), Number(f[5])]);
  }
  return caches;
}

describe('SLUB slab geometry', () => {
  it.each([
    ['debian-6.1-686-4G.txt', 1, 145],
    ['debian-6.1-686-pae-3G-smp2.txt', 2, 141],
  ])('%s: every cache of the real boot on %i CPU(s) (%i caches) is SLUB’s choice for its object size', (file, cpus, count) => {
    const caches = slabinfo(file, 'ext4loaded');
    expect(caches.size).toBe(count);
    for (const [name, [size, perSlab, pages]] of caches) {
      expect([name, slubGeometry(size, cpus)], name).toEqual([name, { objSize: size, perSlab, pagesPerSlab: pages }]);
    }
  });

  it('the CPU count changes the packing: signal_cache (768 bytes) 10 in 2 pages on 1 CPU, 21 in 4 on 2 and on 4', () => {
    // min_objects = 4 × (fls(cpus) + 1): 8, 12, 16; 8 × 768 fits order 1 with 512 bytes left (≤ 8192/16);
    // 12 or 16 × 768 need order 2: 21 objects, 256 bytes left.
    expect(slubGeometry(768, 1)).toEqual({ objSize: 768, perSlab: 10, pagesPerSlab: 2 });
    expect(slubGeometry(768, 2)).toEqual({ objSize: 768, perSlab: 21, pagesPerSlab: 4 });
    expect(slubGeometry(768, 4)).toEqual({ objSize: 768, perSlab: 21, pagesPerSlab: 4 });
    // task_struct (5248 under PAE): at most 6 fit an order-3 slab, so min_objects is 6 whatever the CPUs.
    expect(slubGeometry(5248, 4)).toEqual({ objSize: 5248, perSlab: 6, pagesPerSlab: 8 });
  });

  it('the profiles hold their boots’ slabinfo, and a replay packs for its own CPUs', () => {
    for (const [profile, file, cpus] of [
      ['debian-6.1-686', 'debian-6.1-686-4G.txt', 1],
      ['debian-6.1-686-pae', 'debian-6.1-686-pae-3G-smp2.txt', 2],
    ] as const) {
      const measured = slabinfo(file, 'ext4loaded');
      const slab = loadKernelProfile(profile).layout.kernelObjects!.slab;
      for (const name of SLAB_CACHE_NAMES) {
        const [size, perSlab, pages] = measured.get(name)!;
        expect([name, slab[name]]).toEqual([name, { objSize: size, perSlab, pagesPerSlab: pages }]);
        expect(slubGeometry(size, cpus)).toEqual(slab[name]);
      }
      const config = resolveConfig({ config: profile.endsWith('pae') ? '3g1g-pae' : '3g1g-highmem', kernel: profile, cpus: 4 });
      const run = kernelObjectsOf(config).slab;
      for (const name of SLAB_CACHE_NAMES) expect(run[name]).toEqual(slubGeometry(slab[name].objSize, 4));
    }
  });
});
