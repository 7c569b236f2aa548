/**
 * The replay's hot-path shortcuts give exactly what the general operations give:
 * - TlbHierarchy.fillThenInvalidate (a kmap_local/atomic touch that missed, then its INVLPG) leaves the
 *   TLBs as fill + invalidatePage do, for both replacement policies, with and without an STLB and a
 *   large-page array — checked by replaying the same random accesses afterwards;
 * - fixed costs (src/machine/fixed-costs.ts) are taken only from deterministic forms, at the argument
 *   the machine passes; distributions stay CostFns (the RNG stream is unchanged).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixedCost, NOT_FIXED } from '../../src/machine/fixed-costs.ts';
import { PageSizeClass } from '../../src/machine/tlb.ts';
import { TlbHierarchy, TlbOutcome, TlbSide } from '../../src/machine/tlb-hierarchy.ts';
import type { TlbGeometry } from '../../src/models/types.ts';
import { modelOf } from './helpers.ts';

/** One step of a random TLB history: data/instruction access of a small page, or a large-page fill. */
type Step = { kind: 'access'; side: 0 | 1; vaddr: number } | { kind: 'large'; vaddr: number; global: boolean };

function apply(t: TlbHierarchy, s: Step): number {
  if (s.kind === 'large') {
    const r = t.translate(TlbSide.data, s.vaddr);
    if (r === TlbOutcome.miss) t.fill(TlbSide.data, s.vaddr, PageSizeClass.large, s.global);
    return r;
  }
  return t.access(s.side, s.vaddr);
}

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
    large: { entries: 4, ways: 4 },
    replacement: 'plru',
  },
  {
    l1i: { entries: 4, ways: 4 },
    l1d: { entries: 4, ways: 2 },
    stlb: { entries: 0, ways: 1 },
    large: { entries: 0, ways: 1 },
    replacement: 'plru',
  },
];

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('access' as const),
    side: fc.constantFrom(0 as const, 1 as const),
    vaddr: fc.integer({ min: 0, max: 63 }).map((p) => p * 4096),
  }),
  fc.record({ kind: fc.constant('large' as const), vaddr: fc.integer({ min: 0, max: 3 }).map((p) => p << 22), global: fc.boolean() }),
);

describe('TlbHierarchy.fillThenInvalidate', () => {
  for (const g of geometries) {
    it(`equals fill + invalidatePage after a miss (${g.replacement}, STLB ${g.stlb.entries}, large ${g.large.entries})`, () => {
      fc.assert(
        fc.property(
          fc.array(step, { maxLength: 40 }),
          fc.array(fc.record({ page: fc.integer({ min: 0, max: 63 }), global: fc.boolean(), then: fc.array(step, { maxLength: 20 }) }), {
            minLength: 1,
            maxLength: 6,
          }),
          (before, rounds) => {
            const a = new TlbHierarchy(g, { largePageShift: 22 });
            const b = new TlbHierarchy(g, { largePageShift: 22 });
            for (const s of before) expect(apply(b, s)).toBe(apply(a, s));
            for (const { page, global, then } of rounds) {
              // A transient kmap: touch (translate, fill on a miss), then INVLPG — twice in a row, as
              // consecutive page copies through one kmap_local slot do.
              for (let k = 0; k < 2; k++) {
                const vaddr = page * 4096;
                const ra = a.translate(TlbSide.data, vaddr);
                expect(b.translate(TlbSide.data, vaddr)).toBe(ra);
                if (ra === TlbOutcome.miss) {
                  a.fill(TlbSide.data, vaddr, PageSizeClass.small, global);
                  a.invalidatePage(vaddr);
                  b.fillThenInvalidate(vaddr);
                } else {
                  a.invalidatePage(vaddr);
                  b.invalidatePage(vaddr);
                }
              }
              for (const s of then) expect(apply(b, s)).toBe(apply(a, s));
            }
            expect(b.counters).toEqual(a.counters);
            expect(b.arrays.map((t) => [t.validCount, t.largeCount])).toEqual(a.arrays.map((t) => [t.validCount, t.largeCount]));
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

describe('fixed costs', () => {
  it(
    'are the value of constant, linear and table forms at the machine argument (core2: ' +
      'invlpg 232, walk 22.5/ref, copy 0.267/byte, pteWrite table 4 B → 1, 8 B → 2)',
    async () => {
      // Figures from models/core2.json.
      const m = await modelOf('core2');
      expect(fixedCost(m, 'invlpg', 0)).toBe(232);
      expect(fixedCost(m, 'walk', 2)).toBe(45);
      expect(fixedCost(m, 'copy', 4096)).toBe(0.267 * 4096);
      expect(fixedCost(m, 'pteWrite', 4)).toBe(1);
      expect(fixedCost(m, 'pteWrite', 8)).toBe(2); // PAE: two 32-bit stores
    },
  );

  it('are NOT_FIXED for a distribution, which keeps drawing from the RNG', async () => {
    const m = await modelOf('core2', ['costs.invlpg={"normal":{"mean":216,"sd":40}}']);
    expect(fixedCost(m, 'invlpg', 0)).toBe(NOT_FIXED);
    const { params: _drop, ...bare } = await modelOf('core2');
    expect(fixedCost(bare, 'invlpg', 0)).toBe(NOT_FIXED); // no params: nothing says it is constant
  });
});
