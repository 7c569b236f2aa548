/**
 * A rendezvous (count-down barrier): `done` fires when `parties` arrivals have happened — e.g. an
 * initiator that sent requests to k others and waits for all k acknowledgements.
 */
import type { SimEvent } from '../event.ts';
import type { Simulation } from '../simulation.ts';

/** Fires `done` (value: the time of the last arrival) after `parties` calls to `arrive()`. */
export class Rendezvous {
  /** Fires at the last arrival; with 0 parties, at once (at the creation time). */
  readonly done: SimEvent<number>;
  private arrived = 0;

  constructor(
    private readonly sim: Simulation,
    /** Number of arrivals to wait for (>= 0). */
    readonly parties: number,
  ) {
    if (!(Number.isInteger(parties) && parties >= 0)) throw new Error(`Rendezvous: parties must be an integer >= 0, got ${parties}`);
    this.done = sim.event<number>();
    if (parties === 0) this.done.succeed(sim.now);
  }

  /** Arrivals so far. */
  get count(): number {
    return this.arrived;
  }

  /** One party arrives now. Arriving after all parties did is a bug. */
  arrive(): void {
    if (this.arrived >= this.parties) throw new Error(`Rendezvous.arrive: all ${this.parties} parties already arrived`);
    this.arrived++;
    if (this.arrived === this.parties) this.done.succeed(this.sim.now);
  }
}

/** An event that fires when every event in `events` has been processed (value: time of the last one). */
export function allOf(sim: Simulation, events: ReadonlyArray<SimEvent<unknown>>): SimEvent<number> {
  const r = new Rendezvous(sim, events.length);
  for (const e of events) e.then(() => r.arrive());
  return r.done;
}
