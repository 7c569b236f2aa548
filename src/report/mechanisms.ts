/**
 * CPU cycles by mechanism: what a capacity planner asks ("what does kmap cost me?"), built from a
 * RunResult's cycle categories (by operation: src/result/run-result.ts CYCLE_CATEGORIES) and counts.
 *
 * The machine charges every INVLPG to the `invlpg` category and every CR4.PGE toggle to `globalFlush`,
 * whatever caused them. Two of those causes are kmap's own, and belong to it:
 * - every kmap_local/kmap_atomic unmap clears its PTE and INVLPGs the slot (kunmap_local_indexed →
 *   arch_kmap_local_post_unmap → flush_tlb_one_kernel): one INVLPG per mapping. The other INVLPGs are
 *   user range flushes (munmap, mprotect, copy-on-write: flush_tlb_mm_range under the ceiling), plus the
 *   rare slot INVLPG when a task is switched out with a mapping held (counted with the user flushes);
 * - the only global flush the machine makes is the pkmap wrap's flush_tlb_kernel_range
 *   (flush_all_zero_pkmaps: src/machine/flush.ts flushAllCpusGlobal, called from kmap only).
 * So kmap's INVLPG cycles are (kmap_local + kmap_atomic mappings) × the run's mean INVLPG cost — exact
 * when the model's INVLPG cost is one number (every shipped model: a constant), the mean otherwise —
 * and its global-flush cycles are the whole `globalFlush` category. The IPIs of a pkmap wrap stay with
 * the other TLB shootdowns (an IPI's cost is not split by cause in the result).
 *
 * The mechanisms partition the total: their cycles sum to `cycles.total` exactly.
 */
import type { RunResult } from '../result/run-result.ts';
import { formatInt } from './format.ts';

/** One mechanism: its cycles, what they are made of, and the model keys that price them. */
export interface Mechanism {
  readonly id: MechanismId;
  /** Row label in tables. */
  readonly label: string;
  readonly cycles: number;
  /** The parts, each with its cycles (they sum to `cycles`). */
  readonly parts: ReadonlyArray<{ readonly what: string; readonly cycles: number }>;
}

export type MechanismId =
  | 'compute'
  | 'tlbMiss'
  | 'pageFault'
  | 'kmap'
  | 'userFlush'
  | 'shootdown'
  | 'contextSwitch'
  | 'syscall'
  | 'copy'
  | 'timer'
  | 'reclaim';

/**
 * What each mechanism is (the legend of every table that shows them), in display order, with the model
 * keys that price it (`hmsim run --explain` prints their values and sources).
 */
export const MECHANISM_LEGEND: ReadonlyArray<{
  readonly id: MechanismId;
  readonly label: string;
  readonly meaning: string;
  readonly keys: readonly string[];
}> = [
  {
    id: 'compute',
    label: 'user compute',
    meaning: "the trace's own compute records (user work, not memory management)",
    keys: ['clockGHz'],
  },
  {
    id: 'tlbMiss',
    label: 'TLB misses',
    meaning: 'page walks and STLB hits after an L1 TLB miss, user and kernel',
    keys: [
      'costs.walk',
      'costs.stlbHit',
      'tlb.l1i.entries',
      'tlb.l1i.ways',
      'tlb.l1d.entries',
      'tlb.l1d.ways',
      'tlb.stlb.entries',
      'tlb.stlb.ways',
      'tlb.large.entries',
      'tlb.large.ways',
      'tlb.replacement',
    ],
  },
  {
    id: 'pageFault',
    label: 'page faults',
    meaning: 'fault entry and handling, PTE installs (clearing and copying pages are under copies)',
    keys: ['costs.pageFault', 'costs.pteWrite', 'costs.cr3Write', 'costs.ptiTrampoline'],
  },
  {
    id: 'kmap',
    label: 'kmap',
    meaning:
      'mapping highmem pages: PTE writes, page_address lookups, pkmap scans, lock spin and sleep, ' +
      'the INVLPG of every kmap_local/kmap_atomic unmap, and the global flushes of pkmap wraps',
    keys: [
      'costs.pteWrite',
      'costs.pageAddressLookup',
      'costs.pkmapScanSlot',
      'costs.lockAcquire',
      'lock.kind',
      'lock.handoff',
      'lock.perWaiter',
      'costs.sleepWake',
      'costs.invlpg',
      'costs.globalFlush',
    ],
  },
  {
    id: 'userFlush',
    label: 'user TLB flushes',
    meaning: 'INVLPGs and CR3 reloads of munmap, mprotect, copy-on-write, fork and exit',
    keys: ['costs.invlpg', 'costs.cr3Write', 'flushCeiling'],
  },
  {
    id: 'shootdown',
    label: 'TLB shootdown IPIs',
    meaning: 'sending, waiting for and taking flush IPIs (user flushes and pkmap wraps)',
    keys: ['costs.ipi', 'costs.ipiReceive', 'costs.cr3Write', 'costs.ptiTrampoline'],
  },
  {
    id: 'contextSwitch',
    label: 'context switches',
    meaning: 'switch_to and the CR3 write of a new mm',
    keys: ['costs.contextSwitch', 'costs.cr3Write'],
  },
  {
    id: 'syscall',
    label: 'syscalls',
    meaning: "entry and exit, with the CR3 writes of PTI and 4G/4G, and the calls' own work (path lookups, open/close, read/write)",
    keys: [
      'costs.syscall',
      'costs.pathLookup',
      'costs.fileClose',
      'costs.ioCall',
      'costs.cr3Write',
      'costs.ptiTrampoline',
      'costs.pteWrite',
    ],
  },
  { id: 'copy', label: 'copies', meaning: 'copying and clearing page contents (read/write data, fault fills)', keys: ['costs.copy'] },
  {
    id: 'timer',
    label: 'timer interrupts',
    meaning: 'the periodic tick on every CPU (taken as an interrupt)',
    keys: ['costs.ipiReceive', 'costs.cr3Write', 'costs.ptiTrampoline'],
  },
  // Priced by the machine's own per-page and per-object constants (src/machine/machine.ts), not model keys.
  {
    id: 'reclaim',
    label: 'direct reclaim',
    meaning: 'tasks reclaiming page cache and dentries/inodes themselves when lowmem runs short (kswapd runs off these CPUs)',
    keys: ['costs.reclaimPage', 'costs.shrinkObject'],
  },
];

/** The INVLPGs kmap itself caused: one per kmap_local/kmap_atomic mapping (at most the INVLPGs counted). */
export function kmapInvlpgs(r: RunResult): number {
  return Math.min(r.counts.invlpg, r.counts.kmap.local + r.counts.kmap.atomic);
}

/** The run's cycles by mechanism, in MECHANISM_LEGEND order (they sum to r.cycles.total). */
export function mechanismCycles(r: RunResult): Mechanism[] {
  const b = r.cycles.breakdown;
  const kmapInv = kmapInvlpgs(r);
  // Every INVLPG of a run costs the same under a constant cost: the share is exact (see the module comment).
  const kmapInvCycles = r.counts.invlpg > 0 ? (b.invlpg * kmapInv) / r.counts.invlpg : 0;
  const parts: Record<MechanismId, Array<{ what: string; cycles: number }>> = {
    compute: [{ what: 'compute records', cycles: b.compute }],
    tlbMiss: [{ what: 'page walks and STLB hits', cycles: b.tlbWalk }],
    pageFault: [{ what: 'fault handling', cycles: b.pageFault }],
    kmap: [
      { what: 'map and unmap (PTE writes, lookups, scans)', cycles: b.kmap },
      { what: 'lock spin', cycles: b.kmapLockSpin },
      { what: 'sleep waiting for a pkmap slot', cycles: b.kmapSleep },
      { what: `INVLPG of ${formatInt(kmapInv)} kmap_local/kmap_atomic unmaps`, cycles: kmapInvCycles },
      { what: 'global flushes of pkmap wraps', cycles: b.globalFlush },
    ],
    userFlush: [
      { what: 'INVLPGs', cycles: b.invlpg - kmapInvCycles },
      { what: 'CR3 reloads', cycles: b.localFlush },
    ],
    shootdown: [{ what: 'IPIs', cycles: b.shootdown }],
    contextSwitch: [{ what: 'switches', cycles: b.contextSwitch }],
    syscall: [{ what: 'entry and exit', cycles: b.syscall }],
    copy: [{ what: 'copies and clears', cycles: b.copy }],
    timer: [{ what: 'ticks', cycles: b.timer }],
    reclaim: [{ what: 'direct reclaim rounds', cycles: b.reclaim }],
  };
  return MECHANISM_LEGEND.map((m) => ({
    id: m.id,
    label: m.label,
    cycles: parts[m.id].reduce((s, p) => s + p.cycles, 0),
    parts: parts[m.id],
  }));
}

/** The legend lines under a mechanism table: "label: meaning". */
export function mechanismLegend(): string[] {
  return MECHANISM_LEGEND.map((m) => `${m.label}: ${m.meaning}`);
}
