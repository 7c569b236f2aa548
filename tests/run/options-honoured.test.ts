/**
 * Options that used to be ignored or mislabelled either work or are refused with one line and exit 2:
 * `--cpus` against the CPUs a trace has records for, the label of a configuration changed by a flag
 * (and of a run without --config), the kernel named for the x86_64 and 4G/4G rows, and compare's --config.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelLabel, resolveConfig } from '../../src/layout/configs.ts';
import { PRESETS } from '../../src/layout/presets.ts';
import { loadKernelProfile } from '../../src/layout/profiles.ts';
import { ROOT, runCli } from '../helpers/cli.ts';
import { runMain } from './in-process.ts';

const DD = `${ROOT}traces/ftrace-dd-2cpu.hmt.gz`;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Result {
  configName: string;
  config: { cpus: number; split: string; kernel: string };
  cycles: { perCpu: number[] };
}

describe('configuration labels', () => {
  it('a preset keeps its name while its choices stand; each explicit change is named after it', () => {
    expect(resolveConfig({ config: '2g2g', split: '2G' }).name).toBe('2g2g');
    expect(resolveConfig({ config: '2g2g', ram: '8G', cpus: '2' }).name).toBe('2g2g');
    expect(resolveConfig({ config: '3g1g-highmem', split: '2G' }).name).toBe('3g1g-highmem+split=2G');
    // --pae on HIGHMEM4G implies HIGHMEM64G: the option given is named, not the choice it implied.
    expect(resolveConfig({ config: '2g2g', pae: true }).name).toBe('2g2g+pae');
    expect(resolveConfig({ config: '3g1g-pae', highmem: '4G' }).name).toBe('3g1g-pae+highmem=4G');
    expect(resolveConfig({ config: '3g1g-pae-pti', pti: false }).name).toBe('3g1g-pae-pti+no-pti');
    expect(resolveConfig({ config: '3g1g-highmem', split: '1G', pti: false }).name).toBe('3g1g-highmem+split=1G');
  });

  it("without --config the label is the preset the kernel profile's own defaults are", () => {
    for (const kernel of ['debian-6.1-686-pae', 'debian-6.1-686', 'linux-2.6.18', 'linux-4.19']) {
      const d = loadKernelProfile(kernel).defaults;
      const preset = PRESETS.find((p) => p.split === d.split && p.highmem === d.highmem && p.pae === d.pae && p.pti === d.pti);
      expect(preset, kernel).toBeDefined();
      expect(resolveConfig({ kernel }).name, kernel).toBe(preset!.name);
    }
    // The default profile is HIGHMEM64G, PAE and PTI on the 3G/1G split.
    expect(resolveConfig({}).name).toBe('3g1g-pae-pti');
    expect(resolveConfig({ pti: false }).name).toBe('3g1g-pae-pti+no-pti');
  });

  it('the x86_64 reference and 4G/4G are not named as the 32-bit profile they borrow from', () => {
    expect(kernelLabel('3G', 'debian-6.1-686-pae')).toBe('debian-6.1-686-pae');
    expect(kernelLabel('x86_64', 'debian-6.1-686-pae')).toBe(
      'x86_64 reference (NR_CPUS, HZ and kernel-text footprint from debian-6.1-686-pae)',
    );
    expect(kernelLabel('4G4G', 'linux-2.6.18')).toBe('linux-2.6.18 + the out-of-tree 4G/4G patch (never merged; modelled on this profile)');
  });
});

describe('--cpus against the trace', () => {
  it('fewer CPUs than the trace has records for: one line, exit 2', () => {
    const r = runCli(['run', '--trace', DD, '--cpus', '1', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `hmsim: --cpus 1: ${DD} has records for 2 CPUs (each record names the CPU that ran it); ` +
        `expected 2 or more, or a trace recorded on 1 (hmsim gen WORKLOAD --param cpus=1)\n`,
    );
  });

  it('more CPUs than the trace: they run (idle), and the result says so', async () => {
    const r = await runMain(['run', '--trace', DD, '--config', '3g1g-highmem', '--cpus', '3', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.config.cpus).toBe(3);
    expect(result.cycles.perCpu).toHaveLength(3);
    expect(result.cycles.perCpu[2]).toBe(0);
  });

  it('without --cpus a trace with more CPUs than the default 4 runs on all of them, and the result says 6', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmsim-cpus-'));
    dirs.push(dir);
    const trace = join(dir, 'fs6.hmt');
    expect((await runMain(['gen', 'fileserver', '--param', 'cpus=6', '--param', 'records=2000', '-o', trace])).code).toBe(0);
    const r = await runMain(['run', '--trace', trace, '--config', '2g2g', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as Result;
    expect([result.configName, result.config.cpus, result.cycles.perCpu.length]).toEqual(['2g2g', 6, 6]);
  });
});

describe('compare refuses what it would ignore or blur', () => {
  it('--config is not listed in --help and is refused', async () => {
    const help = await runMain(['compare', '--help']);
    expect(help.stdout).toContain('--configs <list>');
    expect(help.stdout).not.toMatch(/--config </);
    const r = await runMain(['compare', '--config', '2g2g', '--quiet']);
    expect([r.code, r.stderr]).toEqual([2, 'hmsim: --config: compare takes --configs A,B,... (the first is the baseline)\n']);
  });

  it('a flag that makes two --configs the same machine, or a name given twice, is one line, exit 2', async () => {
    const r = await runMain(['compare', '--trace', DD, '--configs', '2g2g,3g1g-highmem', '--split', '2G', '--quiet']);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toBe(
      'hmsim: --configs: 2g2g and 3g1g-highmem are the same configuration here (2g2g and ' +
        '3g1g-highmem+split=2G: split 2G, highmem 4G, no PAE, no PTI); expected different configurations\n',
    );
    const twice = await runMain(['compare', '--trace', DD, '--configs', '2g2g,x86_64,2g2g', '--quiet']);
    expect([twice.code, twice.stderr]).toEqual([2, 'hmsim: --configs: 2g2g is listed twice; expected different configurations\n']);
  });

  it("a flag that changes a preset is in the row's label", async () => {
    const r = await runMain(['compare', '--trace', DD, '--configs', '3g1g-highmem,3g1g-pae', '--pti', '--json', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const names = (JSON.parse(r.stdout) as { configs: Array<{ name: string }> }).configs.map((c) => c.name);
    expect(names).toEqual(['3g1g-highmem+pti', '3g1g-pae+pti']);
  });
});
