/**
 * Capacity arithmetic (src/layout/capacity.ts) checked against computeLayout and hand computations.
 */
import { describe, expect, it } from 'vitest';
import { computeCapacity, maxFitting, minFreeBytes, pageTableBytes } from '../../src/layout/capacity.ts';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig, type ConfigOptions } from '../../src/layout/configs.ts';
import { runCli } from '../helpers/cli.ts';
import { runMain } from '../layout/in-process.ts';

const layout = (o: ConfigOptions) => computeLayout(resolveConfig(o));
const KiB = 1024;
const MiB = 2 ** 20;

describe('capacity', () => {
  it('agrees with computeLayout on lowmem, highmem, mem_map and unusable RAM', () => {
    for (const config of ['3g1g-highmem', '3g1g-nohighmem', '2g2g', '4g4g']) {
      const l = layout({ config, ram: '6G' });
      const c = computeCapacity(l, { procs: 10, threads: 1, rssBytes: MiB, vmBytes: 8 * MiB });
      expect([c.lowmemBytes, c.highmemBytes, c.memMapBytes, c.unusableRamBytes]).toEqual([l.lowmemBytes, l.highmemBytes, l.memMapBytes, l.ignoredRamBytes]);
      expect(c.userSpaceBytes).toBe(l.taskSize);
    }
  });

  it('hand-computed case: linux-2.6.18, 3G/1G HIGHMEM4G, 2 GiB, 400 processes of 8 MiB rss and 64 MiB VA', () => {
    const l = layout({ kernel: 'linux-2.6.18', config: '3g1g-highmem', ram: '2G' });
    const c = computeCapacity(l, { procs: 400, threads: 1, rssBytes: 8 * MiB, vmBytes: 64 * MiB });
    // lowmem = 896 MiB = 917504 KiB; mem_map = 524288 pages * 32 B = 16 MiB; static (profile) = 5 MiB
    // min_free = int_sqrt(917504 * 16) = 3831 KiB
    expect(c.minFreeBytes).toBe(3831 * KiB);
    const available = 896 * MiB - 16 * MiB - 5 * MiB - 3831 * KiB;
    expect(c.availableLowmemBytes).toBe(available);
    // per process: stack 8 KiB + task 1.5 KiB + mm etc. 6 KiB + PGD 4 KiB + PTE pages (64M/4M + 2 = 18) * 4 KiB = 91.5 KiB
    expect(c.perProcess.totalLowmem).toBe(8 * KiB + 1536 + 6 * KiB + 4 * KiB + 18 * 4 * KiB);
    // user pages 400 * 8 MiB = 3200 MiB > highmem 1152 MiB - the BIOS's top 128 KiB → the rest spills into lowmem
    expect(c.userInHighmemBytes).toBe(1152 * MiB - 128 * KiB);
    expect(c.userInLowmemBytes).toBe(2048 * MiB + 128 * KiB);
    expect(c.fits).toBe(false);
    // available = 917504 - 16384 - 5120 - 3831 = 892169 KiB
    // max N: N*91.5K + max(0, N*8M - 1152M) <= available; highmem runs out first (892169/91.5 = 9750 procs
    // would need 78 GB), so N = (892169 KiB + 1179520 KiB) / (8192 KiB + 91.5 KiB) = 2071689 / 8283.5 = 250.1 → 250
    expect(available).toBe(892169 * KiB);
    expect(c.maxProcs).toBe(250);
    expect(c.limitedBy).toBe('ram');
  });

  it('hand-computed case: lowmem-bound — many small 4-thread processes on 3G/1G PAE with HIGHPTE, 8 GiB', () => {
    const l = layout({ kernel: 'debian-6.1-686-pae', config: '3g1g-pae', ram: '8G' });
    // PAE, no PTI: PGD 32 B + 3 user PMD pages; HIGHPTE (profile default) puts (512M/2M + 2) = 258 PTE pages in highmem
    expect(pageTableBytes(l, 512 * MiB)).toEqual({ lowmem: 32 + 3 * 4096, highmem: 258 * 4096 });
    const c = computeCapacity(l, { procs: 1000, threads: 4, rssBytes: 256 * KiB, vmBytes: 16 * MiB });
    // per process: 4 stacks 32 KiB + 4 * 4 KiB task + 10 KiB + 12320 B
    expect(c.perProcess.totalLowmem).toBe(32 * KiB + 16 * KiB + 10 * KiB + 12320);
    // An 8 GB PC: 3 GB under the PCI hole, 5 GB from 4 GB up → max_pfn 0x240000.
    // lowmem 0x36ffe pages = 901112 KiB - mem_map 0x240000 pages * 36 B (81 MiB = 82944 KiB) - static 21844 KiB
    // - min_free int_sqrt(901112 * 16) = 3797 KiB = 792527 KiB
    expect(c.availableLowmemBytes).toBe((901112 - 82944 - 21844 - 3797) * KiB);
    // per process 58 KiB + 12320 B = 71712 B → 811547648 / 71712 = 11316.9 → 11316 processes; their user +
    // HIGHPTE pages (256 KiB + 10 PTE pages = 296 KiB each, 3.2 GiB in all) fit in the 7.1 GiB of highmem
    expect(c.maxProcs).toBe(11316);
    expect(c.limitedBy).toBe('lowmem');
    expect(c.fits).toBe(true);
  });

  it('PTI doubles the PAE PGD and unshares the kernel PMDs', () => {
    const l = layout({ config: '3g1g-pae-pti', highpte: false });
    // 8 KiB PGD + 4 PMD pages + 1 user copy of the kernel PMD + (64M/2M + 2) PTE pages
    expect(pageTableBytes(l, 64 * MiB)).toEqual({ lowmem: 8192 + 5 * 4096 + 34 * 4096, highmem: 0 });
  });

  it('maxFitting solves n*k + max(0, n*r - h) <= a', () => {
    expect(maxFitting(100, 10, 0, 0)).toBe(10);
    expect(maxFitting(100, 10, 5, 20)).toBe(8); // 8*10 + (40-20) = 100
    expect(maxFitting(-1, 10, 5, 20)).toBe(0);
  });

  it('min_free_kbytes follows int_sqrt(lowmem_kB * 16) with its clamps', () => {
    expect(minFreeBytes(896 * MiB)).toBe(3831 * KiB);
    expect(minFreeBytes(0)).toBe(128 * KiB);
  });

  it('a process VA span larger than TASK_SIZE does not fit any split with less user space', () => {
    const c = computeCapacity(layout({ config: '1g3g' }), { procs: 1, threads: 1, rssBytes: MiB, vmBytes: 1536 * MiB });
    expect([c.maxProcs, c.limitedBy, c.fits]).toEqual([0, 'address-space', false]);
  });

  it('hmsim capacity --compare --json lists every configuration; bad --procs exits 2', async () => {
    const r = await runMain(['capacity', '--compare', '--ram', '4G', '--procs', '100', '--json']);
    const j = JSON.parse(r.stdout) as { configs: { config: string }[] };
    expect(j.configs.map((c) => c.config)).toContain('2g2g');
    expect(j.configs).toHaveLength(11);
    const bad = runCli(['capacity', '--procs', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("hmsim: --procs: 'many' is not an integer in [0, 10000000]\n");
  });
});
