import { EventQueue, type Callback, type PopSink } from './event-queue.ts';
import { SimEvent } from './event.ts';
import { Process, type ProcessBody } from './process.ts';

/** Why `Simulation.run` returned. */
export type RunStopReason =
  /** No pending entry is left. */
  | 'empty'
  /** The next pending entry is due at or after the `until` time; the clock was set to `until`. */
  | 'until'
  /** The `until` event was processed. */
  | 'event'
  /** A callback called `stop()`. */
  | 'stopped';

/** What `Simulation.run` returns. */
export interface RunOutcome {
  readonly reason: RunStopReason;
  /** Simulated time when the run returned. */
  readonly now: number;
  /** Number of entries processed by this call. */
  readonly steps: number;
}

/** The entry `step()` just processed (one reused object: read it inside a hook, do not keep it). */
export interface StepInfo {
  /** When the entry was due (= `now` while it runs). */
  readonly time: number;
  /** Its scheduling sequence number (ties at equal time run in increasing sequence). */
  readonly seq: number;
  /** The callback that ran and its payload. */
  readonly callback: Callback<unknown>;
  readonly payload: unknown;
}

/**
 * The discrete-event simulation: a clock and a queue of callbacks ordered by (time, sequence).
 *
 * Time is a plain number in whatever unit the user chooses (the machine uses cycles). `step()` takes the
 * earliest entry, sets the clock to its time and calls it; `run(until)` steps repeatedly. A callback
 * that throws stops the simulation: the error propagates out of `step()`/`run()` untouched.
 *
 * Two ways to write behaviour, both on this one queue:
 * - raw callbacks: `schedule(delay, fn, payload)` — no allocation per entry (the machine's hot path);
 * - events and processes (`event()`, `timeout()`, `process()`), as in SimPy, for resources and for
 *   readable multi-step behaviour (a generator yields events or plain delays).
 */
export class Simulation {
  /** Current simulated time. */
  now: number;
  private readonly queue = new EventQueue();
  private readonly last: PopSink = { time: 0, seq: -1, callback: noop, payload: undefined };
  private stopRequested = false;

  /** @param start initial clock value (default 0). */
  constructor(start = 0) {
    this.now = start;
  }

  /** Number of pending entries. */
  get pending(): number {
    return this.queue.size;
  }

  /** Time of the next pending entry, or Infinity when nothing is pending. */
  peek(): number {
    return this.queue.peekTime();
  }

  /** The entry processed by the latest `step()` (for observation hooks). */
  get lastStep(): StepInfo {
    return this.last;
  }

  /**
   * Schedules `callback(payload)` at `now + delay`. Entries due at the same time run in the order they
   * were scheduled. Returns the entry's sequence number. Allocates nothing (amortized).
   */
  schedule<P>(delay: number, callback: Callback<P>, payload: P): number {
    if (!(delay >= 0)) throw new Error(`Simulation.schedule: delay must be a number >= 0, got ${delay}`);
    return this.queue.push(this.now + delay, callback, payload);
  }

  /** Schedules `callback(payload)` at absolute time `time` (>= now). */
  scheduleAt<P>(time: number, callback: Callback<P>, payload: P): number {
    if (!(time >= this.now)) throw new Error(`Simulation.scheduleAt: time ${time} is before now (${this.now})`);
    return this.queue.push(time, callback, payload);
  }

  /**
   * Processes the earliest pending entry: sets `now` to its time and runs it. Returns false when nothing
   * was pending. Observation hooks (see observe.ts) wrap this method on the instance.
   */
  step(): boolean {
    const last = this.last;
    if (!this.queue.popInto(last)) return false;
    this.now = last.time;
    last.callback(last.payload);
    return true;
  }

  /**
   * Steps until nothing is pending, until simulated time `until` (entries due before it run, entries due
   * at or after it do not, and the clock is then set to `until` — SimPy's semantics), until the event
   * `until` has been processed, or until a callback calls `stop()`.
   */
  run(until?: number | SimEvent<unknown>): RunOutcome {
    this.stopRequested = false;
    let steps = 0;
    if (until === undefined) {
      while (!this.stopRequested && this.step()) steps++;
      return { reason: this.stopRequested ? 'stopped' : 'empty', now: this.now, steps };
    }
    if (typeof until === 'number') {
      if (!(until >= this.now)) throw new Error(`Simulation.run: until (${until}) is before now (${this.now})`);
      while (!this.stopRequested && this.queue.peekTime() < until) {
        this.step();
        steps++;
      }
      if (this.stopRequested) return { reason: 'stopped', now: this.now, steps };
      this.now = until;
      return { reason: 'until', now: this.now, steps };
    }
    while (!until.processed && !this.stopRequested && this.step()) steps++;
    const reason: RunStopReason = until.processed ? 'event' : this.stopRequested ? 'stopped' : 'empty';
    return { reason, now: this.now, steps };
  }

  /** Asks `run()` to return after the current step. */
  stop(): void {
    this.stopRequested = true;
  }

  /** A new pending event (trigger it with `succeed` or `fail`). */
  event<T = void>(): SimEvent<T> {
    return new SimEvent<T>(this);
  }

  /** An event that succeeds with `value` after `delay`. */
  timeout<T = void>(delay: number, value?: T): SimEvent<T> {
    return new SimEvent<T>(this).succeed(value as T, delay);
  }

  /** Starts a generator-based process at the current time (its first step runs from the queue). */
  process<R>(body: ProcessBody<R>): Process<R> {
    return new Process<R>(this, body);
  }
}

function noop(): void {}
