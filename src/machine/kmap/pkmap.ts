/**
 * The pkmap pool: kmap()/kunmap() of highmem pages, exactly as mm/highmem.c (kmap_high, map_new_virtual,
 * flush_all_zero_pkmaps, kunmap_high).
 *
 * The three meanings of a slot count (`pkmap_count[nr]` in mm/highmem.c):
 * - **0 — free**: the slot is unmapped and no CPU can hold a stale TLB entry for it since the last flush;
 *   it may be handed out.
 * - **1 — stale**: nobody uses the slot, but its PTE still maps the last page (lazy unmap) and any CPU may
 *   still cache that translation. It cannot be handed out until the next cursor wrap clears it and flushes
 *   the TLBs of all CPUs. A later kmap() of the same page finds and reuses it for free.
 * - **n ≥ 2 — in use**: mapped, with n − 1 users.
 *
 * The cursor `last_pkmap_nr` starts at 0 and is advanced (mod LAST_PKMAP) *before* each probe, so the
 * first slot handed out after boot is slot 1 and slot 0 is only probed after a wrap. Reaching slot 0 is
 * the wrap: every stale slot is cleared and — if any was — ONE flush of the whole pkmap range on all CPUs
 * follows. A full circle without a free slot puts the caller to sleep on `pkmap_map_wait` until a kunmap
 * drops a count to 1.
 *
 * This module is the pool's state only (what mm/highmem.c does under kmap_lock); the lock, the flush and
 * the sleep are timed by the caller (src/machine/kmap/kernel-touch.ts) from the outcome returned here.
 */

/** What one kmap_high() did. The object is reused between calls (read it before the next call). */
export interface PkmapMapOutcome {
  /**
   * `reused`: the page was already mapped (page_address() found it); `mapped`: a free slot was found and
   * its PTE written; `sleep`: a full circle found no free slot — the caller must sleep and retry.
   */
  kind: 'reused' | 'mapped' | 'sleep';
  /** The slot (valid unless `sleep`). */
  slot: number;
  /** Slots probed by map_new_virtual (0 when reused). */
  scanned: number;
  /** Wraps of the cursor during this call (each one ran flush_all_zero_pkmaps). */
  wraps: number;
  /** Wraps that cleared at least one stale slot and therefore flushed the pkmap range on all CPUs. */
  flushes: number;
  /** Stale slots cleared (PTE clears) by those wraps. */
  cleared: number;
}

/** What one kunmap_high() did. */
export interface PkmapUnmapOutcome {
  /** The slot whose count was decremented, or -1 when the page was not mapped (a kernel BUG; see below). */
  slot: number;
  /** True when the count dropped to 1 with sleepers waiting: the caller must wake_up(pkmap_map_wait). */
  wake: boolean;
}

/** Sentinel in `slotPfn` for a slot that maps nothing. */
const NO_PAGE = -1;

/** The pkmap pool of one machine (one per machine: kmap_lock and the pool are global). */
export class PkmapPool {
  /** LAST_PKMAP: 1024 non-PAE, 512 PAE. */
  readonly size: number;
  /** pkmap_count[]: see the three meanings at the top of this file. */
  readonly count: Int32Array;
  /** The page frame each slot's PTE maps (NO_PAGE when the PTE is clear). */
  readonly slotPfn: Float64Array;
  /** page_address(): pfn → slot for every page with a live PTE (counts ≥ 1). */
  private readonly slotOf = new Map<number, number>();
  /** last_pkmap_nr. */
  private cursor = 0;
  /** Tasks sleeping on pkmap_map_wait. */
  private sleepers = 0;
  private readonly mapOut: PkmapMapOutcome = { kind: 'mapped', slot: 0, scanned: 0, wraps: 0, flushes: 0, cleared: 0 };
  private readonly unmapOut: PkmapUnmapOutcome = { slot: -1, wake: false };

  constructor(lastPkmap: number) {
    if (!Number.isInteger(lastPkmap) || lastPkmap <= 0 || (lastPkmap & (lastPkmap - 1)) !== 0) {
      throw new Error(`LAST_PKMAP must be a power of two, got ${lastPkmap}`);
    }
    this.size = lastPkmap;
    this.count = new Int32Array(lastPkmap);
    this.slotPfn = new Float64Array(lastPkmap).fill(NO_PAGE);
  }

  /** last_pkmap_nr: the slot probed last. */
  get lastPkmapNr(): number {
    return this.cursor;
  }

  /** Tasks currently sleeping on pkmap_map_wait. */
  get waiting(): number {
    return this.sleepers;
  }

  /** page_address() of a highmem page: its slot, or -1 when it has no pkmap mapping. */
  slotOfPage(pfn: number): number {
    return this.slotOf.get(pfn) ?? -1;
  }

  /**
   * kmap_high(page) under kmap_lock: reuse the page's slot if it has one, else map_new_virtual().
   * On `sleep` nothing is mapped; the caller records the sleeper with `addSleeper()` and retries the
   * whole call after being woken (mm/highmem.c: re-take the lock, re-check page_address, rescan).
   */
  map(pfn: number): PkmapMapOutcome {
    const out = this.mapOut;
    out.scanned = 0;
    out.wraps = 0;
    out.flushes = 0;
    out.cleared = 0;
    const existing = this.slotOf.get(pfn);
    if (existing !== undefined) {
      out.kind = 'reused';
      out.slot = existing;
      this.count[existing]! += 1;
      return out;
    }
    const mask = this.size - 1;
    let budget = this.size;
    for (;;) {
      this.cursor = (this.cursor + 1) & mask;
      out.scanned++;
      if (this.cursor === 0) {
        out.wraps++;
        const cleared = this.flushAllZeroPkmaps();
        if (cleared > 0) {
          out.flushes++;
          out.cleared += cleared;
        }
        budget = this.size;
      }
      if (this.count[this.cursor] === 0) break;
      if (--budget !== 0) continue;
      out.kind = 'sleep';
      out.slot = -1;
      return out;
    }
    const slot = this.cursor;
    // The PTE is written without a TLB flush: a count-0 slot is guaranteed TLB-clean.
    this.slotPfn[slot] = pfn;
    this.slotOf.set(pfn, slot);
    this.count[slot] = 2; // 1 (mapped) then ++ for this user, as kmap_high does
    out.kind = 'mapped';
    out.slot = slot;
    return out;
  }

  /**
   * kunmap_high(page) under kmap_lock. The PTE is left in place (the slot becomes stale at count 1).
   * Unmapping a page that has no mapping is a kernel BUG(); here it returns slot -1 and changes nothing,
   * so that an imported trace with a lost kmap record does not corrupt the pool.
   */
  unmap(pfn: number): PkmapUnmapOutcome {
    const out = this.unmapOut;
    const slot = this.slotOf.get(pfn);
    out.wake = false;
    if (slot === undefined || this.count[slot]! < 2) {
      out.slot = -1;
      return out;
    }
    out.slot = slot;
    // A count must never go to zero without a TLB flush: the last user leaves it at 1 (stale).
    const c = --this.count[slot]!;
    if (c === 1) out.wake = this.sleepers > 0;
    return out;
  }

  /** A task went to sleep on pkmap_map_wait. */
  addSleeper(): void {
    this.sleepers++;
  }

  /** wake_up(pkmap_map_wait): every sleeper is woken (non-exclusive waiters). Returns how many. */
  wakeAll(): number {
    const n = this.sleepers;
    this.sleepers = 0;
    return n;
  }

  /** A sleeper is removed without a wake-up (the replay abandoned it). */
  removeSleeper(): void {
    if (this.sleepers > 0) this.sleepers--;
  }

  /** Slots by state, for reports and tests. */
  census(): { free: number; stale: number; inUse: number } {
    let free = 0;
    let stale = 0;
    for (let i = 0; i < this.size; i++) {
      const c = this.count[i]!;
      if (c === 0) free++;
      else if (c === 1) stale++;
    }
    return { free, stale, inUse: this.size - free - stale };
  }

  /**
   * flush_all_zero_pkmaps(): every stale slot (count 1) becomes free (count 0), its PTE is cleared and
   * its page forgets the address. Returns how many were cleared; the caller flushes the pkmap range on
   * all CPUs once when this is non-zero.
   */
  private flushAllZeroPkmaps(): number {
    let cleared = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.count[i] !== 1) continue;
      this.count[i] = 0;
      const pfn = this.slotPfn[i]!;
      this.slotPfn[i] = NO_PAGE;
      this.slotOf.delete(pfn);
      cleared++;
    }
    return cleared;
  }
}
