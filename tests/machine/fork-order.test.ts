/**
 * A child runs only once its fork is replayed (Machine.pendingForks, waitForFork, forkDone): every CPU's
 * clock starts at 0, so a child whose records sit on another CPU than its parent's fork would otherwise run
 * first, in an address space of its own, which the fork then replaced (every generated multi-CPU trace's
 * workers did, and strace captures on several CPUs). The CPU waits idle — nothing is charged — and goes on
 * from the fork's end; when no CPU could run otherwise (the fork is not where the replay can reach it),
 * the waiting CPUs go on at once.
 */
import { describe, expect, it } from 'vitest';
import { AccessOp, EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from './helpers.ts';

const A = 0x10000000;
const access = (cpu: number, pid: number, op: AccessOp): TraceRecord => ({ kind: EventKind.access, cpu, pid, op, addr: A, len: 4 });
const compute = (cpu: number, pid: number, cycles: number): TraceRecord => ({ kind: EventKind.compute, cpu, pid, len: cycles });
const fork = (parent: number, child: number): TraceRecord => ({ kind: EventKind.fork, cpu: 0, pid: parent, arg: child });

// CPU 1's records come first in the file: the replay reads them before the fork on CPU 0.
const CHILD_FIRST: TraceRecord[] = [
  access(1, 2, AccessOp.load), // the child reads the page its parent wrote before the fork
  compute(1, 2, 1000),
  compute(0, 1, 100_000),
  access(0, 1, AccessOp.store),
  fork(1, 2),
  compute(0, 1, 500),
];

describe('a child runs after its fork', () => {
  it('the child on another CPU waits for the fork, then finds the parent page mapped: one fault in all', async () => {
    const model = constantModel();
    const { result } = await runRecords(CHILD_FIRST, { config: '3g1g-highmem', ram: '512M' }, { model, cpus: 2 });
    // The parent's store faults the page in; the child's load, after the fork, finds it mapped (shared).
    // (Run before the fork, the load faulted in an empty address space of the child's own: 2 faults.)
    expect(result.counts.pageFaults).toBe(1);
    expect(result.counts.records.fork).toBe(1);
    expect(result.counts.accesses).toBe(2);
    // CPU 1 waited, uncharged, until CPU 0's fork ended: its final clock is the fork's end plus its own
    // cycles; CPU 0 (no wait) ends 500 compute cycles after the fork.
    const [clock0, clock1] = (result.time.perCpuSeconds as [number, number]).map((s) => s * model.clockGHz * 1e9) as [number, number];
    const [cycles0, cycles1] = result.cycles.perCpu as [number, number];
    expect(clock0).toBeCloseTo(cycles0, 3);
    const forkEnd = cycles0 - 500;
    expect(clock1).toBeCloseTo(forkEnd + cycles1, 3);
    expect(forkEnd).toBeGreaterThan(100_000); // the fork came after CPU 0's 100,000 compute cycles
  });

  it('a switch record to the child waits the same way', async () => {
    const recs = [{ kind: EventKind.switch, cpu: 1, pid: 2 } as TraceRecord, ...CHILD_FIRST];
    const { result } = await runRecords(recs, { config: '3g1g-highmem', ram: '512M' }, { model: constantModel(), cpus: 2 });
    expect(result.counts.pageFaults).toBe(1);
  });

  it('when the fork cannot come first (the child runs on the forking CPU before it), the child goes on at once', async () => {
    const recs: TraceRecord[] = [access(0, 2, AccessOp.load), access(0, 1, AccessOp.store), fork(1, 2)];
    const { result } = await runRecords(recs, { config: '3g1g-highmem', ram: '512M' }, { model: constantModel(), cpus: 1 });
    // Every record replayed, in the trace's order: the child's load faults in its own space, the parent's
    // store in its; the fork then gives the child a copy of the parent's.
    expect(result.counts.accesses).toBe(2);
    expect(result.counts.records.fork).toBe(1);
    expect(result.counts.pageFaults).toBe(2);
    expect(result.infeasible).toEqual([]);
  });
});
