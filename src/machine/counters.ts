/**
 * What a machine's counters hold at one moment, and the warm-up mark (`--warmup N`).
 *
 * A warm-up replays the first N records of a trace as any others — TLBs, page tables, the page cache,
 * the slab and the pkmap pool are filled by them — but counts none of them, as ChampSim's
 * --warmup-instructions does (Dinero IV's -skipcount instead skips records without replaying them, which
 * leaves the caches cold; hmsim has no such skip: a trace's records depend on those before them). At
 * the end of the warm-up the driver calls a hook between two records (driver.ts DriveOptions.warmup) that
 * takes what every counter holds (countersOf) and each CPU's clock; the replay then goes on exactly as
 * without a warm-up, and the result is the difference at the end (replay.ts). Only the latency
 * histograms and the timeline sample, which cannot be subtracted, start afresh at the mark; they are
 * outputs and no mechanism reads them.
 */
import { recordsByKind } from '../trace/records.ts';
import type { RunCounts } from '../result/run-result.ts';
import type { Machine } from './machine.ts';

/** Every counter of a machine that a RunResult reports, at one moment. */
export interface MachineCounters {
  /** counts of the RunResult (the TLBs', the page cache's, the device's and the slab's included). */
  readonly counts: RunCounts;
  /** A copy of the cycle ledger (cycles[cpu * NCAT + category]). */
  readonly cycles: Float64Array;
  /** Cycles CPUs waited on the device, and of those on the dirty limit, summed over CPUs. */
  readonly ioWait: number;
  readonly throttleWait: number;
  readonly requests: number;
  readonly kswapdCycles: number;
}

/** What `m`'s counters hold now; `byKind`: the records replayed by EventKind. Reads, never changes, `m`. */
export function countersOf(m: Machine, byKind: Float64Array): MachineCounters {
  const counts = structuredClone(m.counts);
  for (const cpu of m.cpus) {
    const t = cpu.tlb.counters;
    counts.itlbMisses += t.itlbMisses;
    counts.dtlbMisses += t.dtlbMisses;
    counts.stlbMisses += t.stlbMisses;
    counts.pageWalks += t.walks;
  }
  counts.records = recordsByKind(byKind);
  counts.pagecache = { ...m.storage.counts.pagecache };
  counts.io = m.storage.ioCounts();
  counts.lowmem.slabShrunk = m.slab.shrunk;
  counts.lowmem.inodeSteal = m.storage.inodeSteal;
  const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
  return {
    counts,
    cycles: m.ledger.cycles.slice(),
    ioWait: sum(m.storage.ioWait),
    throttleWait: sum(m.storage.throttleWait),
    requests: m.requests,
    kswapdCycles: m.kswapdCycles,
  };
}

/** Subtracts every number of `b` from the same field of `a` (same shape), in place. */
export function subtractCounts(a: RunCounts, b: RunCounts): void {
  const sub = (x: Record<string, unknown>, y: Record<string, unknown>): void => {
    for (const key of Object.keys(x)) {
      const v = x[key];
      const w = y[key];
      if (typeof v === 'number') x[key] = v - (typeof w === 'number' ? w : 0);
      else if (typeof v === 'object' && v !== null && typeof w === 'object' && w !== null) {
        sub(v as Record<string, unknown>, w as Record<string, unknown>);
      }
    }
  };
  sub(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>);
}

/** The end of a warm-up: the counters, each CPU's clock, and the time (the clock of the CPU that replayed its last record). */
export interface WarmupMark {
  readonly counters: MachineCounters;
  readonly clocks: readonly number[];
  /** Cycles. */
  readonly at: number;
}

/** Marks the end of the warm-up on `m` (countersOf, the clocks) and starts its latency and timeline samples afresh. */
export function warmupMark(m: Machine, byKind: Float64Array): WarmupMark {
  const counters = countersOf(m, byKind);
  const clocks = m.cpus.map((_, c) => m.now(c));
  m.kmapLatency.reset();
  m.lockSpinLatency.reset();
  m.timeline.reset();
  return { counters, clocks, at: m.now(m.activeCpu) };
}
