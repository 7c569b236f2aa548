import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { observeSteps, Simulation, type StepInfo } from '../../src/engine/index.ts';

describe('event ordering', () => {
  it('runs entries in time order and breaks ties by scheduling order', () => {
    const sim = new Simulation();
    const log: string[] = [];
    const note = (s: string): void => void log.push(`${sim.now}:${s}`);
    sim.schedule(5, note, 'a');
    sim.schedule(1, note, 'b');
    sim.schedule(5, note, 'c');
    sim.schedule(0, note, 'd');
    sim.schedule(5, note, 'e');
    sim.run();
    expect(log).toEqual(['0:d', '1:b', '5:a', '5:c', '5:e']);
  });

  it('orders any set of entries exactly as a stable sort by time would', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (delays) => {
        const sim = new Simulation();
        const seen: number[] = [];
        delays.forEach((d, i) => sim.schedule(d, (k: number) => seen.push(k), i));
        sim.run();
        const expected = delays.map((d, i) => [d, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(seen).toEqual(expected.map((x) => x[1]));
      }),
    );
  });

  it('orders entries scheduled from inside callbacks after earlier-scheduled ones at the same time', () => {
    const sim = new Simulation();
    const log: string[] = [];
    sim.schedule(2, () => {
      log.push('first');
      sim.schedule(0, () => log.push('child'), undefined);
    }, undefined);
    sim.schedule(2, () => log.push('second'), undefined);
    sim.run();
    expect(log).toEqual(['first', 'second', 'child']);
  });
});

describe('run', () => {
  it('run(until) processes entries strictly before until, then sets the clock to until', () => {
    const sim = new Simulation();
    const log: number[] = [];
    for (const t of [1, 4, 5, 9]) sim.schedule(t, (x: number) => log.push(x), t);
    const outcome = sim.run(5);
    expect(outcome).toEqual({ reason: 'until', now: 5, steps: 2 });
    expect(log).toEqual([1, 4]);
    expect(sim.pending).toBe(2);
    expect(sim.run()).toEqual({ reason: 'empty', now: 9, steps: 2 });
    expect(log).toEqual([1, 4, 5, 9]);
  });

  it('run(event) stops once that event is processed', () => {
    const sim = new Simulation();
    const target = sim.timeout(7, 'x');
    sim.schedule(3, () => undefined, undefined);
    sim.schedule(8, () => undefined, undefined);
    expect(sim.run(target)).toEqual({ reason: 'event', now: 7, steps: 2 });
    expect(sim.pending).toBe(1);
  });

  it('stop() ends run after the current step', () => {
    const sim = new Simulation();
    sim.schedule(1, () => sim.stop(), undefined);
    sim.schedule(2, () => undefined, undefined);
    expect(sim.run()).toEqual({ reason: 'stopped', now: 1, steps: 1 });
    expect(sim.pending).toBe(1);
  });

  it('rejects negative delays and times in the past', () => {
    const sim = new Simulation(10);
    expect(() => sim.schedule(-1, () => undefined, undefined)).toThrow(/delay/);
    expect(() => sim.scheduleAt(9, () => undefined, undefined)).toThrow(/before now/);
    expect(() => sim.run(3)).toThrow(/before now/);
  });
});

describe('failures stop the simulation', () => {
  it('a callback that throws propagates out of run', () => {
    const sim = new Simulation();
    sim.schedule(1, () => {
      throw new Error('boom');
    }, undefined);
    sim.schedule(2, () => undefined, undefined);
    expect(() => sim.run()).toThrow('boom');
    expect(sim.now).toBe(1);
    expect(sim.pending).toBe(1);
  });

  it('a failed event nobody handles is thrown from step', () => {
    const sim = new Simulation();
    sim.event().fail(new Error('unhandled'), 3);
    expect(() => sim.run()).toThrow('unhandled');
  });

  it('a failed event a process catches does not stop the simulation', () => {
    const sim = new Simulation();
    const bad = sim.event<number>().fail(new Error('caught'), 2);
    const p = sim.process(
      (function* () {
        try {
          yield bad;
          return 'not reached';
        } catch (e) {
          return (e as Error).message;
        }
      })(),
    );
    sim.run();
    expect(p.value).toBe('caught');
  });

  it('a process that does not catch fails, and its own unhandled failure stops the run', () => {
    const sim = new Simulation();
    sim.process(
      (function* () {
        yield 1;
        throw new Error('inside');
      })(),
    );
    expect(() => sim.run()).toThrow('inside');
  });
});

describe('processes and events', () => {
  it('a process waits for delays and events and receives event values', () => {
    const sim = new Simulation();
    const log: string[] = [];
    const signal = sim.event<string>();
    const waiter = sim.process(
      (function* () {
        yield 2;
        log.push(`woke@${sim.now}`);
        const v = (yield signal) as string;
        log.push(`${v}@${sim.now}`);
        return 42;
      })(),
    );
    sim.schedule(10, () => signal.succeed('go'), undefined);
    const joiner = sim.process(
      (function* () {
        const r = (yield waiter) as number;
        log.push(`joined ${r}@${sim.now}`);
      })(),
    );
    sim.run();
    expect(log).toEqual(['woke@2', 'go@10', 'joined 42@10']);
    expect(joiner.processed).toBe(true);
  });

  it('yielding an already processed event continues at once with its value', () => {
    const sim = new Simulation();
    const done = sim.timeout(1, 'v');
    let got = '';
    sim.schedule(5, () => {
      sim.process(
        (function* () {
          got = `${(yield done) as string}@${sim.now}`;
        })(),
      );
    }, undefined);
    sim.run();
    expect(got).toBe('v@5');
  });

  it('an event triggers only once', () => {
    const sim = new Simulation();
    const e = sim.event<number>().succeed(1);
    expect(() => e.succeed(2)).toThrow(/already triggered/);
  });
});

describe('observation and determinism', () => {
  function scenario(sim: Simulation): void {
    for (let i = 0; i < 5; i++) {
      sim.process(
        (function* () {
          for (let k = 0; k < 4; k++) yield (i * 7 + k * 3) % 5;
        })(),
      );
    }
  }

  it('a step hook sees every processed entry and can be removed', () => {
    const sim = new Simulation();
    const seen: Array<[number, number]> = [];
    const unwrap = observeSteps(sim, (info: StepInfo) => void seen.push([info.time, info.seq]));
    sim.schedule(3, () => undefined, undefined);
    sim.schedule(1, () => undefined, undefined);
    sim.step();
    unwrap();
    sim.step();
    expect(seen).toEqual([[1, 1]]);
  });

  it('the same scenario gives the same (time, seq) sequence every time', () => {
    const record = (): Array<[number, number]> => {
      const sim = new Simulation();
      const seen: Array<[number, number]> = [];
      observeSteps(sim, (info) => void seen.push([info.time, info.seq]));
      scenario(sim);
      sim.run();
      return seen;
    };
    const a = record();
    expect(a.length).toBe(5 + 5 * 4 + 5);
    expect(record()).toEqual(a);
  });
});
