/**
 * The work inside a system call (docs/machine.md "System calls"): each call is charged its entry and exit
 * plus, by its i386 number, a path lookup, the rest of an open/close pair, or a read/write call's own work;
 * nothing else changes. The shipped models' figures follow from the lmbench rows they cite.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from './helpers.ts';

const PID = 10;
const call = (nr: number, addr = 0): TraceRecord => ({ kind: EventKind.syscall, cpu: 0, pid: PID, arg: nr, addr });

/** A process that opens file 7, reads it, stats a path, probes one that is missing, execs nothing, closes. */
function calls(): TraceRecord[] {
  return [
    { kind: EventKind.switch, cpu: 0, pid: PID },
    call(295, 7), // openat naming file 7
    call(3), // read: its `read` record would carry the copy; the call itself is charged ioCall
    call(4), // write
    call(195), // stat64
    call(295), // openat that failed (names no file)
    call(33), // access
    call(6, 7), // close of file 7
    call(20), // getppid: entry and exit only
    call(197), // fstat64: no path walk
  ];
}

describe('system-call work', () => {
  it('charges pathLookup per path resolved, fileClose per close and ioCall per read/write, as syscall time', async () => {
    const bodies = { pathLookup: 1000, fileClose: 300, ioCall: 50 };
    const without = await runRecords(calls(), { config: '3g1g-highmem' }, { model: constantModel() });
    const withWork = await runRecords(calls(), { config: '3g1g-highmem' }, { model: constantModel(bodies) });
    // Four path lookups (the named openat, stat64, the failed openat, access), one close, one read, one write.
    const expected = 4 * bodies.pathLookup + bodies.fileClose + 2 * bodies.ioCall;
    const a = without.result;
    const b = withWork.result;
    expect(b.cycles.breakdown.syscall - a.cycles.breakdown.syscall).toBe(expected);
    expect(b.cycles.total - a.cycles.total).toBe(expected);
    for (const k of Object.keys(a.cycles.breakdown) as (keyof typeof a.cycles.breakdown)[]) {
      if (k !== 'syscall') expect(b.cycles.breakdown[k]).toBe(a.cycles.breakdown[k]);
    }
    expect(b.counts.syscalls).toBe(9);
    expect(b.counts).toEqual(a.counts);
  });

  it('charges costs.forkExit once per fork record, as syscall time', async () => {
    const records: TraceRecord[] = [
      { kind: EventKind.switch, cpu: 0, pid: PID },
      { kind: EventKind.fork, cpu: 0, pid: PID, arg: 11 },
      { kind: EventKind.fork, cpu: 0, pid: PID, arg: 12 },
    ];
    const without = (await runRecords(records, { config: '3g1g-highmem' }, { model: constantModel() })).result;
    const withFork = (await runRecords(records, { config: '3g1g-highmem' }, { model: constantModel({ forkExit: 7000 }) })).result;
    expect(withFork.cycles.breakdown.syscall - without.cycles.breakdown.syscall).toBe(2 * 7000);
    expect(withFork.cycles.total - without.cycles.total).toBe(2 * 7000);
  });

  it("the shipped models' figures are the cited lmbench rows' differences", () => {
    const costs = (name: string) => JSON.parse(readFileSync(`models/${name}.json`, 'utf8')).costs;
    // Pentium 4 (2.4 GHz Xeon, median of three 2.6 kernels): null call 0.49, null I/O 0.60, stat 2.12, open/close 3.35 µs.
    const p4 = costs('p4-prescott');
    const cycles = (us: number) => Math.round(us * 2400);
    expect(p4.pathLookup.constant).toBe(cycles(2.12 - 0.49));
    expect(p4.fileClose.constant).toBe(cycles(3.35 - 2 * 0.49 - (2.12 - 0.49)));
    expect(p4.ioCall.constant).toBe(cycles(0.6 - 0.49));
    expect(p4.forkExit.constant).toBe(cycles(187) - 107_844);
    // Every other model: the same multiple of its own null call.
    for (const name of ['core2', 'pentium-m', 'atom-n270', 'haswell']) {
      const c = costs(name);
      const nullCall = c.syscall.constant as number;
      expect(c.pathLookup.constant, name).toBe(Math.round(((2.12 - 0.49) / 0.49) * nullCall));
      expect(c.fileClose.constant, name).toBe(Math.round(((3.35 - 2 * 0.49 - (2.12 - 0.49)) / 0.49) * nullCall));
      expect(c.ioCall.constant, name).toBe(Math.round(((0.6 - 0.49) / 0.49) * nullCall));
      for (const k of ['pathLookup', 'fileClose', 'ioCall', 'forkExit']) expect(c[k].unverified, `${name} ${k}`).toBe(true);
      // fork + exit + wait: lmbench's 187 µs on the P4 less the 107,844 cycles the replay charged for it, per null call.
      expect(c.forkExit.constant, name).toBe(Math.round(((187 * 2400 - 107_844) / (0.49 * 2400)) * nullCall));
    }
  });
});
