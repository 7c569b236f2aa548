/**
 * A wait queue: requesters sleep until woken, and are woken in FIFO order (the order they went to
 * sleep). Built on the public event API; knows nothing of what the sleepers wait for.
 */
import type { SimEvent } from '../event.ts';
import { Fifo } from '../fifo.ts';
import type { Simulation } from '../simulation.ts';

/** FIFO sleep/wake queue. */
export class WaitQueue {
  private readonly sleepers = new Fifo<SimEvent<void>>();
  /** Total number of sleeps. */
  sleeps = 0;

  constructor(private readonly sim: Simulation) {}

  /** Number of sleepers. */
  get length(): number {
    return this.sleepers.length;
  }

  /** Goes to sleep; the event fires when woken. */
  wait(): SimEvent<void> {
    const event = this.sim.event<void>();
    this.sleepers.push(event);
    this.sleeps++;
    return event;
  }

  /** Wakes the oldest sleeper after `latency` (default 0). Returns false when nobody sleeps. */
  wakeOne(latency = 0): boolean {
    const event = this.sleepers.shift();
    if (event === undefined) return false;
    event.succeed(undefined, latency);
    return true;
  }

  /** Wakes every sleeper (oldest first) after `latency`. Returns how many were woken. */
  wakeAll(latency = 0): number {
    let n = 0;
    while (this.wakeOne(latency)) n++;
    return n;
  }
}
