/**
 * The header of what was run, at the head of `run`, `compare` (and sweep, check, summary.md): one
 * function (src/report/run-header.ts) builds it from a report's provenance. Expected values are derived
 * here: the digest from the file, the records from the trace's footer, the RAM from the PC memory map
 * (640 KiB–1 MiB and the BIOS's top 128 KiB below the hole kept by the firmware), the model's hash and
 * clock from the model as loaded with the same override.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/load.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { ROOT } from '../helpers/cli.ts';
import { runMain } from '../run/in-process.ts';

const STREAM = `${ROOT}traces/stream-small.hmt`;
const UNITS = (ghz: number): string =>
  `units          cycles: CPU cycles of the modelled clock (${ghz} GHz), summed over all CPUs unless per CPU; ` +
  'time: seconds of the slowest CPU (CPU cycles + device waits); MB: 2^20 bytes; counts: events over the whole trace';

async function traceFacts(path: string): Promise<{ records: string; digest: string }> {
  const reader = await openTrace(path);
  const records = reader.recordCount!.toLocaleString('en-US');
  return { records, digest: createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12) };
}

describe('what was run', () => {
  const NO_COMPUTE =
    'the trace has no compute records (no user work): cycles, time and overheads are of memory management ' +
    "alone, not of the workload's run time, so an overhead here magnifies its effect on the workload";

  it('run: trace, configuration, kernel, RAM, CPUs, model with its override and clock, seed, units', async () => {
    const r = await runMain([
      'run',
      '--trace',
      STREAM,
      '--config',
      '2g2g',
      '--ram',
      '2G',
      '--set',
      'costs.invlpg=500',
      '--seed',
      '7',
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const t = await traceFacts(STREAM);
    const model = await loadModel('core2', ['costs.invlpg=500']);
    // 2 GiB all below the PCI hole; the firmware keeps 384 KiB + 128 KiB = 0.5 MB of it.
    const firmwareMB = (384 + 128) / 1024;
    expect(r.stdout.split('\n').slice(0, 11)).toEqual([
      `trace          ${STREAM}: ${t.records} records, sha256 ${t.digest}`,
      'configuration  2g2g: split 2G, HIGHMEM4G, 2-level paging, no PTI, HIGHPTE',
      'kernel         debian-6.1-686-pae',
      `RAM            2048 MB installed, ${2048 - firmwareMB} MB usable, ${firmwareMB} MB lost (${firmwareMB} MB kept by the firmware)`,
      'CPUs           4 online (NR_CPUS 32)',
      `model          core2 (hash ${model.hash.slice(0, 12)}, ${model.clockGHz} GHz), overrides costs.invlpg=500`,
      'seed           7, 1 replication',
      UNITS(model.clockGHz),
      // stream-small is memory references alone (no compute records): its cycles are memory management only.
      `warning        ${NO_COMPUTE}`,
      '',
      'feasible',
    ]);
  });

  it('run without --config names the kernel default preset and its choices', async () => {
    const r = await runMain(['run', '--trace', STREAM, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe('configuration  3g1g-pae-pti: split 3G, HIGHMEM64G, PAE (3-level paging), PTI, HIGHPTE');
  });

  it('compare: one row per configuration, a shared fact once, differing ones grouped by value', async () => {
    const r = await runMain([
      'compare',
      '--trace',
      STREAM,
      '--configs',
      '3g1g-highmem,2g2g,4g4g,x86_64',
      '--replications',
      '2',
      '--seed',
      '3',
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const t = await traceFacts(STREAM);
    const model = await loadModel('core2', []);
    // 4 GiB: 3 GiB below the hole, 1 GiB above 4 GiB that only PAE (and x86_64) can address.
    expect(r.stdout.split('\n').slice(0, 17)).toEqual([
      `trace           ${STREAM}: ${t.records} records, sha256 ${t.digest}`,
      'configurations  3g1g-highmem (baseline): split 3G, HIGHMEM4G, 2-level paging, no PTI, HIGHPTE',
      '                2g2g: split 2G, HIGHMEM4G, 2-level paging, no PTI, HIGHPTE',
      '                4g4g: split 4G/4G, HIGHMEM64G, PAE (3-level paging), no PTI, HIGHPTE',
      '                x86_64: x86_64 (4-level paging, all RAM direct-mapped)',
      'kernel          3g1g-highmem, 2g2g: debian-6.1-686-pae',
      '                4g4g: debian-6.1-686-pae + the out-of-tree 4G/4G patch (never merged; modelled on this profile)',
      '                x86_64: x86_64 reference (NR_CPUS, HZ and kernel-text footprint from debian-6.1-686-pae)',
      'RAM             3g1g-highmem, 2g2g: 4096 MB installed, 3071.5 MB usable, 1024.5 MB ' +
        'lost (1024 MB ignored by this kernel configuration, 0.5 MB kept by the firmware)',
      '                4g4g, x86_64: 4096 MB installed, 4095.5 MB usable, 0.5 MB lost (0.5 MB kept by the firmware)',
      'CPUs            4 online (NR_CPUS 32)',
      `model           core2 (hash ${model.hash.slice(0, 12)}, ${model.clockGHz} GHz), no overrides`,
      'seed            3 (replication seeds derived from it), 2 replications',
      UNITS(model.clockGHz).replace('units ', 'units  '),
      `warning         ${NO_COMPUTE}`,
      '',
      expect.stringMatching(/^config /),
    ]);
  });
});
