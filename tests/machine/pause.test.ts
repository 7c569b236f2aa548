/**
 * A long page walk (a read's or write's user buffer and file pages, a multi-page access) pauses at an
 * abort point when the replay has a signal (Machine.pauseDue) and resumes where it paused: the result is
 * the one the replay gives without pausing, to the last counter and cycle, whatever the pause interval.
 */
import { describe, expect, it } from 'vitest';
import { replayMachineSource } from '../../src/machine/replay.ts';
import { AccessOp, EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { configOf, memorySource, modelOf } from './helpers.ts';

const MiB = 1 << 20;
const BUF = 0x10000000;

/**
 * Two CPUs, two processes, under memory pressure: writes
 * that begin and end inside a page, new and cached; reads of a file never written (device reads with
 * readahead) and of written pages (cached runs); accesses over many pages, first touch and again; a fork
 * (copy-on-write buffers afterwards) and an fsync.
 */
function trace(): TraceRecord[] {
  const r: TraceRecord[] = [];
  const io = (cpu: number, pid: number, kind: EventKind, file: number, off: number, len: number, addr = BUF) => {
    r.push({ kind: EventKind.syscall, cpu, pid, arg: kind === EventKind.read ? 3 : 4 });
    r.push({ kind, cpu, pid, arg: file, off, len, addr });
  };
  for (let round = 0; round < 3; round++) {
    io(0, 1, EventKind.write, 7, 100 + round * 40 * MiB, 40 * MiB + 5);
    io(1, 2, EventKind.read, 9, round * 24 * MiB, 24 * MiB - 17, BUF + 8 * MiB);
    r.push({ kind: EventKind.access, cpu: 0, pid: 1, op: AccessOp.store, addr: 0x30000000 + round * 4096, len: 6 * MiB });
    io(1, 2, EventKind.read, 7, round * 40 * MiB, 40 * MiB);
    r.push({ kind: EventKind.access, cpu: 1, pid: 2, op: AccessOp.load, addr: 0x30000000, len: 6 * MiB });
    if (round === 0) r.push({ kind: EventKind.fork, cpu: 0, pid: 1, arg: 3 });
    io(0, 1, EventKind.read, 9, 0, 24 * MiB);
    r.push({ kind: EventKind.syscall, cpu: 0, pid: 1, arg: 118, addr: 7 });
  }
  return r;
}

async function replayed(configName: string, abortCheckWork?: number, records = trace(), sets: string[] = []) {
  const { config, layout } = configOf({ config: configName, ram: '256M', vmalloc: '800M', cpus: 2 });
  const model = await modelOf('core2', sets);
  const options = abortCheckWork === undefined ? {} : { signal: new AbortController().signal, abortCheckWork };
  const out = await replayMachineSource({ config, model, seed: 3 }, layout, memorySource(records, 2), options);
  return { parts: out.parts, records: out.records, pauses: out.drive.pauses };
}

describe('a paused page walk resumes exactly', () => {
  it.each(['3g1g-highmem', '4g4g', '3g1g-nohighmem'])(
    '%s: the same result with pauses every 7 and every 5,000 pages as without',
    async (name) => {
      const plain = await replayed(name);
      expect(plain.pauses).toBe(0);
      // Memory pressure (256 MB, 800 MB of vmalloc: 195 MB of lowmem and 59 MB of highmem): pages are
      // evicted and read again, and writes are throttled — walks pause in the middle of reclaim and writeback.
      const pc = plain.parts.counts.pagecache;
      expect(pc.evictions).toBeGreaterThan(10_000);
      expect(pc.refaults).toBeGreaterThan(0);
      expect(pc.throttles).toBeGreaterThan(0);
      for (const every of [7, 5000]) {
        const paused = await replayed(name, every);
        expect(paused.records).toBe(plain.records);
        // As data: the parts hold the model, whose cost functions are closures of each load.
        expect(JSON.parse(JSON.stringify(paused.parts))).toEqual(JSON.parse(JSON.stringify(plain.parts)));
        // Without pauses inside walks this test would prove nothing: there are many.
        expect(paused.pauses).toBeGreaterThan(every === 7 ? 10_000 : 20);
      }
    },
    120_000,
  );
});

describe('timer ticks due after a long record pause and resume exactly', () => {
  it('syscalls of 1e9 cycles leave 85 ticks due each (HZ 250 at 2.93 GHz), taken with pauses every 7 ticks as without', async () => {
    // A cost of many tick periods (a cost model under --set) leaves thousands of ticks due at once: the
    // run of ticks pauses for the abort point and the record is executed again, taking the rest.
    const records: TraceRecord[] = [];
    for (let i = 0; i < 40; i++) {
      records.push({ kind: EventKind.syscall, cpu: i % 2, pid: 1 + (i % 2), arg: 20 });
      records.push({ kind: EventKind.access, cpu: i % 2, pid: 1 + (i % 2), op: AccessOp.load, addr: 0x08048000 + i * 4096, len: 4 });
    }
    const sets = ['costs.syscall=1e9'];
    const plain = await replayed('3g1g-pae-pti', undefined, records, sets);
    const paused = await replayed('3g1g-pae-pti', 7, records, sets);
    // 20 syscalls of 1e9 cycles on each CPU: floor(2e10 / period) = 1,706 ticks each (2e10 cycles are
    // 1,706.5 periods; the ticks' own cycles and the 20 loads add ~0.25 period, not enough for another).
    const period = 2.93e9 / 250;
    expect(Math.floor(20e9 / period)).toBe(1706);
    expect(plain.parts.counts.timerTicks).toBe(2 * 1706);
    expect(paused.pauses).toBeGreaterThan(3412 / 8);
    expect(JSON.parse(JSON.stringify(paused.parts))).toEqual(JSON.parse(JSON.stringify(plain.parts)));
  });
});
