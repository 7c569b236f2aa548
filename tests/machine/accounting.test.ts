/**
 * Cycle accounting closes (every cycle in exactly one category: total = Σ breakdown = Σ per-CPU), a
 * replay is deterministic (same spec → byte-identical JSON), and infeasible traces are reported.
 */
import { describe, expect, it } from 'vitest';
import { CYCLE_CATEGORIES } from '../../src/result/run-result.ts';
import { AccessOp, EventKind, KmapApi, ProtBits, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, modelOf, runRecords } from './helpers.ts';

/** A small multi-CPU workload touching every record kind. */
function mixed(): TraceRecord[] {
  const r: TraceRecord[] = [];
  for (let cpu = 0; cpu < 2; cpu++) {
    const pid = 10 + cpu;
    r.push({ kind: EventKind.switch, cpu, pid });
    r.push({ kind: EventKind.mmap, cpu, pid, op: ProtBits.read | ProtBits.write, addr: 0x40000000, len: 64 * 4096, arg: 5, off: 0 });
    for (let i = 0; i < 200; i++) {
      r.push({
        kind: EventKind.access,
        cpu,
        pid,
        op: i % 3 === 0 ? AccessOp.ifetch : AccessOp.store,
        addr: 0x08048000 + ((i * 7919) % 300) * 4096,
        len: 8,
      });
      r.push({ kind: EventKind.access, cpu, pid, op: AccessOp.load, addr: 0x40000000 + (i % 64) * 4096, len: 4 });
      r.push({ kind: EventKind.compute, cpu, pid, len: 1000 + i });
      if (i % 20 === 0) r.push({ kind: EventKind.read, cpu, pid, addr: 0x09000000, len: 3 * 4096, arg: 1 + (i % 7), off: i * 4096 });
      if (i % 25 === 0) r.push({ kind: EventKind.write, cpu, pid, addr: 0x09000000, len: 5000, arg: 9, off: i * 512 });
      if (i % 40 === 0) r.push({ kind: EventKind.syscall, cpu, pid, arg: 20 });
      if (i % 50 === 0) {
        r.push({ kind: EventKind.kmap, cpu, pid, op: KmapApi.pkmap, addr: 700_000 + i });
        r.push({ kind: EventKind.kaccess, cpu, pid, addr: 700_000 + i, len: 64 });
        r.push({ kind: EventKind.kunmap, cpu, pid, op: KmapApi.pkmap, addr: 700_000 + i });
      }
      if (i === 100) {
        r.push({ kind: EventKind.fork, cpu, pid, arg: 100 + cpu });
        r.push({ kind: EventKind.switch, cpu, pid: 100 + cpu });
        r.push({ kind: EventKind.access, cpu, pid: 100 + cpu, op: AccessOp.store, addr: 0x08048000, len: 4 });
        r.push({ kind: EventKind.exec, cpu, pid: 100 + cpu });
        r.push({ kind: EventKind.access, cpu, pid: 100 + cpu, op: AccessOp.store, addr: 0x08048000, len: 4 });
        r.push({ kind: EventKind.exit, cpu, pid: 100 + cpu });
        r.push({ kind: EventKind.switch, cpu, pid });
      }
    }
    r.push({ kind: EventKind.mprotect, cpu, pid, op: ProtBits.read, addr: 0x08048000, len: 40 * 4096 });
    r.push({ kind: EventKind.munmap, cpu, pid, addr: 0x40000000, len: 64 * 4096 });
  }
  return r;
}

describe('cycle accounting', () => {
  for (const config of ['3g1g-highmem', '3g1g-pae-pti', '4g4g', 'x86_64']) {
    it(`closes under ${config}: total = Σ breakdown = Σ per-CPU, with integer costs exactly`, async () => {
      const { result } = await runRecords(mixed(), { config, ram: '4G' }, { model: constantModel(), cpus: 2 });
      expect(result.feasible).toBe(true);
      const sumBreakdown = CYCLE_CATEGORIES.reduce((a, c) => a + result.cycles.breakdown[c], 0);
      const sumCpu = result.cycles.perCpu.reduce((a, b) => a + b, 0);
      expect(sumBreakdown).toBe(result.cycles.total);
      expect(sumCpu).toBe(result.cycles.total);
      expect(result.cycles.breakdown.compute).toBe(2 * (200 * 1000 + (199 * 200) / 2));
    });
  }

  it('every record kind was replayed and counted', async () => {
    const { result } = await runRecords(mixed(), { config: '3g1g-highmem' }, { model: constantModel(), cpus: 2 });
    const recs = mixed();
    for (const [name, code] of Object.entries(EventKind)) {
      // The kinds of HMT 2.0 are always listed; tlbflush (2.1) only when the trace holds some (none here).
      const expected = code === EventKind.tlbflush ? undefined : recs.filter((r) => r.kind === code).length;
      expect(result.counts.records[name], name).toBe(expected);
    }
  });
});

describe('determinism', () => {
  it('the same spec gives byte-identical JSON (sampled costs included)', async () => {
    const model = await modelOf('core2', ['costs.walk={"normal":{"mean":40,"sd":10}}']);
    const a = await runRecords(mixed(), { config: '3g1g-pae' }, { model, cpus: 2, seed: 42 });
    const b = await runRecords(mixed(), { config: '3g1g-pae' }, { model, cpus: 2, seed: 42 });
    expect(JSON.stringify(a.result)).toBe(JSON.stringify(b.result));
    const c = await runRecords(mixed(), { config: '3g1g-pae' }, { model, cpus: 2, seed: 43 });
    expect(c.result.cycles.total).not.toBe(a.result.cycles.total);
  });
});

describe('infeasible traces', () => {
  it('a user address at or above TASK_SIZE is reported, skipped, and the rest still replays', async () => {
    const recs: TraceRecord[] = [
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.load, addr: 0xbfff0000, len: 4 },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.load, addr: 0xbfff1000, len: 4 },
      { kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.load, addr: 0x10000000, len: 4 },
    ];
    const on2g = await runRecords(recs, { config: '2g2g' }, { model: constantModel() });
    expect(on2g.result.feasible).toBe(false);
    expect(on2g.result.infeasible).toHaveLength(1);
    expect(on2g.result.infeasible[0]).toMatch(
      /^user address at or above TASK_SIZE: 2 records skipped, first: 0xbfff0000 ≥ TASK_SIZE 0x80000000/,
    );
    expect(on2g.result.counts.pageFaults).toBe(1);
    const on3g = await runRecords(recs, { config: '3g1g-highmem' }, { model: constantModel() });
    expect(on3g.result.feasible).toBe(true);
    expect(on3g.result.counts.pageFaults).toBe(3);
  });

  it('under 4g4g user space ends at 0xff000000; x86_64 takes every 32-bit address', async () => {
    const recs: TraceRecord[] = [{ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.load, addr: 0xff800000, len: 4 }];
    expect((await runRecords(recs, { config: '4g4g' }, { model: constantModel() })).result.feasible).toBe(false);
    expect((await runRecords(recs, { config: 'x86_64' }, { model: constantModel() })).result.feasible).toBe(true);
  });
});
