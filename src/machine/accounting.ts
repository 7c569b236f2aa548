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
const NCAT = CYCLE_CATEGORIES.length;

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
    pkmapFlushes: 0,
    pkmapWaits: 0,
    kmap: { pkmap: 0, atomic: 0, local: 0 },
    records: {},
  };
}

/** Relative width of a histogram bucket: quantiles are exact to within 1%. */
const BUCKET_GROWTH = 1.01;
const LOG_GROWTH = Math.log(BUCKET_GROWTH);

/**
 * A latency histogram with logarithmic buckets: bounded memory whatever the sample count, deterministic,
 * quantiles within 1% (reported as the bucket's upper edge, capped at the exact max); count, mean and max
 * exact.
 */
export class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  private n = 0;
  private sum = 0;
  private maxValue = 0;
  /** Memo of the last value's bucket (constant costs repeat the same latency). */
  private lastValue = -1;
  private lastBucket = 0;

  /** Records one latency (cycles, >= 0). */
  add(value: number): void {
    const v = value > 0 ? value : 0;
    let b: number;
    if (v === this.lastValue) b = this.lastBucket;
    else {
      b = v < 1 ? 0 : Math.ceil(Math.log(v) / LOG_GROWTH);
      this.lastValue = v;
      this.lastBucket = b;
    }
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    this.n++;
    this.sum += v;
    if (v > this.maxValue) this.maxValue = v;
  }

  /** Count, mean, p50, p90, p99, max (all 0 when empty). */
  quantiles(): Quantiles {
    if (this.n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    const at = (q: number): number => {
      const rank = Math.ceil(q * this.n);
      let seen = 0;
      for (const k of keys) {
        seen += this.buckets.get(k)!;
        if (seen >= rank) return Math.min(this.maxValue, k === 0 ? 0 : Math.round(BUCKET_GROWTH ** k));
      }
      return this.maxValue;
    };
    return { count: this.n, mean: this.sum / this.n, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: this.maxValue };
  }
}

/** Timeline events kept at most (the sample is thinned by halves as the run goes on). */
export const TIMELINE_CAPACITY = 2048;

/**
 * A bounded, deterministic sample of cross-CPU events: every event is kept until the buffer is full;
 * then every other kept event is dropped and only every 2nd (then 4th, 8th, ...) new event is kept.
 */
export class TimelineSample {
  private events: TimelineEvent[] = [];
  private stride = 1;
  private seen = 0;

  add(cpu: number, at: number, kind: TimelineEvent['kind'], cycles: number): void {
    if (this.seen++ % this.stride !== 0) return;
    this.events.push({ cpu, at, kind, cycles });
    if (this.events.length >= TIMELINE_CAPACITY) {
      this.events = this.events.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** The kept events in the order they happened. */
  result(): TimelineEvent[] {
    return this.events;
  }
}
