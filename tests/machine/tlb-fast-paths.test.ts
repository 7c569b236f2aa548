/**
 * The TLB fast paths give exactly what the operations they replace give, for both replacement policies,
 * with and without an STLB and a data-side large-page array, with and without PCIDs:
 *
 * 1. `TlbHierarchy.translateFillSmall(side, vaddr)` returns what `translate(side, vaddr)` returns and
 *    leaves the counters, the arrays and the page known absent as that translate followed, on a miss,
 *    by `fill(side, vaddr, small, false)` (i.e. `access`) does.
 * 2. `TlbHierarchy.dataHitRun(first, last)` stops where a walk page by page stops — at the first page
 *    known absent or without a small-page entry in the L1 D-TLB — after counting and making most recent
 *    each page before it as `translate(data, vpn × 4096)` does for an L1 hit.
 * 3. `Tlb.hitSmall(pn)` is `lookup(pn, small) >= 0`; `Tlb.hitSmallRun(first, last)` is that lookup
 *    repeated up to the first miss; `Tlb.accessSmallSlot(pn)` (and `accessSmall`) is a lookup then, on a
 *    miss, `insert(pn, small, false)`, returning on a hit the slot `probe(pn, small)` gave before.
 * 4. `Tlb.flushNonGlobal()` without PCIDs (which visits the slots noted since the last flush, or scans
 *    everything once more were noted than it holds) removes exactly the valid non-global entries: the
 *    count returned is their number, none is found afterwards, every global entry still is, and an array
 *    tagged with PCIDs (always a full scan) driven the same way behaves the same throughout.
 * 5. `Tlb.mayHoldLarge(lpn)` is true for every large page that `probe(lpn, large)` finds, after every
 *    operation of all of the above.
 * 6. `TlbFilter.hit(pn)` (an array's exact filter, the inline hit path of the replay loops) is true
 *    only when `lookup(pn, small)` would hit *and change nothing*: a twin that does the lookup instead
 *    ends in the same state; in a hierarchy, a filter hit on the L1 array of a side is what
 *    `translate` returns as an L1 hit counting one lookup (the data side: unless the page is known
 *    absent, which callers check first).
 *
 * Each property puts two twins in the same random state through the reference operations, applies the
 * fast path to one and the reference to the other (interleaved with more reference operations), compares
 * every result, then the counters and a snapshot of every array (the slot of each page at both sizes,
 * its global bit, the valid and large counts, the replacement victim of each set, the page known
 * absent), and finally replays a random continuation on both, comparing every outcome.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageSizeClass, Tlb } from '../../src/machine/tlb.ts';
import { TlbHierarchy, TlbOutcome, TlbSide } from '../../src/machine/tlb-hierarchy.ts';
import type { Replacement, TlbGeometry } from '../../src/models/types.ts';

const S = PageSizeClass.small;
const L = PageSizeClass.large;
const PAGE = 4096;
const LARGE_SHIFT = 22;
const LARGE = 2 ** LARGE_SHIFT;
const SMALL_PER_LARGE = LARGE / PAGE;

// ---------------------------------------------------------------------------------------------------
// Geometries
// ---------------------------------------------------------------------------------------------------

function geometry(replacement: Replacement, stlb: boolean, large: boolean): TlbGeometry {
  return {
    l1i: { entries: 8, ways: 2 },
    l1d: { entries: 8, ways: 4 },
    stlb: stlb ? { entries: 32, ways: 4 } : { entries: 0, ways: 1 },
    large: large ? { entries: 4, ways: 2 } : { entries: 0, ways: 1 },
    replacement,
  };
}

const geometries: TlbGeometry[] = [];
for (const replacement of ['lru', 'plru'] as const) {
  geometries.push(geometry(replacement, true, true), geometry(replacement, true, false), geometry(replacement, false, false));
}
/** A small fully associative variant (one set per array). */
geometries.push({
  l1i: { entries: 4, ways: 4 },
  l1d: { entries: 4, ways: 4 },
  stlb: { entries: 8, ways: 8 },
  large: { entries: 2, ways: 2 },
  replacement: 'plru',
});

const label = (g: TlbGeometry, pcid: boolean): string =>
  `${g.replacement}, L1D ${g.l1d.entries}/${g.l1d.ways}, STLB ${g.stlb.entries}, large ${g.large.entries}${pcid ? ', PCID' : ''}`;

// ---------------------------------------------------------------------------------------------------
// Address space: a few 4 MiB regions (user ones below 0xc0000000, kernel ones above), 16 pages each
// ---------------------------------------------------------------------------------------------------

/** Large page numbers of the regions: four user ones, two kernel ones (0xc0000000, 0xc0400000). */
const REGIONS = [0, 1, 2, 3, 0xc0000000 / LARGE, 0xc0000000 / LARGE + 1] as const;
const KERNEL_FIRST_REGION = 4;
/** Pages per region that the snapshots look at (runs go past the 16 pages addressed directly). */
const SNAPSHOT_PAGES = 48;
const SMALL_DOMAIN: number[] = REGIONS.flatMap((r) => Array.from({ length: SNAPSHOT_PAGES }, (_, i) => r * SMALL_PER_LARGE + i));
const LARGE_DOMAIN: number[] = [...REGIONS];

const regionArb = fc.integer({ min: 0, max: REGIONS.length - 1 });
const vaddrArb = fc
  .record({ region: regionArb, page: fc.integer({ min: 0, max: 15 }), offset: fc.integer({ min: 0, max: PAGE - 1 }) })
  .map(({ region, page, offset }) => REGIONS[region]! * LARGE + page * PAGE + offset);
const sideArb = fc.constantFrom<TlbSide>(TlbSide.data, TlbSide.instruction);

// ---------------------------------------------------------------------------------------------------
// Hierarchy operations (reference API only)
// ---------------------------------------------------------------------------------------------------

type HOp =
  | { readonly kind: 'fill'; readonly side: TlbSide; readonly vaddr: number; readonly size: PageSizeClass; readonly global: boolean }
  | { readonly kind: 'access'; readonly side: TlbSide; readonly vaddr: number }
  | { readonly kind: 'run'; readonly vaddr: number; readonly n: number }
  | { readonly kind: 'invlpg'; readonly vaddr: number }
  | { readonly kind: 'cr3'; readonly pcid: number | undefined }
  | { readonly kind: 'flushAll' }
  | { readonly kind: 'transient'; readonly vaddr: number; readonly repeat: number }
  | { readonly kind: 'setPcid'; readonly pcid: number };

/** A walk's fill: user pages mostly small and non-global, kernel pages mostly large and global. */
const fillArb: fc.Arbitrary<HOp> = fc
  .record({ side: sideArb, vaddr: vaddrArb, large: fc.integer({ min: 0, max: 3 }), global: fc.integer({ min: 0, max: 3 }) })
  .map(({ side, vaddr, large, global }) => {
    const kernel = vaddr >= REGIONS[KERNEL_FIRST_REGION]! * LARGE;
    return {
      kind: 'fill' as const,
      side,
      vaddr,
      size: (kernel ? large > 0 : large === 0) ? L : S,
      global: kernel ? global > 0 : global === 0,
    };
  });

function hopArb(pcid: boolean): fc.Arbitrary<HOp> {
  const arbs: Array<fc.WeightedArbitrary<HOp>> = [
    { weight: 6, arbitrary: fillArb },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('access' as const), side: sideArb, vaddr: vaddrArb }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('run' as const), vaddr: vaddrArb, n: fc.integer({ min: 1, max: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('invlpg' as const), vaddr: vaddrArb }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('cr3' as const),
        pcid: pcid ? fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }) : fc.constant(undefined),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'flushAll' as const }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('transient' as const), vaddr: vaddrArb, repeat: fc.integer({ min: 0, max: 3 }) }),
    },
  ];
  if (pcid) arbs.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('setPcid' as const), pcid: fc.integer({ min: 0, max: 2 }) }) });
  return fc.oneof(...arbs);
}

/** Applies `op` through the reference operations; returns every result, for comparison. */
function applyH(h: TlbHierarchy, op: HOp): number[] {
  switch (op.kind) {
    case 'fill': {
      const r = h.translate(op.side, op.vaddr);
      if (r === TlbOutcome.miss) h.fill(op.side, op.vaddr, op.size, op.global);
      return [r];
    }
    case 'access':
      return [h.access(op.side, op.vaddr)];
    case 'run': {
      const out: number[] = [];
      for (let i = 0; i < op.n; i++) out.push(h.access(TlbSide.data, op.vaddr + i * PAGE));
      return out;
    }
    case 'invlpg':
      return [h.invalidatePage(op.vaddr)];
    case 'cr3':
      return [h.flushNonGlobal(op.pcid)];
    case 'flushAll':
      return [h.flushAll()];
    case 'transient': {
      // A transient kernel mapping: the touch misses, then fill and INVLPG in one; maybe repeated.
      const r = h.translate(TlbSide.data, op.vaddr);
      if (r === TlbOutcome.miss) {
        h.fillThenInvalidate(op.vaddr);
        if (op.repeat > 0) h.repeatAbsentTransient(op.vaddr, op.repeat);
      }
      return [r];
    }
    case 'setPcid':
      h.setPcid(op.pcid);
      return [];
  }
}

function opVaddr(op: HOp): number | undefined {
  return 'vaddr' in op ? op.vaddr : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Snapshots and the mayHoldLarge check
// ---------------------------------------------------------------------------------------------------

/** What an array holds for the current PCID, and its replacement victims; no state is changed. */
function snapshotTlb(t: Tlb): unknown {
  const pages = (domain: number[], size: PageSizeClass): string[] =>
    domain.flatMap((pn) => {
      const slot = t.probe(pn, size);
      return slot < 0 ? [] : [`${pn}@${slot}${t.isGlobal(slot) ? 'g' : ''}`];
    });
  const victims: number[] = [];
  for (let set = 0; set < t.sets; set++) victims.push(t.replacement.victim(set * t.ways));
  return { valid: t.validCount, large: t.largeCount, pcid: t.pcid, small: pages(SMALL_DOMAIN, S), big: pages(LARGE_DOMAIN, L), victims };
}

function snapshotH(h: TlbHierarchy): unknown {
  return {
    counters: { ...h.counters },
    absent: SMALL_DOMAIN.filter((pn) => h.knownAbsent(pn * PAGE)),
    arrays: h.arrays.map(snapshotTlb),
  };
}

/** Property 5: every large page a probe finds passes mayHoldLarge. */
function expectLargeBounds(t: Tlb, domain: readonly number[] = LARGE_DOMAIN): void {
  for (const lpn of domain) if (t.probe(lpn, L) >= 0) expect(t.mayHoldLarge(lpn), `large page ${lpn}`).toBe(true);
}

function expectLargeBoundsH(h: TlbHierarchy): void {
  for (const t of h.arrays) expectLargeBounds(t);
}

/** Replays `ops` on both, comparing every result; then the counters and snapshots. */
function replayBoth(a: TlbHierarchy, b: TlbHierarchy, ops: readonly HOp[]): void {
  for (const op of ops) {
    expect(applyH(a, op), op.kind).toEqual(applyH(b, op));
    expectLargeBoundsH(a);
  }
  expect(a.counters).toEqual(b.counters);
  expect(snapshotH(a)).toEqual(snapshotH(b));
}

// ---------------------------------------------------------------------------------------------------
// 1. translateFillSmall
// ---------------------------------------------------------------------------------------------------

/** A fast-path step: its address is fresh or the page of the last addressed operation (reuse). */
type FastStep = { readonly fast: true; readonly side: TlbSide; readonly vaddr: number; readonly reuse: boolean; readonly offset: number };
const fastStepArb: fc.Arbitrary<FastStep> = fc.record({
  fast: fc.constant(true as const),
  side: sideArb,
  vaddr: vaddrArb,
  reuse: fc.boolean(),
  offset: fc.integer({ min: 0, max: PAGE - 1 }),
});

describe('TlbHierarchy.translateFillSmall', () => {
  const taken = { fast: 0, fallback: 0, miss: 0, stlbHit: 0, l1Hit: 0 };
  for (const g of geometries) {
    for (const pcid of [false, true]) {
      it(`equals translate, then fill(small, non-global) on a miss (${label(g, pcid)})`, () => {
        fc.assert(
          fc.property(
            fc.array(hopArb(pcid), { maxLength: 60 }),
            fc.array(fc.oneof({ weight: 2, arbitrary: fastStepArb }, { weight: 3, arbitrary: hopArb(pcid) }), {
              minLength: 1,
              maxLength: 40,
            }),
            fc.array(hopArb(pcid), { maxLength: 60 }),
            (prefix, middle, suffix) => {
              const a = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT, pcid });
              const b = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT, pcid });
              replayBoth(a, b, prefix);
              let last: number | undefined;
              for (const step of middle) {
                if ('fast' in step) {
                  const vaddr = step.reuse && last !== undefined ? (last & ~(PAGE - 1)) + step.offset : step.vaddr;
                  const lpn = vaddr >>> LARGE_SHIFT;
                  const data = step.side === TlbSide.data;
                  const slow =
                    (data && a.knownAbsent(vaddr)) ||
                    (data ? a.l1d : a.l1i).mayHoldLarge(lpn) ||
                    (data && a.l1dLarge !== null && a.l1dLarge.mayHoldLarge(lpn)) ||
                    (a.stlb !== null && a.stlb.mayHoldLarge(lpn));
                  const r = a.translateFillSmall(step.side, vaddr);
                  expect(r).toBe(b.access(step.side, vaddr));
                  expect(a.counters).toEqual(b.counters);
                  expect(snapshotH(a)).toEqual(snapshotH(b));
                  expectLargeBoundsH(a);
                  taken[slow ? 'fallback' : 'fast']++;
                  taken[r === TlbOutcome.miss ? 'miss' : r === TlbOutcome.stlbHit ? 'stlbHit' : 'l1Hit']++;
                  last = vaddr;
                } else {
                  expect(applyH(a, step), step.kind).toEqual(applyH(b, step));
                  expectLargeBoundsH(a);
                  last = opVaddr(step) ?? last;
                }
              }
              replayBoth(a, b, suffix);
            },
          ),
          { numRuns: 200 },
        );
      });
    }
  }
  it('an instruction-side fill of the page known absent makes it no longer absent, as fill does', () => {
    const g = geometry('lru', true, false);
    const a = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT });
    const b = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT });
    for (const h of [a, b]) {
      expect(h.translate(TlbSide.data, 0)).toBe(TlbOutcome.miss);
      h.fillThenInvalidate(0);
    }
    expect(a.translateFillSmall(TlbSide.instruction, 0)).toBe(b.access(TlbSide.instruction, 0));
    expect(a.knownAbsent(0)).toBe(b.knownAbsent(0));
    // The STLB now holds the page: a data-side reference finds it there.
    expect(a.translate(TlbSide.data, 0)).toBe(b.translate(TlbSide.data, 0));
    expect(a.counters).toEqual(b.counters);
  });
  it('exercised the one-scan path and the fallback, with every outcome', () => {
    for (const k of Object.keys(taken) as Array<keyof typeof taken>) expect(taken[k], k).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// 2. dataHitRun
// ---------------------------------------------------------------------------------------------------

/** The page-by-page walk dataHitRun replaces: l1Hit while the small-page L1 D entry is there. */
function dataHitRunReference(h: TlbHierarchy, first: number, last: number): number {
  let vpn = first;
  for (; vpn <= last; vpn++) {
    if (h.knownAbsent(vpn * PAGE) || h.l1d.probe(vpn, S) < 0) break;
    expect(h.translate(TlbSide.data, vpn * PAGE)).toBe(TlbOutcome.l1Hit);
  }
  return vpn;
}

describe('TlbHierarchy.dataHitRun', () => {
  const stops = { all: 0, miss: 0, absent: 0, long: 0 };
  for (const g of geometries) {
    for (const pcid of [false, true]) {
      it(`equals l1Hit page by page up to the first small-page L1 D miss (${label(g, pcid)})`, () => {
        fc.assert(
          fc.property(
            fc.array(hopArb(pcid), { maxLength: 60 }),
            fc.record({
              region: regionArb,
              start: fc.integer({ min: 0, max: 15 }),
              length: fc.integer({ min: 0, max: 24 }),
              warm: fc.integer({ min: 0, max: 6 }),
              transient: fc.option(fc.integer({ min: 0, max: 24 }), { nil: undefined }),
            }),
            fc.array(hopArb(pcid), { maxLength: 60 }),
            (prefix, run, suffix) => {
              const a = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT, pcid });
              const b = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT, pcid });
              const first = REGIONS[run.region]! * SMALL_PER_LARGE + run.start;
              const last = first + run.length; // a run of length + 1 pages
              const setup: HOp[] = [...prefix];
              // Warm the start of the run, and maybe leave a page of it known absent.
              if (run.warm > 0) setup.push({ kind: 'run', vaddr: first * PAGE, n: run.warm });
              if (run.transient !== undefined) setup.push({ kind: 'transient', vaddr: (first + run.transient) * PAGE, repeat: 0 });
              replayBoth(a, b, setup);
              const next = a.dataHitRun(first, last);
              expect(next).toBe(dataHitRunReference(b, first, last));
              expect(a.counters).toEqual(b.counters);
              expect(snapshotH(a)).toEqual(snapshotH(b));
              if (next > last) stops.all++;
              else if (a.knownAbsent(next * PAGE)) stops.absent++;
              else stops.miss++;
              if (next - first >= 3) stops.long++;
              replayBoth(a, b, suffix);
            },
          ),
          { numRuns: 200 },
        );
      });
    }
  }
  it('stopped at a miss, at the page known absent, and after the last page', () => {
    for (const k of Object.keys(stops) as Array<keyof typeof stops>) expect(stops[k], k).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// Tlb operations (reference API only)
// ---------------------------------------------------------------------------------------------------

interface TlbShape {
  readonly entries: number;
  readonly ways: number;
}
/** Set-associative (power-of-two and three sets) and fully associative shapes. */
const shapes: TlbShape[] = [
  { entries: 8, ways: 4 },
  { entries: 8, ways: 2 },
  { entries: 12, ways: 4 },
  { entries: 4, ways: 4 },
  { entries: 32, ways: 4 },
];

/** Page numbers of the Tlb-level tests: low ones and a few far ones (kernel-like). */
const TLB_DOMAIN: number[] = [...Array.from({ length: 40 }, (_, i) => i), ...Array.from({ length: 8 }, (_, i) => 0xc0000 + i)];
const pnArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 39 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xc0000, max: 0xc0007 }) },
);
const sizeArb = fc.constantFrom<PageSizeClass>(S, S, L);

type TOp =
  | { readonly kind: 'insert'; readonly pn: number; readonly size: PageSizeClass; readonly global: boolean }
  | { readonly kind: 'lookup'; readonly pn: number; readonly size: PageSizeClass }
  | { readonly kind: 'invalidate'; readonly pn: number; readonly size: PageSizeClass }
  | { readonly kind: 'access'; readonly pn: number }
  | { readonly kind: 'transient'; readonly pn: number; readonly repeat: number }
  | { readonly kind: 'cr3' }
  | { readonly kind: 'flushAll' }
  | { readonly kind: 'burst'; readonly pns: readonly number[] }
  | { readonly kind: 'setPcid'; readonly pcid: number };

function topArb(pcid: boolean, burst = 0): fc.Arbitrary<TOp> {
  const arbs: Array<fc.WeightedArbitrary<TOp>> = [
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('insert' as const), pn: pnArb, size: sizeArb, global: fc.boolean() }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('lookup' as const), pn: pnArb, size: sizeArb }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), pn: pnArb, size: sizeArb }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('access' as const), pn: pnArb }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('transient' as const), pn: pnArb, repeat: fc.integer({ min: 0, max: 3 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'cr3' as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'flushAll' as const }) },
  ];
  if (pcid) arbs.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('setPcid' as const), pcid: fc.integer({ min: 0, max: 2 }) }) });
  if (burst > 0)
    arbs.push({
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('burst' as const), pns: fc.array(pnArb, { minLength: 1, maxLength: burst }) }),
    });
  return fc.oneof(...arbs);
}

/** Applies `op` through the reference operations; returns every result, for comparison. */
function applyT(t: Tlb, op: TOp): number[] {
  switch (op.kind) {
    case 'insert':
      return [t.insert(op.pn, op.size, op.global)];
    case 'lookup':
      return [t.lookup(op.pn, op.size)];
    case 'invalidate':
      return [t.invalidate(op.pn, op.size) ? 1 : 0];
    case 'access': {
      const slot = t.lookup(op.pn, S);
      return slot >= 0 ? [slot] : [-1, t.insert(op.pn, S, false)];
    }
    case 'transient': {
      const slot = t.lookup(op.pn, S);
      if (slot < 0) {
        t.fillThenInvalidateAbsent(op.pn);
        if (op.repeat > 0) t.repeatFillThenInvalidate(op.pn, op.repeat);
      }
      return [slot];
    }
    case 'cr3':
      return [t.flushNonGlobal()];
    case 'flushAll':
      return [t.flushAll()];
    case 'burst':
      return op.pns.map((pn) => t.insert(pn, S, false));
    case 'setPcid':
      t.setPcid(op.pcid);
      return [];
  }
}

/** Snapshot of an array as seen from each PCID 0..2 (the current one is restored). */
function snapshotTlbAllPcids(t: Tlb, pcid: boolean): unknown {
  if (!pcid) return snapshotTlbDomain(t);
  const current = t.pcid;
  const out: unknown[] = [];
  for (let p = 0; p <= 2; p++) {
    t.setPcid(p);
    out.push(snapshotTlbDomain(t));
  }
  t.setPcid(current);
  return { current, out };
}

function snapshotTlbDomain(t: Tlb): unknown {
  const pages = (size: PageSizeClass): string[] =>
    TLB_DOMAIN.flatMap((pn) => {
      const slot = t.probe(pn, size);
      return slot < 0 ? [] : [`${pn}@${slot}${t.isGlobal(slot) ? 'g' : ''}`];
    });
  const victims: number[] = [];
  for (let set = 0; set < t.sets; set++) victims.push(t.replacement.victim(set * t.ways));
  return { valid: t.validCount, large: t.largeCount, small: pages(S), big: pages(L), victims };
}

function replayBothT(a: Tlb, b: Tlb, ops: readonly TOp[], pcid: boolean): void {
  for (const op of ops) {
    expect(applyT(a, op), op.kind).toEqual(applyT(b, op));
    expectLargeBounds(a, TLB_DOMAIN);
  }
  expect(snapshotTlbAllPcids(a, pcid)).toEqual(snapshotTlbAllPcids(b, pcid));
}

// ---------------------------------------------------------------------------------------------------
// 3. hitSmall, hitSmallRun, accessSmallSlot / accessSmall
// ---------------------------------------------------------------------------------------------------

type TFast =
  | { readonly fast: 'hitSmall'; readonly pn: number }
  | { readonly fast: 'hitSmallRun'; readonly first: number; readonly length: number }
  | { readonly fast: 'accessSmallSlot'; readonly pn: number }
  | { readonly fast: 'accessSmall'; readonly pn: number };

const tfastArb: fc.Arbitrary<TFast> = fc.oneof(
  fc.record({ fast: fc.constant('hitSmall' as const), pn: pnArb }),
  fc.record({ fast: fc.constant('hitSmallRun' as const), first: pnArb, length: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ fast: fc.constant('accessSmallSlot' as const), pn: pnArb }),
  fc.record({ fast: fc.constant('accessSmall' as const), pn: pnArb }),
);

/** The fast path on `a`, its reference on `b`; both results. */
function applyFast(a: Tlb, b: Tlb, f: TFast): [number, number] {
  switch (f.fast) {
    case 'hitSmall':
      return [a.hitSmall(f.pn) ? 1 : 0, b.lookup(f.pn, S) >= 0 ? 1 : 0];
    case 'hitSmallRun': {
      const last = f.first + f.length - 1; // length 0: an empty run
      let pn = f.first;
      while (pn <= last && b.lookup(pn, S) >= 0) pn++;
      return [a.hitSmallRun(f.first, last), pn];
    }
    case 'accessSmallSlot':
    case 'accessSmall': {
      const before = b.probe(f.pn, S);
      expect(a.probe(f.pn, S)).toBe(before);
      const hit = b.lookup(f.pn, S);
      expect(hit).toBe(before);
      if (hit < 0) b.insert(f.pn, S, false);
      return f.fast === 'accessSmallSlot' ? [a.accessSmallSlot(f.pn), hit] : [a.accessSmall(f.pn) ? 1 : 0, hit >= 0 ? 1 : 0];
    }
  }
}

describe('Tlb small-page fast paths', () => {
  const seen = { hit: 0, miss: 0, runLong: 0 };
  for (const replacement of ['lru', 'plru'] as const) {
    for (const shape of shapes) {
      for (const pcid of [false, true]) {
        it(
          `hitSmall, hitSmallRun, accessSmallSlot equal lookup (+ insert) ` +
            `(${replacement}, ${shape.entries}/${shape.ways}${pcid ? ', PCID' : ''})`,
          () => {
            fc.assert(
              fc.property(
                fc.array(topArb(pcid), { maxLength: 80 }),
                fc.array(
                  fc.oneof(
                    { weight: 1, arbitrary: tfastArb.map((f) => ({ f })) },
                    { weight: 1, arbitrary: topArb(pcid).map((o) => ({ o })) },
                  ),
                  { minLength: 1, maxLength: 40 },
                ),
                fc.array(topArb(pcid), { maxLength: 60 }),
                (prefix, middle, suffix) => {
                  const a = new Tlb({ ...shape, replacement, pcid });
                  const b = new Tlb({ ...shape, replacement, pcid });
                  replayBothT(a, b, prefix, pcid);
                  for (const step of middle) {
                    if ('f' in step) {
                      const [fast, ref] = applyFast(a, b, step.f);
                      expect(fast, step.f.fast).toBe(ref);
                      expect(snapshotTlbAllPcids(a, pcid)).toEqual(snapshotTlbAllPcids(b, pcid));
                      if (step.f.fast === 'hitSmallRun') {
                        if (fast - step.f.first >= 2) seen.runLong++;
                      } else seen[(step.f.fast === 'accessSmallSlot' ? fast >= 0 : fast === 1) ? 'hit' : 'miss']++;
                    } else {
                      expect(applyT(a, step.o), step.o.kind).toEqual(applyT(b, step.o));
                    }
                    expectLargeBounds(a, TLB_DOMAIN);
                  }
                  replayBothT(a, b, suffix, pcid);
                },
              ),
              { numRuns: 200 },
            );
          },
        );
      }
    }
  }
  it('saw hits, misses and runs of several hits', () => {
    for (const k of Object.keys(seen) as Array<keyof typeof seen>) expect(seen[k], k).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// 4. flushNonGlobal without PCIDs (noted slots, or a full scan after overflow)
// ---------------------------------------------------------------------------------------------------

/** Checks a CR3 write on `t`: the count is the number of valid non-global entries, globals survive. */
function checkedFlush(t: Tlb, smallDomain: readonly number[], largeDomain: readonly number[]): number {
  const nonGlobal: Array<[number, PageSizeClass]> = [];
  const global: Array<[number, PageSizeClass, number]> = [];
  for (const size of [S, L]) {
    for (const pn of size === S ? smallDomain : largeDomain) {
      const slot = t.probe(pn, size);
      if (slot < 0) continue;
      if (t.isGlobal(slot)) global.push([pn, size, slot]);
      else nonGlobal.push([pn, size]);
    }
  }
  expect(t.validCount, 'every valid entry is in the domain').toBe(nonGlobal.length + global.length);
  const n = t.flushNonGlobal();
  expect(n).toBe(nonGlobal.length);
  for (const [pn, size] of nonGlobal) expect(t.probe(pn, size), `non-global ${pn}/${size} after the flush`).toBe(-1);
  for (const [pn, size, slot] of global) {
    expect(t.probe(pn, size), `global ${pn}/${size} after the flush`).toBe(slot);
    expect(t.isGlobal(slot)).toBe(true);
  }
  expect(t.validCount).toBe(global.length);
  return n;
}

/** Non-global entries noted since the last flush, as the array notes them (inserts and filling accesses). */
function notes(op: TOp, results: readonly number[]): number {
  switch (op.kind) {
    case 'insert':
      return op.global ? 0 : 1;
    case 'access':
      return results[0]! < 0 ? 1 : 0;
    case 'burst':
      return op.pns.length;
    default:
      return 0;
  }
}

describe('Tlb.flushNonGlobal without PCIDs', () => {
  const flushes = { noted: 0, overflow: 0, nonEmpty: 0 };
  for (const replacement of ['lru', 'plru'] as const) {
    for (const shape of shapes) {
      it(`removes exactly the non-global entries, as a full scan does (${replacement}, ${shape.entries}/${shape.ways})`, () => {
        fc.assert(
          fc.property(fc.array(topArb(false, 5 * shape.entries), { minLength: 1, maxLength: 120 }), (ops) => {
            const a = new Tlb({ ...shape, replacement });
            // Tagged with PCIDs (always PCID 0): the same entries, slots and victims, and a full-scan flush.
            const b = new Tlb({ ...shape, replacement, pcid: true });
            let noted = 0;
            for (const op of [...ops, { kind: 'cr3' as const }]) {
              if (op.kind === 'cr3') {
                flushes[noted > 4 * shape.entries ? 'overflow' : 'noted']++;
                const n = checkedFlush(a, TLB_DOMAIN, TLB_DOMAIN);
                if (n > 0) flushes.nonEmpty++;
                expect(n).toBe(b.flushNonGlobal());
                noted = 0;
              } else {
                const r = applyT(a, op);
                expect(r, op.kind).toEqual(applyT(b, op));
                noted = op.kind === 'flushAll' ? 0 : noted + notes(op, r);
              }
              expectLargeBounds(a, TLB_DOMAIN);
              expect(snapshotTlbDomain(a)).toEqual(snapshotTlbDomain(b));
            }
          }),
          { numRuns: 250 },
        );
      });
    }
  }

  for (const g of geometries) {
    it(`a hierarchy's CR3 write removes exactly the non-global entries of every array (${label(g, false)})`, () => {
      const burstArb: fc.Arbitrary<HOp[]> = fc
        .array(fc.record({ side: sideArb, vaddr: vaddrArb }), { minLength: 1, maxLength: 80 })
        .map((xs) => xs.map(({ side, vaddr }) => ({ kind: 'access' as const, side, vaddr })));
      fc.assert(
        fc.property(
          fc.array(fc.oneof({ weight: 5, arbitrary: hopArb(false).map((o) => [o]) }, { weight: 1, arbitrary: burstArb }), {
            minLength: 1,
            maxLength: 60,
          }),
          (groups) => {
            const a = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT });
            const b = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT, pcid: true });
            const ops = [...groups.flat(), { kind: 'cr3' as const, pcid: undefined }];
            for (const op of ops) {
              if (op.kind === 'cr3') {
                let n = 0;
                for (const t of a.arrays) n += checkedFlush(t, SMALL_DOMAIN, LARGE_DOMAIN);
                expect(n).toBe(b.flushNonGlobal());
              } else {
                expect(applyH(a, op), op.kind).toEqual(applyH(b, op));
              }
              expectLargeBoundsH(a);
            }
            expect(a.counters).toEqual(b.counters);
            expect(snapshotH(a)).toEqual(snapshotH(b));
          },
        ),
        { numRuns: 200 },
      );
    });
  }

  it('flushed both from the noted slots and after overflow, removing entries', () => {
    for (const k of Object.keys(flushes) as Array<keyof typeof flushes>) expect(flushes[k], k).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------------
// 5. mayHoldLarge (also checked after every operation above)
// ---------------------------------------------------------------------------------------------------

describe('Tlb.mayHoldLarge', () => {
  for (const replacement of ['lru', 'plru'] as const) {
    it(`is true for every large page a probe finds, over wide page ranges (${replacement})`, () => {
      const wide = fc.integer({ min: 0, max: 1023 });
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), pn: wide, size: sizeArb, global: fc.boolean() }) },
              { weight: 2, arbitrary: fc.record({ kind: fc.constant('invalidate' as const), pn: wide, size: sizeArb }) },
              { weight: 3, arbitrary: fc.record({ kind: fc.constant('access' as const), pn: wide }) },
              { weight: 1, arbitrary: fc.record({ kind: fc.constant('transient' as const), pn: wide, repeat: fc.constant(0) }) },
              { weight: 1, arbitrary: fc.constant({ kind: 'cr3' as const }) },
              { weight: 1, arbitrary: fc.constant({ kind: 'flushAll' as const }) },
            ),
            { maxLength: 150 },
          ),
          (ops) => {
            const t = new Tlb({ entries: 8, ways: 2, replacement });
            const inserted = new Set<number>();
            for (const op of ops) {
              applyT(t, op);
              if (op.kind === 'insert' && op.size === L) inserted.add(op.pn);
              expectLargeBounds(t, [...inserted]);
              if (t.largeCount === 0) for (const lpn of inserted) expect(t.probe(lpn, L)).toBe(-1);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// 6. TlbFilter: a hit is a lookup that hits and changes nothing
// ---------------------------------------------------------------------------------------------------

describe('TlbFilter', () => {
  const seen = { filterHit: 0, filterMissArrayHit: 0, miss: 0 };
  for (const replacement of ['lru', 'plru'] as const) {
    for (const shape of shapes) {
      for (const pcid of [false, true]) {
        it(
          `a hit is a lookup that hits and changes nothing ` + `(${replacement}, ${shape.entries}/${shape.ways}${pcid ? ', PCID' : ''})`,
          () => {
            fc.assert(
              fc.property(
                fc.array(topArb(pcid, 6), { maxLength: 80 }),
                fc.array(
                  fc.oneof(
                    { weight: 2, arbitrary: pnArb.map((pn) => ({ pn })) },
                    { weight: 1, arbitrary: topArb(pcid).map((o) => ({ o })) },
                  ),
                  { minLength: 1, maxLength: 40 },
                ),
                (prefix, middle) => {
                  const a = new Tlb({ ...shape, replacement, pcid });
                  const b = new Tlb({ ...shape, replacement, pcid });
                  replayBothT(a, b, prefix, pcid);
                  for (const step of middle) {
                    if ('o' in step) {
                      expect(applyT(a, step.o), step.o.kind).toEqual(applyT(b, step.o));
                      continue;
                    }
                    // a: the filter first, the lookup only when it cannot answer; b: the lookup.
                    const filtered = a.filter.hit(step.pn);
                    const hitA = filtered || a.lookup(step.pn, S) >= 0;
                    const hitB = b.lookup(step.pn, S) >= 0;
                    expect(hitA).toBe(hitB);
                    if (filtered) expect(a.probe(step.pn, S)).toBe(b.probe(step.pn, S));
                    expect(snapshotTlbAllPcids(a, pcid)).toEqual(snapshotTlbAllPcids(b, pcid));
                    seen[filtered ? 'filterHit' : hitB ? 'filterMissArrayHit' : 'miss']++;
                  }
                  // Every page of the domain: a filter hit is a hit of the current address space.
                  for (const pn of TLB_DOMAIN) if (a.filter.hit(pn)) expect(a.probe(pn, S), `page ${pn}`).toBeGreaterThanOrEqual(0);
                },
              ),
              { numRuns: 200 },
            );
          },
        );
      }
    }
  }
  for (const g of geometries) {
    for (const pcid of [false, true]) {
      it(`an L1 filter hit is translate's L1 hit (${label(g, pcid)})`, () => {
        fc.assert(
          fc.property(fc.array(hopArb(pcid), { maxLength: 80 }), (ops) => {
            const h = new TlbHierarchy(g, { largePageShift: LARGE_SHIFT, pcid });
            for (const op of ops) {
              applyH(h, op);
              for (const pn of SMALL_DOMAIN) {
                for (const side of [TlbSide.instruction, TlbSide.data]) {
                  const l1 = side === TlbSide.data ? h.l1d : h.l1i;
                  if (!l1.filter.hit(pn) || (side === TlbSide.data && h.knownAbsent(pn * PAGE))) continue;
                  const before = { counters: { ...h.counters }, arrays: snapshotH(h) };
                  expect(h.translate(side, pn * PAGE)).toBe(TlbOutcome.l1Hit);
                  const lookups = side === TlbSide.data ? 'dtlbLookups' : 'itlbLookups';
                  expect(h.counters).toEqual({ ...before.counters, [lookups]: before.counters[lookups] + 1 });
                  h.counters[lookups]--;
                  expect(snapshotH(h)).toEqual(before.arrays);
                }
              }
            }
          }),
          { numRuns: 60 },
        );
      });
    }
  }
  it('answered hits from the filter, hits from the array and misses', () => {
    for (const k of Object.keys(seen) as Array<keyof typeof seen>) expect(seen[k], k).toBeGreaterThan(0);
  });
});
