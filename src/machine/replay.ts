/**
 * replay(spec): one trace, one configuration, one cost model, one seed → one RunResult.
 *
 * ```
 *   RunSpec ─► (1) computeLayout(config)            the boot-time layout (zones, pkmap, TASK_SIZE)
 *              (2) openTrace(path)                   header, footer, sha256
 *              (3a) --prefault: pure TLB replay       every user page present, no kernel (prefault.ts)
 *              (3b) otherwise: full machine replay    Machine + driveMachine (driver.ts)
 *              (4) buildResult                       plain JSON data (result.ts)
 * ```
 *
 * Infeasible traces (machine/infeasible.ts) are reported in the result (`feasible: false`, reasons),
 * never thrown. Malformed traces and bad configurations are UserErrors.
 */
import { computeLayout } from '../layout/compute.ts';
import { createRng } from '../random/rng.ts';
import type { RunResult } from '../result/run-result.ts';
import type { ReplayOptions, RunSpec } from '../result/run-spec.ts';
import { openTrace } from '../trace/hmt/reader.ts';
import { OBSERVED_EXEC_CLOSES, OBSERVED_TLB_FLUSHES, type BatchOptions, type TraceSource } from '../trace/records.ts';
import { capturedFramesFor } from './captured-frames.ts';
import { driveMachine, type DriveOutcome } from './driver.ts';
import { Machine, type TlbFactory } from './machine.ts';
import { replayPrefault } from './prefault.ts';
import { buildResult } from './result.ts';
import { countersOf, subtractCounts, warmupMark, type WarmupMark } from './counters.ts';
import { UsageError } from '../errors.ts';
import { abortPoint } from '../io/abort-point.ts';
import type { Layout } from '../layout/types.ts';
import type { RunTime } from '../result/run-result.ts';
import type { FileSizes } from './storage/page-io.ts';

/**
 * File sizes from the trace header: `provenance.files` is a list of [first id, last id, bytes] (every
 * file of the range has that size). Anything else is ignored (files of unknown size).
 */
function headerFileSizes(prov: Readonly<Record<string, unknown>>): FileSizes {
  const v = prov['files'];
  if (!Array.isArray(v)) return [];
  return v.filter(
    (r): r is [number, number, number] =>
      Array.isArray(r) && r.length === 3 && r.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0),
  );
}

/** Replays `spec.tracePath` under `spec.config` with `spec.model` and `spec.seed`. */
export async function replay(spec: RunSpec, options: ReplayOptions = {}): Promise<RunResult> {
  const layout = options.layout ?? computeLayout(spec.config);
  const reader = await openTrace(spec.tracePath);
  const total = reader.recordCount ?? 0;
  const known = options.traceSha256;
  const traceInfo = async (records: number): Promise<RunResult['trace']> => ({
    path: spec.tracePath,
    records,
    sha256: known ?? (await reader.sha256()),
    digest: reader.digest,
    source: reader.header.source,
  });
  const progress = options.onProgress;
  const drive = {
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(progress !== undefined ? { onProgress: (done: number) => progress(done, total) } : {}),
    path: spec.tracePath,
  };
  // Unless the digest is known, one pass replays the file and hashes it when it stores no digest (HMT
  // 1.x; HMT 2.0 footers hold it): the trace identity needs no second read (unless the replay stopped
  // before the end, when sha256() reads the file again).
  const source: TraceSource =
    known !== undefined
      ? reader
      : ({
          header: reader.header,
          get footer() {
            return reader.footer;
          },
          batches: (o?: BatchOptions) => reader.batches({ hash: true, ...o }),
          cpuBatches: (cpu: number, skip: number) => reader.cpuBatches(cpu, skip),
        } as TraceSource);
  // A warm-up given as a percentage of a trace whose footer does not give its length before it is read (a
  // compressed trace) counts the records in a first pass.
  const w = spec.warmup;
  const count =
    reader.recordCount ?? (w !== undefined && 'percent' in w && !spec.prefault ? await countRecords(reader, options.signal) : undefined);
  const warmupRecords = warmupRecordsOf(spec, count);
  if (spec.prefault) {
    const r = await replayPrefault(spec, layout, source, drive);
    return buildResult({ ...r, trace: await traceInfo(r.records) });
  }
  const out = await replayMachineSource(spec, layout, source, { ...drive, drain: known === undefined, warmupRecords });
  return buildResult({ ...out.parts, trace: await traceInfo(out.records) });
}

/** Records of `source`, counted in one pass. */
async function countRecords(source: TraceSource, signal?: AbortSignal): Promise<number> {
  let n = 0;
  for await (const b of source.batches()) {
    await abortPoint(signal);
    n += b.length;
  }
  return n;
}

/**
 * The records of `spec.warmup` in a trace of `total` records (undefined: not known before the replay),
 * 0 without a warm-up. UsageError when it leaves no record to count, or comes with --prefault.
 */
function warmupRecordsOf(spec: RunSpec, total: number | undefined): number {
  const w = spec.warmup;
  if (w === undefined) return 0;
  const what = 'records' in w ? `--warmup ${w.records}` : `--warmup ${w.percent}%`;
  if (spec.prefault) throw new UsageError(`${what}: not with --prefault (its pure TLB replay has no warm-up; drop one of the two)`);
  let records: number;
  if ('records' in w) records = w.records;
  else {
    if (total === undefined) throw new Error(`${what}: the record count of ${spec.tracePath} was not counted`);
    records = Math.floor((w.percent / 100) * total);
  }
  if (total !== undefined && records >= total) {
    throw new UsageError(`${what}: ${spec.tracePath} has ${total} records; expected a warm-up of fewer, so that some are counted`);
  }
  return records;
}

/**
 * The full machine replay of any TraceSource (files, or in-memory batches in tests and benchmarks).
 * Returns the result parts (everything but the trace identity) and the number of records replayed.
 */
export async function replayMachineSource(
  spec: Pick<RunSpec, 'config' | 'model' | 'seed'>,
  layout: Layout,
  source: TraceSource,
  options: {
    signal?: AbortSignal;
    onProgress?: (done: number) => void;
    path?: string;
    drain?: boolean;
    tlbFactory?: TlbFactory;
    /** MachineSpec.copyRuns (tests). */
    copyRuns?: boolean;
    lookahead?: number;
    /** Records replayed before counting starts (--warmup; 0 or absent: none). */
    warmupRecords?: number;
    abortCheckWork?: number;
  } = {},
): Promise<{ parts: Omit<Parameters<typeof buildResult>[0], 'trace'>; records: number; machine: Machine; drive: DriveOutcome }> {
  const cpus = Math.max(spec.config.cpus, source.header.cpus, 1);
  const prov = source.header.provenance;
  const m = new Machine({
    config: spec.config,
    layout,
    model: spec.model,
    rng: createRng(spec.seed),
    cpus,
    fileSizes: headerFileSizes(prov),
    ...(typeof prov['requestSyscall'] === 'number' ? { requestSyscall: prov['requestSyscall'] } : {}),
    ...(options.tlbFactory !== undefined ? { tlbFactory: options.tlbFactory } : {}),
    ...(options.copyRuns !== undefined ? { copyRuns: options.copyRuns } : {}),
  });
  m.captured = capturedFramesFor(source.header, layout);
  if (source.header.observed?.includes(OBSERVED_TLB_FLUSHES) === true) {
    m.flushesObserved = true;
    m.counts.tlbFlushes = { switches: 0, full: 0, pages: 0, received: 0, sent: 0 };
  }
  m.execClosesObserved = source.header.observed?.includes(OBSERVED_EXEC_CLOSES) === true;
  // The warm-up: at its end, what every counter holds is taken (nothing of the machine changes) and the
  // latency and timeline samples start afresh; at the end of the replay the counters are what they
  // gained since (counters.ts).
  let warm: WarmupMark | undefined;
  const warmRecords = options.warmupRecords ?? 0;
  const drive = await driveMachine(m, source, {
    ...options,
    ...(warmRecords > 0 ? { warmup: { records: warmRecords, end: (byKind: Float64Array) => (warm = warmupMark(m, byKind)) } } : {}),
  });
  for (let c = 0; c < m.ncpu; c++) m.retireCpu(c);
  const snap = countersOf(m, drive.byKind);
  const counts = snap.counts;
  const hz = spec.model.clockGHz * 1e9;
  let perCpuSeconds = m.cpus.map((c) => c.sleepClock / hz);
  let elapsedSeconds = Math.max(0, ...perCpuSeconds);
  let ioWait = snap.ioWait;
  let throttleWait = snap.throttleWait;
  let requests = snap.requests;
  let kswapdCycles = snap.kswapdCycles;
  if (warm !== undefined) {
    const w = warm.counters;
    subtractCounts(counts, w.counts);
    const cycles = m.ledger.cycles;
    for (let k = 0; k < cycles.length; k++) cycles[k]! -= w.cycles[k]!;
    perCpuSeconds = m.cpus.map((c, i) => (c.sleepClock - warm!.clocks[i]!) / hz);
    elapsedSeconds = Math.max(0, ...m.cpus.map((c) => c.sleepClock - warm!.at)) / hz;
    ioWait -= w.ioWait;
    throttleWait -= w.throttleWait;
    requests -= w.requests;
    kswapdCycles -= w.kswapdCycles;
  }
  const perCpu: number[] = [];
  for (let c = 0; c < m.ncpu; c++) perCpu.push(m.ledger.cpuTotal(c));
  const declared = m.requestSyscall >= 0;
  const time: RunTime = {
    elapsedSeconds,
    ioWaitSeconds: ioWait / hz,
    dirtyThrottleSeconds: throttleWait / hz,
    perCpuSeconds,
    requests,
    requestsPerSecond: declared && elapsedSeconds > 0 ? requests / elapsedSeconds : null,
  };
  if (warmRecords > 0 && warm === undefined && !m.stopped) {
    throw new UsageError(
      `--warmup ${warmRecords}: ${options.path ?? 'the trace'} has only ${drive.records} ` +
        `records (expected more records than the warm-up, which are counted)`,
    );
  }
  return {
    machine: m,
    records: drive.records,
    drive,
    parts: {
      config: spec.config,
      layout,
      model: spec.model,
      seed: spec.seed,
      infeasible: m.infeasible.messages(),
      perCpu,
      breakdown: m.ledger.breakdown(),
      counts,
      zones: m.mem.report(),
      lowmemStarved: m.mem.starved,
      lowmemFreePages: m.mem.lowmemFree,
      highmemFreePages: m.mem.highmemFree,
      kernelMemory: kernelMemoryOf(m, kswapdCycles),
      kmapLatency: m.kmapLatency.quantiles(),
      kmapLockSpin: m.lockSpinLatency.quantiles(),
      timeline: m.timeline.result(),
      time,
      ...(warm !== undefined ? { warmup: { records: warmRecords, seconds: warm.at / hz } } : {}),
    },
  };
}

/** memory's kernel figures of a machine at the end of its replay. */
function kernelMemoryOf(m: Machine, kswapdCycles: number): NonNullable<Parameters<typeof buildResult>[0]['kernelMemory']> {
  const zones = m.mem.report();
  const sum = (high: boolean, use: string): number =>
    zones.filter((z) => (z.name === 'HighMem') === high).reduce((n, z) => n + (z.byUse[use] ?? 0), 0);
  return {
    minFreeKbytes: m.minFreeKbytes,
    slab: m.slab.report(),
    pageTablePages: { lowmem: sum(false, 'pageTables'), highmem: sum(true, 'pageTables') },
    kernelStackPages: sum(false, 'kernelStack'),
    kswapdSeconds: kswapdCycles / (m.model.clockGHz * 1e9),
    oom: m.oom,
  };
}
