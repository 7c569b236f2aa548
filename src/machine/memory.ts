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
 * - Watermarks (setWatermarks, from min_free_kbytes as mm/page_alloc.c __setup_per_zone_wmarks sets
 *   them): a zone gives a page only while free > watermark + lowmem_reserve; the fast path checks the
 *   low watermark, the slow path (after waking kswapd) the min watermark (Machine.allocFrame).
 * - Each zone hands out never-used frames from a bump pointer and reuses freed frames last-in first-out.
 *   Only free counts and frame numbers matter to the model (no buddy orders).
 *
 * A failed kernel request while highmem still has free pages is a *lowmem OOM*, a reported outcome.
 * The x86_64 reference has DMA, DMA32 and Normal and no HighMem: every zone serves kernel requests.
 */
import type { Layout } from '../layout/types.ts';
import { PAGE_SIZE } from '../units/address.ts';
import type { ZoneUse } from '../result/run-result.ts';

/** What a page is used for (memory accounting). Index into `PAGE_USES`. */
export const PageUse = { user: 0, pageCache: 1, pageTables: 2, kernel: 3, memMap: 4, slab: 5, kernelStack: 6 } as const;
export type PageUse = (typeof PageUse)[keyof typeof PageUse];
/** Names of the uses, in index order (the keys of `ZoneUse.byUse`). */
export const PAGE_USES = ['user', 'pageCache', 'pageTables', 'kernel', 'memMap', 'slab', 'kernelStack'] as const;

/** Watermark a request is checked against (mm/page_alloc.c ALLOC_WMARK_MIN/LOW/HIGH; none at boot). */
export const Wmark = { min: 0, low: 1, high: 2, none: 3 } as const;
export type Wmark = (typeof Wmark)[keyof typeof Wmark];

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
  /** Watermarks min, low, high (pages; 0 until setWatermarks), and a fourth 0 for Wmark.none. */
  readonly wmark = new Float64Array(4);
  /** Managed pages when the watermarks were set (present minus boot reservations). */
  managed = 0;
  /** The fewest free pages seen since the watermarks were set. */
  minFree = Infinity;

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
    const free = this.total - this.used;
    if (free < this.minFree) this.minFree = free;
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

/** int_sqrt (lib/math/int_sqrt.c): the floor of the square root. */
function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/** What sizes the page allocator's reserves (a kernel profile's layout.kernelObjects). */
export interface ReserveParams {
  /** Upper clamp of min_free_kbytes (262144 in 5.7+, 65536 before). */
  readonly minFreeKbytesMax: number;
  /** khugepaged raises min_free_kbytes (transparent hugepages enabled at boot). */
  readonly thp: boolean;
  /** pageblock_nr_pages: 1 << HUGETLB_PAGE_ORDER (1024 non-PAE 4 MiB pages, 512 PAE 2 MiB pages). */
  readonly pageblockPages: number;
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
   * Allocates one frame walking the zonelist of `gfp`, honouring lowmem_reserve and the `mark` watermark
   * (none: boot-time reservations). Returns the pfn, or -1
   * when no zone can give a page (the caller decides whether that is a lowmem OOM).
   */
  alloc(gfp: Gfp, use: PageUse, mark: Wmark = Wmark.none): number {
    const top = gfp === Gfp.highuser ? this.zones.length - 1 : this.kernelTop;
    for (let z = top; z >= 0; z--) {
      const zone = this.zones[z]!;
      if (zone.free <= zone.wmark[mark]! + this.reserve(z, top)) continue;
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
  report(): ZoneUse[] {
    return this.zones.map((zone) => {
      const byUse: Record<string, number> = {};
      PAGE_USES.forEach((name, i) => {
        byUse[name] = zone.byUse[i]!;
      });
      return {
        name: zone.name,
        totalPages: zone.total,
        usedPages: zone.used,
        byUse,
        managedPages: zone.managed,
        watermarks: { min: zone.wmark[Wmark.min]!, low: zone.wmark[Wmark.low]!, high: zone.wmark[Wmark.high]! },
        minFreePages: Math.min(zone.minFree, zone.free),
        endFreePages: zone.free,
      };
    });
  }

  /**
   * min_free_kbytes and the zone watermarks as the kernel sets them at boot (Linux 6.1), from the pages
   * each zone manages now (present minus mem_map and the boot reserve):
   * - init_per_zone_wmark_min: min_free_kbytes = int_sqrt(lowmem_kbytes × 16), clamped to [128, max],
   *   lowmem_kbytes = nr_free_buffer_pages() × 4 (managed pages of the zones GFP_USER may use; the high
   *   watermarks are still 0 then);
   * - with transparent hugepages, khugepaged (set_recommended_min_free_kbytes) raises it to
   *   pageblock_nr_pages × nr_zones × (2 + MIGRATE_PCPTYPES²) pages, nr_zones the populated zones up to
   *   ZONE_NORMAL, capped at 5 % of nr_free_buffer_pages() (managed − high watermark, lowmem zones);
   * - __setup_per_zone_wmarks: a lowmem zone's min is its managed share of min_free_kbytes/4 pages; a
   *   HighMem zone's is managed/1024 clamped to [SWAP_CLUSTER_MAX, 128]; every zone's low and high are
   *   min + tmp and min + 2·tmp, tmp = max(share/4, managed × watermark_scale_factor (10) / 10000),
   *   share = min_free pages × managed / lowmem managed (computed for HighMem too).
   * Returns min_free_kbytes.
   */
  setWatermarks(p: ReserveParams): number {
    for (const z of this.zones) z.managed = z.free;
    const lowZones = this.zones.filter((z) => z.name !== 'HighMem');
    const lowManaged = lowZones.reduce((n, z) => n + z.managed, 0);
    const clamp = (kb: number): number => Math.min(Math.max(kb, 128), p.minFreeKbytesMax);
    let minFreeKb = clamp(intSqrt(lowManaged * 4 * 16));
    this.applyWatermarks(minFreeKb, lowManaged);
    if (p.thp) {
      const nrZones = lowZones.filter((z) => z.managed > 0).length;
      const buffer = lowZones.reduce((n, z) => n + Math.max(0, z.managed - z.wmark[Wmark.high]!), 0);
      const recommended = Math.min(p.pageblockPages * nrZones * (2 + 3 * 3), Math.floor(buffer / 20)) * 4;
      if (recommended > minFreeKb) minFreeKb = recommended;
      this.applyWatermarks(minFreeKb, lowManaged);
    }
    for (const z of this.zones) z.minFree = z.free;
    return minFreeKb;
  }

  private applyWatermarks(minFreeKb: number, lowManaged: number): void {
    const pagesMin = Math.floor(minFreeKb / 4);
    for (const z of this.zones) {
      const share = lowManaged > 0 ? Math.floor((pagesMin * z.managed) / lowManaged) : 0;
      const min = z.name === 'HighMem' ? Math.min(Math.max(Math.floor(z.managed / 1024), 32), 128) : share;
      const tmp = Math.max(share >> 2, Math.floor((z.managed * 10) / 10000));
      z.wmark[Wmark.min] = min;
      z.wmark[Wmark.low] = min + tmp;
      z.wmark[Wmark.high] = min + 2 * tmp;
    }
  }

  /**
   * zone_watermark_ok with `mark` for the zones a `gfp` request may use: true when one of them has more
   * free pages than its watermark plus its lowmem_reserve for that request (pgdat_balanced: one
   * balanced zone suffices).
   */
  balanced(gfp: Gfp, mark: Wmark): boolean {
    const top = gfp === Gfp.highuser ? this.zones.length - 1 : this.kernelTop;
    for (let z = top; z >= 0; z--) {
      const zone = this.zones[z]!;
      if (zone.free > zone.wmark[mark]! + this.reserve(z, top)) return true;
    }
    return false;
  }

  /**
   * nr_free_buffer_pages() (mm/page_alloc.c nr_free_zone_pages(gfp_zone(GFP_USER))): over the zones up to
   * ZONE_NORMAL — lowmem on x86-32 — managed pages above each zone's high watermark. What the kernel sizes
   * its network buffer limits by (tcp_mem, net/ipv4/tcp.c tcp_init_mem).
   */
  bufferPages(): number {
    let n = 0;
    for (const z of this.zones) if (z.name !== 'HighMem') n += Math.max(0, z.managed - z.wmark[Wmark.high]!);
    return n;
  }

  /** Free pages of the zones a `gfp` request may use beyond their `mark` watermark and reserve. */
  headroom(gfp: Gfp, mark: Wmark): number {
    const top = gfp === Gfp.highuser ? this.zones.length - 1 : this.kernelTop;
    let n = 0;
    for (let z = top; z >= 0; z--) {
      const zone = this.zones[z]!;
      n += Math.max(0, zone.free - zone.wmark[mark]! - this.reserve(z, top));
    }
    return n;
  }

  /** Pages zone `lower` keeps from a request whose preferred zone is `top` (lowmem_reserve). */
  private reserve(lower: number, top: number): number {
    if (lower >= top) return 0;
    let above = 0;
    // setup_per_zone_lowmem_reserve counts managed pages (present pages before the watermarks are set).
    for (let z = lower + 1; z <= top; z++) above += this.zones[z]!.managed > 0 ? this.zones[z]!.managed : this.zones[z]!.total;
    const ratio = RESERVE_RATIO[this.zones[lower]!.name] ?? 0;
    return ratio > 0 ? Math.floor(above / ratio) : 0;
  }

  private zoneOf(pfn: number): ZoneState {
    for (let z = this.zones.length - 1; z >= 0; z--) if (pfn >= this.zones[z]!.startPfn) return this.zones[z]!;
    return this.zones[0]!;
  }
}
