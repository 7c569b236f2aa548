/**
 * RecordBatch helpers: allocating batches, a fixed-capacity batch builder (the fast path for importers
 * and generators: no per-record object), and conversions between batches and plain TraceRecords
 * (for tests and slow paths).
 */
import type { RecordBatch, TraceRecord, TraceSink } from './records.ts';

/** A RecordBatch whose columns may be written (what a builder fills). */
export interface MutableRecordBatch extends RecordBatch {
  length: number;
}

/** A sink that also accepts whole batches (the HMT writer). */
export interface BatchSink extends TraceSink {
  /** Appends `batch.length` records of `batch.cpu`. The batch may be reused by the caller afterwards. */
  pushBatch(batch: RecordBatch): void;
}

/** True when `sink` has the batch fast path. */
export function hasPushBatch(sink: TraceSink): sink is BatchSink {
  return typeof (sink as Partial<BatchSink>).pushBatch === 'function';
}

/** Pushes a batch to any sink: whole when it has `pushBatch`, else record by record. */
export function pushBatchTo(sink: TraceSink, batch: RecordBatch): void {
  if (hasPushBatch(sink)) sink.pushBatch(batch);
  else for (let i = 0; i < batch.length; i++) sink.push(recordAt(batch, i));
}

/** Allocates zeroed columns for `capacity` records of one CPU (length 0). */
export function allocateBatch(cpu: number, capacity: number): MutableRecordBatch {
  return {
    cpu,
    length: 0,
    kind: new Uint8Array(capacity),
    op: new Uint8Array(capacity),
    pid: new Uint32Array(capacity),
    addr: new Uint32Array(capacity),
    len: new Uint32Array(capacity),
    arg: new Uint32Array(capacity),
    off: new Float64Array(capacity),
    time: new Float64Array(capacity),
  };
}

/**
 * A fixed-capacity batch of one CPU that is filled record by record and then handed on (`view()`) and
 * cleared (`clear()`). Cleared slots are re-zeroed lazily, so unused columns stay 0.
 */
export class RecordBatchBuilder {
  readonly cpu: number;
  readonly capacity: number;
  readonly columns: MutableRecordBatch;
  /** Records written so far. */
  length = 0;
  /** Highest slot count whose optional columns may be non-zero (they are zeroed on clear). */
  private dirty = 0;

  constructor(cpu: number, capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`batch capacity ${capacity} must be a positive integer`);
    this.cpu = cpu;
    this.capacity = capacity;
    this.columns = allocateBatch(cpu, capacity);
  }

  /** True when no more records fit. */
  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** Appends an access record (kind 0); `arg`, `off`, `time` stay 0. Caller checks `full` first. */
  pushAccess(op: number, pid: number, addr: number, len: number): void {
    const i = this.length++;
    const c = this.columns;
    c.kind[i] = 0;
    c.op[i] = op;
    c.pid[i] = pid;
    c.addr[i] = addr;
    c.len[i] = len;
  }

  /** Appends one record (fields other than kind default to 0). Caller checks `full` first. */
  push(r: TraceRecord): void {
    const i = this.length++;
    const c = this.columns;
    c.kind[i] = r.kind;
    c.op[i] = r.op ?? 0;
    c.pid[i] = r.pid ?? 0;
    c.addr[i] = r.addr ?? 0;
    c.len[i] = r.len ?? 0;
    c.arg[i] = r.arg ?? 0;
    c.off[i] = r.off ?? 0;
    c.time[i] = r.time ?? 0;
    if (this.length > this.dirty) this.dirty = this.length;
  }

  /** Appends records [start, end) of `batch` (same CPU is the caller's business). */
  append(batch: RecordBatch, start: number, end: number): void {
    const n = end - start;
    const i = this.length;
    const c = this.columns;
    c.kind.set(batch.kind.subarray(start, end), i);
    c.op.set(batch.op.subarray(start, end), i);
    c.pid.set(batch.pid.subarray(start, end), i);
    c.addr.set(batch.addr.subarray(start, end), i);
    c.len.set(batch.len.subarray(start, end), i);
    c.arg.set(batch.arg.subarray(start, end), i);
    c.off.set(batch.off.subarray(start, end), i);
    c.time.set(batch.time.subarray(start, end), i);
    this.length += n;
    if (this.length > this.dirty) this.dirty = this.length;
  }

  /** The filled part as a RecordBatch (views, valid until the next `clear()`). */
  view(): RecordBatch {
    const c = this.columns;
    const n = this.length;
    return {
      cpu: this.cpu,
      length: n,
      kind: c.kind.subarray(0, n),
      op: c.op.subarray(0, n),
      pid: c.pid.subarray(0, n),
      addr: c.addr.subarray(0, n),
      len: c.len.subarray(0, n),
      arg: c.arg.subarray(0, n),
      off: c.off.subarray(0, n),
      time: c.time.subarray(0, n),
    };
  }

  /** Empties the builder; columns that `pushAccess` does not write are re-zeroed. */
  clear(): void {
    if (this.dirty > 0) {
      const c = this.columns;
      c.arg.fill(0, 0, this.dirty);
      c.off.fill(0, 0, this.dirty);
      c.time.fill(0, 0, this.dirty);
      this.dirty = 0;
    }
    this.length = 0;
  }
}

/**
 * Record `i` of a batch as a plain object. Optional fields that are 0 are left out, so a record reads
 * like what an importer pushed: `{ kind: 0, cpu: 0, op: 2, pid: 7, addr: 0x8049b00, len: 2 }`.
 */
export function recordAt(batch: RecordBatch, i: number): TraceRecord {
  const r: TraceRecord = { kind: batch.kind[i] as TraceRecord['kind'], cpu: batch.cpu };
  const op = batch.op[i]!;
  const pid = batch.pid[i]!;
  const addr = batch.addr[i]!;
  const len = batch.len[i]!;
  const arg = batch.arg[i]!;
  const off = batch.off[i]!;
  const time = batch.time[i]!;
  if (op !== 0) r.op = op;
  if (pid !== 0) r.pid = pid;
  if (addr !== 0) r.addr = addr;
  if (len !== 0) r.len = len;
  if (arg !== 0) r.arg = arg;
  if (off !== 0) r.off = off;
  if (time !== 0) r.time = time;
  return r;
}

/** Every record of a batch as plain objects (see `recordAt`). */
export function batchToRecords(batch: RecordBatch): TraceRecord[] {
  const out: TraceRecord[] = new Array<TraceRecord>(batch.length);
  for (let i = 0; i < batch.length; i++) out[i] = recordAt(batch, i);
  return out;
}

/** A record with fields that are 0 or undefined removed: the form `recordAt` returns (for comparisons). */
export function canonicalRecord(r: TraceRecord): TraceRecord {
  const out: TraceRecord = { kind: r.kind, cpu: r.cpu };
  if (r.op) out.op = r.op;
  if (r.pid) out.pid = r.pid;
  if (r.addr) out.addr = r.addr;
  if (r.len) out.len = r.len;
  if (r.arg) out.arg = r.arg;
  if (r.off) out.off = r.off;
  if (r.time) out.time = r.time;
  return out;
}

/** Groups records into batches of consecutive same-CPU records (at most `capacity` each). */
export function recordsToBatches(records: readonly TraceRecord[], capacity = 65_536): RecordBatch[] {
  const out: RecordBatch[] = [];
  let b: RecordBatchBuilder | undefined;
  for (const r of records) {
    if (b === undefined || b.cpu !== r.cpu || b.full) {
      if (b !== undefined && b.length > 0) out.push(b.view());
      b = new RecordBatchBuilder(r.cpu, capacity);
    }
    b.push(r);
  }
  if (b !== undefined && b.length > 0) out.push(b.view());
  return out;
}
