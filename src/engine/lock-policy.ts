/**
 * Spin-lock policies: how long taking a free lock costs, and how long handing it to the next waiter
 * costs. The cost functions come from the caller's model as `(n, rng) => time`.
 *
 * - `ticket`: every waiter spins on the same cache line; a release invalidates it in all of them, so the
 *   hand-off cost is `handoff(n)` with n = the number of waiters at the moment of release (it grows with n
 *   if the model says so).
 * - `queued` (MCS/qspinlock): each waiter spins on its own node; a release touches only the next waiter's
 *   node, so the hand-off cost is `handoff(1)` whatever the number of waiters.
 */
import type { CostFn, LockKind, Rng } from '../models/types.ts';

/** Decides acquisition and hand-off times of a spin lock (kmap_lock: src/machine/kmap/kmap-lock.ts). */
export interface LockPolicy {
  /** Policy name (= the model's `lock.kind`). */
  readonly name: LockKind;
  /** Time from request to holding when the lock is free (uncontended acquire + release). */
  acquireCost(rng: Rng): number;
  /** Time from a release to the next waiter holding the lock; `waiters` >= 1 are waiting at release. */
  handoffCost(waiters: number, rng: Rng): number;
}

/** Cost functions of a lock, from the model. */
export interface LockCosts {
  /** Uncontended acquire + release; called with n = 0. */
  readonly acquire: CostFn;
  /** Hand-off to the next waiter; called with n = waiters (ticket) or 1 (queued). */
  readonly handoff: CostFn;
}

/** Ticket lock: hand-off cost `handoff(waiters at release)`. */
export function ticketPolicy(costs: LockCosts): LockPolicy {
  return {
    name: 'ticket',
    acquireCost: (rng) => costs.acquire(0, rng),
    handoffCost: (waiters, rng) => costs.handoff(waiters, rng),
  };
}

/** Queued (MCS) lock: hand-off cost `handoff(1)`, independent of the number of waiters. */
export function queuedPolicy(costs: LockCosts): LockPolicy {
  return {
    name: 'queued',
    acquireCost: (rng) => costs.acquire(0, rng),
    handoffCost: (_waiters, rng) => costs.handoff(1, rng),
  };
}

/** The policy named `kind`. */
export function lockPolicy(kind: LockKind, costs: LockCosts): LockPolicy {
  return kind === 'ticket' ? ticketPolicy(costs) : queuedPolicy(costs);
}
