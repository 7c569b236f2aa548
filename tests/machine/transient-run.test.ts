/**
 * The batched form of consecutive transient kmap copies through one slot (kernel-touch.ts
 * copyCachedHighRun) gives exactly what the per-page operations give: after one translate miss and
 * fillThenInvalidate of a page, `repeatAbsentTransient(vaddr, k)` leaves the counters and the TLBs as k
 * more translate + fillThenInvalidate pairs do, for both replacement policies, with and without an STLB —
 * checked by comparing the counters and replaying the same random accesses afterwards; and
 * `LatencyHistogram.addRepeat(v, k)` leaves the histogram as k `add(v)` do.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../src/machine/accounting.ts';
import { TlbHierarchy, TlbOutcome, TlbSide } from '../../src/machine/tlb-hierarchy.ts';
import type { TlbGeometry } from '../../src/models/types.ts';

const geometries: TlbGeometry[] = [
  {
    l1i: { entries: 8, ways: 2 },
    l1d: { entries: 8, ways: 4 },
    stlb: { entries: 32, ways: 4 },
    large: { entries: 0, ways: 1 },
    replacement: 'lru',
  },
  {
    l1i: { entries: 8, ways: 2 },
    l1d: { entries: 8, ways: 4 },
    stlb: { entries: 32, ways: 4 },
    large: { entries: 0, ways: 1 },
    replacement: 'plru',
  },
  {
    l1i: { entries: 4, ways: 4 },
    l1d: { entries: 4, ways: 2 },
    stlb: { entries: 0, ways: 1 },
    large: { entries: 0, ways: 1 },
    replacement: 'lru',
  },
];

const access = fc.record({ side: fc.constantFrom(TlbSide.data, TlbSide.instruction), page: fc.integer({ min: 0, max: 63 }) });

describe('TlbHierarchy.repeatAbsentTransient', () => {
  for (const g of geometries) {
    it(`equals k more translate + fillThenInvalidate pairs (${g.replacement}, STLB ${g.stlb.entries})`, () => {
      fc.assert(
        fc.property(
          fc.array(access, { maxLength: 60 }),
          fc.integer({ min: 0, max: 63 }),
          fc.integer({ min: 1, max: 20 }),
          fc.array(access, { maxLength: 60 }),
          (before, page, k, after) => {
            const a = new TlbHierarchy(g, { largePageShift: 22 });
            const b = new TlbHierarchy(g, { largePageShift: 22 });
            for (const s of before) expect(b.access(s.side, s.page * 4096)).toBe(a.access(s.side, s.page * 4096));
            const vaddr = page * 4096;
            // Make the page absent first (an INVLPG), then the first transient copy: a miss, fill and drop.
            a.invalidatePage(vaddr);
            b.invalidatePage(vaddr);
            for (const t of [a, b]) {
              expect(t.translate(TlbSide.data, vaddr)).toBe(TlbOutcome.miss);
              t.fillThenInvalidate(vaddr);
              expect(t.knownAbsent(vaddr)).toBe(true);
            }
            for (let i = 0; i < k; i++) {
              expect(a.translate(TlbSide.data, vaddr)).toBe(TlbOutcome.miss);
              a.fillThenInvalidate(vaddr);
            }
            b.repeatAbsentTransient(vaddr, k);
            expect(b.counters).toEqual(a.counters);
            for (const s of after) expect(b.access(s.side, s.page * 4096)).toBe(a.access(s.side, s.page * 4096));
            expect(b.counters).toEqual(a.counters);
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

describe('LatencyHistogram.addRepeat', () => {
  it('equals k adds of the same value, after any earlier samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 20 }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 40 }),
        (before, v, k) => {
          const a = new LatencyHistogram();
          const b = new LatencyHistogram();
          for (const x of before) {
            a.add(x);
            b.add(x);
          }
          for (let j = 0; j < k; j++) a.add(v);
          b.addRepeat(v, k);
          expect(b.quantiles()).toEqual(a.quantiles());
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 300 },
    );
  });
});
