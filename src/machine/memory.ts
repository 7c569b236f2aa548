/**
 * Physical memory: the zones of a Layout (DMA, Normal, HighMem) and a page allocator with the kernel's
 * zonelist fallback (kernel-x86-32.md §4.2).
 *
 * - A highuser request (user pages, page cache, and page tables under HIGHPTE) walks HIGHMEM → NORMAL → DMA;
 *   a kernel request (page tables, kernel stacks, mem_map, other kernel objects) walks NORMAL → DMA and
 *   can never use highmem.
 * - lowmem_reserve: when a request that could have used zone Z falls back to a lower zone L, L keeps
 *   (pages of the zones between L+1 and Z) / ratio[L] pages untouchable, ratio = 256 for DMA and 32 for
 *   NORMAL (vm.lowmem_reserve_ratio defaults, mm/page_alloc.c).
 * - Each zone hands out never-used frames from a bump pointer and reuses freed frames last-in first-out.
 *   Only free counts and frame numbers matter to the model (no buddy orders, no watermarks).
 *
 * A failed kernel request while highmem still has free pages is *lowmem starvation*, a reported outcome.
 * The x86_64 reference has DMA, DMA32 and Normal and no HighMem: every zone serves kernel requests.
 */
import type { Layout } from '../layout/types.ts';
import { PAGE_SIZE } from '../units/address.ts';

/** What a page is used for (memory accounting). Index into `PAGE_USES`. */
export const PageUse = { user: 0, pageCache: 1, pageTables: 2, kernel: 3, memMap: 4 } as const;
export type PageUse = (typeof PageUse)[keyof typeof PageUse];
/** Names of the uses, in index order (the keys of `ZoneUse.byUse`). */
export const PAGE_USES = ['user', 'pageCache', 'pageTables', 'kernel', 'memMap'] as const;

/** Which zonelist a request walks. */
export const Gfp = { highuser: 0, kernel: 1 } as const;
export type Gfp = (typeof Gfp)[keyof typeof Gfp];

/** vm.lowmem_reserve_ratio defaults by zone name: DMA 256, DMA32 256, NORMAL 32 (mm/page_alloc.c). */
const RESERVE_RATIO: Readonly<Record<string, number>> = { DMA: 256, DMA32: 256, Normal: 32, HighMem: 0 };
type ZoneName = 'DMA' | 'DMA32' | 'Normal' | 'HighMem';

/**
 * Lowmem the kernel holds after boot besides mem_map (kernel image, early allocations): LowTotal −
 * LowFree = 863572 − 849316 kB = 14256 kB on the Debian 6.1 PAE box of tests/fixtures/validation/
 * kernel-counts/README.md, rounded to pages.
 */
export const BOOT_RESERVED_LOWMEM_PAGES = Math.round((14256 * 1024) / PAGE_SIZE);

/** One zone's frames and counters. */
class ZoneState {
  readonly name: ZoneName;
  readonly startPfn: number;
  readonly endPfn: number;
  /** Next never-used frame, and the end of the RAM range it is in. */
  private bump: number;
  private bumpEnd: number;
  /** The zone's RAM ranges (the e820 map: no frames in the holes), pfns [start, end) in order. */
  private readonly ranges: ReadonlyArray<readonly [number, number]>;
  private range = 0;
  /** Present pages (RAM in the zone's span). */
  readonly total: number;
  /** Freed frames, reused last-in first-out. */
  private freeStack = new Int32Array(64);
  private freeTop = 0;
  /** Pages used, by PageUse. */
  readonly byUse = new Float64Array(PAGE_USES.length);
  used = 0;

  constructor(name: ZoneName, startPfn: number, endPfn: number, ram: ReadonlyArray<readonly [number, number]>) {
    this.name = name;
    this.startPfn = startPfn;
    this.endPfn = Math.max(startPfn, endPfn);
    const ranges: Array<readonly [number, number]> = [];
    for (const [s, e] of ram) {
      const a = Math.max(s, this.startPfn);
      const b = Math.min(e, this.endPfn);
      if (b > a) ranges.push([a, b]);
    }
    if (ranges.length === 0) ranges.push([this.startPfn, this.startPfn]);
    this.ranges = ranges;
    this.total = ranges.reduce((n, [a, b]) => n + b - a, 0);
    this.bump = ranges[0]![0];
    this.bumpEnd = ranges[0]![1];
  }

  get free(): number {
    return this.total - this.used;
  }

  take(use: PageUse): number {
    let pfn: number;
    if (this.freeTop > 0) pfn = this.freeStack[--this.freeTop]!;
    else {
      if (this.bump >= this.bumpEnd && this.range + 1 < this.ranges.length) {
        const next = this.ranges[++this.range]!;
        this.bump = next[0];
        this.bumpEnd = next[1];
      }
      pfn = this.bump++;
    }
    this.used++;
    this.byUse[use]! += 1;
    return pfn;
  }

  give(pfn: number, use: PageUse): void {
    if (this.freeTop === this.freeStack.length) {
      const grown = new Int32Array(this.freeStack.length * 2);
      grown.set(this.freeStack);
      this.freeStack = grown;
    }
    this.freeStack[this.freeTop++] = pfn;
    this.used--;
    this.byUse[use]! -= 1;
  }
}

/** Zone use for the RunResult (`memory.zones`). */
export interface ZoneReport {
  name: string;
  totalPages: number;
  usedPages: number;
  byUse: Record<string, number>;
}

/** The machine's physical memory. */
export class PhysicalMemory {
  /** Zones in address order (DMA, [DMA32,] Normal, [HighMem]); empty zones left out. */
  private readonly zones: ZoneState[];
  /** Index of the highest zone a kernel request may use (the last non-HighMem zone). */
  private readonly kernelTop: number;
  /** max_low_pfn: frames below it are lowmem (direct-mapped). */
  readonly maxLowPfn: number;
  /** max_pfn: frames at or above it do not exist. */
  readonly maxPfn: number;
  /** Set once a kernel request failed while highmem had free pages. */
  starved = false;

  constructor(layout: Layout) {
    this.zones = layout.zones
      .filter((z) => z.endPfn > z.startPfn)
      .slice()
      .sort((a, b) => a.startPfn - b.startPfn)
      .map((z) => new ZoneState(z.name, z.startPfn, z.endPfn, layout.ram.ranges));
    let top = -1;
    this.zones.forEach((z, i) => {
      if (z.name !== 'HighMem') top = i;
    });
    this.kernelTop = top;
    this.maxLowPfn = layout.maxLowPfn;
    this.maxPfn = layout.maxPfn;
  }

  /** True when `pfn` is a highmem frame under this layout (needs a temporary mapping to be touched). */
  isHighmem(pfn: number): boolean {
    return pfn >= this.maxLowPfn;
  }

  /** Free pages in lowmem (every zone but HighMem) and in highmem. */
  get lowmemFree(): number {
    let n = 0;
    for (const z of this.zones) if (z.name !== 'HighMem') n += z.free;
    return n;
  }
  get highmemFree(): number {
    let n = 0;
    for (const z of this.zones) if (z.name === 'HighMem') n += z.free;
    return n;
  }

  /**
   * Allocates one frame walking the zonelist of `gfp`, honouring lowmem_reserve. Returns the pfn, or -1
   * when no zone can give a page (the caller decides whether that is lowmem starvation).
   */
  alloc(gfp: Gfp, use: PageUse): number {
    const top = gfp === Gfp.highuser ? this.zones.length - 1 : this.kernelTop;
    for (let z = top; z >= 0; z--) {
      const zone = this.zones[z]!;
      if (zone.free <= this.reserve(z, top)) continue;
      return zone.take(use);
    }
    return -1;
  }

  /** Returns a frame to its zone. */
  free(pfn: number, use: PageUse): void {
    this.zoneOf(pfn).give(pfn, use);
  }

  /** Takes `pages` lowmem pages for a boot-time use (mem_map, kernel image); returns how many it got. */
  reserveBoot(pages: number, use: PageUse): number {
    let got = 0;
    for (; got < pages; got++) if (this.alloc(Gfp.kernel, use) < 0) break;
    return got;
  }

  /** Per-zone use, for the RunResult. */
  report(): ZoneReport[] {
    return this.zones.map((zone) => {
      const byUse: Record<string, number> = {};
      PAGE_USES.forEach((name, i) => (byUse[name] = zone.byUse[i]!));
      return { name: zone.name, totalPages: zone.total, usedPages: zone.used, byUse };
    });
  }

  /** Pages zone `lower` keeps from a request whose preferred zone is `top` (lowmem_reserve). */
  private reserve(lower: number, top: number): number {
    if (lower >= top) return 0;
    let above = 0;
    for (let z = lower + 1; z <= top; z++) above += this.zones[z]!.total;
    const ratio = RESERVE_RATIO[this.zones[lower]!.name] ?? 0;
    return ratio > 0 ? Math.floor(above / ratio) : 0;
  }

  private zoneOf(pfn: number): ZoneState {
    for (let z = this.zones.length - 1; z >= 0; z--) if (pfn >= this.zones[z]!.startPfn) return this.zones[z]!;
    return this.zones[0]!;
  }
}
