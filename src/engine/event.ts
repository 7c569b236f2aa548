/**
 * One-shot events, as in SimPy.
 *
 * States of an event:
 * - **pending**: created, not triggered; callbacks may be added.
 * - **triggered**: `succeed`/`fail` was called; its processing is scheduled (at now + delay). It cannot be
 *   triggered again.
 * - **processed**: the simulation reached it and ran its callbacks, in the order they were added. Adding a
 *   callback afterwards schedules it at the current time.
 *
 * A failed event that no callback *defused* (a waiting process receiving the error defuses it) stops the
 * simulation: its error is thrown out of `Simulation.step()`. Failures never vanish.
 */
import type { Simulation } from './simulation.ts';

/** Named states of an event (see the module comment). */
export type EventState = 'pending' | 'triggered' | 'processed';

/** A callback run when an event is processed. */
export type EventCallback<T> = (event: SimEvent<T>) => void;

/** A one-shot event that carries a value (success) or an error (failure). */
export class SimEvent<T = void> {
  /** Where the event lives. */
  readonly sim: Simulation;
  /** See the module comment. */
  state: EventState = 'pending';
  /** True unless the event failed. Meaningful once triggered. */
  ok = true;
  /** Set by a handler that took responsibility for a failure (so it does not stop the simulation). */
  defused = false;
  private result: T | undefined = undefined;
  private failure: unknown = undefined;
  // Stored without T so that SimEvent<T> stays covariant in T (a SimEvent<number> is a SimEvent<unknown>).
  private callbacks: Array<EventCallback<unknown>> | null = [];

  constructor(sim: Simulation) {
    this.sim = sim;
  }

  /** True once triggered (pending processing or processed). */
  get triggered(): boolean {
    return this.state !== 'pending';
  }

  /** True once the simulation processed the event. */
  get processed(): boolean {
    return this.state === 'processed';
  }

  /** The success value. Throws if the event is not triggered or failed. */
  get value(): T {
    if (this.state === 'pending') throw new Error('SimEvent.value: event not triggered yet');
    if (!this.ok) throw new Error('SimEvent.value: event failed; read .error');
    return this.result as T;
  }

  /** The failure (undefined when the event succeeded). */
  get error(): unknown {
    return this.failure;
  }

  /** Triggers success with `value`; processed at now + delay. */
  succeed(value: T, delay = 0): this {
    this.trigger(delay);
    this.result = value;
    return this;
  }

  /** Triggers failure with `error`; processed at now + delay. */
  fail(error: unknown, delay = 0): this {
    this.trigger(delay);
    this.ok = false;
    this.failure = error;
    return this;
  }

  /** Runs `callback(event)` when the event is processed (at the current time if already processed). */
  then(callback: EventCallback<T>): this {
    const cb = callback as unknown as EventCallback<unknown>;
    if (this.callbacks === null) this.sim.schedule(0, cb, this as SimEvent<unknown>);
    else this.callbacks.push(cb);
    return this;
  }

  private trigger(delay: number): void {
    if (this.state !== 'pending') throw new Error(`SimEvent: already ${this.state}; an event triggers once`);
    this.state = 'triggered';
    this.sim.schedule(delay, processEvent, this as SimEvent<unknown>);
  }

  /** Runs the callbacks (called from the queue). */
  static process(event: SimEvent<unknown>): void {
    event.state = 'processed';
    const callbacks = event.callbacks;
    if (callbacks === null) throw new Error('SimEvent: processed twice');
    event.callbacks = null;
    for (let i = 0; i < callbacks.length; i++) (callbacks[i] as EventCallback<unknown>)(event);
    if (!event.ok && !event.defused) throw event.failure;
  }
}

const processEvent = (event: SimEvent<unknown>): void => SimEvent.process(event);
