import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TlbGeometry } from '../../src/models/types.ts';
import { PageSizeClass, Tlb } from '../../src/machine/tlb.ts';
import { TlbHierarchy, TlbOutcome, TlbSide } from '../../src/machine/tlb-hierarchy.ts';

const S = PageSizeClass.small;
const L = PageSizeClass.large;

/** Obviously-correct LRU reference: per set, a list of page numbers, most recent first. */
class ReferenceLru {
  private readonly sets: number[][];
  constructor(
    readonly nsets: number,
    readonly ways: number,
  ) {
    this.sets = Array.from({ length: nsets }, () => []);
  }
  /** Access: true on a hit; on a miss the page is filled (evicting the least recent). */
  access(pn: number): boolean {
    const set = this.sets[pn % this.nsets]!;
    const i = set.indexOf(pn);
    if (i >= 0) set.splice(i, 1);
    set.unshift(pn);
    if (set.length > this.ways) set.pop();
    return i >= 0;
  }
  invalidate(pn: number): void {
    const set = this.sets[pn % this.nsets]!;
    const i = set.indexOf(pn);
    if (i >= 0) set.splice(i, 1);
  }
}

/**
 * Obviously-correct tree PLRU reference: per set, `ways` slots and a tree of booleans (heap order, root 1);
 * a use sets the bits on its path to point away from it; a fill takes the first empty slot, else follows
 * the bits from the root.
 */
class ReferencePlru {
  private readonly slots: Array<Array<number | undefined>>;
  private readonly trees: boolean[][];
  constructor(
    readonly nsets: number,
    readonly ways: number,
  ) {
    this.slots = Array.from({ length: nsets }, () => new Array<number | undefined>(ways).fill(undefined));
    this.trees = Array.from({ length: nsets }, () => new Array<boolean>(ways).fill(false));
  }
  private use(set: number, way: number): void {
    for (let node = this.ways + way; node > 1; node = Math.floor(node / 2)) {
      this.trees[set]![Math.floor(node / 2)] = node % 2 === 0; // came from the left → right is older
    }
  }
  access(pn: number): boolean {
    const set = pn % this.nsets;
    const slots = this.slots[set]!;
    let way = slots.indexOf(pn);
    const hit = way >= 0;
    if (!hit) {
      way = slots.indexOf(undefined);
      if (way < 0) {
        let node = 1;
        while (node < this.ways) node = 2 * node + (this.trees[set]![node] ? 1 : 0);
        way = node - this.ways;
      }
      slots[way] = pn;
    }
    this.use(set, way);
    return hit;
  }
}

function access(tlb: Tlb, pn: number): boolean {
  if (tlb.lookup(pn, S) >= 0) return true;
  tlb.insert(pn, S, false);
  return false;
}

const geometry = (l1: { entries: number; ways: number }, extra: Partial<TlbGeometry> = {}): TlbGeometry => ({
  l1i: l1,
  l1d: l1,
  stlb: { entries: 0, ways: 1 },
  large: { entries: 0, ways: 1 },
  replacement: 'lru',
  ...extra,
});

describe('Tlb with LRU replacement', () => {
  it(
    'gives the same hit/miss sequence as a reference LRU model ' + '(lookup+insert and accessSmall), for any geometry and access stream',
    () => {
      const geometries = fc.constantFrom([1, 1], [4, 1], [4, 4], [8, 2], [12, 4], [16, 4], [6, 3], [64, 64]);
      const ops = fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 20 })), { maxLength: 400 });
      fc.assert(
        fc.property(geometries, ops, ([entries, ways], stream) => {
          const tlb = new Tlb({ entries: entries!, ways: ways!, replacement: 'lru' });
          const oneScan = new Tlb({ entries: entries!, ways: ways!, replacement: 'lru' });
          const ref = new ReferenceLru(entries! / ways!, ways!);
          for (const [pn, dice] of stream) {
            if (dice === 0) {
              tlb.invalidate(pn, S);
              oneScan.invalidate(pn, S);
              ref.invalidate(pn);
            } else {
              const expected = ref.access(pn);
              expect(access(tlb, pn)).toBe(expected);
              expect(oneScan.accessSmall(pn)).toBe(expected);
            }
          }
        }),
      );
    },
  );

  it('indexes sets by page number modulo the number of sets (power of two or not)', () => {
    const twoSets = new Tlb({ entries: 2, ways: 1, replacement: 'lru' });
    access(twoSets, 0);
    access(twoSets, 1); // other set: page 0 stays
    expect(twoSets.probe(0, S)).toBeGreaterThanOrEqual(0);
    access(twoSets, 2); // same set as 0: evicts it
    expect(twoSets.probe(0, S)).toBe(-1);
    const threeSets = new Tlb({ entries: 3, ways: 1, replacement: 'lru' });
    access(threeSets, 0);
    access(threeSets, 4);
    expect(threeSets.probe(0, S)).toBeGreaterThanOrEqual(0);
    access(threeSets, 3);
    expect(threeSets.probe(0, S)).toBe(-1);
  });

  it('fully associative (entries = ways) evicts the least recently used of all entries', () => {
    const tlb = new Tlb({ entries: 4, ways: 4, replacement: 'lru' });
    for (const pn of [10, 20, 30, 40, 10]) access(tlb, pn);
    access(tlb, 50); // evicts 20, the least recent
    expect([10, 20, 30, 40, 50].map((pn) => tlb.probe(pn, S) >= 0)).toEqual([true, false, true, true, true]);
  });
});

describe('Tlb with tree pseudo-LRU replacement', () => {
  it('after A B C D A, a miss evicts C where exact LRU would evict B', () => {
    // 4-way tree: touching A (way 0) points the root to the right half, whose older way is C (way 2).
    const plru = new Tlb({ entries: 4, ways: 4, replacement: 'plru' });
    const lru = new Tlb({ entries: 4, ways: 4, replacement: 'lru' });
    for (const t of [plru, lru]) for (const pn of [1, 2, 3, 4, 1, 5]) access(t, pn);
    expect([1, 2, 3, 4, 5].map((pn) => plru.probe(pn, S) >= 0)).toEqual([true, true, false, true, true]);
    expect([1, 2, 3, 4, 5].map((pn) => lru.probe(pn, S) >= 0)).toEqual([true, false, true, true, true]);
  });

  it('gives the same hit/miss sequence as a reference tree-PLRU model (lookup+insert and accessSmall)', () => {
    const geometries = fc.constantFrom([4, 4], [8, 2], [16, 4], [16, 8], [32, 32], [2, 1]);
    const stream = fc.array(fc.integer({ min: 0, max: 48 }), { maxLength: 400 });
    fc.assert(
      fc.property(geometries, stream, ([entries, ways], pages) => {
        const tlb = new Tlb({ entries: entries!, ways: ways!, replacement: 'plru' });
        const oneScan = new Tlb({ entries: entries!, ways: ways!, replacement: 'plru' });
        const ref = new ReferencePlru(entries! / ways!, ways!);
        for (const pn of pages) {
          const expected = ref.access(pn);
          expect(access(tlb, pn)).toBe(expected);
          expect(oneScan.accessSmall(pn)).toBe(expected);
        }
      }),
    );
  });

  it('never evicts the most recently used entry of a set', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 200 }), (stream) => {
        const tlb = new Tlb({ entries: 16, ways: 8, replacement: 'plru' });
        for (let i = 0; i < stream.length; i++) {
          access(tlb, stream[i]!);
          if (i > 0) {
            // the previous page, if in the same set as this one, must have survived this fill
            const prev = stream[i - 1]!;
            if (prev % 2 === stream[i]! % 2) expect(tlb.probe(prev, S)).toBeGreaterThanOrEqual(0);
          }
        }
      }),
    );
  });
});

describe('Tlb global bit, flushes and INVLPG', () => {
  it('a CR3 write removes non-global entries only; a global flush removes all', () => {
    const tlb = new Tlb({ entries: 8, ways: 2, replacement: 'lru' });
    tlb.insert(1, S, false);
    tlb.insert(2, S, true);
    tlb.insert(3, L, true);
    expect(tlb.flushNonGlobal()).toBe(1);
    expect([tlb.probe(1, S), tlb.probe(2, S) >= 0, tlb.probe(3, L) >= 0]).toEqual([-1, true, true]);
    expect(tlb.flushAll()).toBe(2);
    expect(tlb.validCount).toBe(0);
    expect(tlb.largeCount).toBe(0);
  });

  it('INVLPG removes the entry whatever its global bit, and a later lookup misses', () => {
    const tlb = new Tlb({ entries: 4, ways: 4, replacement: 'lru' });
    tlb.insert(7, S, true);
    expect(tlb.lookup(7, S)).toBeGreaterThanOrEqual(0);
    expect(tlb.invalidate(7, S)).toBe(true);
    expect(tlb.lookup(7, S)).toBe(-1);
    expect(tlb.invalidate(7, S)).toBe(false);
  });

  it('keeps small and large entries of the same number apart', () => {
    const tlb = new Tlb({ entries: 4, ways: 4, replacement: 'lru' });
    tlb.insert(5, L, false);
    expect(tlb.lookup(5, S)).toBe(-1);
    expect(tlb.sizeOf(tlb.lookup(5, L))).toBe(L);
  });

  it('with PCIDs, entries are private to their PCID except global ones', () => {
    const tlb = new Tlb({ entries: 8, ways: 8, replacement: 'lru', pcid: true });
    tlb.setPcid(1);
    tlb.insert(10, S, false);
    tlb.insert(11, S, true);
    tlb.setPcid(2);
    expect(tlb.lookup(10, S)).toBe(-1);
    expect(tlb.lookup(11, S)).toBeGreaterThanOrEqual(0);
    tlb.insert(10, S, false); // pcid 2's own copy
    expect(tlb.validCount).toBe(3);
    expect(tlb.flushNonGlobal(1)).toBe(1);
    expect(tlb.lookup(10, S)).toBeGreaterThanOrEqual(0);
    tlb.setPcid(1);
    expect(tlb.lookup(10, S)).toBe(-1);
  });
});

describe('TlbHierarchy', () => {
  it('counts L1 misses per side and walks, without an STLB', () => {
    const h = new TlbHierarchy(geometry({ entries: 2, ways: 2 }), { largePageShift: 22 });
    const outcomes = [0x1000, 0x1004, 0x2000, 0x3000, 0x1000].map((a) => h.access(TlbSide.data, a));
    expect(outcomes).toEqual([TlbOutcome.miss, TlbOutcome.l1Hit, TlbOutcome.miss, TlbOutcome.miss, TlbOutcome.miss]);
    h.access(TlbSide.instruction, 0x1000);
    expect(h.counters).toEqual({
      itlbLookups: 1,
      dtlbLookups: 5,
      itlbMisses: 1,
      dtlbMisses: 4,
      stlbHits: 0,
      stlbMisses: 0,
      walks: 5,
    });
  });

  it('an L1 miss that hits the STLB copies the entry into L1 and does not walk', () => {
    const h = new TlbHierarchy(geometry({ entries: 1, ways: 1 }, { stlb: { entries: 8, ways: 8 } }), { largePageShift: 22 });
    h.access(TlbSide.data, 0x1000); // walk, fills STLB + L1
    h.access(TlbSide.data, 0x2000); // walk, evicts 0x1000 from L1 only
    expect(h.translate(TlbSide.data, 0x1000)).toBe(TlbOutcome.stlbHit);
    expect(h.translate(TlbSide.data, 0x1000)).toBe(TlbOutcome.l1Hit);
    expect(h.translate(TlbSide.instruction, 0x2000)).toBe(TlbOutcome.stlbHit); // unified second level
    expect(h.counters).toMatchObject({ dtlbMisses: 3, itlbMisses: 1, stlbHits: 2, stlbMisses: 2, walks: 2 });
  });

  it('a large-page entry translates every address of its 4 MiB page; INVLPG of any of them removes it', () => {
    const h = new TlbHierarchy(geometry({ entries: 4, ways: 4 }), { largePageShift: 22 });
    expect(h.translate(TlbSide.data, 0xc0000000)).toBe(TlbOutcome.miss);
    h.fill(TlbSide.data, 0xc0000000, L, true);
    expect(h.translate(TlbSide.data, 0xc03ff000)).toBe(TlbOutcome.l1Hit);
    expect(h.translate(TlbSide.data, 0xc0400000)).toBe(TlbOutcome.miss);
    expect(h.flushNonGlobal()).toBe(0);
    expect(h.invalidatePage(0xc0123456)).toBe(1);
    expect(h.translate(TlbSide.data, 0xc0000000)).toBe(TlbOutcome.miss);
  });

  it('with a separate large-page array, data-side large pages go there and small ones stay in L1 D', () => {
    const h = new TlbHierarchy(geometry({ entries: 2, ways: 2 }, { large: { entries: 2, ways: 2 } }), { largePageShift: 21 });
    h.fill(TlbSide.data, 0xc0000000, L, true);
    expect(h.l1dLarge?.largeCount).toBe(1);
    expect(h.l1d.validCount).toBe(0);
    h.access(TlbSide.data, 0x1000);
    h.access(TlbSide.data, 0x2000);
    h.access(TlbSide.data, 0x3000); // evicts small entries only
    expect(h.translate(TlbSide.data, 0xc01fffff)).toBe(TlbOutcome.l1Hit);
    expect(h.translate(TlbSide.data, 0xc0200000)).toBe(TlbOutcome.miss);
  });
});
