import { describe, expect, it } from 'vitest';
import { lockPolicy } from '../../src/engine/lock-policy.ts';
import { createRng } from '../../src/random/rng.ts';

describe('lock policies (kmap_lock hand-off)', () => {
  // acquire 5; hand-off 10 cycles per waiter spinning on the line.
  const costs = { acquire: () => 5, handoff: (n: number) => 10 * n };
  const rng = createRng(1);

  it('ticket: every waiter spins on one line, so a hand-off to one of 3 waiters costs handoff(3) = 30', () => {
    const p = lockPolicy('ticket', costs);
    expect(p.name).toBe('ticket');
    expect(p.acquireCost(rng)).toBe(5);
    expect(p.handoffCost(3, rng)).toBe(30);
  });

  it('queued: a release touches only the next waiter, so it costs handoff(1) = 10 whatever the waiters', () => {
    const p = lockPolicy('queued', costs);
    expect(p.name).toBe('queued');
    expect(p.acquireCost(rng)).toBe(5);
    expect(p.handoffCost(3, rng)).toBe(10);
    expect(p.handoffCost(1, rng)).toBe(10);
  });

  it('passes the model RNG to the cost functions (acquire with n = 0)', () => {
    const seen: Array<[number, number]> = [];
    const p = lockPolicy('ticket', { acquire: (n: number, r: { next(): number }) => (seen.push([n, r.next()]), 1), handoff: () => 1 });
    p.acquireCost(createRng(7));
    expect(seen).toEqual([[0, createRng(7).next()]]);
  });
});
