import { describe, expect, it } from 'vitest';
import {
  allOf,
  lockPolicy,
  Rendezvous,
  Simulation,
  SpinLock,
  WaitQueue,
  type LockPolicy,
} from '../../src/engine/index.ts';
import type { LockKind } from '../../src/models/types.ts';
import { createRng } from '../../src/random/rng.ts';

/** Toy costs: a free acquire takes 5; a hand-off takes 10 per waiter counted by the policy. */
const policy = (kind: LockKind): LockPolicy => lockPolicy(kind, { acquire: () => 5, handoff: (n) => 10 * n });

/** A holds the lock first; B, C, D ask at 1, 2, 3; each holds it `hold` then releases. */
function contend(kind: LockKind): { log: Array<[string, number, number]>; lock: SpinLock } {
  const sim = new Simulation();
  const lock = new SpinLock(sim, policy(kind), createRng(1));
  const log: Array<[string, number, number]> = [];
  const worker = function* (name: string, arrive: number, hold: number) {
    yield arrive;
    const spun = (yield lock.acquire()) as number;
    log.push([name, sim.now, spun]);
    yield hold;
    lock.release();
  };
  sim.process(worker('A', 0, 15));
  sim.process(worker('B', 1, 10));
  sim.process(worker('C', 2, 10));
  sim.process(worker('D', 3, 10));
  sim.run();
  return { log, lock };
}

describe('spin lock', () => {
  it('ticket policy: FIFO grants, hand-off cost = handoff(waiters at release)', () => {
    const { log, lock } = contend('ticket');
    // A: free, holds at 0+5, releases at 20 with 3 waiters → B holds at 20+30 = 50 (spun 49),
    // B releases at 60 with 2 waiters → C at 80 (spun 78), C releases at 90 with 1 → D at 100 (spun 97).
    expect(log).toEqual([
      ['A', 5, 0],
      ['B', 50, 49],
      ['C', 80, 78],
      ['D', 100, 97],
    ]);
    expect(lock.stats).toEqual({ acquisitions: 4, contended: 3, spinTime: 49 + 78 + 97, maxWaiters: 3 });
    expect(lock.isHeld).toBe(false);
  });

  it('queued policy: FIFO grants, constant hand-off cost = handoff(1)', () => {
    const { log } = contend('queued');
    // A releases at 20 → B at 30; B releases at 40 → C at 50; C releases at 60 → D at 70.
    expect(log).toEqual([
      ['A', 5, 0],
      ['B', 30, 29],
      ['C', 50, 48],
      ['D', 70, 67],
    ]);
  });

  it('grants in request order even when requests come at the same time', () => {
    const sim = new Simulation();
    const lock = new SpinLock(sim, policy('queued'), createRng(1));
    const order: number[] = [];
    for (let i = 0; i < 6; i++) {
      sim.process(
        (function* () {
          yield lock.acquire();
          order.push(i);
          yield 1;
          lock.release();
        })(),
      );
    }
    sim.run();
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('passes the model RNG to the cost functions', () => {
    const sim = new Simulation();
    const draws: number[] = [];
    const lock = new SpinLock(
      sim,
      lockPolicy('ticket', { acquire: (_n, rng) => (draws.push(rng.next()), 1), handoff: () => 1 }),
      createRng(9),
    );
    lock.acquire();
    expect(draws).toEqual([createRng(9).next()]);
  });

  it('releasing a free lock is a bug', () => {
    const lock = new SpinLock(new Simulation(), policy('ticket'), createRng(1));
    expect(() => lock.release()).toThrow(/not held/);
  });
});

describe('wait queue', () => {
  it('wakes sleepers one at a time in the order they slept, after the given latency', () => {
    const sim = new Simulation();
    const q = new WaitQueue(sim);
    const woke: Array<[string, number]> = [];
    for (const [name, at] of [['x', 3], ['y', 1], ['z', 2]] as const) {
      sim.process(
        (function* () {
          yield at;
          yield q.wait();
          woke.push([name, sim.now]);
        })(),
      );
    }
    sim.schedule(10, () => q.wakeOne(4), undefined);
    sim.schedule(20, () => q.wakeAll(), undefined);
    sim.run();
    expect(woke).toEqual([['y', 14], ['z', 20], ['x', 20]]);
    expect(q.wakeOne()).toBe(false);
    expect(q.sleeps).toBe(3);
  });
});

describe('rendezvous', () => {
  it('an initiator waiting for k acknowledgements resumes at the last one', () => {
    const sim = new Simulation();
    const acks = new Rendezvous(sim, 3);
    let resumed = -1;
    sim.process(
      (function* () {
        yield acks.done;
        resumed = sim.now;
      })(),
    );
    for (const t of [4, 9, 2]) sim.schedule(t, () => acks.arrive(), undefined);
    sim.run();
    expect(resumed).toBe(9);
    expect(acks.done.value).toBe(9);
    expect(() => acks.arrive()).toThrow(/already arrived/);
  });

  it('with zero parties it is done at once; allOf waits for every event', () => {
    const sim = new Simulation();
    expect(new Rendezvous(sim, 0).done.triggered).toBe(true);
    const all = allOf(sim, [sim.timeout(3), sim.timeout(8), sim.timeout(5)]);
    sim.run();
    expect(all.value).toBe(8);
  });
});
