/**
 * Named configurations (`--config NAME`), shared by every command. A preset fixes the split, the
 * highmem mode, PAE and PTI; the kernel profile supplies the rest (NR_CPUS, HIGHPTE, the kernel's
 * layout facts and kmap policy). The name is the label used everywhere (reports, sweeps, JSON).
 */
import type { HighmemMode, Split } from './types.ts';

/** What a preset sets. */
export interface Preset {
  readonly name: string;
  /** One line for `--help` and `hmsim layout --list`. */
  readonly description: string;
  readonly split: Split;
  readonly highmem: HighmemMode;
  readonly pae: boolean;
  readonly pti: boolean;
}

/** Every preset, in display order. */
export const PRESETS: readonly Preset[] = [
  {
    name: '3g1g-nohighmem',
    description: '3G/1G split, no HIGHMEM: RAM above lowmem (~880-896 MB) is ignored',
    split: '3G',
    highmem: 'off',
    pae: false,
    pti: false,
  },
  {
    name: '3g1g-highmem',
    description: '3G/1G split, HIGHMEM4G (2-level paging, up to 4 GB RAM)',
    split: '3G',
    highmem: '4G',
    pae: false,
    pti: false,
  },
  {
    name: '3g1g-pae',
    description: '3G/1G split, HIGHMEM64G (PAE 3-level paging, up to 64 GB RAM)',
    split: '3G',
    highmem: '64G',
    pae: true,
    pti: false,
  },
  {
    name: '3g1g-opt',
    description: 'VMSPLIT_3G_OPT: PAGE_OFFSET 0xB0000000 for a full 1 GB of lowmem, HIGHMEM4G',
    split: '3G_OPT',
    highmem: '4G',
    pae: false,
    pti: false,
  },
  {
    name: '2g2g',
    description: '2G/2G split, HIGHMEM4G: ~1.9 GB lowmem, 2 GB user space',
    split: '2G',
    highmem: '4G',
    pae: false,
    pti: false,
  },
  {
    name: '2g2g-nohighmem',
    description: '2G/2G split, no HIGHMEM: RAM above ~1.9 GB is ignored',
    split: '2G',
    highmem: 'off',
    pae: false,
    pti: false,
  },
  {
    name: '2g2g-opt',
    description: 'VMSPLIT_2G_OPT: PAGE_OFFSET 0x78000000 for a full 2 GB of lowmem, HIGHMEM4G',
    split: '2G_OPT',
    highmem: '4G',
    pae: false,
    pti: false,
  },
  {
    name: '1g3g',
    description: '1G/3G split, HIGHMEM4G: ~2.9 GB lowmem, 1 GB user space',
    split: '1G',
    highmem: '4G',
    pae: false,
    pti: false,
  },
  {
    name: '4g4g',
    description: 'the 2003 4G/4G patch (RHEL hugemem): separate 4 GB kernel space, PAE, CR3 switch on every kernel entry',
    split: '4G4G',
    highmem: '64G',
    pae: true,
    pti: false,
  },
  {
    name: '3g1g-pae-pti',
    description: '3G/1G split, HIGHMEM64G/PAE with page-table isolation (4.19+): two CR3 writes per kernel entry',
    split: '3G',
    highmem: '64G',
    pae: true,
    pti: true,
  },
  {
    name: 'x86_64',
    description: 'x86_64 reference: no highmem, all RAM direct-mapped, 4-level page walks, PCID',
    split: 'x86_64',
    highmem: 'off',
    pae: false,
    pti: false,
  },
];

/** Preset names, in display order. */
export const PRESET_NAMES: readonly string[] = PRESETS.map((p) => p.name);

/** The presets with their one-line descriptions. */
export function listPresets(): ReadonlyArray<{ name: string; description: string }> {
  return PRESETS.map((p) => ({ name: p.name, description: p.description }));
}

/** The preset called `name`, or undefined. */
export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}

/** The presets `hmsim layout --compare` and `hmsim capacity --compare` put side by side. */
export const COMPARE_PRESETS: readonly string[] = ['3g1g-highmem', '3g1g-opt', '2g2g', '2g2g-opt', '1g3g', '4g4g'];
