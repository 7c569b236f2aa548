/**
 * FIXTURES for report tests — hand-made RunResults and Layouts, not outputs of the replay engine.
 *
 * The numbers are plausible for a 2-CPU, 3 GiB machine replaying a small file-copy workload: cycle
 * categories of the right order of magnitude, zone sizes from the x86-32 layout arithmetic
 * (3G/1G: ~880 MiB lowmem; 2G/2G: ~1904 MiB; reference/kernel-x86-32.md §2.5), timelines with a few
 * flushes, IPIs and pkmap waits. Replications differ by a small seeded jitter so that confidence
 * intervals are non-trivial. They exercise the report code; they say nothing about the model.
 */
import { createRng } from '../../src/random/rng.ts';
import { CYCLE_CATEGORIES, type CycleBreakdown, type RunResult, type TimelineEvent } from '../../src/result/run-result.ts';
import type { KernelProfile, Layout, MachineConfig, Split } from '../../src/layout/types.ts';
import { replicationSeeds } from '../../src/stats/replications.ts';
import { loadKernelProfile } from '../../src/layout/profiles.ts';

const MB = 1024 * 1024;
const PAGES_PER_MB = 256;

/** Shape of one fixture configuration. */
interface FixtureShape {
  readonly split: Split;
  readonly highmem: boolean;
  readonly lowmemMB: number;
  /** Mean cycles per category (before jitter). */
  readonly breakdown: Partial<CycleBreakdown>;
  readonly kmapP50: number;
}

const BASE_BREAKDOWN: Partial<CycleBreakdown> = {
  compute: 52_000_000,
  tlbWalk: 6_100_000,
  pageFault: 4_800_000,
  invlpg: 210_000,
  localFlush: 90_000,
  contextSwitch: 640_000,
  syscall: 1_900_000,
  copy: 7_400_000,
};

/** The fixture configurations by name. `3g1g-highmem` is the usual baseline. */
export const FIXTURE_SHAPES: Readonly<Record<string, FixtureShape>> = {
  '3g1g-highmem': {
    split: '3G',
    highmem: true,
    lowmemMB: 880,
    breakdown: { ...BASE_BREAKDOWN, kmap: 2_300_000, kmapLockSpin: 410_000, kmapSleep: 120_000, globalFlush: 380_000, shootdown: 260_000 },
    kmapP50: 180,
  },
  '2g2g-highmem': {
    split: '2G',
    highmem: true,
    lowmemMB: 1904,
    breakdown: { ...BASE_BREAKDOWN, kmap: 900_000, kmapLockSpin: 120_000, kmapSleep: 0, globalFlush: 150_000, shootdown: 90_000 },
    kmapP50: 170,
  },
  '4g4g': {
    split: '4G4G',
    highmem: false,
    lowmemMB: 3072,
    breakdown: { ...BASE_BREAKDOWN, syscall: 5_600_000, localFlush: 3_900_000, tlbWalk: 9_800_000 },
    kmapP50: 0,
  },
};

/** One fixture run of configuration `config` with `seed` (jitter ±2 % drawn from the seed). */
export function fixtureRun(config: string, seed: number): RunResult {
  const shape = FIXTURE_SHAPES[config];
  if (!shape) throw new Error(`no fixture configuration ${config}`);
  const rng = createRng(seed);
  const jitter = (v: number): number => Math.round(v * (0.98 + 0.04 * rng.next()));
  const breakdown = {} as CycleBreakdown;
  for (const cat of CYCLE_CATEGORIES) breakdown[cat] = jitter(shape.breakdown[cat] ?? 0);
  const total = CYCLE_CATEGORIES.reduce((s, c) => s + breakdown[c], 0);
  const cpu0 = Math.round(total * 0.52);
  const ramPages = 3072 * PAGES_PER_MB;
  const lowPages = Math.min(ramPages, shape.lowmemMB * PAGES_PER_MB);
  const dmaPages = 16 * PAGES_PER_MB;
  const pkmapWaits = shape.highmem ? 3 + rng.nextInt(3) : 0;
  const kmapCount = shape.highmem ? 41_000 : 0;
  return {
    hmsimVersion: '0.1.0',
    // A real, resolvable configuration (kernel debian-6.1-686, NR_CPUS 8, 2 CPUs, 3 GiB): reports recompute
    // its layout (src/report/layouts.ts); the layout figures are the fixture layout's.
    config: {
      name: config,
      kernel: 'debian-6.1-686',
      kernelVersion: '6.1',
      split: shape.split,
      highmem: shape.highmem ? '4G' : 'off',
      pae: false,
      pti: false,
      highpte: false,
      nrCpus: 8,
      cpus: 2,
      ramBytes: 3072 * MB,
      ram: { installedBytes: 3072 * MB, usableBytes: 3072 * MB, lostBytes: 0, firmwareBytes: 0, ignoredBytes: 0, below4gBytes: 3072 * MB },
      vmallocBytes: null,
      kmap: { pageCacheCopy: 'local', clearPage: 'local', cowCopy: 'local', pteAccess: 'local' },
      layout: {
        pageOffset: fixtureLayout(config).pageOffset,
        taskSize: fixtureLayout(config).taskSize,
        maxPfn: ramPages,
        maxLowPfn: lowPages,
        lowmemMB: lowPages / PAGES_PER_MB,
        highmemMB: (ramPages - lowPages) / PAGES_PER_MB,
        lastPkmap: shape.highmem ? 1024 : 0,
      },
    },
    configName: config,
    model: { name: 'fixture-model', hash: 'f1x7ure0' },
    trace: { path: 'traces/fixture.hmt', records: 250_000, sha256: 'ab'.repeat(32), digest: 'content', source: 'fixture' },
    seed,
    feasible: true,
    infeasible: [],
    cycles: { total, perCpu: [cpu0, total - cpu0], breakdown },
    time: {
      elapsedSeconds: Math.max(cpu0, total - cpu0) / 2.93e9,
      ioWaitSeconds: 0,
      dirtyThrottleSeconds: 0,
      perCpuSeconds: [cpu0 / 2.93e9, (total - cpu0) / 2.93e9],
      requests: 0,
      requestsPerSecond: null,
    },
    counts: {
      accesses: 200_000,
      itlbMisses: jitter(1_200),
      dtlbMisses: jitter(9_800),
      stlbMisses: jitter(4_100),
      pageWalks: jitter(4_100),
      pageFaults: 2_600,
      invlpg: jitter(700),
      cr3Writes: shape.split === '4G4G' ? 24_000 : 800,
      globalFlushes: shape.highmem ? 40 : 0,
      ipis: shape.highmem ? 40 : 12,
      contextSwitches: 800,
      timerTicks: 0,
      syscalls: 12_000,
      pkmapFlushes: shape.highmem ? 40 : 0,
      pkmapWaits,
      kmap: { pkmap: kmapCount, atomic: shape.highmem ? 2_600 : 0, local: 0 },
      pagecache: { hits: 5_000, misses: 1_000, readahead: 0, evictions: 0, refaults: 0, writebacks: 0, throttles: 0 },
      io: { reads: 0, writes: 0, bytesRead: 0, bytesWritten: 0, swapReads: 0, swapWrites: 0 },
      ptKmaps: 0,
      lowmem: { kswapdWakes: 0, kswapdPages: 0, directReclaims: 0, directPages: 0, slabShrunk: 0, inodeSteal: 0, oom: 0 },
      records: { access: 200_000, read: 6_000, write: 6_000, switch: 800 },
    },
    memory: {
      zones: [
        zone('DMA', dmaPages, { kernel: 1_000, memMap: 0, user: 500 }),
        zone('Normal', lowPages - dmaPages, {
          kernel: 9 * PAGES_PER_MB,
          memMap: (ramPages * 32) / 4096,
          pageTables: 2 * PAGES_PER_MB + rng.nextInt(64),
          user: shape.highmem ? 20 * PAGES_PER_MB : 300 * PAGES_PER_MB,
          pageCache: shape.highmem ? 10 * PAGES_PER_MB : 200 * PAGES_PER_MB,
        }),
        ...(shape.highmem ? [zone('HighMem', ramPages - lowPages, { user: 280 * PAGES_PER_MB, pageCache: 190 * PAGES_PER_MB })] : []),
      ],
      lowmemStarved: false,
      lowmemFreePages: 0,
      highmemFreePages: 0,
      minFreeKbytes: 0,
      slab: {},
      pageTablePages: { lowmem: 0, highmem: 0 },
      kernelStackPages: 0,
      kswapdSeconds: 0,
      oom: null,
    },
    latency: {
      kmap: shape.highmem
        ? {
            count: kmapCount,
            mean: shape.kmapP50 * 1.4,
            p50: shape.kmapP50,
            p90: shape.kmapP50 * 2,
            p99: 9_000 + rng.nextInt(800),
            max: 48_000,
          }
        : { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 },
      kmapLockSpin: shape.highmem
        ? { count: 3_100, mean: 130, p50: 60, p90: 240, p99: 2_400, max: 11_000 }
        : { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 },
    },
    timeline: fixtureTimeline(shape.highmem, total, rng.nextInt(1_000)),
  };
}

function zone(name: string, totalPages: number, byUse: Record<string, number>): RunResult['memory']['zones'][number] {
  const usedPages = Object.values(byUse).reduce((a, b) => a + b, 0);
  return {
    name,
    totalPages,
    usedPages,
    byUse,
    managedPages: totalPages,
    watermarks: { min: 0, low: 0, high: 0 },
    minFreePages: totalPages - usedPages,
    endFreePages: totalPages - usedPages,
  };
}

function fixtureTimeline(highmem: boolean, total: number, offset: number): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const span = total / 2;
  for (let i = 0; i < 12; i++) {
    const at = Math.round(((i + 0.5) / 12) * span) + offset;
    if (highmem) {
      events.push({ cpu: 0, at, kind: 'pkmapFlush', cycles: 9_500 });
      events.push({ cpu: 0, at: at + 40, kind: 'ipi', cycles: 1_200 });
      events.push({ cpu: 1, at: at + 900, kind: 'globalFlush', cycles: 600 });
      if (i % 4 === 1) events.push({ cpu: 1, at: at + 2_000, kind: 'pkmapWait', cycles: 30_000 });
    } else if (i % 3 === 0) {
      events.push({ cpu: i % 2, at, kind: 'shootdown', cycles: 2_200 });
    }
  }
  return events;
}

/** All replications of the given configurations with replicationSeeds(seed, r). */
export function fixtureRuns(configs: readonly string[], seed = 1, r = 3): RunResult[] {
  const seeds = replicationSeeds(seed, r);
  return configs.flatMap((c) => seeds.map((s) => fixtureRun(c, s)));
}

const FIXTURE_KERNEL: KernelProfile = {
  name: 'fixture-6.1',
  description: 'fixture kernel profile (report tests only)',
  version: '6.1',
  defaults: { split: '3G', highmem: '4G', pae: false, pti: false, nrCpus: 8, highpte: false },
  // The facts of a real 6.1 non-PAE build (the charts read only the fixture layouts below).
  layout: loadKernelProfile('debian-6.1-686').layout,
  kmap: { pageCacheCopy: 'local', clearPage: 'local', cowCopy: 'local', pteAccess: 'local' },
  sources: [],
};

/**
 * Fixture layouts: the 6.x non-PAE, NR_CPUS=8 addresses of reference/kernel-x86-32.md §2.5 (fixmap
 * 0xFFD39000, pkmap 0xFF000000–0xFF400000, VMALLOC_END 0xFEFFE000, 8 MiB hole), RAM 3 GiB.
 */
export function fixtureLayout(config: string): Layout {
  const shape = FIXTURE_SHAPES[config];
  if (!shape) throw new Error(`no fixture configuration ${config}`);
  const pageOffset = shape.split === '2G' ? 0x8000_0000 : shape.split === '4G4G' ? 0x0200_0000 : 0xc000_0000;
  const taskSize = shape.split === '4G4G' ? 0xff00_0000 : pageOffset;
  const highMemory = pageOffset + shape.lowmemMB * MB;
  const vmallocStart = highMemory + 8 * MB;
  const vmallocEnd = 0xfeffe000;
  const regions = [
    { name: 'fixmap', start: 0xffd39000, end: 0xfffff000 },
    { name: 'cpu_entry_area', start: 0xff800000, end: 0xffc00000 },
    { name: 'ldt', start: 0xff400000, end: 0xff600000 },
    ...(shape.highmem ? [{ name: 'pkmap', start: 0xff000000, end: 0xff400000 }] : []),
    { name: 'vmalloc', start: vmallocStart, end: vmallocEnd },
    { name: 'lowmem', start: pageOffset, end: highMemory },
  ];
  const maxPfn = 3072 * PAGES_PER_MB;
  const maxLowPfn = Math.min(maxPfn, shape.lowmemMB * PAGES_PER_MB);
  const config_: MachineConfig = {
    name: config,
    kernel: FIXTURE_KERNEL,
    split: shape.split,
    highmem: shape.highmem ? '4G' : 'off',
    pae: false,
    pti: false,
    highpte: false,
    nrCpus: 8,
    cpus: 2,
    ramBytes: 3072 * MB,
    vmallocBytes: null,
  };
  return {
    config: config_,
    pageOffset,
    taskSize,
    maxPfn,
    maxLowPfn,
    lowmemMB: maxLowPfn / PAGES_PER_MB,
    highmemMB: (maxPfn - maxLowPfn) / PAGES_PER_MB,
    vmallocStart,
    vmallocEnd,
    pkmapBase: shape.highmem ? 0xff000000 : 0,
    lastPkmap: shape.highmem ? 1024 : 0,
    fixaddrStart: 0xffd39000,
    memMapBytes: maxPfn * 32,
    regions,
    zones: [
      { name: 'DMA', startPfn: 0, endPfn: 4096 },
      { name: 'Normal', startPfn: 4096, endPfn: maxLowPfn },
      ...(shape.highmem ? [{ name: 'HighMem' as const, startPfn: maxLowPfn, endPfn: maxPfn }] : []),
    ],
    ram: {
      installedBytes: 3072 * MB,
      below4gBytes: 3072 * MB,
      usableBytes: maxPfn * 4096,
      firmwareBytes: 3072 * MB - maxPfn * 4096,
      ignoredBytes: 0,
      ranges: [[0, maxPfn]],
    },
    warnings: [],
  };
}
