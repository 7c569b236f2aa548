import { CYCLE_CATEGORIES, type CycleBreakdown, type Quantiles, type RunResult } from '../result/run-result.ts';

/**
 * The shape of a RunResult, for checking metric paths when a scenario is loaded (before anything runs):
 * a RunResult with every fixed field present and zero. Containers whose keys depend on the run (per-CPU
 * arrays, per-kind record counts, zones, the resolved config) are listed in DYNAMIC_PATHS; any path below
 * them is accepted at load time and checked against the real result.
 */
export function runResultShape(): RunResult {
  const q = (): Quantiles => ({ count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  const breakdown = Object.fromEntries(CYCLE_CATEGORIES.map((c) => [c, 0])) as CycleBreakdown;
  return {
    hmsimVersion: '',
    config: {},
    configName: '',
    model: { name: '', hash: '' },
    trace: { path: '', records: 0, sha256: '', source: '' },
    seed: 0,
    feasible: true,
    infeasible: [],
    cycles: { total: 0, perCpu: [], breakdown },
    counts: {
      accesses: 0,
      itlbMisses: 0,
      dtlbMisses: 0,
      stlbMisses: 0,
      pageWalks: 0,
      pageFaults: 0,
      invlpg: 0,
      cr3Writes: 0,
      globalFlushes: 0,
      ipis: 0,
      contextSwitches: 0,
      syscalls: 0,
      pkmapFlushes: 0,
      pkmapWaits: 0,
      kmap: { pkmap: 0, atomic: 0, local: 0 },
      records: {},
    },
    memory: { zones: [], lowmemStarved: false, lowmemFreePages: 0, highmemFreePages: 0 },
    latency: { kmap: q(), kmapLockSpin: q() },
    timeline: [],
  };
}

/** Paths whose keys are only known from a real run. */
export const DYNAMIC_PATHS: readonly string[] = ['config', 'cycles.perCpu', 'counts.records', 'memory.zones', 'timeline'];
