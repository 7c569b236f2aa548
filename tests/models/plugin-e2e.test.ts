import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/index.ts';
import type { CostModel } from '../../src/models/types.ts';
import { EventKind, KmapApi, type TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';

/**
 * End to end through the machine replay: `cpus` kernel threads (pid 1000 + cpu) each kmap() a distinct
 * highmem page (pfn ≥ 0x60000 = 1.5 GiB: highmem under 3G/1G), touch 64 bytes of it and kunmap() it,
 * 100 times, all contending for kmap_lock.
 */
function kmapStorm(cpus: number): TraceRecord[] {
  const records: TraceRecord[] = [];
  for (let i = 0; i < 100; i++) {
    for (let c = 0; c < cpus; c++) {
      const pfn = 0x60000 + i * cpus + c;
      records.push({ kind: EventKind.kmap, cpu: c, op: KmapApi.pkmap, pid: 1000 + c, addr: pfn });
      records.push({ kind: EventKind.kaccess, cpu: c, pid: 1000 + c, addr: pfn, len: 64 });
      records.push({ kind: EventKind.kunmap, cpu: c, op: KmapApi.pkmap, pid: 1000 + c, addr: pfn });
    }
  }
  return records;
}

async function lockSpin(model: CostModel, cpus: number): Promise<number> {
  const { result } = await runRecords(kmapStorm(cpus), { split: '3G', highmem: '4G', ram: '4G', cpus, nrCpus: 8 }, { cpus, model });
  return result.cycles.breakdown.kmapLockSpin;
}

describe('the degrading-lock plug-in in a replay', () => {
  it('below its knee (4 CPUs) kmap_lock spins no more than with core2; beyond it (8 CPUs) far more', async () => {
    const core2 = await loadModel('core2');
    const plugin = await loadModel('models/examples/degrading-lock.ts');
    const [c4, p4, c8, p8] = [await lockSpin(core2, 4), await lockSpin(plugin, 4), await lockSpin(core2, 8), await lockSpin(plugin, 8)];
    expect(c4).toBeGreaterThan(0);
    expect(p4).toBeLessThanOrEqual(c4);
    expect(p8).toBeGreaterThan(2 * c8);
  });

  it("a queued lock (--set lock.kind=queued) spins less than core2's ticket lock at 8 CPUs", async () => {
    const ticket = await lockSpin(await loadModel('core2'), 8);
    const queued = await lockSpin(await loadModel('core2', ['lock.kind=queued']), 8);
    expect(queued).toBeLessThan(ticket);
  });
});
