/**
 * The real kernel capture (tests/fixtures/validation/ftrace/: Debian 6.1 686-pae, 2 GB, 2 CPUs, two dd
 * into tmpfs) imported and replayed under other configurations:
 * - under 3g1g-pae (the captured configuration) every highmem kmap_local of the capture is a kmap_local;
 * - under 2g2g a frame above ~885 MB but below ~1.9 GB is lowmem, so its kmap costs nothing: fewer kmaps
 *   (only a few: the captured kernel took most tmpfs pages from the top of its 2 GB); under 1g3g every
 *   frame is lowmem and nothing is mapped;
 * - under the 2.6.18 profile the same copies use that era's API (kmap_atomic), and under a 2.6.18 profile
 *   whose page-cache copies use kmap() they go through the pkmap pool.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../src/cli/import.ts';
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig } from '../../src/layout/configs.ts';
import type { MachineConfig } from '../../src/layout/types.ts';
import { replay } from '../../src/machine/replay.ts';
import type { RunResult } from '../../src/result/run-result.ts';
import { ROOT } from '../helpers/cli.ts';
import { modelOf } from './helpers.ts';

const FIXTURE = `${ROOT}tests/fixtures/validation/ftrace/debian-6.1-pae-2G-smp2-dd.trace.gz`;
let dir = '';
let trace = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hmsim-ftrace-'));
  trace = join(dir, 'dd.hmt');
  // The capture's user addresses (libc at 0xb7f…) are relocated below 1 GiB so that every split holds them.
  await runImport('ftrace', FIXTURE, { out: trace, cpus: '2', relocate: ['auto'] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(config: MachineConfig): Promise<RunResult> {
  computeLayout(config);
  return replay({ tracePath: trace, config, model: await modelOf(), seed: 1, prefault: false });
}
const kmaps = (r: RunResult): number => r.counts.kmap.pkmap + r.counts.kmap.atomic + r.counts.kmap.local;

describe('the real ftrace capture under other configurations', () => {
  it('replays under the captured configuration with its highmem kmap_local calls', async () => {
    const r = await run(resolveConfig({ config: '3g1g-pae', kernel: 'debian-6.1-686-pae', ram: '2G', cpus: 2 }));
    expect(r.feasible).toBe(true);
    expect(r.counts.kmap.pkmap).toBe(0);
    // 17,694 kmap_local events in the capture are highmem frames (README); the replay adds its own
    // fault-path clears. Every captured highmem map is replayed as a kmap_local.
    expect(r.counts.kmap.local).toBeGreaterThanOrEqual(17_000);
  });

  it('under 2g2g part of those frames are lowmem: fewer kmaps', async () => {
    const pae = await run(resolveConfig({ config: '3g1g-pae', kernel: 'debian-6.1-686-pae', ram: '2G', cpus: 2 }));
    const twoG = await run(resolveConfig({ config: '2g2g', kernel: 'debian-6.1-686-pae', ram: '2G', cpus: 2 }));
    expect(twoG.feasible).toBe(true);
    expect(kmaps(twoG)).toBeLessThan(kmaps(pae));
    expect(twoG.cycles.breakdown.kmap).toBeLessThan(pae.cycles.breakdown.kmap);
  });

  it('under 1g3g all 2 GB are lowmem: no kmap at all', async () => {
    const r = await run(resolveConfig({ config: '1g3g', kernel: 'debian-6.1-686-pae', ram: '2G', cpus: 2 }));
    expect(r.feasible).toBe(true);
    expect(kmaps(r)).toBe(0);
    expect(r.cycles.breakdown.kmap).toBe(0);
  });

  it('under the 2.6.18 profile the copies use kmap_atomic; with kmap() page-cache copies they use the pkmap pool', async () => {
    const old = resolveConfig({ config: '3g1g-pae', kernel: 'linux-2.6.18', ram: '2G', cpus: 2 });
    const atomic = await run(old);
    expect(atomic.counts.kmap.local).toBe(0);
    expect(atomic.counts.kmap.atomic).toBeGreaterThan(17_000);
    const viaKmap: MachineConfig = { ...old, kernel: { ...old.kernel, kmap: { ...old.kernel.kmap, pageCacheCopy: 'pkmap' } } };
    const pkmap = await run(viaKmap);
    expect(pkmap.counts.kmap.pkmap).toBeGreaterThan(17_000);
    expect(pkmap.cycles.breakdown.kmap).toBeGreaterThan(atomic.cycles.breakdown.kmap);
  });
});
