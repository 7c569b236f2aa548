/**
 * Flush policy (kernel-x86-32.md §7, cost-figures.md §3): a munmap of up to tlb_single_page_flush_ceiling
 * (33) pages is flushed with one INVLPG per page, a larger one with one full (CR3) flush; other CPUs
 * running the same mm get an IPI and do the same.
 * RAM is 512 MiB so every frame is lowmem and no kmap INVLPG mixes into the counts.
 */
import { describe, expect, it } from 'vitest';
import { AccessOp, EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from './helpers.ts';

const BASE = 0x10000000;
const SMALL_BOX = { config: '3g1g-highmem', ram: '512M' };

function touchThenUnmap(pages: number): TraceRecord[] {
  const recs: TraceRecord[] = [];
  for (let p = 0; p < pages; p++) recs.push({ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: BASE + p * 4096, len: 4 });
  recs.push({ kind: EventKind.munmap, cpu: 0, pid: 1, addr: BASE, len: pages * 4096 });
  return recs;
}

describe('flush policy: INVLPG per page up to the 33-page ceiling, else one full flush', () => {
  it('33 pages → 33 INVLPGs and no CR3 write', async () => {
    const model = constantModel();
    const { result } = await runRecords(touchThenUnmap(33), SMALL_BOX, { model });
    expect(result.counts.invlpg).toBe(33);
    expect(result.counts.cr3Writes).toBe(0);
    expect(result.cycles.breakdown.invlpg).toBe(33 * 200);
    expect(result.cycles.breakdown.localFlush).toBe(0);
  });

  it('34 pages → one full flush (CR3 reload) and no INVLPG', async () => {
    const model = constantModel();
    const { result } = await runRecords(touchThenUnmap(34), SMALL_BOX, { model });
    expect(result.counts.invlpg).toBe(0);
    expect(result.counts.cr3Writes).toBe(1);
    expect(result.cycles.breakdown.localFlush).toBe(100);
  });

  it('the ceiling is a model parameter', async () => {
    const { result } = await runRecords(touchThenUnmap(9), SMALL_BOX, { model: constantModel({}, 8) });
    expect(result.counts.invlpg).toBe(0);
    expect(result.counts.cr3Writes).toBe(1);
  });

  it('the flushed span runs from the first to the last present page (mmu_gather range)', async () => {
    const recs: TraceRecord[] = [
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: BASE + 4096 * 10, len: 1 },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: BASE + 4096 * 12, len: 1 },
      { kind: EventKind.munmap, cpu: 0, pid: 1, addr: BASE, len: 100 * 4096 },
    ];
    const { result } = await runRecords(recs, SMALL_BOX, { model: constantModel() });
    expect(result.counts.invlpg).toBe(3); // pages 10..12
  });

  it('a remote CPU running the same mm gets one IPI and flushes the same pages', async () => {
    const recs: TraceRecord[] = [
      { kind: EventKind.access, cpu: 1, pid: 1, op: AccessOp.load, addr: BASE + 4096 * 50, len: 1 },
      { kind: EventKind.compute, cpu: 1, pid: 1, len: 1_000_000 },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: BASE, len: 1 },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: BASE + 4096, len: 1 },
      { kind: EventKind.compute, cpu: 0, pid: 1, len: 100_000 },
      { kind: EventKind.munmap, cpu: 0, pid: 1, addr: BASE, len: 2 * 4096 },
    ];
    const model = constantModel();
    const { result } = await runRecords(recs, SMALL_BOX, { model, cpus: 2 });
    expect(result.counts.ipis).toBe(1);
    expect(result.counts.invlpg).toBe(4); // 2 local + 2 on CPU 1
    // initiator: ipi(1) = 1000; receiver: ipiReceive = 400
    expect(result.cycles.breakdown.shootdown).toBe(1000 + 400);
  });
});
