/**
 * Resolving a configuration: named preset + kernel profile + explicit options → a validated
 * MachineConfig. Human strings (sizes, counts, names) are validated here, each error naming the option.
 *
 * Precedence, per field: explicit option, then the preset (`config`), then the kernel profile's defaults.
 * Two fields are tied: HIGHMEM64G implies PAE and HIGHMEM4G excludes it (pre-2025 Kconfig: X86_PAE
 * depends on !HIGHMEM4G). So an explicit `--pae` on top of a HIGHMEM4G preset means HIGHMEM64G, an
 * explicit `--highmem 4G` on top of a PAE preset means no PAE; an explicit contradiction is an error.
 *
 * Defaults (documented in docs/layout.md):
 * - kernel profile `debian-6.1-686-pae` — the build the real boots and kernel counts were measured on;
 * - RAM 4 GiB installed — a PC puts 3 GiB of it under the PCI hole and 1 GiB above 4 GiB, which only PAE
 *   can use (src/layout/lowmem.ts pcE820);
 * - cpus = min(NR_CPUS, 4) — NR_CPUS is the compile-time maximum (32 on Debian, 8 on older builds),
 *   not the machine; 4 online CPUs is the small SMP server of the capacity questions.
 */
import { ConfigError } from '../errors.ts';
import { GiB, MiB } from '../units/address.ts';
import { parseBoolean } from '../units/boolean.ts';
import { parseCount, parseSize } from '../units/size.ts';
import { findPreset, PRESET_NAMES, PRESETS, type Preset } from './presets.ts';
import { DEFAULT_KERNEL_PROFILE, loadKernelProfile } from './profiles.ts';
import { SPLITS, SPLIT_NAMES } from './splits.ts';
import type { HighmemMode, MachineConfig, Split } from './types.ts';

export { listPresets, PRESET_NAMES, COMPARE_PRESETS } from './presets.ts';

/** Options as the user gave them (CLI flags or a sweep grid). Strings are validated here. */
export interface ConfigOptions {
  config?: string;
  kernel?: string;
  split?: string;
  highmem?: string;
  pae?: boolean;
  pti?: boolean;
  nrCpus?: string | number;
  cpus?: string | number;
  ram?: string | number;
  /** RAM under the PCI hole (the rest of --ram sits from 4 GiB up); default lowmem.ts defaultRamBelow4g. */
  ramBelow4g?: string | number;
  vmalloc?: string | number;
  highpte?: boolean;
}

/**
 * Sets one configuration option from text (a `--set key=value` or a sweep grid value), in place: the
 * yes/no keys (pae, pti, highpte) are parsed here, the others are validated by resolveConfig. `where`
 * names the option in an error (`--set pae=maybe`, `--grid pae`).
 */
export function setConfigOption(opts: ConfigOptions, key: string, text: string, where: string): void {
  if (key === 'pae' || key === 'pti' || key === 'highpte') opts[key] = parseBoolean(where, text);
  else (opts as Record<string, string>)[key] = text;
}

/** RAM when --ram is not given: 4 GiB. */
export const DEFAULT_RAM_BYTES = 4 * GiB;
/** Online CPUs when --cpus is not given: min(NR_CPUS, this). */
export const DEFAULT_MAX_CPUS = 4;
/** NR_CPUS bounds on x86-32 (arch/x86/Kconfig: 2-8 without, up to 64 with X86_BIGSMP; 1 for !SMP). */
const MAX_NR_CPUS_32 = 64;
const MAX_NR_CPUS_64 = 8192;
/** The most RAM a PC puts under the PCI hole (QEMU pc: 0xe0000000). */
const MAX_BELOW_4G = 0xe0000000;
/** Accepted RAM range. */
const MIN_RAM = 16 * MiB;
const MAX_RAM = 2 ** 40;

const SPLIT_ALIASES: Readonly<Record<string, Split>> = {
  '3G': '3G',
  '3G/1G': '3G',
  '3G_OPT': '3G_OPT',
  '2G': '2G',
  '2G/2G': '2G',
  '2G_OPT': '2G_OPT',
  '1G': '1G',
  '1G/3G': '1G',
  '4G4G': '4G4G',
  '4G/4G': '4G4G',
  X86_64: 'x86_64',
};

/** Parses `--split` (3G, 3G_OPT, 2G, 2G_OPT, 1G, 4G4G, x86_64; also 3G/1G-style spellings). */
export function parseSplit(value: string): Split {
  const s = SPLIT_ALIASES[value.trim().toUpperCase()];
  if (s === undefined) throw new ConfigError(`--split: '${value}' is not a split (expected one of ${SPLIT_NAMES.join(', ')})`);
  return s;
}

/** Parses `--highmem` (off, 4G, 64G). */
export function parseHighmem(value: string): HighmemMode {
  const v = value.trim().toLowerCase().replace(/b$/, '');
  if (v === 'off' || v === 'no' || v === 'none') return 'off';
  if (v === '4g') return '4G';
  if (v === '64g') return '64G';
  throw new ConfigError(`--highmem: '${value}' is not a highmem mode (expected off, 4G or 64G)`);
}

function count(what: string, v: string | number, min: number, max: number): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new ConfigError(`${what}: '${v}' is not an integer in [${min}, ${max}]`);
    return v;
  }
  return parseCount(what, v, min, max);
}

/**
 * The highmem mode when only PAE was given explicitly: `--pae` turns HIGHMEM4G into HIGHMEM64G,
 * `--no-pae` turns HIGHMEM64G into HIGHMEM4G; NOHIGHMEM stays (PAE without HIGHMEM is valid, for NX).
 */
function highmemImpliedByPae(pae: boolean | undefined, inherited: HighmemMode): HighmemMode {
  if (pae === true && inherited === '4G') return '64G';
  if (pae === false && inherited === '64G') return '4G';
  return inherited;
}

/** PAE when not given explicitly: HIGHMEM64G selects it, HIGHMEM4G excludes it, NOHIGHMEM inherits it. */
function paeImpliedByHighmem(highmem: HighmemMode, inherited: boolean): boolean {
  if (highmem === '64G') return true;
  if (highmem === '4G') return false;
  return inherited;
}

/** The four choices a preset makes. */
type PresetChoices = Pick<Preset, 'split' | 'highmem' | 'pae' | 'pti'>;

function sameChoices(a: PresetChoices, b: PresetChoices): boolean {
  return a.split === b.split && a.highmem === b.highmem && a.pae === b.pae && a.pti === b.pti;
}

/**
 * The label of a resolved configuration (MachineConfig.name): what it was built from, then each explicit
 * option that changed one of that base's four choices, in a fixed order — `3g1g-highmem+split=2G`,
 * `2g2g+pae`, `3g1g-pae+highmem=4G`, `3g1g-pae-pti+no-pti`. The base is the `--config` preset or, without
 * one, the preset the kernel profile's own defaults are (debian-6.1-686-pae: `3g1g-pae-pti`; a profile
 * whose defaults are no preset: `<profile>-defaults`). A choice implied by another (PAE by HIGHMEM64G) is
 * not listed: the option that implied it is.
 */
function configName(
  opts: ConfigOptions,
  preset: Preset | undefined,
  kernelName: string,
  defaults: PresetChoices,
  resolved: PresetChoices,
): string {
  const base = preset ?? PRESETS.find((p) => sameChoices(p, defaults));
  const baseChoices = preset ?? defaults;
  const parts = [base?.name ?? `${kernelName}-defaults`];
  if (opts.split !== undefined && resolved.split !== baseChoices.split) parts.push(`split=${resolved.split}`);
  if (opts.highmem !== undefined && resolved.highmem !== baseChoices.highmem) parts.push(`highmem=${resolved.highmem}`);
  if (opts.pae !== undefined && resolved.pae !== baseChoices.pae) parts.push(resolved.pae ? 'pae' : 'no-pae');
  if (opts.pti !== undefined && resolved.pti !== baseChoices.pti) parts.push(resolved.pti ? 'pti' : 'no-pti');
  return parts.join('+');
}

/** Resolves options into a validated MachineConfig (see the module comment for precedence). */
export function resolveConfig(opts: ConfigOptions): MachineConfig {
  let preset: Preset | undefined;
  if (opts.config !== undefined) {
    preset = findPreset(opts.config);
    if (!preset) throw new ConfigError(`--config: unknown configuration '${opts.config}' (known: ${PRESET_NAMES.join(', ')})`);
  }
  const kernel = loadKernelProfile(opts.kernel ?? DEFAULT_KERNEL_PROFILE);
  const base = preset ?? kernel.defaults;

  // Split, highmem and PAE (tied).
  const split = opts.split !== undefined ? parseSplit(opts.split) : base.split;
  const explicitHighmem = opts.highmem !== undefined ? parseHighmem(opts.highmem) : undefined;
  let highmem: HighmemMode;
  let pae: boolean;
  if (split === 'x86_64') {
    if (explicitHighmem !== undefined && explicitHighmem !== 'off') {
      throw new ConfigError(`--highmem ${opts.highmem}: the x86_64 reference has no highmem (all RAM is direct-mapped)`);
    }
    if (opts.pae === true) throw new ConfigError('--pae: the x86_64 reference does not use 32-bit PAE paging');
    highmem = 'off';
    pae = false;
  } else {
    highmem = explicitHighmem ?? highmemImpliedByPae(opts.pae, base.highmem);
    pae = opts.pae ?? paeImpliedByHighmem(highmem, base.pae);
    if (highmem === '64G' && !pae)
      throw new ConfigError('--highmem 64G selects PAE (HIGHMEM64G selects X86_PAE); it cannot be combined with --no-pae');
    if (highmem === '4G' && pae) {
      throw new ConfigError('--pae cannot be combined with --highmem 4G (X86_PAE depends on !HIGHMEM4G); use --highmem 64G');
    }
    const info = SPLITS[split];
    if (info.nonPaeOnly && pae) {
      throw new ConfigError(
        `--split ${split}: ${info.kconfig} is impossible with PAE (Kconfig: depends on !X86_PAE; PAE ` +
          `needs PAGE_OFFSET on a 1 GiB boundary, ${split} puts it at 0x${info.pageOffset.toString(16)})`,
      );
    }
  }

  // PTI
  const pti = opts.pti ?? (preset ? preset.pti : kernel.defaults.pti);
  if (pti && split === '4G4G')
    throw new ConfigError('--pti: the 4G/4G split already runs the kernel in its own address space; PTI does not apply');
  if (pti && split !== 'x86_64' && !kernel.layout.ldtRemap) {
    throw new ConfigError(
      `--pti: kernel profile '${kernel.name}' (${kernel.version}) has no page-table isolation for x86-32 (added in 4.19)`,
    );
  }

  // HIGHPTE (depends on HIGHMEM)
  let highpte = opts.highpte ?? kernel.defaults.highpte;
  if (highmem === 'off') {
    if (opts.highpte === true)
      throw new ConfigError('--highpte: HIGHPTE needs a HIGHMEM kernel (page tables in highmem); this configuration has --highmem off');
    highpte = false;
  }

  // Counts and sizes.
  const maxNr = split === 'x86_64' ? MAX_NR_CPUS_64 : MAX_NR_CPUS_32;
  const nrCpus = opts.nrCpus !== undefined ? count('--nr-cpus', opts.nrCpus, 1, maxNr) : kernel.defaults.nrCpus;
  const cpus = opts.cpus !== undefined ? count('--cpus', opts.cpus, 1, nrCpus) : Math.min(nrCpus, DEFAULT_MAX_CPUS);
  const ramBytes = opts.ram !== undefined ? parseSize('--ram', opts.ram) : DEFAULT_RAM_BYTES;
  if (ramBytes < MIN_RAM || ramBytes > MAX_RAM) {
    throw new ConfigError(`--ram: '${opts.ram}' is outside the modelled range [16M, 1T] (it is the RAM installed)`);
  }
  let ramBelow4gBytes: number | undefined;
  if (opts.ramBelow4g !== undefined) {
    ramBelow4gBytes = parseSize('--ram-below-4g', opts.ramBelow4g);
    if (ramBelow4gBytes < MIN_RAM || ramBelow4gBytes > MAX_BELOW_4G) {
      throw new ConfigError(
        `--ram-below-4g: '${opts.ramBelow4g}' must be between 16M and 3.5G (the RAM under the PCI hole; the rest of --ram sits above 4G)`,
      );
    }
    if (ramBelow4gBytes >= ramBytes) {
      throw new ConfigError(
        `--ram-below-4g: '${opts.ramBelow4g}' must be less than --ram (${ramBytes} ` +
          `bytes): it says how much of the installed RAM sits under the PCI hole`,
      );
    }
  }
  let vmallocBytes: number | null = null;
  if (opts.vmalloc !== undefined) {
    vmallocBytes = parseSize('--vmalloc', opts.vmalloc);
    if (vmallocBytes === 0) throw new ConfigError(`--vmalloc: '${opts.vmalloc}' must be a positive size (the vmalloc= boot parameter)`);
    if (split === 'x86_64') throw new ConfigError('--vmalloc: the x86_64 reference has a fixed 32 TiB vmalloc area');
  }

  return {
    name: configName(opts, preset, kernel.name, kernel.defaults, { split, highmem, pae, pti }),
    kernel,
    split,
    highmem,
    pae,
    pti,
    highpte,
    nrCpus,
    cpus,
    ramBytes,
    ...(ramBelow4gBytes !== undefined ? { ramBelow4gBytes } : {}),
    vmallocBytes,
  };
}

/**
 * The kernel a configuration runs, as the outputs name it. A kernel profile is one real build; two
 * splits are not in any: the x86_64 reference is a 64-bit kernel (its layout is src/layout/x86-64.ts;
 * it takes only NR_CPUS, HZ and the kernel-text footprint from the profile), and 4G/4G is an
 * out-of-tree patch (never merged; RHEL's hugemem kernels) modelled on the profile's layout.
 */
export function kernelLabel(split: string, kernelName: string): string {
  if (split === 'x86_64') return `x86_64 reference (NR_CPUS, HZ and kernel-text footprint from ${kernelName})`;
  if (split === '4G4G') return `${kernelName} + the out-of-tree 4G/4G patch (never merged; modelled on this profile)`;
  return kernelName;
}
