/**
 * The page cache keeps (file, page) → frame exactly, whatever the offsets: dense files in typed arrays,
 * sparse or huge offsets in a Map, pages moving between the two as a file fills up; eviction is oldest
 * first and skips pages the caller refuses. Compared with a plain Map model on random operations.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageCache } from '../../src/machine/pagecache.ts';

type Op = { kind: 'insert'; file: number; index: number } | { kind: 'evict'; refuseOdd: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      file: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(2 ** 20, 2 ** 40)),
      index: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.nat(300).map((i) => 300 - i), fc.constantFrom(5000, 2 ** 20 - 1, 2 ** 20, 2 ** 33)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('evict' as const), refuseOdd: fc.boolean() }) },
);

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

  it('answers like a Map of (file, page) with a FIFO of insertions', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const cache = new PageCache();
        const model = new Map<string, number>();
        const fifo: string[] = [];
        const seen: Array<[number, number]> = [];
        let nextPfn = 1;
        for (const o of ops) {
          if (o.kind === 'insert') {
            const key = `${o.file}:${o.index}`;
            const pfn = nextPfn++;
            cache.insert(o.file, o.index, pfn);
            model.set(key, pfn);
            fifo.push(key);
            seen.push([o.file, o.index]);
          } else {
            const accept = (pfn: number): boolean => !o.refuseOdd || pfn % 2 === 0;
            let expected = -1;
            for (let budget = fifo.length; budget > 0; budget--) {
              const key = fifo.shift()!;
              const pfn = model.get(key);
              if (pfn === undefined) continue;
              if (!accept(pfn)) {
                fifo.push(key);
                continue;
              }
              model.delete(key);
              expected = pfn;
              break;
            }
            expect(cache.evictOldest(accept)).toBe(expected);
          }
          expect(cache.size).toBe(model.size);
        }
        for (const [file, index] of seen) expect(cache.lookup(file, index)).toBe(model.get(`${file}:${index}`) ?? -1);
      }),
      { numRuns: 200 },
    );
  });
});
