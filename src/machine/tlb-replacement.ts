/**
 * TLB replacement policies (one per `Replacement` name of the cost model, as in ChampSim's
 * `replacement/<name>/`). A policy keeps its own per-set state in typed arrays and implements two hooks:
 * `touch` (an entry was used: hit or fill) and `victim` (which way of a full set to replace). The TLB
 * itself fills invalid ways before asking for a victim, so policies only ever see full sets.
 *
 * Entries are addressed as (base, way): `base` = set index × ways, the first slot of the set.
 */
import type { Replacement } from '../models/types.ts';

/** Replacement state of one TLB array. */
export interface ReplacementPolicy {
  /** Name as in the model (`tlb.replacement`). */
  readonly name: Replacement;
  /** Records a use of way `way` of the set starting at slot `base`. */
  touch(base: number, way: number): void;
  /** `touch(base, way)` `k` times over (k ≥ 1): the same state. */
  touchRepeat(base: number, way: number, k: number): void;
  /** The way to evict from the full set starting at slot `base`. */
  victim(base: number): number;
  /** Forgets all history (after a full flush). */
  reset(): void;
}

/**
 * Exact LRU: every use stamps the entry with an increasing counter; the victim is the smallest stamp in
 * the set. Touch O(1), victim O(ways). Stamps are doubles: exact for 2^53 uses.
 */
export class LruPolicy implements ReplacementPolicy {
  readonly name = 'lru' as const;
  /** Stamp of each entry. */
  private readonly stamps: Float64Array;
  /** The last stamp given. */
  private clock = 0;

  constructor(
    entries: number,
    private readonly ways: number,
  ) {
    this.stamps = new Float64Array(entries);
  }

  touch(base: number, way: number): void {
    this.stamps[base + way] = ++this.clock;
  }

  touchRepeat(base: number, way: number, k: number): void {
    this.clock += k;
    this.stamps[base + way] = this.clock;
  }

  victim(base: number): number {
    const s = this.stamps;
    let best = 0;
    let bestStamp = s[base] as number;
    for (let w = 1; w < this.ways; w++) {
      const v = s[base + w] as number;
      if (v < bestStamp) {
        bestStamp = v;
        best = w;
      }
    }
    return best;
  }

  reset(): void {
    this.stamps.fill(0);
    this.clock = 0;
  }
}

/**
 * Tree pseudo-LRU (as in Intel/AMD L1 TLBs and caches): a binary tree of ways−1 bits per set; each bit
 * points to the half that was used less recently. A use flips the bits on the way's path to point away
 * from it; the victim is found by following the bits from the root. Needs a power-of-two way count.
 * Nodes are numbered heap-style per set: root 1, children 2k and 2k+1, leaf of way w = ways + w.
 */
export class PlruPolicy implements ReplacementPolicy {
  readonly name = 'plru' as const;
  /** One byte per tree node: 0 → the left subtree is older, 1 → the right one is. Index 0 unused. */
  private readonly bits: Uint8Array;

  constructor(
    entries: number,
    private readonly ways: number,
  ) {
    if ((ways & (ways - 1)) !== 0) throw new Error(`PlruPolicy: ways must be a power of two, got ${ways}`);
    this.bits = new Uint8Array(entries);
  }

  touch(base: number, way: number): void {
    const bits = this.bits;
    let node = this.ways + way;
    while (node > 1) {
      const parent = node >> 1;
      // Came from the left child (even) → the right half is now the older one.
      bits[base + parent] = (node & 1) === 0 ? 1 : 0;
      node = parent;
    }
  }

  touchRepeat(base: number, way: number): void {
    // A touch only sets the bits on the way's path: a second one of the same way changes nothing.
    this.touch(base, way);
  }

  victim(base: number): number {
    const bits = this.bits;
    let node = 1;
    while (node < this.ways) node = 2 * node + (bits[base + node] as number);
    return node - this.ways;
  }

  reset(): void {
    this.bits.fill(0);
  }
}

/** The policy named `name` for an array of `entries` entries in sets of `ways`. */
export function createReplacement(name: Replacement, entries: number, ways: number): ReplacementPolicy {
  return name === 'lru' ? new LruPolicy(entries, ways) : new PlruPolicy(entries, ways);
}
