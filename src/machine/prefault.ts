/**
 * `--prefault`: every user page is present, nothing happens in the kernel — a pure TLB replay through
 * the TLB fast path (tlb-replay.ts), one TlbReplayer per CPU so that cycles are known per CPU.
 *
 * Cycles: compute records → compute; each STLB hit → stlbHit, each page walk → walk(levels) (tlbWalk).
 * Nothing else is charged; memory shows the boot-time use only (mem_map and the kernel's own lowmem).
 * Switch records write CR3 (non-global flush; also on x86_64, where the fast path has no PCID tags), so a
 * trace that records its TLB flushes (HMT 2.1) is refused.
 * Accesses at or above TASK_SIZE are reported as infeasible but still replayed (the fast path does not
 * filter records). One pass over the records: the replayer counts and checks them as it replays.
 */
import type { Layout } from '../layout/types.ts';
import { createRng } from '../random/rng.ts';
import { CYCLE_CATEGORIES, type CycleBreakdown } from '../result/run-result.ts';
import type { RunSpec } from '../result/run-spec.ts';
import { UsageError } from '../errors.ts';
import { EventKind, KIND_COUNT, OBSERVED_TLB_FLUSHES, recordsByKind, type TraceSource } from '../trace/records.ts';
import { emptyCounts } from './accounting.ts';
import { Infeasibility } from './infeasible.ts';
import { machineShape } from './machine.ts';
import { BOOT_RESERVED_LOWMEM_PAGES, PageUse, PhysicalMemory } from './memory.ts';
import type { buildResult } from './result.ts';
import { eachBatchReadingAhead, TlbReplayer } from './tlb-replay.ts';
import { PAGE_SIZE } from '../units/address.ts';

type Parts = Omit<Parameters<typeof buildResult>[0], 'trace'> & { records: number };

/** Pure TLB replay of `source` under `spec`. */
export async function replayPrefault(
  spec: RunSpec,
  layout: Layout,
  source: TraceSource,
  options: { signal?: AbortSignal; onProgress?: (done: number) => void } = {},
): Promise<Parts> {
  if (source.header.observed?.includes(OBSERVED_TLB_FLUSHES) === true) {
    // Observe or derive, never both: this replay derives a CR3 write from every switch record.
    throw new UsageError(
      `${spec.tracePath}: --prefault derives a CR3 write from every switch record, and this trace records its ` +
        `TLB flushes (HMT 2.1, observed ${OBSERVED_TLB_FLUSHES}): replay it without --prefault`,
    );
  }
  const shape = machineShape(spec.config, layout);
  const ncpu = Math.max(spec.config.cpus, source.header.cpus, 1);
  const infeasible = new Infeasibility();
  const replayers: TlbReplayer[] = [];
  for (let c = 0; c < ncpu; c++) {
    // One pass: the replayer counts records by kind, sums compute cycles and reports accesses at or
    // above TASK_SIZE as it replays.
    const onAboveTaskSize = (addr: number, pid: number): void =>
      infeasible.skip(
        'user address at or above TASK_SIZE',
        `0x${addr.toString(16)} (CPU ${c}, pid ${pid}); replayed anyway under --prefault`,
      );
    replayers.push(new TlbReplayer(spec.model.tlb, { largePageShift: shape.largeShift, taskSize: shape.taskSize, onAboveTaskSize }));
  }
  let done = 0;
  await eachBatchReadingAhead(source, options.signal, (b) => {
    const r = replayers[b.cpu];
    if (r === undefined) throw new Error(`records for CPU ${b.cpu} beyond the ${ncpu} CPUs of the header`);
    r.replayBatch(b);
    done += b.length;
    options.onProgress?.(done);
  });
  const rng = createRng(spec.seed);
  const counts = emptyCounts();
  const perCpu: number[] = [];
  const breakdown = Object.fromEntries(CYCLE_CATEGORIES.map((c) => [c, 0])) as CycleBreakdown;
  const byKind = new Float64Array(KIND_COUNT);
  for (let c = 0; c < ncpu; c++) {
    const r = replayers[c]!.result();
    r.recordsByKind.forEach((count, k) => {
      byKind[k]! += count;
    });
    counts.accesses += r.accesses;
    counts.itlbMisses += r.misses.i;
    counts.dtlbMisses += r.misses.d;
    counts.stlbMisses += r.misses.stlb;
    counts.pageWalks += r.walks;
    counts.cr3Writes += r.cr3Writes;
    let walk = 0;
    for (let w = 0; w < r.stlbHits; w++) walk += spec.model.costs.stlbHit(0, rng);
    for (let w = 0; w < r.walks; w++) walk += spec.model.costs.walk(shape.userWalkRefs, rng);
    breakdown.compute += r.computeCycles;
    breakdown.tlbWalk += walk;
    perCpu.push(r.computeCycles + walk);
  }
  counts.contextSwitches = byKind[EventKind.switch]!;
  counts.records = recordsByKind(byKind);
  const mem = new PhysicalMemory(layout);
  mem.reserveBoot(Math.ceil(layout.memMapBytes / PAGE_SIZE), PageUse.memMap);
  mem.reserveBoot(BOOT_RESERVED_LOWMEM_PAGES, PageUse.kernel);
  const empty = { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return {
    records: done,
    config: spec.config,
    layout,
    model: spec.model,
    seed: spec.seed,
    infeasible: infeasible.messages(),
    perCpu,
    breakdown,
    counts,
    zones: mem.report(),
    lowmemStarved: false,
    lowmemFreePages: mem.lowmemFree,
    highmemFreePages: mem.highmemFree,
    kmapLatency: empty,
    kmapLockSpin: empty,
    timeline: [],
  };
}
