/**
 * The storage part of a cost model (src/models/storage.ts): device profiles fill the io.* keys, --set
 * io.device chooses another profile, single figures can be overridden, and a bad profile is one line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/load.ts';
import { DEFAULT_DEVICE, deviceNames, readDevice } from '../../src/models/storage.ts';
import { ROOT, runCli } from '../helpers/cli.ts';

describe('storage model', () => {
  it('ships hdd-7200, sata-ssd and nvme; every figure cites a source; the default is hdd-7200', () => {
    expect(deviceNames()).toEqual(['hdd-7200', 'sata-ssd', 'nvme']);
    expect(DEFAULT_DEVICE).toBe('hdd-7200');
    for (const name of deviceNames()) {
      const d = readDevice(name);
      expect(d.name).toBe(name);
      for (const [key, f] of d.figures) expect(typeof f.provenance['source'], `${name} ${key}`).toBe('string');
    }
  });

  it('a model without io keys gets the default device; --set io.device=… brings that profile whole', async () => {
    const def = await loadModel('core2');
    expect(def.io!.device).toEqual({
      name: 'hdd-7200',
      readLatencyUs: 12370,
      readBandwidthMBps: 138,
      writeLatencyUs: 12370,
      writeBandwidthMBps: 138,
      queueDepth: 1,
      maxRequestKiB: 1280,
    });
    expect(def.io!.swapDevice.name).toBe('hdd-7200');
    expect([def.io!.dirtyRatio, def.io!.dirtyBackgroundRatio, def.io!.highmemIsDirtyable, def.io!.readaheadKiB]).toEqual([
      20,
      10,
      false,
      128,
    ]);
    const nvme = await loadModel('core2', ['io.device=nvme', 'io.read.latencyUs=40']);
    expect(nvme.io!.device).toEqual({
      name: 'nvme',
      readLatencyUs: 40,
      readBandwidthMBps: 3500,
      writeLatencyUs: 15.4,
      writeBandwidthMBps: 3300,
      queueDepth: 32,
      maxRequestKiB: 1280,
    });
    const ssd = await loadModel('core2', ['io.device=sata-ssd', 'io.swap.device=nvme']);
    expect(ssd.io!.device.readLatencyUs).toBe(92.4);
    expect(ssd.io!.swapDevice.name).toBe('nvme');
    // The figures are part of the model's identity.
    expect(nvme.hash).not.toBe(def.hash);
  });

  it('a device profile with a negative or a missing latency is one line on stderr and exit 2', () => {
    const FIX = 'tests/models/fixtures';
    // One line: the model, its io.device, the profile's problem and the --set that chose it.
    const line = (file: string, problem: string) =>
      `hmsim: model core2: io.device: device profile ${FIX}/${file}: ${problem} (from --set io.device=${FIX}/${file})\n`;
    const negative = runCli(['models', 'show', 'core2', '--set', `io.device=${FIX}/device-negative-latency.json`]);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toBe(line('device-negative-latency.json', 'read.latencyUs: must not be negative, got -5'));
    const missing = runCli(['models', 'show', 'core2', '--set', `io.device=${FIX}/device-missing-latency.json`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(line('device-missing-latency.json', 'write.latencyUs: missing'));
    const unknown = runCli(['models', 'show', 'core2', '--set', 'io.device=hdd-720']);
    expect(unknown.stderr).toBe(
      "hmsim: model core2: io.device: unknown device profile 'hdd-720' (did you mean hdd-7200?); " +
        'expected one of hdd-7200, sata-ssd, nvme, or a path to a device .json (from --set io.device=hdd-720)\n',
    );
    expect(unknown.code).toBe(2);
  });

  it('an unknown device in a model file names the file, the line and column of io.device', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmsim-device-'));
    const file = join(dir, 'm.json');
    writeFileSync(file, '{\n  "name": "m",\n  "extends": "core2",\n  "io": { "device": "floppy" }\n}\n');
    const expected =
      `model ${file}: ${file}:4:11: io.device: unknown device profile 'floppy'; ` +
      'expected one of hdd-7200, sata-ssd, nvme, or a path to a device .json';
    await expect(loadModel(file)).rejects.toThrow(expected);
  });

  it('the shipped profiles are the numbers their sources derive', () => {
    const ssd = JSON.parse(readFileSync(`${ROOT}models/devices/sata-ssd.json`, 'utf8')) as { read: { latencyUs: { value: number } } };
    // 10,000 IOPS at QD1 → 100 µs per request, minus one 4 KiB transfer at 540 MB/s.
    expect(ssd.read.latencyUs.value).toBeCloseTo(1e6 / 10000 - 4096 / 540, 1);
    const hdd = readDevice('hdd-7200');
    // Average seek 8.2 ms + half a revolution at 7200 rpm.
    expect(hdd.figures.get('read.latencyUs')!.value).toBeCloseTo(8200 + 60e6 / 7200 / 2, -1);
  });
});
