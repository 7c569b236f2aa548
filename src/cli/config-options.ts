/**
 * The configuration flags every command shares (run, compare, sweep, layout, capacity):
 * `--config NAME --kernel PROFILE --split S --highmem off|4G|64G --pae --pti --nr-cpus N --cpus N
 * --ram SIZE --ram-below-4g SIZE --vmalloc SIZE --highpte` (and `--no-pae`, `--no-pti`, `--no-highpte`).
 * Values stay strings here; src/layout/configs.ts validates them (errors name the option).
 */
import { Option, type Command } from 'commander';
import type { ConfigOptions } from '../layout/configs.ts';
import { PRESET_NAMES } from '../layout/presets.ts';
import { listKernelProfiles } from '../layout/profiles.ts';

/** Adds the shared configuration flags to `cmd` and returns it. */
export function addConfigOptions(cmd: Command, options: { hideConfig?: boolean } = {}): Command {
  const config = new Option('--config <name>', `named configuration (${PRESET_NAMES.join(', ')})`);
  // A command that takes several configurations (compare --configs) keeps --config only to refuse it
  // with its own message, and does not list it.
  if (options.hideConfig === true) config.hideHelp();
  return cmd
    .addOption(config)
    .option('--kernel <profile>', `kernel profile under models/kernels/ (${listKernelProfiles().join(', ')})`)
    .option('--split <split>', 'memory split: 3G, 3G_OPT, 2G, 2G_OPT, 1G, 4G4G, x86_64')
    .option('--highmem <mode>', 'high memory support: off, 4G (HIGHMEM4G) or 64G (HIGHMEM64G, PAE)')
    .option('--pae', 'PAE paging (3-level, 64-bit PTEs)')
    .option('--no-pae', 'no PAE (2-level paging)')
    .option('--pti', 'page-table isolation (4.19+): CR3 switch on every kernel entry and exit')
    .option('--no-pti', 'no page-table isolation')
    .option('--nr-cpus <n>', 'CONFIG_NR_CPUS (shapes fixmap and cpu_entry_area)')
    .option('--cpus <n>', 'online CPUs that run the trace (default: min(NR_CPUS, 4))')
    .option('--ram <size>', 'RAM installed, as a PC has it: bytes, hex or K/M/G suffix (default 4G)')
    .option(
      '--ram-below-4g <size>',
      'how much of --ram sits under the PCI hole, the rest from 4G up (default: 3G when --ram is 3.5G or more, else all of it)',
    )
    .option('--vmalloc <size>', 'the vmalloc= boot parameter')
    .option('--highpte', 'user page tables in highmem (CONFIG_HIGHPTE)')
    .option('--no-highpte', 'user page tables in lowmem');
}

/**
 * The ConfigOptions in commander's parsed options. Only options the user actually gave are set:
 * commander's implicit defaults for `--no-x` flags (true) are dropped via `getOptionValueSource`.
 */
export function configOptionsFrom(opts: Record<string, unknown>, cmd?: Command): ConfigOptions {
  const given = (key: string): boolean => {
    if (opts[key] === undefined) return false;
    if (!cmd) return true;
    const src = cmd.getOptionValueSource(key);
    return src !== undefined && src !== 'default' && src !== 'implied';
  };
  const out: ConfigOptions = {};
  const str = (key: string): string | undefined => (given(key) && typeof opts[key] === 'string' ? (opts[key] as string) : undefined);
  const bool = (key: string): boolean | undefined => (given(key) && typeof opts[key] === 'boolean' ? (opts[key] as boolean) : undefined);
  const config = str('config');
  if (config !== undefined) out.config = config;
  const kernel = str('kernel');
  if (kernel !== undefined) out.kernel = kernel;
  const split = str('split');
  if (split !== undefined) out.split = split;
  const highmem = str('highmem');
  if (highmem !== undefined) out.highmem = highmem;
  const pae = bool('pae');
  if (pae !== undefined) out.pae = pae;
  const pti = bool('pti');
  if (pti !== undefined) out.pti = pti;
  const highpte = bool('highpte');
  if (highpte !== undefined) out.highpte = highpte;
  const nrCpus = str('nrCpus');
  if (nrCpus !== undefined) out.nrCpus = nrCpus;
  const cpus = str('cpus');
  if (cpus !== undefined) out.cpus = cpus;
  const ram = str('ram');
  if (ram !== undefined) out.ram = ram;
  const ramBelow4g = str('ramBelow4g');
  if (ramBelow4g !== undefined) out.ramBelow4g = ramBelow4g;
  const vmalloc = str('vmalloc');
  if (vmalloc !== undefined) out.vmalloc = vmalloc;
  return out;
}
