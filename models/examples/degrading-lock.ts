/**
 * Example code plug-in: Core 2 with a ticket spinlock whose hand-off degrades sharply beyond 4 waiters.
 *
 * Use it with any command that takes a model:
 *
 *     hmsim models show models/examples/degrading-lock.ts
 *     hmsim run --trace TRACE.hmt --model models/examples/degrading-lock.ts
 *
 * A plug-in is a module whose default export is a model document (the same keys as models/*.json);
 * any cost may be a function `(n, rng) => cycles` instead of data. Here:
 * - `extends: 'core2'` takes every other value from the shipped core2 model;
 * - `lock.kind: 'ticket'`: the machine calls a ticket lock's hand-off with n = the number of waiters
 *   when the lock is released (a queued lock's with n = 1, so a queued lock could not degrade);
 * - `lock.perWaiter: 0` removes core2's linear ticket term (c·n/2), so the hand-off is exactly our
 *   function;
 * - `lock.handoff`: one cache-line transfer (75 cycles, core2's figure) up to 4 waiters, then a quadratic
 *   penalty — the kind of collapse Boyd-Wickizer et al. ("Non-scalable locks are dangerous", 2012)
 *   measured once a lock's cache line is contended by more cores than the interconnect serves quickly.
 * The numbers are illustrative, not measured. A function must return a finite, non-negative number of
 * cycles (checked on every call); `rng` is the run's seeded RNG, so random costs stay reproducible.
 */
import type { ModelPlugin } from '../../src/models/plugin.ts';
import type { CostFn } from '../../src/models/types.ts';

/** Cycles of one cache-line transfer between cores (core2's lock.handoff, cost-figures.md §7 L7). */
const LINE_TRANSFER = 75;
/** Waiters the lock tolerates before it degrades. */
const KNEE = 4;
/** Extra cycles per squared waiter beyond the knee (illustrative). */
const PENALTY = 400;

const handoff: CostFn = (n) => (n <= KNEE ? LINE_TRANSFER : LINE_TRANSFER + PENALTY * (n - KNEE) ** 2);

export default {
  extends: 'core2',
  name: 'core2-degrading-lock',
  description: 'core2 with a ticket lock whose hand-off degrades quadratically beyond 4 waiters (example plug-in)',
  lock: {
    kind: { value: 'ticket', source: 'example plug-in models/examples/degrading-lock.ts' },
    perWaiter: { constant: 0, source: 'example plug-in: the degradation is all in lock.handoff' },
    handoff,
  },
} satisfies ModelPlugin;
