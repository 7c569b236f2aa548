/**
 * The kernel touching a physical page (kernel-x86-32.md §5–6, DESIGN.md "Kernel touch of a page"):
 * a lowmem frame through the direct map (large-page TLB entries, global unless PTI/4G4G); a highmem frame
 * through a temporary mapping made with the API the kernel path uses:
 *
 * - `pkmap`: take kmap_lock (spin if held), page_address() lookup, kmap_high (reuse the page's slot, or
 *   scan for a free one: the wrap clears stale slots and flushes all CPUs under the lock; a full pool
 *   sleeps), write the PTE, release. kunmap: lock, decrement (the slot stays stale), release, wake sleepers.
 * - `atomic` / `local`: push a per-CPU fixmap slot and write its PTE; unmap = PTE clear + local INVLPG.
 *
 * Categories: mapping work (lock acquire, lookups, scans, PTE writes) → kmap; spinning → kmapLockSpin;
 * the unmap INVLPG → invlpg; the bytes copied or cleared → copy; TLB misses on the way → tlbWalk.
 */
import type { KmapApiName } from '../../trace/records.ts';
import { Cat, NCAT } from '../accounting.ts';
import { flushAllCpusGlobal, invlpg } from '../flush.ts';
import type { Machine } from '../machine.ts';
import { PageFlag, SLOW_PAGE } from '../pagecache.ts';
import { PageSizeClass } from '../tlb.ts';
import { PAGE_SHIFT } from '../../units/address.ts';
import { TlbOutcome, TlbSide } from '../tlb-hierarchy.ts';

/**
 * PCID under which the x86_64 reference keeps its kernel (direct-map) entries. Its kernel addresses do
 * not fit the 32-bit keys of the TLB model without overlapping user space, so they live under a PCID no
 * mm uses (user PCIDs are 0..5) instead of being global; nothing flushes them but a global flush, as for
 * real global entries.
 */
const KERNEL_PCID = 7;

/** A data-side TLB lookup by the kernel of `vaddr`; a miss walks and fills (small or large page). */
export function kernelTranslate(m: Machine, cpu: number, vaddr: number, large: boolean): void {
  const tlb = m.cpus[cpu]!.tlb;
  const userPcid = m.shape.pcid ? tlb.l1d.pcid : -1;
  if (userPcid >= 0) tlb.setPcid(KERNEL_PCID);
  const vpn = vaddr >>> PAGE_SHIFT;
  const r = tlb.translateVpn(TlbSide.data, vpn);
  if (r !== TlbOutcome.l1Hit) {
    if (r === TlbOutcome.stlbHit) {
      m.charge(cpu, Cat.tlbWalk, m.stlbHitCost());
    } else {
      m.charge(cpu, Cat.tlbWalk, m.kernelWalkCost(large));
      tlb.fillVpn(TlbSide.data, vpn, large ? PageSizeClass.large : PageSizeClass.small, m.shape.kernelGlobal && userPcid < 0);
    }
  }
  if (userPcid >= 0) tlb.setPcid(userPcid);
}

/**
 * The end of a stretch of kernel work under 4G/4G, whose kernel address space overlaps user space: the
 * exit's CR3 write drops the kernel's (non-global) entries before user code runs again. Not charged here:
 * the CR3 write of the exit belongs to the `syscall` record (or the fault) that entered the kernel.
 */
export function leaveKernel(m: Machine, cpu: number): void {
  if (m.config.split === '4G4G') m.cpus[cpu]!.tlb.flushNonGlobal();
}

/**
 * kmap_high(page) on `cpu`. Returns the pkmap virtual address, or -1 when the pool is full: the CPU is
 * then asleep on pkmap_map_wait and the caller must abandon the record and retry it when woken.
 */
function pkmapMap(m: Machine, cpu: number, pfn: number, canSleep: boolean): number {
  const pool = m.pool!;
  const costs = m.model.costs;
  const t0 = m.now(cpu);
  const grant = m.kmapLock.acquire(t0);
  m.charge(cpu, Cat.kmapLockSpin, grant.spin);
  m.charge(cpu, Cat.kmap, grant.acquire);
  m.lockSpinLatency.add(grant.spin);
  m.charge(cpu, Cat.kmap, m.pageAddressLookupCost());
  const out = pool.map(pfn);
  if (out.scanned > 0) m.charge(cpu, Cat.kmap, out.scanned * costs.pkmapScanSlot(out.scanned, m.rng));
  if (out.cleared > 0) m.charge(cpu, Cat.kmap, out.cleared * m.pteWriteCost());
  for (let f = 0; f < out.flushes; f++) {
    m.counts.pkmapFlushes++;
    flushAllCpusGlobal(m, cpu);
  }
  if (out.kind === 'sleep' && !canSleep) {
    // A path that may not sleep (fault, fork) maps the page with kmap_atomic instead.
    m.kmapLock.release(m.now(cpu));
    return mapHigh(m, cpu, pfn, 'atomic', false);
  }
  if (out.kind === 'sleep') {
    m.kmapLock.release(m.now(cpu));
    pool.addSleeper();
    m.counts.pkmapWaits++;
    m.sleepCpu(cpu);
    return -1;
  }
  if (out.kind === 'mapped') m.charge(cpu, Cat.kmap, m.pteWriteCost());
  m.kmapLock.release(m.now(cpu));
  m.counts.kmap.pkmap++;
  m.kmapLatency.add(m.now(cpu) - t0);
  return m.pkmapAddr(out.slot);
}

/** kunmap_high(page) on `cpu`; wakes every sleeper when a slot became stale while some were waiting. */
function pkmapUnmap(m: Machine, cpu: number, pfn: number): void {
  const pool = m.pool!;
  const grant = m.kmapLock.acquire(m.now(cpu));
  m.charge(cpu, Cat.kmapLockSpin, grant.spin);
  m.charge(cpu, Cat.kmap, grant.acquire);
  m.lockSpinLatency.add(grant.spin);
  m.charge(cpu, Cat.kmap, m.pageAddressLookupCost());
  const out = pool.unmap(pfn);
  m.kmapLock.release(m.now(cpu));
  if (out.wake && pool.wakeAll() > 0) {
    const at = m.now(cpu);
    for (let c = 0; c < m.ncpu; c++) if (m.cpus[c]!.state === 'sleeping') m.wakeCpu(c, at);
  }
}

/**
 * Maps highmem frame `pfn` on `cpu` with `api`. Returns the kernel virtual address, or -1 when the
 * record cannot go on (the CPU sleeps on a full pkmap pool, or its kmap_local stack overflowed).
 * With `canSleep` false a full pkmap pool is not waited for: the page is mapped with kmap_atomic.
 */
export function mapHigh(m: Machine, cpu: number, pfn: number, api: KmapApiName, canSleep = true): number {
  if (api === 'pkmap') return pkmapMap(m, cpu, pfn, canSleep);
  const idx = m.locals.push(cpu, pfn);
  if (idx < 0) {
    m.infeasible.skip('kmap_local stack overflow', `more than ${m.shape.kmSlots} nested temporary mappings on CPU ${cpu}`);
    return -1;
  }
  // The whole latency of a per-CPU map is its PTE write (no lock, no flush).
  const cost = m.pteWriteCost();
  m.charge(cpu, Cat.kmap, cost);
  if (api === 'local') m.counts.kmap.local++;
  else m.counts.kmap.atomic++;
  m.kmapLatency.add(cost);
  return m.localAddr(cpu, idx);
}

/** Unmaps highmem frame `pfn` mapped on `cpu` with `api` (a local slot not found is ignored). */
export function unmapHigh(m: Machine, cpu: number, pfn: number, api: KmapApiName): void {
  if (api === 'pkmap') {
    pkmapUnmap(m, cpu, pfn);
    return;
  }
  const idx = m.locals.pop(cpu, pfn);
  if (idx < 0) return;
  m.charge(cpu, Cat.kmap, m.pteWriteCost());
  invlpg(m, cpu, m.localAddr(cpu, idx));
}

/**
 * The kernel reads or writes `bytes` of frame `pfn` on `cpu` (a copy or a clear), mapping it with `api` when
 * it is highmem (`bytes` 0: mapped and touched, the copy charged elsewhere). Returns false when the CPU went
 * to sleep in kmap (the record must be retried); only paths that may sleep (page-cache copies, explicit kmap
 * records) pass `canSleep`.
 */
export function touchFrame(m: Machine, cpu: number, pfn: number, api: KmapApiName, bytes: number, canSleep = false): boolean {
  if (!m.isHigh(pfn)) {
    kernelTranslate(m, cpu, m.directMapAddr(pfn), true);
  } else {
    const eraApi = m.pathApi(api);
    if (eraApi !== 'pkmap' && !m.shape.pcid) return touchHighTransient(m, cpu, pfn, eraApi, bytes);
    const vaddr = mapHigh(m, cpu, pfn, eraApi, canSleep);
    if (vaddr < 0) return m.cpus[cpu]!.state !== 'sleeping';
    kernelTranslate(m, cpu, vaddr, false);
    if (bytes > 0) m.charge(cpu, Cat.copy, m.copyCost(bytes));
    // mapHigh may have fallen back to kmap_atomic: unmap the way it was mapped.
    unmapHigh(m, cpu, pfn, m.isPkmapAddr(vaddr) ? 'pkmap' : eraApi === 'pkmap' ? 'atomic' : eraApi);
    return true;
  }
  if (bytes > 0) m.charge(cpu, Cat.copy, m.copyCost(bytes));
  return true;
}

/**
 * touchFrame of highmem frame `pfn` through a per-CPU mapping (`api` atomic or local; no PCIDs): map,
 * touch, copy, unmap — the same charges in the same order as mapHigh, kernelTranslate, the copy and
 * unmapHigh. Nothing else uses this CPU's TLB between the touch and the unmap's INVLPG, so when the touch
 * missed, its fill and the INVLPG are applied together (TlbHierarchy.fillThenInvalidate: same TLB state
 * and counters as fill then invalidatePage, with less work per page). Returns false only when the
 * replay stopped.
 */
function touchHighTransient(m: Machine, cpu: number, pfn: number, api: KmapApiName, bytes: number): boolean {
  // Map (mapHigh's per-CPU branch): push a slot, write its PTE; that write is the whole latency.
  const idx = m.locals.push(cpu, pfn);
  if (idx < 0) {
    m.infeasible.skip('kmap_local stack overflow', `more than ${m.shape.kmSlots} nested temporary mappings on CPU ${cpu}`);
    return m.cpus[cpu]!.state !== 'sleeping';
  }
  const mapCost = m.pteWriteCost();
  m.charge(cpu, Cat.kmap, mapCost);
  if (api === 'local') m.counts.kmap.local++;
  else m.counts.kmap.atomic++;
  m.kmapLatency.add(mapCost);
  const vpn = m.localAddr(cpu, idx) >>> PAGE_SHIFT;
  // Touch (kernelTranslate without PCIDs) and copy.
  const tlb = m.cpus[cpu]!.tlb;
  const r = tlb.translateVpn(TlbSide.data, vpn);
  if (r === TlbOutcome.stlbHit) m.charge(cpu, Cat.tlbWalk, m.stlbHitCost());
  else if (r === TlbOutcome.miss) m.charge(cpu, Cat.tlbWalk, m.kernelWalkCost(false));
  if (bytes > 0) m.charge(cpu, Cat.copy, m.copyCost(bytes));
  // Unmap (unmapHigh's per-CPU branch): pop the slot, clear its PTE, INVLPG.
  const top = m.locals.pop(cpu, pfn);
  const unmapVpn = top < 0 ? -1 : m.localAddr(cpu, top) >>> PAGE_SHIFT;
  if (r === TlbOutcome.miss && unmapVpn !== vpn) {
    // Not the transient pattern (cannot happen with LIFO slots): fill now, INVLPG below as usual.
    tlb.fillVpn(TlbSide.data, vpn, PageSizeClass.small, m.shape.kernelGlobal);
  }
  if (top < 0) return true;
  m.charge(cpu, Cat.kmap, m.pteWriteCost());
  m.charge(cpu, Cat.invlpg, m.invlpgCost());
  m.counts.invlpg++;
  if (r === TlbOutcome.miss && unmapVpn === vpn) tlb.fillThenInvalidateVpn(vpn);
  else tlb.invalidateVpn(unmapVpn);
  return true;
}

/**
 * A run of whole-page copies between page-cache pages `p` … `last` of `file` and the user through a
 * per-CPU mapping (`api` atomic or local; no PCIDs), stopping at the first page that is not cached in
 * a highmem frame, or whose state needs the slow path (a readahead marker, under writeback, its read
 * still on the device: pagecache.ts SLOW_PAGE) — but a `read` goes on through a page whose read on the
 * device completed by the run's clock, which needs no more than Storage.takeReadPage, what the general
 * path's slowPage does for it. A page not cached ends the run too: fileCopy reads it
 * (storage/page-io.ts), which may wait on the device — nothing in the run moves the clock, so the
 * charges kept in locals stay exact. The accessed/dirty bookkeeping of a write's pages is the caller's
 * (it does not touch clocks or TLBs); a read's pages are only counted as hits (those at or past
 * `missEnd`: the pages before it were this record's own misses) and marked accessed (folio_mark_accessed,
 * which reads and moves nothing the copy does), and the run does that as it goes. Per page exactly what
 * touchHighTransient does: a slot mapped at the top of the stack and popped again, the same TLB
 * operations and counters, one kmap latency sample, and the same charges — map PTE write (kmap), STLB
 * hit or walk (tlbWalk), the copy (copy), unmap PTE write (kmap), INVLPG (invlpg) — as the same
 * floating-point additions in the same order, kept in locals and stored once at the end (nothing reads
 * the clock or the ledger in between but the check of a read's completion, against the local clock).
 * Needs `m.transientExact` (every one of those costs fixed for the run, so no random draw is skipped);
 * a full slot stack or a CPU that is not running is left to the general path. Returns the first page
 * not copied.
 */
export function copyCachedHighRun(
  m: Machine,
  cpu: number,
  file: number,
  p: number,
  last: number,
  api: KmapApiName,
  read: boolean,
  missEnd: number,
): number {
  const idx = m.locals.depth(cpu);
  if (idx >= m.shape.kmSlots || m.cpus[cpu]!.state !== 'running') return p;
  const f = m.fixed;
  const highStart = m.shape.highStart;
  const tlb = m.cpus[cpu]!.tlb;
  const counts = m.counts;
  const latency = m.kmapLatency;
  const vpn = m.localAddr(cpu, idx) >>> PAGE_SHIFT;
  const pte = f.pteWrite;
  const stlbHit = f.stlbHit;
  const walk = f.walkKernelSmall;
  const copy = f.copyPage;
  const inv = f.invlpg;
  const local = api === 'local';
  const cycles = m.ledger.cycles;
  const base = cpu * NCAT;
  // The costs are fixed, hence ≥ 0 (fixed-costs.ts). charge() skips a cost of 0; adding it here changes
  // no sum (every accumulator is ≥ 0), so each page is the same additions with no branch per cost.
  let clock = m.clocks.timeOf(cpu);
  let kmapC = cycles[base + Cat.kmap]!;
  let walkC = cycles[base + Cat.tlbWalk]!;
  let copyC = cycles[base + Cat.copy]!;
  let invC = cycles[base + Cat.invlpg]!;
  let lastFrame = -1;
  let absent = false;
  let repeats = 0;
  const first = p;
  const cache = m.cache;
  const flags = cache.flags;
  const storage = m.storage;
  for (; p <= last; p++) {
    const frame = cache.lookup(file, p);
    if (frame < highStart) break; // not cached (-1), or lowmem
    const slow = flags[frame]! & SLOW_PAGE;
    // A read's page whose only state is a read already completed by now needs nothing more (Storage.takeReadPage).
    if (slow !== 0 && !(read && slow === PageFlag.pending && storage.takeReadPage(frame, clock))) break;
    lastFrame = frame;
    if (read) cache.markAccessed(frame);
    kmapC += pte;
    clock += pte;
    // Once a page's fill-and-drop left the slot's page known absent, every later page of the run misses
    // and fills-and-drops it the same way: those TLB operations are applied together after the loop.
    const r = absent ? TlbOutcome.miss : tlb.translateVpn(TlbSide.data, vpn);
    const walked = r === TlbOutcome.stlbHit ? stlbHit : r === TlbOutcome.miss ? walk : 0;
    walkC += walked;
    clock += walked;
    copyC += copy;
    clock += copy;
    kmapC += pte;
    clock += pte;
    invC += inv;
    clock += inv;
    if (absent) repeats++;
    else if (r === TlbOutcome.miss) {
      tlb.fillThenInvalidateVpn(vpn);
      absent = true;
    } else tlb.invalidateVpn(vpn);
  }
  if (repeats > 0) tlb.repeatAbsentTransientVpn(vpn, repeats);
  const pages = p - first;
  if (pages === 0) return p;
  // Per page: one mapping of its API, one latency sample (the map's PTE write), one INVLPG.
  // Pages below missEnd came in with this record's own read of the device: misses, counted as such.
  if (read) storage.counts.pagecache.hits += pages - Math.min(pages, Math.max(0, missEnd - first));
  if (local) counts.kmap.local += pages;
  else counts.kmap.atomic += pages;
  latency.addRepeat(pte, pages);
  counts.invlpg += pages;
  cycles[base + Cat.kmap] = kmapC;
  cycles[base + Cat.tlbWalk] = walkC;
  cycles[base + Cat.copy] = copyC;
  cycles[base + Cat.invlpg] = invC;
  m.clocks.setTime(cpu, clock);
  // The slot keeps the last page's frame after its pop, as touchHighTransient leaves it.
  m.locals.push(cpu, lastFrame);
  m.locals.pop(cpu, lastFrame);
  return p;
}
