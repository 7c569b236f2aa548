/**
 * Address spaces across switches and fork: CR3 writes flush non-global entries on 32-bit; x86_64 keeps
 * each mm's entries under its PCID; a switch to pid 0 keeps the previous mm (lazy TLB); fork makes
 * private pages copy-on-write (the first store of either side copies the page, the last user reuses it).
 * RAM 512 MiB: all frames lowmem, so no kmap mixes in.
 */
import { describe, expect, it } from 'vitest';
import { AccessOp, EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from './helpers.ts';

const A = 0x10000000;
const load = (pid: number, addr: number): TraceRecord => ({ kind: EventKind.access, cpu: 0, pid, op: AccessOp.load, addr, len: 4 });
const store = (pid: number, addr: number): TraceRecord => ({ kind: EventKind.access, cpu: 0, pid, op: AccessOp.store, addr, len: 4 });
const sw = (pid: number): TraceRecord => ({ kind: EventKind.switch, cpu: 0, pid });

/** Two processes alternate 10 times, each loading the same 4 pages. */
function pingPong(): TraceRecord[] {
  const r: TraceRecord[] = [];
  for (let round = 0; round < 10; round++) {
    for (const pid of [1, 2]) {
      r.push(sw(pid));
      for (let p = 0; p < 4; p++) r.push(load(pid, A + p * 4096));
    }
  }
  return r;
}

describe('address-space switches', () => {
  it('32-bit: every switch writes CR3 and the next touches of each page miss again', async () => {
    const { result } = await runRecords(pingPong(), { config: '3g1g-highmem', ram: '512M' }, { model: constantModel() });
    expect(result.counts.contextSwitches).toBe(20); // the first one too: it leaves an unknown earlier task
    expect(result.counts.cr3Writes).toBe(20);
    // 80 user misses + 1 for the direct map's global large page (first page clear), which survives CR3
    // writes, + 1 for the kernel footprint's per-CPU area large page (kernel-footprint.ts: PERCPU_PFN
    // 0x2000 lies in another 4 MiB page than the cleared frame's); its other data translations are global too
    expect(result.counts.dtlbMisses).toBe(20 * 4 + 1 + 1);
  });

  it("x86_64 with PCIDs: switching back finds the mm's entries still there", async () => {
    const { result } = await runRecords(pingPong(), { config: 'x86_64', ram: '512M' }, { model: constantModel() });
    // 8 user misses (each page of each mm once) + the direct-map entries the 8 first-touch clears used
    expect(result.counts.dtlbMisses).toBeGreaterThanOrEqual(8 + 1);
    expect(result.counts.dtlbMisses).toBeLessThanOrEqual(8 + 8);
  });

  it('a switch to pid 0 (idle, kernel thread) keeps the mm loaded: no CR3 write, no misses after it', async () => {
    const recs = [load(1, A), sw(0), sw(1), load(1, A)];
    const { result } = await runRecords(recs, { config: '3g1g-highmem', ram: '512M' }, { model: constantModel() });
    expect(result.counts.cr3Writes).toBe(0);
    // the first load + the direct-map entry of its page clear + the per-CPU area of the kernel footprint
    expect(result.counts.dtlbMisses).toBe(3);
  });
});

describe('fork and copy-on-write', () => {
  it('the first store after fork copies the page; the other side, now its only user, reuses it', async () => {
    const recs: TraceRecord[] = [
      store(1, A),
      { kind: EventKind.fork, cpu: 0, pid: 1, arg: 2 },
      store(1, A), // parent: shared with the child → copy
      sw(2),
      store(2, A), // child: last user of the original frame → reuse, no copy
    ];
    const model = constantModel();
    const { result } = await runRecords(recs, { config: '3g1g-highmem', ram: '512M' }, { model });
    expect(result.counts.pageFaults).toBe(3); // first touch + 2 COW faults
    // copy(4096) = 1000 each: the page's clear, the parent's PTE page clear, the child's PTE page clear
    // at fork, and one COW copy (the source side is mapped, not charged twice)
    expect(result.cycles.breakdown.copy).toBe(4 * 1000);
    const user = result.memory.zones.reduce((a, z) => a + (z.byUse['user'] ?? 0), 0);
    expect(user).toBe(2);
  });
});
