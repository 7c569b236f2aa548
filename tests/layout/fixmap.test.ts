/**
 * The fixmap enum arithmetic (src/layout/fixmap.ts) against hand evaluation of arch/x86/include/asm/fixmap.h.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig } from '../../src/layout/configs.ts';
import { btmapEndIndex } from '../../src/layout/fixmap.ts';

describe('FIX_BTMAP_END placement', () => {
  it('moves the 512 boot slots to the next 512 boundary when they would straddle a PTE page', () => {
    // 197 + 511 = 708 < 1024: one non-PAE PTE page → stays; PAE (512 entries) straddles → 512
    expect(btmapEndIndex(197, 512, 1024, true)).toBe(197);
    expect(btmapEndIndex(197, 512, 512, true)).toBe(512);
    // 583 + 511 = 1094 crosses 1024 → 583 + 512 - 71 = 1024 for both modes
    expect(btmapEndIndex(583, 512, 1024, true)).toBe(1024);
    expect(btmapEndIndex(583, 512, 512, true)).toBe(1024);
    // already aligned
    expect(btmapEndIndex(1024, 512, 512, true)).toBe(1024);
    // 2.6.18: no alignment
    expect(btmapEndIndex(176, 16, 1024, false)).toBe(176);
  });
});

describe('fixmap size follows NR_CPUS', () => {
  it('2.6.18 with NR_CPUS=64: 72 + 13*64 = 904 pages → FIXADDR_START 0xffc77000 (3616 kB), as in the section 2.6 dmesg', () => {
    const l = computeLayout(resolveConfig({ kernel: 'linux-2.6.18', nrCpus: 64 }));
    expect(l.fixaddrStart).toBe(0xffc77000);
    // That dmesg's pkmap (0xff400000) came from a 2.6.25+ kernel with 256 aligned boot slots; 2.6.18 has 16:
    // (0xfffff000 - 921*4K - 1025*4K) & ~(4M-1) = 0xff800000
    expect(l.pkmapBase).toBe(0xff800000);
  });

  it('6.1 PAE with NR_CPUS=64: 1095 permanent pages, 2049 in all, cpu_entry_area at 0xfec00000, 871 MB lowmem', () => {
    // 68 + 16*64 + 1 + 2 = 1095; BTMAP_END = 1095 + 512 - 71 = 1536; + 512 + WP_TEST = 2049
    // cea: (0xfffff000 - 2049*4K - (64*43 + 1)*4K) & ~(2M-1) = 0xfec00000; LDT 0xfea00000; pkmap 0xfe800000
    const l = computeLayout(resolveConfig({ kernel: 'debian-6.1-686-pae', nrCpus: 64, ram: '4G' }));
    expect([l.fixmapPermanentPages, l.fixmapTotalPages]).toEqual([1095, 2049]);
    expect(l.cpuEntryArea?.start).toBe(0xfec00000);
    expect(l.pkmapBase).toBe(0xfe800000);
    expect(l.maxmemBytes).toBe(0xfe7fe000 - 0xc0000000 - 128 * 2 ** 20);
    expect(l.lowmemMB).toBe(871);
  });

  it('without HIGHMEM a 6.1 kernel has no KMAP_LOCAL slots (nor FIX_PCIE_MCFG, nested in them)', () => {
    const l = computeLayout(resolveConfig({ kernel: 'debian-6.1-686', config: '3g1g-nohighmem' }));
    expect(l.fixmapPermanentPages).toBe(1 + 1 + 1 + 1 + 64 + 2);
    expect(l.lastPkmap).toBe(0);
  });
});
