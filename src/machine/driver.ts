/**
 * The full-machine replay loop: per-CPU record streams advanced in the order of the CPUs' clocks; a CPU
 * about to run a child whose queued fork is not replayed yet waits for it (noteForks, Machine.waitForFork).
 *
 * ```
 *   TraceSource.batches() ──(file order)──► per-CPU queues of batches
 *                                              │
 *   loop: cpu = StreamClocks.next()  (smallest clock, ties → lowest CPU)
 *         ├─ its queue is empty: pull the next batch from the file (or retire the CPU at the end)
 *         └─ replay its records while its clock ≤ every other running CPU's clock (the horizon);
 *            a record that puts the CPU to sleep (full pkmap pool) is retried when the CPU is woken
 *   end:   every CPU retired — or all that are left sleep (pkmap deadlock: infeasible) — or the
 *          machine stopped (lowmem OOM, out of memory)
 * ```
 * Memory: the batches waiting in the per-CPU queues (a trace whose CPUs' chunks are interleaved in
 * time, as the HMT writer and the generators produce them, keeps that to a few chunks). The queues hold
 * at most LOOKAHEAD_RECORDS: beyond that an HMT file is read one stream per CPU (TraceReader.cpuBatches),
 * which gives every CPU the same batches in the same order, so the results do not change.
 */
import type { RecordBatch, TraceSource } from '../trace/records.ts';
import { EventKind, KIND_COUNT } from '../trace/records.ts';
import { InputError } from '../errors.ts';
import { execute, resumePaused } from './execute.ts';
import { accessHitRun } from './user-access.ts';
import type { Machine } from './machine.ts';
import { abortPoint } from '../io/abort-point.ts';

/** Options of a machine drive. */
export interface DriveOptions {
  readonly signal?: AbortSignal;
  /** Called after each batch is fully replayed with the records replayed so far. */
  readonly onProgress?: (recordsDone: number) => void;
  /** Trace path for messages. */
  readonly path?: string;
  /**
   * Read the source to its end even when every CPU is done before it (the footer, or empty chunks), so
   * that a pass hashing the file completes. Not when the replay stopped.
   */
  readonly drain?: boolean;
  /** Records the queues may hold before the file is read one stream per CPU (default LOOKAHEAD_RECORDS). */
  readonly lookahead?: number;
  /**
   * A warm-up: after `records` records (all kinds, in replay order: the order of the CPUs' clocks)
   * `end` is called once, between two records, with the records replayed so far by kind. It reads the
   * machine (what the counters hold) and changes nothing a mechanism reads (counters.ts warmupMark): the
   * replay goes on exactly as without a warm-up. Not called when the replay ends or stops before.
   */
  readonly warmup?: { readonly records: number; readonly end: (byKind: Float64Array) => void };
  /** Records or pages between two abort points (default ABORT_CHECK_WORK; tests pause walks more often). */
  readonly abortCheckWork?: number;
}

/** What a drive reports besides the machine's own state. */
export interface DriveOutcome {
  /** Records replayed (completed), by EventKind code. */
  readonly byKind: Float64Array;
  readonly records: number;
  /** Most records the per-CPU queues held at once (the replay's look-ahead). */
  readonly maxQueued: number;
  /** True when the file was read one stream per CPU (its CPUs' chunks lie far apart). */
  readonly perCpuStreams: boolean;
  /** Times a record's page walk or timer ticks paused for an abort point (only with a signal). */
  readonly pauses: number;
}

class CpuQueue {
  batches: RecordBatch[] = [];
  head = 0;
  pos = 0;
  current(): RecordBatch | undefined {
    return this.batches[this.head];
  }
  advance(): void {
    this.batches[this.head] = undefined as unknown as RecordBatch;
    this.head++;
    this.pos = 0;
    if (this.head > 64 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Records per CPU still to be read: from the footer of an HMT file when it is known (an uncompressed
 * file), else unknown (undefined) for the header's CPUs. CPUs beyond the header's have none.
 */
function unreadPerCpu(source: TraceSource, ncpu: number): Array<number | undefined> {
  const byCpu = (source as { readonly footer?: { readonly byCpu?: readonly number[] } }).footer?.byCpu;
  const out: Array<number | undefined> = [];
  for (let c = 0; c < ncpu; c++) out.push(c >= source.header.cpus ? 0 : byCpu?.[c]);
  return out;
}

/** A source that can also give one CPU's batches alone (the HMT reader). */
interface PerCpuSource extends TraceSource {
  cpuBatches(cpu: number, skipChunks: number): AsyncIterable<RecordBatch>;
}

/**
 * Most records the queues hold before the replay reads one stream per CPU: 2^22 records are 54 MiB of
 * user-access columns (13 bytes a record), 143 MiB with every column stored (34 bytes). A trace from
 * hmsim's writer never needs more: its CPUs trail each other by at most 2^20 records plus one chunk per
 * CPU (≤ 2^21 records in all with the writer's default chunk sizes).
 */
export const LOOKAHEAD_RECORDS = 1 << 22;
/** Most CPUs read one stream each (each stream is an open file and, for .gz, a decompressor). */
const MAX_CPU_STREAMS = 64;

/**
 * Records, or pages of a record's walk, replayed between two abort points (a page that faults and
 * reclaims takes a few µs: 2^16 of them well under a second; a turn of the event loop costs ~10 µs).
 */
const ABORT_CHECK_WORK = 1 << 16;

/** Counts the fork records of a batch the driver queues in Machine.pendingForks, by child pid. */
function noteForks(m: Machine, b: RecordBatch): void {
  const kinds = b.kind.subarray(0, b.length);
  for (let i = kinds.indexOf(EventKind.fork); i >= 0; i = kinds.indexOf(EventKind.fork, i + 1)) {
    const child = b.arg[i]!;
    m.pendingForks.set(child, (m.pendingForks.get(child) ?? 0) + 1);
  }
}

/** Replays every record of `source` on `m`. */
export async function driveMachine(m: Machine, source: TraceSource, options: DriveOptions = {}): Promise<DriveOutcome> {
  const byKind = new Float64Array(KIND_COUNT);
  const queues: CpuQueue[] = [];
  for (let c = 0; c < m.ncpu; c++) queues.push(new CpuQueue());
  const it = source.batches()[Symbol.asyncIterator]();
  // Records of each CPU not read yet, when the source knows them: a CPU with none left is retired instead
  // of pulling (and queueing) every remaining batch of the other CPUs while it waits for one of its own.
  const unread = unreadPerCpu(source, m.ncpu);
  let exhausted = false;
  let done = 0;
  // Bounded look-ahead: records waiting in the queues, and chunks pulled per CPU. When the queues reach
  // LOOKAHEAD_RECORDS while a CPU waits for its own records (its chunks come much later in the file),
  // a source that can (HMT files: cpuBatches) is read one stream per CPU from then on.
  const lookahead = options.lookahead ?? LOOKAHEAD_RECORDS;
  let queued = 0;
  let maxQueued = 0;
  const pulled = new Array<number>(m.ncpu).fill(0);
  const perCpu = typeof (source as Partial<PerCpuSource>).cpuBatches === 'function' ? (source as PerCpuSource) : undefined;
  let streams: Array<AsyncIterator<RecordBatch> | undefined> | undefined;
  const streamDone: boolean[] = [];
  const clocks = m.clocks;
  // Work (records, and the pages of their walks: m.workLeft) left before the next abort point inside a
  // batch: a batch may take long (a CPU replays its queued batches back to back; a record may walk 2^20
  // pages, and pauses inside its walk), and the signal must still be seen within a fraction of a second.
  // Awaiting here changes no replay state.
  const signal = options.signal;
  const checkWork = options.abortCheckWork ?? ABORT_CHECK_WORK;
  m.workLeft = checkWork;
  m.pausable = signal !== undefined;
  let pauses = 0;
  // Records left before the end of the warm-up (0: none, or it has ended).
  let warmLeft = options.warmup !== undefined && options.warmup.records > 0 ? options.warmup.records : 0;
  try {
    while (!m.stopped) {
      const cpu = clocks.next();
      // No CPU can run but some wait for forks the replay cannot reach: they go on (Machine.releaseForkWaiters).
      if (cpu < 0 && m.releaseForkWaiters()) continue;
      if (cpu < 0) {
        const sleeping = m.cpus.filter((c) => c.state === 'sleeping').map((c) => c.index);
        if (sleeping.length > 0) {
          m.infeasible.stop(
            'pkmap deadlock',
            `every CPU that still has records sleeps in kmap() on a full pkmap pool (CPUs ${sleeping.join(', ')})`,
          );
          m.stopped = true;
        }
        break;
      }
      const q = queues[cpu]!;
      const b = q.current();
      if (b === undefined) {
        if (unread[cpu] === 0 || (streams === undefined ? exhausted : streamDone[cpu] === true)) {
          m.retireCpu(cpu);
          continue;
        }
        await abortPoint(options.signal);
        if (streams === undefined && queued >= lookahead && perCpu !== undefined) {
          // The CPU waits for its own records while the other CPUs' queues hold LOOKAHEAD_RECORDS: read
          // each CPU's stream on its own from here (pulled[c] chunks of CPU c are read already).
          if (source.header.cpus > MAX_CPU_STREAMS) {
            throw new InputError(
              `${options.path ?? 'trace'}: CPU ${cpu}'s next records lie more than ${lookahead} records ` +
                `further in the file, and with ${source.header.cpus} CPUs it cannot be read one stream per CPU ` +
                `(expected the chunks of different CPUs interleaved in time, as hmsim's writer writes them)`,
            );
          }
          streams = [];
          await it.return?.();
        }
        let step: IteratorResult<RecordBatch>;
        if (streams !== undefined) {
          let stream = streams[cpu];
          if (stream === undefined) {
            stream = perCpu!.cpuBatches(cpu, pulled[cpu]!)[Symbol.asyncIterator]();
            streams[cpu] = stream;
          }
          step = await stream.next();
          if (step.done === true) {
            streamDone[cpu] = true;
            continue;
          }
        } else {
          step = await it.next();
          if (step.done === true) {
            exhausted = true;
            continue;
          }
        }
        const batch = step.value;
        if (batch.cpu >= m.ncpu) {
          throw new InputError(
            `${options.path ?? 'trace'}: records for CPU ${batch.cpu}, but the trace header declares ${source.header.cpus} CPUs`,
          );
        }
        if (unread[batch.cpu] !== undefined) unread[batch.cpu]! -= batch.length;
        pulled[batch.cpu]!++;
        if (batch.length > 0) {
          noteForks(m, batch);
          queues[batch.cpu]!.batches.push(batch);
          queued += batch.length;
          if (queued > maxQueued) maxQueued = queued;
        }
        continue;
      }
      // The horizon: the smallest clock among the other running CPUs.
      let horizon = Infinity;
      for (let c = 0; c < m.ncpu; c++) {
        if (c === cpu) continue;
        const t = clocks.timeOf(c);
        if (t < horizon) horizon = t;
      }
      const epoch = m.wakeEpoch;
      m.activeCpu = cpu;
      const n = b.length;
      let i = q.pos;
      const kinds = b.kind;
      const start = i;
      // Records are replayed up to `end`: the batch's end, or the end of the warm-up when it falls inside
      // the batch; there the warm-up's hook runs and the replay goes on to the batch's end as if nothing
      // happened (the same CPU, the same horizon). Exits for a sleeping CPU or a passed horizon leave
      // both loops. The per-record work is the same as without a warm-up.
      let end = warmLeft > 0 && warmLeft < n - i ? i + warmLeft : n;
      replay: for (;;) {
        while (i < end) {
          let kind = kinds[i]!;
          if (kind === EventKind.access) {
            // Accesses that hit the L1 TLB are done at once, a run at a time (user-access.ts accessHitRun):
            // they move no clock. The first record that is not one goes to execute.
            const j = accessHitRun(m, cpu, b, i, end);
            if (j > i) {
              m.workLeft -= j - i;
              byKind[EventKind.access]! += j - i;
              i = j;
              if (i >= end) break;
              kind = kinds[i]!;
            }
          }
          let ok = execute(m, cpu, b, i);
          // A long page walk or run of timer ticks paused (Machine.pauseDue): the signal is looked at,
          // and the record goes on.
          while (!ok && m.paused !== '') {
            const where = m.paused;
            m.paused = '';
            m.workLeft = checkWork;
            pauses++;
            await abortPoint(signal);
            ok = where === 'walk' ? resumePaused(m, cpu, b, i) : execute(m, cpu, b, i);
          }
          if (!ok) {
            if (!m.stopped && m.cpus[cpu]!.state === 'running') {
              throw new Error(`record ${i} of a CPU ${cpu} batch neither completed nor slept`);
            }
            break replay;
          }
          byKind[kind]! += 1;
          // Reads, writes and accesses count their pages as they walk them; other records their length.
          m.workLeft -= kind === EventKind.read || kind === EventKind.write || kind === EventKind.access ? 1 : 1 + (b.len[i]! >>> 12);
          i++;
          if (m.workLeft <= 0) {
            m.workLeft = checkWork;
            await abortPoint(signal);
          }
          if (clocks.timeOf(cpu) > horizon || m.wakeEpoch !== epoch) break replay;
        }
        if (end === n) break;
        // The warm-up's last record is done, the next not begun.
        options.warmup!.end(byKind);
        warmLeft = 0;
        end = n;
      }
      if (warmLeft > 0) {
        // The warm-up ends at the batch's end, or where the horizon stopped this CPU: the hook runs now,
        // before any other record.
        warmLeft -= i - start;
        if (warmLeft === 0) options.warmup!.end(byKind);
      }
      done += i - q.pos;
      q.pos = i;
      if (i >= n) {
        queued -= n;
        q.advance();
        options.onProgress?.(done);
      }
    }
    if (options.drain === true && !m.stopped && !exhausted && streams === undefined) {
      for (let step = await it.next(); step.done !== true; step = await it.next()) await abortPoint(options.signal);
    }
  } finally {
    await it.return?.();
    for (const stream of streams ?? []) await stream?.return?.();
  }
  return { byKind, records: done, maxQueued, perCpuStreams: streams !== undefined, pauses };
}
