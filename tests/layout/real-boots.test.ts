/**
 * The three real Debian 6.1 i386 boots of tests/fixtures/validation/layout/README.md, reproduced to the
 * page. `--ram` is the RAM installed, as `-m` is: the PC e820 map (src/layout/lowmem.ts pcE820) keeps the
 * BIOS's top 128 KiB, so `-m 3G` gives max_pfn 0xbffe0.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig } from '../../src/layout/configs.ts';
import { defaultRamBelow4g, installedRamForEnd, pcE820 } from '../../src/layout/lowmem.ts';

const boot = (o: Parameters<typeof resolveConfig>[0]) => computeLayout(resolveConfig(o));
const normalEnd = (l: ReturnType<typeof boot>): number => l.zones.find((z) => z.name === 'Normal')!.endPfn * 4096 - 1;
const vmallocTotalKb = (l: ReturnType<typeof boot>): number => (l.vmallocEnd - l.vmallocStart) / 1024;

describe('real Debian 6.1 boots (README.md table)', () => {
  it('686-pae, -m 3G: max_pfn 0xbffe0, Normal ends 0x36ffdfff, 879MB LOWMEM, 2191MB HIGHMEM, VmallocTotal 122880 kB', () => {
    const l = boot({ kernel: 'debian-6.1-686-pae', ram: '3G' });
    expect(l.maxPfn).toBe(0xbffe0);
    expect(normalEnd(l)).toBe(0x36ffdfff);
    expect(l.lowmemMB).toBe(879);
    expect(l.highmemMB).toBe(2191);
    expect(vmallocTotalKb(l)).toBe(122880);
    expect(l.zones).toEqual([
      { name: 'DMA', startPfn: 0, endPfn: 0x1000 },
      { name: 'Normal', startPfn: 0x1000, endPfn: 0x36ffe },
      { name: 'HighMem', startPfn: 0x36ffe, endPfn: 0xbffe0 },
    ]);
    // The other dmesg lines of that boot.
    expect(l.dmesg).toEqual([
      '2191MB HIGHMEM available.',
      '879MB LOWMEM available.',
      'Zone ranges:',
      '  DMA      [mem 0x0000000000001000-0x0000000000ffffff]',
      '  Normal   [mem 0x0000000001000000-0x0000000036ffdfff]',
      '  HighMem  [mem 0x0000000036ffe000-0x00000000bffdffff]',
    ]);
    // "Initializing HighMem for node 0 (00036ffe:000bffe0)"
    expect([l.maxLowPfn, l.maxPfn]).toEqual([0x36ffe, 0xbffe0]);
    // HighTotal 2244488 kB = highmem pages * 4
    expect(l.highmemBytes / 1024).toBe(2244488);
    expect(l.warnings).toEqual([]);
    // "Memory: .../3145208K available": present pages = 158 below 640 KiB (page 0 reserved) + [0x100, 0xbffe0);
    // the model's e820 RAM counts page 0 too.
    expect(l.ram.usableBytes / 1024).toBe(3145208 + 4);
    expect(l.ram.firmwareBytes).toBe(3 * 2 ** 30 - (3145208 + 4) * 1024);
  });

  it('686, a 4 GB PC (-m 4G): 3 GB under the PCI hole, max_pfn 0xbffe0, 2195MB HIGHMEM; the 1 GB above 4 GB is lost without PAE', () => {
    const l = boot({ kernel: 'debian-6.1-686', ram: '4G' });
    expect(l.maxPfn).toBe(0xbffe0);
    expect(l.highmemMB).toBe(2195);
    expect(l.warnings).toEqual(['e820: last_pfn = 0xbffe0 max_arch_pfn = 0x100000']);
    expect(l.ram.ignoredBytes).toBe(2 ** 30);
    expect(l.ram.usableBytes).toBe((0x9f + 0xbffe0 - 0x100) * 4096);
    // The same PC under the PAE kernel keeps the 1 GB: max_pfn 0x140000; HIGHMEM as the kernel prints it spans
    // the hole, the RAM in highmem does not.
    const pae = boot({ kernel: 'debian-6.1-686-pae', ram: '4G' });
    expect(pae.maxPfn).toBe(0x140000);
    expect(pae.ram.ignoredBytes).toBe(0);
    expect(pae.highmemMB).toBe(Math.floor((0x140000 - 0x36ffe) / 256));
    expect(pae.highmemBytes).toBe((0xbffe0 - 0x36ffe + 0x40000) * 4096);
  });

  it('686, -m 2G, vmalloc=256M: max_pfn 0x7ffe0, Normal ends 0x2e3fdfff, 739MB LOWMEM, 1307MB HIGHMEM, VmallocTotal 262144 kB', () => {
    const l = boot({ kernel: 'debian-6.1-686', ram: '2G', vmalloc: '256M' });
    expect(l.maxPfn).toBe(0x7ffe0);
    expect(normalEnd(l)).toBe(0x2e3fdfff);
    expect(l.lowmemMB).toBe(739);
    expect(l.highmemMB).toBe(1307);
    expect(vmallocTotalKb(l)).toBe(262144);
  });

  it('686, -m 512M: max_pfn 0x1ffe0, Normal ends 0x1ffdffff, 511MB LOWMEM, no HighMem zone, VmallocTotal 495736 kB', () => {
    const l = boot({ kernel: 'debian-6.1-686', ram: '512M' });
    expect(l.maxPfn).toBe(0x1ffe0);
    expect(normalEnd(l)).toBe(0x1ffdffff);
    expect(l.lowmemMB).toBe(511);
    expect(l.highmemMB).toBe(0);
    expect(l.zones.map((z) => z.name)).toEqual(['DMA', 'Normal']);
    expect(vmallocTotalKb(l)).toBe(495736);
  });

  it('derives the Debian top area from the fixmap enum: 583 permanent pages at NR_CPUS=32, BTMAP pushed to 1024', () => {
    // 1 HOLE + 1 DBGP + 1 EARLYCON + 1 APIC + 64 IO-APIC + 16*32 KMAP + 1 PCIE_MCFG + 2 GHES = 583;
    // 583..1094 straddles a 512-entry (PAE) or 1024-entry PTE page → FIX_BTMAP_END = 583 + 512 - 71 = 1024,
    // BEGIN 1535, FIX_WP_TEST 1536 → __end_of_fixed_addresses 1537.
    const l = boot({ kernel: 'debian-6.1-686-pae', ram: '3G' });
    expect(l.fixmapPermanentPages).toBe(583);
    expect(l.fixmapTotalPages).toBe(1537);
    expect(l.fixaddrStart).toBe(0xfffff000 - 583 * 4096);
    expect(l.fixaddrTotStart).toBe(0xff9fe000);
    // cpu_entry_area: (0xff9fe000 - (32*43 + 1)*4K) & ~(2M-1) = 0xff400000; LDT PMD below; pkmap below that.
    expect(l.cpuEntryArea).toEqual({ name: 'cpu_entry', start: 0xff400000, end: 0xff400000 + 4096 + 32 * 43 * 4096 });
    expect(l.ldtRemap).toEqual({ name: 'ldt_remap', start: 0xff200000, end: 0xff400000 });
    expect(l.pkmapBase).toBe(0xff000000);
    expect(l.lastPkmap).toBe(512);
    expect(l.vmallocEnd).toBe(0xfeffe000);
  });
});

describe('the installed RAM of a running box (the capture kit reads the end of RAM from /proc/zoneinfo)', () => {
  const MiB = 2 ** 20;
  const GiB = 2 ** 30;
  it.each([64 * MiB, 256 * MiB, GiB, 2047 * MiB, 2 * GiB, 3 * GiB, 3.25 * GiB, 3.5 * GiB, 4 * GiB, 6 * GiB, 16 * GiB, 64 * GiB])(
    '%d bytes installed: the end of its memory map gives it back',
    (installed) => {
      const ranges = pcE820(installed, defaultRamBelow4g(installed));
      expect(installedRamForEnd(ranges[ranges.length - 1]![1])).toBe(installed);
    },
  );

  it('the real boots: -m 3G ends at 0xbffe0, -m 2G (a QEMU capture box: ram=2147352576) at 0x7ffe0, -m 4G at 0x140000', () => {
    expect(installedRamForEnd(0xbffe0)).toBe(3 * GiB);
    expect(installedRamForEnd(2147352576 / 4096)).toBe(2 * GiB);
    expect(boot({ kernel: 'debian-6.1-686-pae', ram: String(2 * GiB) }).maxPfn).toBe(0x7ffe0);
    expect(installedRamForEnd(0x140000)).toBe(4 * GiB);
    expect(boot({ kernel: 'debian-6.1-686-pae', ram: '4G' }).maxPfn).toBe(0x140000);
  });

  it('an end no installed size has gets no answer: 4 GiB exactly, 3.5 GiB − 128 KiB (3.5 GiB is split around the PCI hole), 1 MiB', () => {
    expect(installedRamForEnd(0x100000)).toBeUndefined();
    expect(installedRamForEnd(0xdffe0)).toBeUndefined();
    expect(installedRamForEnd(0x100)).toBeUndefined();
  });
});
