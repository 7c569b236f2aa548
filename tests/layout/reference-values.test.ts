/**
 * Reference values of ../shared/reference/kernel-x86-32.md sections 2.5, 2.6 and 3 (2.6-era 896 MB
 * layout, the 4.19 PAE NR_CPUS=8 dmesg, and the 4.19+ worked examples).
 */
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig, type ConfigOptions } from '../../src/layout/configs.ts';

const L = (o: ConfigOptions) => computeLayout(resolveConfig(o));
const region = (l: ReturnType<typeof L>, name: string) => l.regions.find((r) => r.name === name);

describe('2.6-era classic layout (section 2.6)', () => {
  it(
    '3G/1G non-PAE with 2 GiB: 896 MB lowmem, lowmem 0xc0000000-0xf8000000, ' +
      'vmalloc 0xf8800000-0xff7fe000, pkmap 0xff800000-0xffc00000',
    () => {
      const l = L({ kernel: 'linux-2.6.18', ram: '2G' });
      expect(l.lowmemMB).toBe(896);
      expect(l.maxLowPfn).toBe(0x38000);
      expect(l.highMemory).toBe(0xf8000000);
      expect(l.vmallocStart).toBe(0xf8800000);
      expect(l.vmallocEnd).toBe(0xff7fe000);
      expect(region(l, 'pkmap')).toEqual({ name: 'pkmap', start: 0xff800000, end: 0xffc00000 });
      expect(Math.floor((l.vmallocEnd - l.vmallocStart) / 2 ** 20)).toBe(111);
      expect(l.cpuEntryArea).toBeNull();
    },
  );

  it('PAE: pkmap 0xffc00000-0xffe00000 (2048 kB), vmalloc 0xf8800000-0xffbfe000 (115 MB), still 896 MB', () => {
    const l = L({ kernel: 'linux-2.6.18', config: '3g1g-pae', ram: '8G' });
    expect(l.lowmemMB).toBe(896);
    expect(region(l, 'pkmap')).toEqual({ name: 'pkmap', start: 0xffc00000, end: 0xffe00000 });
    expect(l.vmallocEnd).toBe(0xffbfe000);
    expect(Math.floor((l.vmallocEnd - l.vmallocStart) / 2 ** 20)).toBe(115);
  });

  it('MAXMEM = -PAGE_OFFSET - reserve: vmalloc=256M (no +8M in 2.6.18) gives 768 MB lowmem', () => {
    // 4 GiB - 3 GiB - 256 MiB = 768 MiB
    expect(L({ kernel: 'linux-2.6.18', ram: '2G', vmalloc: '256M' }).lowmemMB).toBe(768);
  });

  it('vmalloc=16M trips the BUG_ON(VMALLOC_START >= VMALLOC_END) that the 2008 vmalloc size fix removed', () => {
    expect(() => L({ kernel: 'linux-2.6.18', ram: '2G', vmalloc: '16M' })).toThrow(/BUG_ON\(VMALLOC_START >= VMALLOC_END\)/);
  });
});

describe('4.19 PAE NR_CPUS=8 dmesg (section 3)', () => {
  it(
    'fixmap 0xfff14000 (940 kB), cpu_entry 0xffa00000-0xffb39000 (1252 kB), ' +
      'pkmap 0xff600000-0xff800000, vmalloc 0xf7dfe000-0xff5fe000, lowmem 885 MB',
    () => {
      const l = L({ kernel: 'linux-4.19', ram: '4G' });
      expect(l.fixaddrStart).toBe(0xfff14000);
      expect((l.fixaddrTop - l.fixaddrStart) / 1024).toBe(940);
      expect(l.cpuEntryArea).toEqual({ name: 'cpu_entry', start: 0xffa00000, end: 0xffb39000 });
      expect(region(l, 'pkmap')).toEqual({ name: 'pkmap', start: 0xff600000, end: 0xff800000 });
      expect([l.vmallocStart, l.vmallocEnd]).toEqual([0xf7dfe000, 0xff5fe000]);
      expect(l.highMemory).toBe(0xf75fe000);
      expect(l.lowmemMB).toBe(885);
      expect(region(l, 'ldt_remap')).toEqual({ name: 'ldt_remap', start: 0xff800000, end: 0xffa00000 });
    },
  );
});

describe('4.19+ worked examples (section 2.5, NR_CPUS=8)', () => {
  it.each([
    [{ highmem: '4G' }, 879, 0xfeffe000],
    [{ highmem: '64G' }, 885, 0xff5fe000],
    [{ split: '2G', highmem: '4G' }, 1903, 0xfeffe000],
    [{ split: '2G', highmem: '64G' }, 1909, 0xff5fe000],
    [{ config: '3g1g-opt' }, 1135, 0xfeffe000],
    [{ config: '2g2g-opt' }, 2031, 0xfeffe000],
    [{ config: '1g3g' }, 2927, 0xfeffe000],
  ] as const)('%j → %i MB lowmem', (o, mb, vmallocEnd) => {
    const l = L({ kernel: 'linux-4.19', ram: '8G', ...o });
    expect(l.lowmemMB).toBe(mb);
    expect(l.vmallocEnd).toBe(vmallocEnd);
    // The vmalloc area is 128 MiB - 8 MiB when lowmem is full.
    expect(l.vmallocEnd - l.vmallocStart).toBe(120 * 2 ** 20);
  });

  it('NR_CPUS shapes the top area: 4.19 non-PAE NR_CPUS=1 gives pkmap 0xff400000 and 883 MB (the "883 MB" dmesg of section 2.5)', () => {
    const l = L({ kernel: 'linux-4.19', highmem: '4G', nrCpus: 1, ram: '4G' });
    expect(l.pkmapBase).toBe(0xff400000);
    expect(l.lowmemMB).toBe(883);
  });
});

describe('RAM above 4 GiB with a PCI hole (a PC with 3.5 GB or more: 3 GB under the hole by default)', () => {
  it(
    'a 6.1 non-PAE kernel stops its e820 scan at the hole: ' + '-m 8G in QEMU (3G below, 5G from 4G) keeps 3G less the BIOS top 128 KiB',
    () => {
      // e820_end_pfn(MAX_ARCH_PFN = 0x100000): [0x100, 0xbffe0) counts, [0x100000, 0x240000) starts at the limit → skipped
      const l = L({ config: '3g1g-highmem', ram: '8G' });
      expect(l.maxPfn).toBe(0xbffe0);
      expect(l.warnings).toEqual(['e820: last_pfn = 0xbffe0 max_arch_pfn = 0x100000']);
      expect(l.ignoredRamBytes).toBe(5 * 2 ** 30);
    },
  );

  it('a PAE kernel uses it all; HIGHMEM counts the pfn span including the hole, as the kernel prints it', () => {
    const l = L({ config: '3g1g-pae', ram: '8G' });
    expect(l.maxPfn).toBe(0x240000);
    expect(l.highmemMB).toBe(Math.floor((0x240000 - 0x36ffe) / 256));
    expect(l.ignoredRamBytes).toBe(0);
  });

  it('--ram-below-4g moves the hole: 2 GB under it, 6 GB from 4 GB up', () => {
    const l = L({ config: '3g1g-pae', ram: '8G', ramBelow4g: '2G' });
    expect(l.maxPfn).toBe(0x100000 + 6 * 2 ** 18);
    expect(l.ram.ranges).toEqual([
      [0, 0x9f],
      [0x100, 0x7ffe0],
      [0x100000, 0x280000],
    ]);
    expect(() => L({ config: '3g1g-pae', ram: '2G', ramBelow4g: '2G' })).toThrow(/--ram-below-4g: '2G' must be less than --ram/);
  });

  it('2.6.18 has no e820 clamp: HIGHMEM4G trims max_pfn to 4 GiB with its warning', () => {
    const l = L({ kernel: 'linux-2.6.18', ram: '8G' });
    expect(l.maxPfn).toBe(0x100000);
    expect(l.warnings).toEqual(['Warning only 4GB will be used.', 'Use a PAE enabled kernel.']);
    expect(l.ignoredRamBytes).toBe(5 * 2 ** 30);
  });
});
