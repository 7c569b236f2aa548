/**
 * A spin lock built on the public event API, with FIFO hand-off and timing decided by a `LockPolicy`.
 *
 * States of the lock:
 * - **free**: nobody holds it and nobody waits. `acquire()` makes it *held* at once; the requester holds
 *   it after `policy.acquireCost`.
 * - **held**: one owner (or an owner about to hold it after its acquire/hand-off time). Further
 *   `acquire()` calls join the FIFO of waiters.
 * - On `release()` with waiters, the lock stays *held* and passes to the oldest waiter, who holds it after
 *   `policy.handoffCost(waiters)`; nobody can barge in during the hand-off. Without waiters it is *free*.
 *
 * The event returned by `acquire()` fires when the requester holds the lock; its value is the time spent
 * spinning: 0 when the lock was free, otherwise the whole time from the request to holding it.
 */
import type { Rng } from '../../models/types.ts';
import type { SimEvent } from '../event.ts';
import { Fifo } from '../fifo.ts';
import type { Simulation } from '../simulation.ts';
import type { LockPolicy } from './lock-policy.ts';

/** Counters of a spin lock. */
export interface SpinLockStats {
  /** Grants, contended or not. */
  acquisitions: number;
  /** Grants that had to wait for another owner. */
  contended: number;
  /** Total time spent spinning by all requesters (sum of the grant events' values). */
  spinTime: number;
  /** Largest number of waiters seen at once. */
  maxWaiters: number;
}

/** A FIFO spin lock whose timing comes from a policy. */
export class SpinLock {
  /** Counters (read-only for users). */
  readonly stats: SpinLockStats = { acquisitions: 0, contended: 0, spinTime: 0, maxWaiters: 0 };
  private held = false;
  private readonly waiters = new Fifo<SimEvent<number>>();
  private readonly requestedAt = new Fifo<number>();

  constructor(
    private readonly sim: Simulation,
    /** Acquire and hand-off timing. */
    readonly policy: LockPolicy,
    private readonly rng: Rng,
  ) {}

  /** True while someone holds the lock or is being handed it. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Number of requesters waiting. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Requests the lock; the event fires when the requester holds it (value: time spent spinning). */
  acquire(): SimEvent<number> {
    const grant = this.sim.event<number>();
    this.stats.acquisitions++;
    if (!this.held) {
      this.held = true;
      grant.succeed(0, this.policy.acquireCost(this.rng));
      return grant;
    }
    this.stats.contended++;
    this.waiters.push(grant);
    this.requestedAt.push(this.sim.now);
    if (this.waiters.length > this.stats.maxWaiters) this.stats.maxWaiters = this.waiters.length;
    return grant;
  }

  /** Releases the lock: hands it to the oldest waiter, or frees it. Releasing a free lock is a bug. */
  release(): void {
    if (!this.held) throw new Error('SpinLock.release: the lock is not held');
    const n = this.waiters.length;
    if (n === 0) {
      this.held = false;
      return;
    }
    const cost = this.policy.handoffCost(n, this.rng);
    const next = this.waiters.shift() as SimEvent<number>;
    const since = this.requestedAt.shift() as number;
    const spun = this.sim.now + cost - since;
    this.stats.spinTime += spun;
    next.succeed(spun, cost);
  }
}
