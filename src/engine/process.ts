/**
 * Generator-based processes, as in SimPy: a process is a generator that yields what it waits for and
 * is itself an event that succeeds with the generator's return value (so other processes can wait for it).
 *
 * A process may yield:
 * - a number: wait that long (no event is allocated);
 * - a `SimEvent`: wait until it is processed; its value is sent back into the generator, or its error is
 *   thrown into the generator (which defuses the failure; if the generator does not catch it, the process
 *   itself fails, and so on up to a waiter or to `Simulation.step()`).
 */
import { SimEvent } from './event.ts';
import type { Simulation } from './simulation.ts';

/** What a process body may yield. */
export type Yieldable = number | SimEvent<unknown>;

/** A process body: a generator that yields delays or events and returns the process's value. */
export type ProcessBody<R> = Generator<Yieldable, R, unknown>;

/** A running process; as an event it succeeds with the body's return value (or fails with its error). */
export class Process<R = void> extends SimEvent<R> {
  private readonly body: ProcessBody<R>;
  private readonly onTarget: (event: SimEvent<unknown>) => void;

  constructor(sim: Simulation, body: ProcessBody<R>) {
    super(sim);
    this.body = body;
    this.onTarget = (event) => {
      if (event.ok) this.resume(event.value, false);
      else {
        event.defused = true;
        this.resume(event.error, true);
      }
    };
    sim.schedule(0, startProcess, this as Process<unknown>);
  }

  /** Advances the generator with a value (or throws an error into it) until it waits or ends. */
  resume(input: unknown, isError: boolean): void {
    let sendValue = input;
    let sendError = isError;
    for (;;) {
      let step: IteratorResult<Yieldable, R>;
      try {
        step = sendError ? this.body.throw(sendValue) : this.body.next(sendValue);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (step.done) {
        this.succeed(step.value);
        return;
      }
      const target = step.value;
      if (typeof target === 'number') {
        this.sim.schedule(target, resumeAfterDelay, this as Process<unknown>);
        return;
      }
      if (!target.processed) {
        target.then(this.onTarget);
        return;
      }
      // Already processed: continue at once with its outcome.
      if (target.ok) {
        sendValue = target.value;
        sendError = false;
      } else {
        target.defused = true;
        sendValue = target.error;
        sendError = true;
      }
    }
  }
}

const startProcess = (p: Process<unknown>): void => p.resume(undefined, false);
const resumeAfterDelay = (p: Process<unknown>): void => p.resume(undefined, false);
