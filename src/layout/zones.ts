/**
 * Zone boundaries on x86-32 (arch/x86/mm/init.c zone_sizes_init; MAX_DMA_PFN = 16 MiB >> 12 from
 * arch/x86/include/asm/dma.h): DMA [0, min(4096, max_low_pfn)), Normal up to max_low_pfn, HighMem
 * [max_low_pfn, max_pfn) with CONFIG_HIGHMEM. Empty zones are left out.
 */
import type { Zone } from './types.ts';

/** MAX_DMA_PFN: 16 MiB in pages. */
export const MAX_DMA_PFN = 4096;

/** Zones for max_low_pfn / max_pfn. */
export function zonesOf(maxLowPfn: number, maxPfn: number, highmem: boolean): Zone[] {
  const zones: Zone[] = [{ name: 'DMA', startPfn: 0, endPfn: Math.min(MAX_DMA_PFN, maxLowPfn) }];
  if (maxLowPfn > MAX_DMA_PFN) zones.push({ name: 'Normal', startPfn: MAX_DMA_PFN, endPfn: maxLowPfn });
  if (highmem && maxPfn > maxLowPfn) zones.push({ name: 'HighMem', startPfn: maxLowPfn, endPfn: maxPfn });
  return zones;
}

/**
 * The "Zone ranges:" lines of a 4.x-6.x boot, e.g. `  Normal   [mem 0x0000000001000000-0x0000000036ffdfff]`.
 * The DMA line starts at 0x1000 because page 0 is reserved from the memblock map on x86.
 */
export function zoneRangeLines(zones: readonly Zone[]): string[] {
  const hex64 = (n: number): string => '0x' + n.toString(16).padStart(16, '0');
  return [
    'Zone ranges:',
    ...zones.map((z) => {
      const start = z.name === 'DMA' ? 0x1000 : z.startPfn * 4096;
      return `  ${z.name.padEnd(8)} [mem ${hex64(start)}-${hex64(z.endPfn * 4096 - 1)}]`;
    }),
  ];
}
