/**
 * Timer ticks while a CPU waits (timer.ts skipIdleTicks). The modelled kernels tick
 * periodically, so a tick falls every 1/HZ s even while the CPU waits on the disk; it is taken in the idle
 * loop, from kernel mode: it delays nothing the trace does and writes no CR3 under 4G/4G or PTI. Only the
 * ticks due while the CPU ran are charged.
 */
import { describe, expect, it } from 'vitest';
import { skipIdleTicks } from '../../src/machine/timer.ts';
import { createRng } from '../../src/random/rng.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { runRecords } from '../machine/helpers.ts';
import { rw, storageModel } from './helpers.ts';

/** The constant model's clock (tests/machine/helpers.ts constantModel) and the profiles' HZ (footprint files: 250). */
const GHZ = 2;
const PERIOD = (GHZ * 1e9) / 250;

describe('skipIdleTicks', () => {
  const P = 100;
  const state = (next: number, owed = 0, resume = 0) => ({
    nextTick: Float64Array.of(next),
    owedTicks: Float64Array.of(owed),
    resumeTick: Float64Array.of(resume),
  });
  const of = (s: ReturnType<typeof state>) => [s.nextTick[0], s.owedTicks[0], s.resumeTick[0]];

  it('skips every tick due in the wait and moves to the first one after it', () => {
    const s = state(300);
    skipIdleTicks(s, 0, P, 250, 1000); // ticks 300 … 1000 fall in the wait: 8 of them
    expect(of(s)).toEqual([1100, 0, 0]);
  });

  it('keeps the ticks that came due before the wait as owed, to be taken first', () => {
    const s = state(100);
    // 100, 200, 300 came due while the CPU ran; 400 … 600 in the wait: nextTick stays at the first owed
    // tick (so the next record takes them), the schedule resumes at 700 once they are taken.
    skipIdleTicks(s, 0, P, 350, 640);
    expect(of(s)).toEqual([100, 3, 700]);
    skipIdleTicks(s, 0, P, 820, 899); // 700 and 800 due while it ran again; none in the wait
    expect(of(s)).toEqual([100, 3, 700]);
    skipIdleTicks(s, 0, P, 820, 1000); // 700, 800 owed too; 900, 1000 in the wait
    expect(of(s)).toEqual([100, 5, 1100]);
  });

  it('changes nothing for a wait that ends before the next tick', () => {
    const s = state(500);
    skipIdleTicks(s, 0, P, 100, 499);
    expect(of(s)).toEqual([500, 0, 0]);
  });
});

describe('ticks in an I/O wait', () => {
  /**
   * One process on one CPU: 1,000 cycles of user work, a read of a file's first page (a page-cache miss:
   * the CPU waits on the HDD, one positioning of 12.37 ms ≈ 24.7 M cycles plus the readahead window's
   * transfer: the wait ends between the third and the fourth tick, 24 M and 32 M cycles), then 10 M cycles
   * of user work (over the tick due at 32 M) and a getppid, before which that tick is taken.
   */
  function trace(): TraceRecord[] {
    return [
      { kind: EventKind.compute, cpu: 0, pid: 1, len: 1000 },
      ...rw('read', 1, 0, 4096),
      { kind: EventKind.compute, cpu: 0, pid: 1, len: 10_000_000 },
      { kind: EventKind.syscall, cpu: 0, pid: 1, arg: 64 },
    ];
  }

  it('charges only the tick due while the CPU ran, under every split', async () => {
    const model = await storageModel();
    const cr3 = model.costs.cr3Write(0, createRng(1));
    const timer: Record<string, number> = {};
    for (const config of ['3g1g-pae', '4g4g', '3g1g-pae-pti']) {
      const { result } = await runRecords(trace(), { config, ram: '1G', cpus: 1 }, { model });
      const waited = result.time.ioWaitSeconds * GHZ * 1e9;
      // The premise: the wait spans the ticks at 8, 16 and 24 M cycles and ends before the one at 32 M.
      expect(Math.floor(waited / PERIOD), config).toBe(3);
      expect(result.counts.timerTicks, config).toBe(1);
      timer[config] = result.cycles.breakdown.timer;
    }
    // The one tick enters from user mode: under 4G/4G two CR3 writes more than natively; the ticks of
    // the wait would have added two each.
    expect(timer['4g4g']! - timer['3g1g-pae']!).toBe(2 * cr3);
  });
});
