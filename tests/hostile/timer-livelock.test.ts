/**
 * No hang from a cost model: a timer interrupt that costs a whole tick period or more (HZ 250 at the
 * constant model's 2 GHz: 8,000,000 cycles) would make the next tick due before the last one is taken,
 * and the tick loop never ended. It stops the replay as an infeasible "timer interrupt livelock".
 */
import { describe, expect, it } from 'vitest';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { constantModel, runRecords } from '../machine/helpers.ts';

/** 2 GHz / HZ 250 (models/kernels/*-footprint.json "hz"), cycles between ticks. */
const PERIOD = 2e9 / 250;
/** Two compute records: the first runs one full tick period, so a tick is due at the second. */
const records: TraceRecord[] = [
  { kind: EventKind.compute, cpu: 0, pid: 1, len: PERIOD },
  { kind: EventKind.compute, cpu: 0, pid: 1, len: 1 },
];

describe('a timer interrupt dearer than the tick period', () => {
  it('stops infeasible, naming the cost and the period (it looped forever before)', async () => {
    const { result } = await runRecords(records, { config: '3g1g-highmem' }, { model: constantModel({ ipiReceive: PERIOD }) });
    expect(result.feasible).toBe(false);
    expect(result.infeasible).toHaveLength(1);
    expect(result.infeasible[0]).toMatch(
      /^timer interrupt livelock: one timer interrupt took \d+ cycles on CPU 0, no less than the tick period of 8000000 cycles \(HZ 250\)/,
    );
    expect(result.counts.timerTicks).toBe(1);
  });

  it('half a period is dear but feasible: the tick due is taken once', async () => {
    const { result } = await runRecords(records, { config: '3g1g-highmem' }, { model: constantModel({ ipiReceive: PERIOD / 2 }) });
    expect(result.feasible).toBe(true);
    expect(result.counts.timerTicks).toBe(1);
  });
});
