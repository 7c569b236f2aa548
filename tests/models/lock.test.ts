import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/index.ts';
import { lockHandoff } from '../../src/models/lock.ts';
import { createRng } from '../../src/random/rng.ts';

const rng = createRng(1);
const waiters = [1, 2, 4, 8, 16];

describe('spinlock hand-off', () => {
  it('a ticket lock charges handoff + c·n/2 (Boyd-Wickizer et al. 2012: service time s + c·k/2)', () => {
    const h = lockHandoff(
      'ticket',
      () => 75,
      () => 75,
    );
    expect(waiters.map((n) => h(n, rng))).toEqual([75 + 37.5, 75 + 75, 75 + 150, 75 + 300, 75 + 600]);
  });

  it('a queued (MCS) lock charges the hand-off alone, whatever the number of waiters', () => {
    const h = lockHandoff(
      'queued',
      () => 75,
      () => 75,
    );
    expect(waiters.map((n) => h(n, rng))).toEqual([75, 75, 75, 75, 75]);
  });

  it('core2 (ticket) hand-off grows strictly with waiters; with --set lock.kind=queued it is constant', async () => {
    const ticket = await loadModel('core2');
    const queued = await loadModel('core2', ['lock.kind=queued']);
    expect(ticket.lock.kind).toBe('ticket');
    expect(queued.lock.kind).toBe('queued');
    const t = waiters.map((n) => ticket.lock.handoff(n, rng));
    const q = waiters.map((n) => queued.lock.handoff(n, rng));
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThan(t[i - 1]!);
    expect(new Set(q)).toEqual(new Set([75])); // cost-figures.md §7 L7
  });

  it('haswell ships a queued lock (qspinlock, cost-figures.md §7 L3)', async () => {
    const m = await loadModel('haswell');
    expect(m.lock.kind).toBe('queued');
    expect(m.lock.handoff(1, rng)).toBe(m.lock.handoff(16, rng));
  });

  it('lock.perWaiter scales the ticket penalty and lock.handoff the base', async () => {
    const m = await loadModel('core2', ['lock.perWaiter=10', 'lock.handoff=50']);
    expect(m.lock.handoff(8, rng)).toBe(50 + (10 * 8) / 2);
  });
});
