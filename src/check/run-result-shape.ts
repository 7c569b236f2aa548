import { emptyCounts } from '../machine/accounting.ts';
import { noKernelMemory } from '../machine/result.ts';
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
    config: {
      name: '',
      kernel: '',
      kernelVersion: '',
      split: '3G',
      highmem: 'off',
      pae: false,
      pti: false,
      highpte: false,
      nrCpus: 0,
      cpus: 0,
      ramBytes: 0,
      ram: { installedBytes: 0, usableBytes: 0, lostBytes: 0, firmwareBytes: 0, ignoredBytes: 0, below4gBytes: 0 },
      vmallocBytes: null,
      kmap: { pageCacheCopy: 'pkmap', clearPage: 'pkmap', cowCopy: 'pkmap', pteAccess: 'pkmap' },
      layout: { pageOffset: 0, taskSize: 0, maxPfn: 0, maxLowPfn: 0, lowmemMB: 0, highmemMB: 0, lastPkmap: 0 },
    },
    configName: '',
    model: { name: '', hash: '' },
    trace: { path: '', records: 0, sha256: '', digest: 'file', source: '' },
    seed: 0,
    feasible: true,
    infeasible: [],
    cycles: { total: 0, perCpu: [], breakdown },
    time: { elapsedSeconds: 0, ioWaitSeconds: 0, dirtyThrottleSeconds: 0, perCpuSeconds: [], requests: 0, requestsPerSecond: null },
    counts: emptyCounts(),
    memory: { zones: [], lowmemStarved: false, lowmemFreePages: 0, highmemFreePages: 0, ...noKernelMemory() },
    latency: { kmap: q(), kmapLockSpin: q() },
    timeline: [],
  };
}

/** Paths whose keys are only known from a real run. */
export const DYNAMIC_PATHS: readonly string[] = [
  'config',
  'cycles.perCpu',
  'time.perCpuSeconds',
  'counts.records',
  'memory.zones',
  'memory.slab',
  'memory.oom',
  'timeline',
];
