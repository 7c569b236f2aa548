import type { RunResult } from '../result/run-result.ts';

/** The event counts every report summarizes (flat names; the kmap counts are split by API). */
export const KEY_COUNTS = [
  'accesses',
  'pageFaults',
  'pageWalks',
  'itlbMisses',
  'dtlbMisses',
  'stlbMisses',
  'invlpg',
  'cr3Writes',
  'globalFlushes',
  'ipis',
  'contextSwitches',
  'syscalls',
  'pkmapFlushes',
  'pkmapWaits',
  'kmapPkmap',
  'kmapAtomic',
  'kmapLocal',
] as const;
export type KeyCount = (typeof KEY_COUNTS)[number];

/** The key counts of one run, by flat name (events, not cycles). */
export function keyCounts(run: RunResult): Record<KeyCount, number> {
  const c = run.counts;
  return {
    accesses: c.accesses,
    pageFaults: c.pageFaults,
    pageWalks: c.pageWalks,
    itlbMisses: c.itlbMisses,
    dtlbMisses: c.dtlbMisses,
    stlbMisses: c.stlbMisses,
    invlpg: c.invlpg,
    cr3Writes: c.cr3Writes,
    globalFlushes: c.globalFlushes,
    ipis: c.ipis,
    contextSwitches: c.contextSwitches,
    syscalls: c.syscalls,
    pkmapFlushes: c.pkmapFlushes,
    pkmapWaits: c.pkmapWaits,
    kmapPkmap: c.kmap.pkmap,
    kmapAtomic: c.kmap.atomic,
    kmapLocal: c.kmap.local,
  };
}
