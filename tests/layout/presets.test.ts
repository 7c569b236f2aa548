/**
 * Every named configuration resolves and lays out consistently; precedence and tied options
 * (HIGHMEM64G ⇒ PAE) behave as documented in src/layout/configs.ts.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../src/layout/compute.ts';
import { PRESET_NAMES, listPresets, resolveConfig } from '../../src/layout/configs.ts';
import { listKernelProfiles, loadKernelProfile } from '../../src/layout/profiles.ts';

describe('named configurations', () => {
  it('ships exactly the eleven presets of issue 2, each with a description', () => {
    expect(PRESET_NAMES).toEqual([
      '3g1g-nohighmem',
      '3g1g-highmem',
      '3g1g-pae',
      '3g1g-opt',
      '2g2g',
      '2g2g-nohighmem',
      '2g2g-opt',
      '1g3g',
      '4g4g',
      '3g1g-pae-pti',
      'x86_64',
    ]);
    for (const p of listPresets()) expect(p.description.length).toBeGreaterThan(10);
  });

  it.each(listKernelProfiles().flatMap((k) => PRESET_NAMES.map((c) => [k, c] as const)))(
    '%s / %s: regions are ordered top-down without overlap and the RAM adds up',
    (kernel, config) => {
      if (config === '3g1g-pae-pti' && kernel === 'linux-2.6.18') {
        expect(() => resolveConfig({ kernel, config })).toThrow(/no page-table isolation/);
        return;
      }
      const l = computeLayout(resolveConfig({ kernel, config, ram: '6G' }));
      // The boot-time fixmap slots are left out: without HIGHMEM a 2.6 kernel puts VMALLOC_END at
      // FIXADDR_START - 2 pages, over them (they are only used before vmalloc works).
      const regions = l.regions.filter((r) => r.name !== 'fixmap_boot');
      for (let i = 1; i < regions.length; i++) {
        expect(regions[i]!.end).toBeLessThanOrEqual(regions[i - 1]!.start);
        expect(regions[i]!.start).toBeLessThanOrEqual(regions[i]!.end);
      }
      // Installed = managed + kept by the firmware + ignored by the kernel; highmem is the managed RAM above lowmem.
      expect(l.ram.usableBytes + l.ram.firmwareBytes + l.ram.ignoredBytes).toBe(6 * 2 ** 30);
      expect(l.ignoredRamBytes).toBe(l.ram.ignoredBytes);
      const lowRam = l.ram.ranges.reduce((a, [s, e]) => a + Math.max(0, Math.min(e, l.maxLowPfn) - s), 0) * 4096;
      expect(l.highmemBytes).toBe(l.ram.usableBytes - lowRam);
      // A PC with 6 GB: 3 GB under the PCI hole less 640 KiB-1 MiB (97 pages) and the BIOS's top 128 KiB.
      expect(l.ram.firmwareBytes).toBe((97 + 32) * 4096);
      expect(l.highMemory).toBe(l.pageOffset + l.maxLowPfn * 4096);
      expect(l.memMapBytes).toBe(Math.ceil(l.maxPfn / 1024) * 1024 * l.structPageBytes);
      if (config !== 'x86_64') {
        expect(l.taskSize).toBe(config === '4g4g' ? 0xff000000 : l.pageOffset);
        expect(l.vmallocStart - l.highMemory).toBeGreaterThanOrEqual(8 * 2 ** 20);
        expect(l.lastPkmap).toBe(l.config.highmem === 'off' ? 0 : l.config.pae ? 512 : 1024);
      }
    },
  );

  it('PAGE_OFFSET per split (arch/x86/Kconfig; 4G/4G patch 0x02000000)', () => {
    const po = (config: string) => computeLayout(resolveConfig({ config })).pageOffset;
    expect(po('3g1g-highmem')).toBe(0xc0000000);
    expect(po('3g1g-opt')).toBe(0xb0000000);
    expect(po('2g2g')).toBe(0x80000000);
    expect(po('2g2g-opt')).toBe(0x78000000);
    expect(po('1g3g')).toBe(0x40000000);
    expect(po('4g4g')).toBe(0x02000000);
  });

  it('x86_64 maps all RAM directly with DMA/DMA32/Normal zones and 64-byte struct pages', () => {
    const l = computeLayout(resolveConfig({ config: 'x86_64', ram: '8G' }));
    expect(l.highmemMB).toBe(0);
    // 3 GB under the PCI hole, 5 GB from 4 GB up: max_pfn 0x240000 (9 GiB of address space), but the
    // direct map holds RAM only: lowmem is every usable byte, 8 GiB less the firmware's 129 pages.
    expect(l.maxPfn).toBe(0x240000);
    expect(l.lowmemMB).toBe(Math.floor((8 * 2 ** 30 - (97 + 32) * 4096) / 2 ** 20));
    expect(l.lowmemMB).toBe(8191);
    expect(l.zones.map((z) => z.name)).toEqual(['DMA', 'DMA32', 'Normal']);
    expect(l.pagingLevels).toBe(4);
    expect(l.memMapBytes).toBe(0x240000 * 64);
    expect(l.ram.usableBytes).toBe(8 * 2 ** 30 - (97 + 32) * 4096);
  });

  it('4G/4G gives 4 GiB - 32 MiB - 128 MiB = 3936 MB of lowmem (classic MAXMEM)', () => {
    expect(computeLayout(resolveConfig({ config: '4g4g', ram: '8G' })).lowmemMB).toBe(3936);
  });
});

describe('precedence: explicit option, then preset, then kernel profile', () => {
  it('without a preset the profile defaults apply', () => {
    const c = resolveConfig({ kernel: 'linux-2.6.18' });
    const d = loadKernelProfile('linux-2.6.18').defaults;
    expect([c.split, c.highmem, c.pae, c.nrCpus, c.highpte]).toEqual([d.split, d.highmem, d.pae, d.nrCpus, d.highpte]);
    // Its defaults (3G, HIGHMEM4G, no PAE, no PTI) are the 3g1g-highmem preset's choices.
    expect(c.name).toBe('3g1g-highmem');
  });

  it('a preset overrides the profile, an explicit option overrides the preset', () => {
    const c = resolveConfig({ config: '2g2g', kernel: 'debian-6.1-686-pae', nrCpus: '8' });
    expect([c.split, c.highmem, c.pae, c.pti, c.nrCpus]).toEqual(['2G', '4G', false, false, 8]);
    expect(resolveConfig({ config: '2g2g', split: '1G' }).split).toBe('1G');
  });

  it('--pae on a HIGHMEM4G preset means HIGHMEM64G; --highmem 4G on a PAE preset drops PAE', () => {
    expect(resolveConfig({ config: '2g2g', pae: true })).toMatchObject({ highmem: '64G', pae: true });
    expect(resolveConfig({ config: '3g1g-pae', highmem: '4G' })).toMatchObject({ highmem: '4G', pae: false });
    expect(resolveConfig({ config: '3g1g-nohighmem', pae: true })).toMatchObject({ highmem: 'off', pae: true });
  });

  it('defaults: kernel debian-6.1-686-pae, RAM 4 GiB, cpus = min(NR_CPUS, 4); HIGHPTE off without HIGHMEM', () => {
    const c = resolveConfig({});
    expect([c.kernel.name, c.ramBytes, c.cpus]).toEqual(['debian-6.1-686-pae', 4 * 2 ** 30, 4]);
    expect(resolveConfig({ nrCpus: 2 }).cpus).toBe(2);
    expect(resolveConfig({ config: '3g1g-nohighmem' }).highpte).toBe(false);
  });
});

describe('invalid combinations', () => {
  it.each([
    [{ config: '3g1g-opt', pae: true }, /VMSPLIT_3G_OPT is impossible with PAE/],
    [{ split: '2G_OPT', highmem: '64G' }, /VMSPLIT_2G_OPT is impossible with PAE/],
    [{ highmem: '4G', pae: true }, /X86_PAE depends on !HIGHMEM4G/],
    [{ highmem: '64G', pae: false }, /HIGHMEM64G selects X86_PAE/],
    [{ config: '3g1g-nohighmem', highpte: true }, /HIGHPTE needs a HIGHMEM kernel/],
    [{ kernel: 'linux-2.6.18', pti: true }, /no page-table isolation for x86-32 \(added in 4.19\)/],
    [{ config: '4g4g', pti: true }, /4G\/4G split already/],
    [{ config: 'nope' }, /--config: unknown configuration 'nope' \(known: 3g1g-nohighmem,/],
    [{ kernel: 'nope' }, /--kernel: unknown kernel profile 'nope' \(known: debian-6.1-686, debian-6.1-686-pae, linux-2.6.18, linux-4.19\)/],
    [{ split: '5G' }, /--split: '5G' is not a split/],
    [{ highmem: '8G' }, /--highmem: '8G' is not a highmem mode/],
    [{ ram: '3X' }, /--ram: '3X' is not a size/],
    [{ vmalloc: 'lots' }, /--vmalloc: 'lots' is not a size/],
    [{ nrCpus: '0' }, /--nr-cpus: '0' is not an integer in \[1, 64\]/],
    [{ nrCpus: '4', cpus: '8' }, /--cpus: '8' is not an integer in \[1, 4\]/],
    [{ vmalloc: '1000M' }, /lowmem \(MAXMEM\)/],
  ] as const)('%j is refused', (o, message) => {
    expect(() => computeLayout(resolveConfig(o))).toThrow(message);
  });
});
