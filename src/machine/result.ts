/**
 * Builds the RunResult of a replay from the machine's accounting (plain JSON data; the same spec gives
 * the same object, key order included, hence byte-identical JSON).
 */
import { ramJson } from '../layout/format.ts';
import type { Layout, MachineConfig } from '../layout/types.ts';
import type { CostModel } from '../models/types.ts';
import type {
  CycleBreakdown,
  MemoryUse,
  Quantiles,
  RunConfig,
  RunCounts,
  RunResult,
  RunTime,
  RunWarmup,
  TimelineEvent,
  ZoneUse,
} from '../result/run-result.ts';
import { HMSIM_VERSION } from '../version.ts';

/** The resolved configuration as JSON (the preset's choices, the kernel and the layout's key figures). */
export function configJson(config: MachineConfig, layout: Layout): RunConfig {
  return {
    name: config.name,
    kernel: config.kernel.name,
    kernelVersion: config.kernel.version,
    split: config.split,
    highmem: config.highmem,
    pae: config.pae,
    pti: config.pti,
    highpte: config.highpte,
    nrCpus: config.nrCpus,
    cpus: config.cpus,
    ramBytes: config.ramBytes,
    ram: ramJson(layout),
    vmallocBytes: config.vmallocBytes,
    ...(config.ramBelow4gBytes !== undefined ? { ramBelow4gBytes: config.ramBelow4gBytes } : {}),
    kmap: { ...config.kernel.kmap },
    layout: {
      pageOffset: layout.pageOffset,
      taskSize: layout.taskSize,
      maxPfn: layout.maxPfn,
      maxLowPfn: layout.maxLowPfn,
      lowmemMB: layout.lowmemMB,
      highmemMB: layout.highmemMB,
      lastPkmap: layout.lastPkmap,
    },
  };
}

/** The parts of a RunResult a replay produces. */
export interface ResultParts {
  readonly config: MachineConfig;
  readonly layout: Layout;
  readonly model: CostModel;
  readonly trace: RunResult['trace'];
  readonly seed: number;
  readonly infeasible: string[];
  readonly perCpu: number[];
  readonly breakdown: CycleBreakdown;
  readonly counts: RunCounts;
  readonly zones: ZoneUse[];
  readonly lowmemStarved: boolean;
  readonly lowmemFreePages: number;
  readonly highmemFreePages: number;
  /** The kernel-memory figures of memory (slab, page tables, stacks, min_free_kbytes, kswapd, OOM); none under --prefault. */
  readonly kernelMemory?: Omit<MemoryUse, 'zones' | 'lowmemStarved' | 'lowmemFreePages' | 'highmemFreePages'>;
  readonly kmapLatency: Quantiles;
  readonly kmapLockSpin: Quantiles;
  readonly timeline: TimelineEvent[];
  /** Elapsed time; without it (a replay with no device) each CPU's clock is its cycles. */
  readonly time?: RunTime;
  /** The warm-up, when there was one (counts, cycles and time are then of the records after it). */
  readonly warmup?: RunWarmup;
}

/** The time of a run whose CPUs never waited: each CPU's clock is its cycles. */
export function cyclesOnlyTime(perCpu: readonly number[], clockGHz: number): RunTime {
  const hz = clockGHz * 1e9;
  const perCpuSeconds = perCpu.map((c) => c / hz);
  return {
    elapsedSeconds: Math.max(0, ...perCpuSeconds),
    ioWaitSeconds: 0,
    dirtyThrottleSeconds: 0,
    perCpuSeconds,
    requests: 0,
    requestsPerSecond: null,
  };
}

/** The kernel-memory figures of a replay that has no machine (--prefault), all zero; also the RunResult shape's. */
export function noKernelMemory(): NonNullable<ResultParts['kernelMemory']> {
  return { minFreeKbytes: 0, slab: {}, pageTablePages: { lowmem: 0, highmem: 0 }, kernelStackPages: 0, kswapdSeconds: 0, oom: null };
}

/** Assembles the RunResult. cycles.total is the sum of the per-CPU cycles. */
export function buildResult(p: ResultParts): RunResult {
  const total = p.perCpu.reduce((a, b) => a + b, 0);
  return {
    hmsimVersion: HMSIM_VERSION,
    config: configJson(p.config, p.layout),
    configName: p.config.name,
    model: { name: p.model.name, hash: p.model.hash, ...(p.model.draw !== undefined ? { draw: p.model.draw } : {}) },
    trace: p.trace,
    ...(p.warmup !== undefined ? { warmup: p.warmup } : {}),
    seed: p.seed,
    feasible: p.infeasible.length === 0,
    infeasible: p.infeasible,
    cycles: { total, perCpu: p.perCpu, breakdown: p.breakdown },
    time: p.time ?? cyclesOnlyTime(p.perCpu, p.model.clockGHz),
    counts: p.counts,
    memory: {
      zones: p.zones,
      lowmemStarved: p.lowmemStarved,
      lowmemFreePages: p.lowmemFreePages,
      highmemFreePages: p.highmemFreePages,
      ...(p.kernelMemory ?? noKernelMemory()),
    },
    latency: { kmap: p.kmapLatency, kmapLockSpin: p.kmapLockSpin },
    timeline: p.timeline,
  };
}
