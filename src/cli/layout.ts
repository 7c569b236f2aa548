/**
 * `hmsim layout`: the x86-32 virtual address-space layout and memory zones one configuration gets at
 * boot, `--compare` for the splits side by side, `--json` for one JSON object, `--list` for the named
 * configurations and kernel profiles.
 */
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { computeLayout } from '../layout/compute.ts';
import { COMPARE_PRESETS, listPresets, resolveConfig, type ConfigOptions } from '../layout/configs.ts';
import { compareRows, formatCompare, formatLayout, layoutToJson, table } from '../layout/format.ts';
import { listKernelProfiles, loadKernelProfile } from '../layout/profiles.ts';
import { addConfigOptions, configOptionsFrom } from './config-options.ts';

/** Options that pick one configuration and therefore make no sense with --compare. */
const PER_CONFIG_KEYS: readonly (keyof ConfigOptions)[] = ['config', 'split', 'highmem', 'pae', 'pti'];

/** Adds `hmsim layout` to the program. */
export function register(program: Command): void {
  const cmd = program
    .command('layout')
    .description('x86-32 kernel virtual memory layout, zones and lowmem/highmem sizes for a configuration');
  addConfigOptions(cmd)
    .option('--compare', 'show 3G/1G, 3G_OPT, 2G/2G, 2G_OPT, 1G/3G and 4G/4G side by side for the RAM size')
    .option('--list', 'list the named configurations and kernel profiles')
    .option('--json', 'print one JSON object')
    .action((opts: Record<string, unknown>) => {
      const conf = configOptionsFrom(opts, cmd);
      const json = opts['json'] === true;
      if (opts['list'] === true) {
        printList(json);
        return;
      }
      if (opts['compare'] === true) {
        const clash = PER_CONFIG_KEYS.filter((k) => conf[k] !== undefined);
        if (clash.length > 0) {
          throw new UserError(`--compare chooses the configurations itself; drop --${clash.map(flag).join(', --')}`);
        }
        const layouts = COMPARE_PRESETS.map((name) => computeLayout(resolveConfig({ ...conf, config: name })));
        const first = layouts[0]!;
        if (json) {
          process.stdout.write(
            JSON.stringify({ ramBytes: first.ramBytes, kernel: first.config.kernel.name, configs: compareRows(layouts) }, null, 2) + '\n',
          );
        } else {
          process.stdout.write(formatCompare(first.ramBytes, first.config.kernel.name, compareRows(layouts)));
        }
        return;
      }
      const layout = computeLayout(resolveConfig(conf));
      process.stdout.write(json ? JSON.stringify(layoutToJson(layout), null, 2) + '\n' : formatLayout(layout));
    });
}

function flag(key: keyof ConfigOptions): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function printList(json: boolean): void {
  const presets = listPresets();
  const kernels = listKernelProfiles().map((n) => {
    const p = loadKernelProfile(n);
    return { name: n, version: p.version, description: p.description };
  });
  if (json) {
    process.stdout.write(JSON.stringify({ configs: presets, kernels }, null, 2) + '\n');
    return;
  }
  process.stdout.write(
    'named configurations (--config):\n' +
      table(['name', 'description'], presets.map((p) => [p.name, p.description])) +
      '\nkernel profiles (--kernel):\n' +
      table(['name', 'version', 'description'], kernels.map((k) => [k.name, k.version, k.description])),
  );
}
