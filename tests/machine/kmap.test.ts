/**
 * kmap through the machine (kernel-x86-32.md §5–6): explicit kmap/kunmap records as an ftrace import
 * produces them.
 * - kmap_local: per-CPU fixmap slot stack; map = PTE write; unmap = PTE clear + local INVLPG; live slots
 *   of a task are cleared (INVLPG each) when it is switched out and re-installed when it comes back.
 * - pkmap: the wrap flushes every CPU once (IPIs + global flush); a full pool sleeps and a kunmap wakes.
 * - a frame that is lowmem under the configuration costs nothing to "map".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventKind, KmapApi, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from './helpers.ts';

const IPI_PATH = (
  JSON.parse(readFileSync(new URL('../../models/kernels/footprints/debian-6.1-686-pae.json', import.meta.url), 'utf8')) as {
    paths: Record<string, { text: string[]; data: string[] }>;
  }
).paths['ipi']!;
const BOX = { config: '3g1g-highmem', ram: '4G' }; // non-PAE: LAST_PKMAP 1024, max_low_pfn ≈ 225k
const HIGH = 600_000; // a highmem frame on that box
const LOW = 1_000; // a lowmem frame

const kmap = (cpu: number, pid: number, pfn: number, api: number): TraceRecord => ({ kind: EventKind.kmap, cpu, pid, op: api, addr: pfn });
const kunmap = (cpu: number, pid: number, pfn: number, api: number): TraceRecord => ({
  kind: EventKind.kunmap,
  cpu,
  pid,
  op: api,
  addr: pfn,
});
const sw = (cpu: number, pid: number): TraceRecord => ({ kind: EventKind.switch, cpu, pid });
const compute = (cpu: number, n: number): TraceRecord => ({ kind: EventKind.compute, cpu, pid: 0, len: n });

describe('kmap_local slot stack and context switches', () => {
  it('counts one PTE write per map, one PTE clear + INVLPG per unmap, and saves/restores live slots across a switch', async () => {
    const L = KmapApi.local;
    const recs: TraceRecord[] = [
      sw(0, 1),
      kmap(0, 1, HIGH, L),
      kmap(0, 1, HIGH + 1, L), // pid 1 holds two slots
      sw(0, 2), // sched_out: 2 PTE clears + 2 INVLPG
      kmap(0, 2, HIGH + 2, L),
      kunmap(0, 2, HIGH + 2, L), // 1 INVLPG
      sw(0, 1), // sched_in: 2 PTE writes (no flush)
      kunmap(0, 1, HIGH + 1, L),
      kunmap(0, 1, HIGH, L),
    ];
    const { result, machine } = await runRecords(recs, { ...BOX, kernel: 'debian-6.1-686' }, { model: constantModel() });
    expect(result.counts.kmap).toEqual({ pkmap: 0, atomic: 0, local: 3 });
    expect(result.counts.invlpg).toBe(2 + 1 + 2);
    // PTE writes: 3 maps + 3 unmaps + 2 sched_out clears + 2 sched_in restores = 10 × 5 cycles
    expect(result.cycles.breakdown.kmap).toBe(10 * 5);
    expect(result.cycles.breakdown.invlpg).toBe(5 * 200);
    expect(machine.locals.depth(0)).toBe(0);
    expect(machine.locals.savedDepth(1)).toBe(0);
  });

  it('a frame that is lowmem here needs no mapping: no kmap, no PTE write, no INVLPG', async () => {
    const { result } = await runRecords([kmap(0, 1, LOW, KmapApi.local), kunmap(0, 1, LOW, KmapApi.local)], BOX, {
      model: constantModel(),
    });
    expect(result.counts.kmap).toEqual({ pkmap: 0, atomic: 0, local: 0 });
    expect(result.cycles.total).toBe(0);
  });

  it('before 5.11 a kmap_local record is made with the era API (2.6.18: kmap_atomic)', async () => {
    const { result } = await runRecords(
      [kmap(0, 1, HIGH, KmapApi.local), kunmap(0, 1, HIGH, KmapApi.local)],
      { ...BOX, kernel: 'linux-2.6.18' },
      { model: constantModel() },
    );
    expect(result.counts.kmap).toEqual({ pkmap: 0, atomic: 1, local: 0 });
  });
});

describe('pkmap through the machine', () => {
  it('the 1024th new mapping wraps: one pkmap flush = IPIs to the 3 other CPUs and a global flush on all 4', async () => {
    const P = KmapApi.pkmap;
    const recs: TraceRecord[] = [];
    for (let i = 0; i < 1024; i++) recs.push(kmap(0, 1, HIGH + i, P), kunmap(0, 1, HIGH + i, P));
    const model = constantModel();
    const { result } = await runRecords(recs, BOX, { model, cpus: 4 });
    expect(result.counts.kmap.pkmap).toBe(1024);
    expect(result.counts.pkmapFlushes).toBe(1);
    expect(result.counts.globalFlushes).toBe(4);
    expect(result.counts.ipis).toBe(3);
    expect(result.cycles.breakdown.globalFlush).toBe(4 * 900);
    expect(result.cycles.breakdown.shootdown).toBe(1000 + 3 * 400);
    // every CPU paid its global flush (and the receivers their IPI and the walks of the IPI path's kernel
    // translations in their empty TLBs: its text and data pages, the entry stack and the per-CPU area —
    // a CPU that never ran a task has no task stack of its own; the default 6.1 PAE footprint)
    const ipi = IPI_PATH.text.length + IPI_PATH.data.length + 2;
    expect(ipi).toBe(6);
    expect(result.cycles.perCpu.slice(1)).toEqual([900 + 400 + ipi * 30, 900 + 400 + ipi * 30, 900 + 400 + ipi * 30]);
  });

  it('a full pool puts the task to sleep; a kunmap on another CPU wakes it and its retry wraps and maps', async () => {
    const P = KmapApi.pkmap;
    const recs: TraceRecord[] = [];
    for (let i = 0; i < 1024; i++) recs.push(kmap(0, 1, HIGH + i, P)); // every slot in use
    recs.push(compute(0, 2_000_000), kunmap(0, 1, HIGH + 5, P));
    recs.push(compute(1, 1_000_000), kmap(1, 2, HIGH + 5000, P), kunmap(1, 2, HIGH + 5000, P));
    const model = constantModel();
    const { result } = await runRecords(recs, BOX, { model, cpus: 2 });
    expect(result.feasible).toBe(true);
    expect(result.counts.pkmapWaits).toBe(1);
    expect(result.counts.kmap.pkmap).toBe(1025);
    expect(result.counts.pkmapFlushes).toBe(1); // the retry's wrap clears the one stale slot
    // CPU 1 slept from ~1,000,000 until CPU 0's kunmap at > 2,000,000, plus the wake-up latency
    expect(result.cycles.breakdown.kmapSleep).toBeGreaterThan(1_000_000);
    expect(result.timeline.some((e) => e.kind === 'pkmapWait' && e.cpu === 1)).toBe(true);
  });

  it('when every CPU sleeps on a full pool the trace is infeasible (pkmap deadlock)', async () => {
    const P = KmapApi.pkmap;
    const recs: TraceRecord[] = [];
    for (let i = 0; i < 1025; i++) recs.push(kmap(0, 1, HIGH + i, P));
    const { result } = await runRecords(recs, BOX, { model: constantModel() });
    expect(result.feasible).toBe(false);
    expect(result.infeasible.join('\n')).toContain('pkmap deadlock');
  });

  it('two CPUs mapping at the same time spin on kmap_lock', async () => {
    const P = KmapApi.pkmap;
    const recs: TraceRecord[] = [];
    for (let i = 0; i < 50; i++) {
      recs.push(kmap(0, 1, HIGH + i, P), kunmap(0, 1, HIGH + i, P));
      recs.push(kmap(1, 2, HIGH + 1000 + i, P), kunmap(1, 2, HIGH + 1000 + i, P));
    }
    const { result } = await runRecords(recs, BOX, { model: constantModel(), cpus: 2 });
    expect(result.cycles.breakdown.kmapLockSpin).toBeGreaterThan(0);
    expect(result.latency.kmapLockSpin.count).toBeGreaterThan(0);
  });
});
