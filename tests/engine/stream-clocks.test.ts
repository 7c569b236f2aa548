import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeapClocks, ScanClocks, type StreamClocks } from '../../src/engine/stream-clocks.ts';

describe('stream clocks', () => {
  for (const make of [(n: number) => new ScanClocks(n), (n: number) => new HeapClocks(n)]) {
    const name = make(1).constructor.name;
    it(`${name}: picks the smallest clock, ties to the lowest index, skips retired streams`, () => {
      const c: StreamClocks = make(3);
      expect(c.next()).toBe(0);
      c.advance(0, 5);
      expect(c.next()).toBe(1);
      c.advance(1, 5);
      c.advance(2, 5);
      expect(c.next()).toBe(0);
      c.retire(0);
      expect(c.next()).toBe(1);
      c.setTime(2, 1);
      expect(c.next()).toBe(2);
      expect(c.minTime()).toBe(1);
      c.retire(1);
      c.retire(2);
      expect(c.next()).toBe(-1);
      expect(c.minTime()).toBe(Infinity);
    });
  }

  it('the scan and the heap choose the same stream after any sequence of updates', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 6 }), fc.constantFrom('advance', 'retire', 'set')), {
          maxLength: 300,
        }),
        (n, ops) => {
          const a = new ScanClocks(n);
          const b = new HeapClocks(n);
          for (const [i, x, action] of ops) {
            const k = i % n;
            if (action === 'retire') {
              a.retire(k);
              b.retire(k);
            } else if (action === 'set') {
              a.setTime(k, x); // may move a stream back in time
              b.setTime(k, x);
            } else if (a.timeOf(k) !== Infinity) {
              a.advance(k, x);
              b.advance(k, x);
            }
            expect(b.next()).toBe(a.next());
            expect(a.next()).toBe(b.next());
            expect(b.minTime()).toBe(a.minTime());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
