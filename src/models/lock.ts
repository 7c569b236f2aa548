import type { LockKind } from './types.ts';
import type { CostFn } from './types.ts';

/**
 * Spinlock hand-off models: the cost of passing a released lock to the next waiter, as a function of
 * the number of waiters n at the moment of release.
 *
 * - `ticket`: every waiter spins on the same lock word, so a release invalidates the line in every
 *   waiter's cache and all of them re-read it; the next owner's read queues behind about half of them.
 *   Boyd-Wickizer, Kaashoek, Morris, Zeldovich, "Non-scalable locks are dangerous" (Linux Symposium
 *   2012) model the service time as s + c·k/2 (k = cores waiting); we charge
 *   H(n) = handoff(n) + c·n/2 with c = `lock.perWaiter`.
 * - `queued` (MCS / qspinlock): each waiter spins on its own node, a release touches one line:
 *   H(n) = handoff(n), constant in n for the shipped models. (The machine's queued policy evaluates it at
 *   n = 1 in any case — src/engine/resources/lock-policy.ts — so a hand-off that should grow with waiters
 *   belongs on a ticket lock.)
 */
export function lockHandoff(kind: LockKind, handoff: CostFn, perWaiter: CostFn): CostFn {
  if (kind === 'queued') return handoff;
  return (n, rng) => handoff(n, rng) + (perWaiter(n, rng) * n) / 2;
}
