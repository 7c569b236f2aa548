/**
 * The page cache keeps (file, page) → frame exactly, whatever the offsets: dense files in typed arrays,
 * sparse or huge offsets in a Map, pages moving between the two as a file fills up; the LRU lists and
 * shadow entries of mm/workingset.c. Compared with a plain Map model on random operations.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageCache } from '../../src/machine/pagecache.ts';

type Op = { kind: 'insert'; file: number; index: number } | { kind: 'evict' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      file: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(2 ** 20, 2 ** 40)),
      index: fc.oneof(
        fc.integer({ min: 0, max: 300 }),
        fc.nat(300).map((i) => 300 - i),
        fc.constantFrom(5000, 2 ** 20 - 1, 2 ** 20, 2 ** 33),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('evict' as const) }) },
);

const FILES = [1, 2, 3, 4, 2 ** 20, 2 ** 40];

/**
 * forEachPage against the Map model: from 0 and from a middle index, every cached page of the file in
 * index order; a walk whose callback returns true stops right there.
 */
function walks(cache: PageCache, model: Map<string, number>): void {
  for (const file of FILES) {
    const want = [...model]
      .filter(([k]) => Number(k.split(':')[0]) === file)
      .map(([k, pfn]) => [Number(k.split(':')[1]), pfn] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const d = cache.denseFile(file);
    for (const from of [0, want[want.length >> 1]?.[0] ?? 0]) {
      const got: Array<[number, number]> = [];
      cache.forEachPage(d, (i, pfn) => void got.push([i, pfn]), from);
      expect(got).toEqual(want.filter(([i]) => i >= from));
    }
    const stopAt = want.length >> 1;
    let calls = 0;
    cache.forEachPage(d, () => ++calls > stopAt);
    expect(calls).toBe(Math.min(want.length, stopAt + 1));
  }
}

describe('PageCache', () => {
  it('a page cached beyond the array of a sparse file is still found once the array grows over it', () => {
    const cache = new PageCache();
    cache.insert(1, 200, 7); // sparse: kept in the Map
    for (let i = 0; i < 40; i++) cache.insert(1, i, 100 + i);
    cache.insert(1, 150, 9); // dense enough now: the array grows to cover 200
    expect(cache.lookup(1, 200)).toBe(7);
    expect(cache.lookup(1, 150)).toBe(9);
    expect(cache.lookup(1, 39)).toBe(139);
    expect(cache.size).toBe(42);
  });

  it('answers like a Map of (file, page); eviction takes the inactive tail and leaves a shadow entry', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const cache = new PageCache();
        const model = new Map<string, number>();
        const order: string[] = []; // inactive list, oldest first (nothing is accessed: no activation)
        const evicted = new Set<string>();
        const seen: Array<[number, number]> = [];
        let nextPfn = 1;
        let step = 0;
        for (const o of ops) {
          if (o.kind === 'insert') {
            const key = `${o.file}:${o.index}`;
            if (model.has(key)) continue;
            const pfn = nextPfn++;
            cache.insert(o.file, o.index, pfn);
            model.set(key, pfn);
            order.push(key);
            evicted.delete(key);
            seen.push([o.file, o.index]);
          } else {
            const key = order.shift();
            expect(cache.inactiveTail).toBe(key === undefined ? -1 : model.get(key));
            if (key === undefined) continue;
            cache.evict(model.get(key)!);
            model.delete(key);
            evicted.add(key);
          }
          expect(cache.size).toBe(model.size);
          expect(cache.inactiveCount).toBe(model.size);
          if (++step % 4 === 0) walks(cache, model);
        }
        walks(cache, model);
        for (const [file, index] of seen) {
          const key = `${file}:${index}`;
          expect(cache.lookup(file, index)).toBe(model.get(key) ?? -1);
          expect(cache.refaultDistance(file, index) >= 0).toBe(evicted.has(key));
        }
      }),
      { numRuns: 200 },
    );
  });

  it(
    'folio_mark_accessed: the second access of an inactive page activates ' +
      'it; a refault distance counts evictions and activations since',
    () => {
      const cache = new PageCache();
      for (let i = 0; i < 4; i++) cache.insert(1, i, 10 + i);
      cache.markAccessed(10); // referenced
      expect([cache.inactiveCount, cache.activeCount]).toEqual([4, 0]);
      cache.markAccessed(10); // referenced + inactive → active
      expect([cache.inactiveCount, cache.activeCount]).toEqual([3, 1]);
      // inactive (oldest first): 11, 12, 13 — 3 × 1 < 1 is false: not low
      expect(cache.inactiveIsLow()).toBe(false);
      expect(cache.inactiveTail).toBe(11);
      cache.evict(11); // age 1 (the activation) at eviction, then 2
      cache.evict(12); // age 2, then 3
      expect(cache.refaultDistance(1, 1)).toBe(2);
      expect(cache.refaultDistance(1, 2)).toBe(1);
      expect(cache.refaultDistance(1, 0)).toBe(-1); // cached
      expect(cache.refaultDistance(1, 9)).toBe(-1); // never cached
      expect(cache.lookup(1, 1)).toBe(-1);
    },
  );
});
