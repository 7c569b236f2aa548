/**
 * Cycle accounting, event counters, latency histograms and the timeline sample of one replay.
 *
 * Every cycle a CPU spends is charged to exactly one category of CYCLE_CATEGORIES through `charge()`,
 * and a CPU's clock advances only through it — so per CPU, clock = sum of its categories, and the run's
 * total = sum of the breakdown = sum of the per-CPU figures (the accounting closes by construction).
 */
import { CYCLE_CATEGORIES, type CycleBreakdown, type Quantiles, type RunCounts, type TimelineEvent } from '../result/run-result.ts';

/** Index of each category in CYCLE_CATEGORIES (the hot path charges by index). */
export const Cat = Object.fromEntries(CYCLE_CATEGORIES.map((name, i) => [name, i])) as {
  readonly [K in (typeof CYCLE_CATEGORIES)[number]]: number;
};
/** Number of cycle categories (the stride of CycleLedger.cycles). */
export const NCAT = CYCLE_CATEGORIES.length;

/** Per-CPU cycles by category, flat: cycles[cpu * NCAT + category]. */
export class CycleLedger {
  readonly cpus: number;
  readonly cycles: Float64Array;

  constructor(cpus: number) {
    this.cpus = cpus;
    this.cycles = new Float64Array(cpus * NCAT);
  }

  /** Adds `n` cycles of `category` to `cpu`. */
  add(cpu: number, category: number, n: number): void {
    this.cycles[cpu * NCAT + category]! += n;
  }

  /** Cycles charged to `cpu` (all categories). */
  cpuTotal(cpu: number): number {
    let s = 0;
    for (let c = 0; c < NCAT; c++) s += this.cycles[cpu * NCAT + c]!;
    return s;
  }

  /** The breakdown over all CPUs. */
  breakdown(): CycleBreakdown {
    const out = {} as CycleBreakdown;
    CYCLE_CATEGORIES.forEach((name, c) => {
      let s = 0;
      for (let cpu = 0; cpu < this.cpus; cpu++) s += this.cycles[cpu * NCAT + c]!;
      out[name] = s;
    });
    return out;
  }
}

/** Fresh zeroed counters. */
export function emptyCounts(): RunCounts {
  return {
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
    timerTicks: 0,
    pkmapFlushes: 0,
    pkmapWaits: 0,
    kmap: { pkmap: 0, atomic: 0, local: 0 },
    pagecache: { hits: 0, misses: 0, readahead: 0, evictions: 0, refaults: 0, writebacks: 0, throttles: 0 },
    io: { reads: 0, writes: 0, bytesRead: 0, bytesWritten: 0, swapReads: 0, swapWrites: 0 },
    ptKmaps: 0,
    lowmem: { kswapdWakes: 0, kswapdPages: 0, directReclaims: 0, directPages: 0, slabShrunk: 0, inodeSteal: 0, oom: 0 },
    records: {},
  };
}

/** Relative width of a histogram bucket: quantiles are exact to within 1%. */
const BUCKET_GROWTH = 1.01;
const LOG_GROWTH = Math.log(BUCKET_GROWTH);

/**
 * A latency histogram with logarithmic buckets: bounded memory whatever the sample count (one counter
 * per bucket in a Float64Array, grown to the largest bucket used: ~2,100 buckets reach 10^9 cycles),
 * deterministic, quantiles within 1% (reported as the bucket's upper edge, capped at the exact max);
 * count, mean and max exact. Adding a sample allocates nothing.
 */
export class LatencyHistogram {
  /** counts[b]: samples in bucket b (bucket 0: values below 1; b ≥ 1: (1.01^(b−1), 1.01^b]). */
  private counts = new Float64Array(64);
  private n = 0;
  private sum = 0;
  private maxValue = 0;
  /** Memo of the last value's bucket (constant costs repeat the same latency). */
  private lastValue = -1;
  private lastBucket = 0;

  constructor() {
    // Double fields from the start (see CpuState's constructor, cpu.ts). Same values.
    this.sum = 0.5;
    this.maxValue = 0.5;
    this.lastValue = 0.5;
    this.sum = 0;
    this.maxValue = 0;
    this.lastValue = -1;
  }

  /** Records one latency (cycles, >= 0). */
  add(value: number): void {
    const v = value > 0 ? value : 0;
    let b: number;
    if (v === this.lastValue) b = this.lastBucket;
    else {
      b = v < 1 ? 0 : Math.ceil(Math.log(v) / LOG_GROWTH);
      if (b >= this.counts.length) this.grow(b);
      this.lastValue = v;
      this.lastBucket = b;
    }
    this.counts[b]! += 1;
    this.n++;
    this.sum += v;
    if (v > this.maxValue) this.maxValue = v;
  }

  /** Forgets every sample (the end of a warm-up). */
  reset(): void {
    this.counts.fill(0);
    this.n = 0;
    this.sum = 0;
    this.maxValue = 0;
  }

  /** `add(value)` `k` times over (the sum built by the same k additions). */
  addRepeat(value: number, k: number): void {
    if (k <= 0) return;
    this.add(value);
    const b = this.lastBucket;
    const v = this.lastValue;
    this.counts[b]! += k - 1;
    this.n += k - 1;
    let sum = this.sum;
    for (let j = 1; j < k; j++) sum += v;
    this.sum = sum;
  }

  private grow(b: number): void {
    let len = this.counts.length;
    while (len <= b) len *= 2;
    const next = new Float64Array(len);
    next.set(this.counts);
    this.counts = next;
  }

  /** Count, mean, p50, p90, p99, max (all 0 when empty). */
  quantiles(): Quantiles {
    if (this.n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const counts = this.counts;
    const at = (q: number): number => {
      const rank = Math.ceil(q * this.n);
      let seen = 0;
      for (let k = 0; k < counts.length; k++) {
        if (counts[k] === 0) continue;
        seen += counts[k]!;
        if (seen >= rank) return Math.min(this.maxValue, k === 0 ? 0 : Math.round(BUCKET_GROWTH ** k));
      }
      return this.maxValue;
    };
    return { count: this.n, mean: this.sum / this.n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: this.maxValue };
  }
}

/** Timeline events kept at most (the sample is thinned by halves as the run goes on). */
export const TIMELINE_CAPACITY = 2048;

/** Timeline event kinds by code (the sample stores codes). */
const TIMELINE_KINDS: ReadonlyArray<TimelineEvent['kind']> = ['globalFlush', 'ipi', 'pkmapWait', 'pkmapFlush', 'shootdown'];

/**
 * A bounded, deterministic sample of cross-CPU events: every event is kept until the buffer is full;
 * then every other kept event is dropped and only every 2nd (then 4th, 8th, ...) new event is kept.
 * Kept events live in typed arrays of TIMELINE_CAPACITY entries: adding one allocates nothing.
 */
export class TimelineSample {
  private readonly cpus = new Int32Array(TIMELINE_CAPACITY);
  private readonly ats = new Float64Array(TIMELINE_CAPACITY);
  private readonly kinds = new Uint8Array(TIMELINE_CAPACITY);
  private readonly cycles = new Float64Array(TIMELINE_CAPACITY);
  private length = 0;
  private stride = 1;
  private seen = 0;

  /** Forgets every event (the end of a warm-up). */
  reset(): void {
    this.length = 0;
    this.stride = 1;
    this.seen = 0;
  }

  add(cpu: number, at: number, kind: TimelineEvent['kind'], cycles: number): void {
    if (this.seen++ % this.stride !== 0) return;
    const i = this.length++;
    this.cpus[i] = cpu;
    this.ats[i] = at;
    this.kinds[i] = TIMELINE_KINDS.indexOf(kind);
    this.cycles[i] = cycles;
    if (this.length >= TIMELINE_CAPACITY) {
      // Keep the events at even positions, in order.
      let j = 0;
      for (let k = 0; k < this.length; k += 2, j++) {
        this.cpus[j] = this.cpus[k]!;
        this.ats[j] = this.ats[k]!;
        this.kinds[j] = this.kinds[k]!;
        this.cycles[j] = this.cycles[k]!;
      }
      this.length = j;
      this.stride *= 2;
    }
  }

  /** The kept events in the order they happened. */
  result(): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (let i = 0; i < this.length; i++) {
      out.push({ cpu: this.cpus[i]!, at: this.ats[i]!, kind: TIMELINE_KINDS[this.kinds[i]!]!, cycles: this.cycles[i]! });
    }
    return out;
  }
}
