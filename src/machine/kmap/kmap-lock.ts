/**
 * kmap_lock: the one global spinlock of the pkmap pool, timed for CPUs that run on their own clocks.
 *
 * States: **free** (a request at time t ≥ `freeAt` holds it after the uncontended acquire cost) and
 * **held** until `freeAt` (a request at t < freeAt spins until the holder releases and the lock is handed
 * to it — FIFO, after the policy's hand-off cost: `handoff(waiters)` for a ticket lock, `handoff(1)` for a
 * queued lock; src/engine/lock-policy.ts).
 *
 * Why it resolves a request at once: every kmap_lock critical section (kmap_high, kunmap_high, including
 * the wrap flush and its IPI wait) has a length known when it starts, and the replay handles requests in
 * the order of their CPUs' clocks; so the holder's release time is known when the next request arrives.
 * The one approximation: a waiter's hand-off cost counts the waiters known at its request, not those that
 * arrive later but before the release.
 */
import type { LockPolicy } from '../../engine/lock-policy.ts';
import type { Rng } from '../../models/types.ts';

/** How a request was granted (one reused object). */
export interface LockGrant {
  /** Time at which the requester holds the lock. */
  at: number;
  /** Cycles spent spinning (0 when uncontended). */
  spin: number;
  /** Uncontended acquire cost (0 when contended: the hand-off is part of `spin`). */
  acquire: number;
}

const HISTORY = 64;

export class KmapLock {
  /** Time the current holder (or the last queued waiter) releases the lock. */
  private freeAt = 0;
  /** Recent grant times (ring), to count waiters still spinning at a request. */
  private readonly grants = new Float64Array(HISTORY);
  private next = 0;
  private readonly out: LockGrant = { at: 0, spin: 0, acquire: 0 };
  /** Requests that found the lock held. */
  contended = 0;
  acquisitions = 0;

  constructor(
    private readonly policy: LockPolicy,
    private readonly rng: Rng,
  ) {}

  /** A CPU requests the lock at time `t`; the caller then holds it and must `release()` it. */
  acquire(t: number): LockGrant {
    const out = this.out;
    this.acquisitions++;
    if (t >= this.freeAt) {
      out.acquire = this.policy.acquireCost(this.rng);
      out.at = t + out.acquire;
      out.spin = 0;
    } else {
      this.contended++;
      let waiting = 1;
      for (let i = 0; i < HISTORY; i++) if (this.grants[i]! > t) waiting++;
      out.acquire = 0;
      out.at = this.freeAt + this.policy.handoffCost(waiting, this.rng);
      out.spin = out.at - t;
    }
    this.grants[this.next] = out.at;
    this.next = (this.next + 1) % HISTORY;
    this.freeAt = Infinity; // held until release()
    return out;
  }

  /** The holder releases the lock at time `t`. */
  release(t: number): void {
    this.freeAt = t;
  }
}
