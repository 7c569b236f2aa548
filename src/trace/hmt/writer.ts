/**
 * The streaming HMT writer (layout: traces/README.md); it writes HMT 2.0.
 *
 * Records are buffered per CPU in a fixed-capacity builder; a CPU's builder is written out as one chunk
 * when it is full, when its first record is older than a window of records (so CPUs with few
 * records interleave with the others instead of trailing at the end), and every partial builder on
 * `close()`, in CPU order. Writes are synchronous, so memory
 * stays bounded (one builder per CPU) even when a producer pushes millions of records without yielding.
 * The file is written to a temporary sibling and renamed into place by `close()`; `abort()` removes it.
 * A `.gz` path is gzip-compressed with node:zlib, one gzip member per ~4 MiB of trace (a multi-member
 * gzip file, which gunzip, zcat, Python's gzip module and node:zlib read as one stream).
 * Every byte before the footer goes through SHA-256 as it is written: the footer stores that content
 * digest (format.ts DIGEST_KEY), so no reader has to hash the trace to name it.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { writeError } from '../../io/fs-errors.ts';
import { cleanStaleTemporaries, temporarySibling } from '../../io/temp-files.ts';
import { gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { InputError, WriteError } from '../../errors.ts';
import {
  COLUMNS,
  EventKind,
  HMT_2_0_KINDS,
  KIND_COUNT,
  OBSERVED_EXEC_CLOSES,
  OBSERVED_TLB_FLUSHES,
  type CaptureInfo,
  type RecordBatch,
  type TraceHeader,
  type TraceRecord,
} from '../records.ts';
import { RecordBatchBuilder, type BatchSink } from '../batch.ts';
import { chunkCrcStart, crcColumnWidth } from './checksum.ts';
import { narrowColumn } from './columns.ts';
import { crc32 } from 'node:zlib';
import {
  DEFAULT_CHUNK_RECORDS,
  DIGEST_KEY,
  END_MARKER_TYPE,
  FRAME_PREFIX_BYTES,
  FrameType,
  HMT_EXEC_CLOSES_MINOR,
  HMT_MAGIC,
  HMT_OBSERVED_MINOR,
  HMT_VERSION_MAJOR,
  HMT_VERSION_MINOR,
  kindCountOf,
  LIMITS,
  MsgpackByte,
} from './format.ts';
import { HmtMessage } from './messages.ts';
import { firstBadRecord, recordProblem } from '../record-ranges.ts';

/** What a producer says about the trace it is about to write. */
export interface TraceWriterHeader {
  /** What produced the trace: "lackey", "din", "gen:fileserver", ... */
  source: string;
  /** CPUs the trace has records for (records carry cpu 0..cpus-1). */
  cpus: number;
  /** Width of user virtual addresses, bits (default 32). */
  addressBits?: number;
  /** Page size, bytes (default 4096). */
  pageSize?: number;
  /** Free-form provenance (command line, seed, input hash, ...); stored as given. */
  provenance?: Record<string, unknown>;
  /** The captured box's configuration (HMT 1.1). */
  capture?: CaptureInfo;
  /**
   * Mechanisms the source recorded as records of their own (HMT 2.1: `tlbFlushes`, OBSERVED_TLB_FLUSHES;
   * HMT 2.2: `execCloses`, OBSERVED_EXEC_CLOSES). A trace that declares `execCloses` is written as 2.2 and
   * may hold syscall records flagged SyscallFlags.kernel; one that declares only `tlbFlushes` as 2.1, and
   * may hold tlbflush records (so may a 2.2 trace that declares both); any other is 2.0.
   */
  observed?: readonly string[];
}

/** Writer tuning. */
export interface TraceWriterOptions {
  /** Records per chunk (default 65,536; at most 1,048,576). */
  chunkRecords?: number;
  /** gzip level 1..9 for `.gz` paths (default 6). */
  gzipLevel?: number;
}

/** An open HMT file being written. Implements TraceSink (and the batch fast path). */
export interface TraceWriter extends BatchSink {
  /** Final path (exists only after `close()`). */
  readonly path: string;
  readonly header: TraceHeader;
  /** Records accepted so far. */
  readonly recordCount: number;
  /** Discards everything written: removes the temporary file. */
  abort(): Promise<void>;
}

/** Per-chunk bookkeeping kept for the footer index: [byte offset of the chunk frame, cpu, records]. */
type IndexEntry = [number, number, number];

/** Longest a record waits in a CPU's partial buffer, in records pushed after it (2^20). */
const STALE_WINDOW_MAX = 1 << 20;

/** How many bytes of uncompressed trace go into one gzip member. */
const GZIP_MEMBER_BYTES = 4 << 20;

/**
 * Opens `path` for writing an HMT v1 trace (gzip when the path ends in `.gz`).
 * @example const w = await openTraceWriter('t.hmt', { source: 'lackey', cpus: 1 }); w.push(r); await w.close();
 */
export async function openTraceWriter(path: string, header: TraceWriterHeader, options: TraceWriterOptions = {}): Promise<TraceWriter> {
  const cpus = header.cpus;
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > LIMITS.cpus) {
    throw new InputError(`trace header: cpus ${cpus} is out of range (expected an integer 1..${LIMITS.cpus})`);
  }
  const pageSize = header.pageSize ?? 4096;
  if (!Number.isInteger(pageSize) || pageSize < 256 || pageSize > 2 ** 30 || (pageSize & (pageSize - 1)) !== 0) {
    throw new RangeError(`trace header: pageSize ${pageSize} must be a power of two 256..2^30`);
  }
  const addressBits = header.addressBits ?? 32;
  if (!Number.isInteger(addressBits) || addressBits < 1 || addressBits > 64) {
    throw new RangeError(`trace header: addressBits ${addressBits} must be an integer 1..64`);
  }
  if (header.source.length > 256) throw new RangeError(`trace header: source is longer than 256 characters`);
  const chunkRecords = options.chunkRecords ?? defaultChunkRecords(cpus);
  if (!Number.isInteger(chunkRecords) || chunkRecords < 1 || chunkRecords > LIMITS.chunkRecords) {
    throw new RangeError(`chunkRecords ${chunkRecords} must be an integer 1..${LIMITS.chunkRecords}`);
  }
  const observed = header.observed ?? [];
  if (!observed.every((o) => o === OBSERVED_TLB_FLUSHES || o === OBSERVED_EXEC_CLOSES)) {
    throw new RangeError(
      `trace header: observed ${JSON.stringify(observed)} (expected only '${OBSERVED_TLB_FLUSHES}' and '${OBSERVED_EXEC_CLOSES}')`,
    );
  }
  const minor = observed.includes(OBSERVED_EXEC_CLOSES)
    ? HMT_EXEC_CLOSES_MINOR
    : observed.length > 0
      ? HMT_OBSERVED_MINOR
      : HMT_VERSION_MINOR;
  const full: TraceHeader = {
    version: `${HMT_VERSION_MAJOR}.${minor}`,
    source: header.source,
    pageSize,
    addressBits,
    cpus,
    provenance: header.provenance ?? {},
    ...(header.capture !== undefined ? { capture: header.capture } : {}),
    ...(observed.length > 0 ? { observed: [...observed] } : {}),
  };
  if (isFolder(path)) {
    throw new WriteError(`${path}: is a folder (expected the path of a trace file to write, e.g. out.hmt)`);
  }
  const tmp = temporarySibling(path);
  let fd: number;
  try {
    mkdirSync(dirname(path), { recursive: true });
    cleanStaleTemporaries(dirname(path));
    fd = openSync(tmp, 'wx');
  } catch (err) {
    throw writeError(err, path, tmp);
  }
  const out = new Output(fd, path.endsWith('.gz') ? (options.gzipLevel ?? 6) : 0, path);
  const writer = new HmtWriter(path, tmp, full, out, chunkRecords);
  try {
    writer.writeHeader();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer;
}

/** True when `path` is an existing folder (a path through a file is not: opening it reports ENOTDIR). */
function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Default chunk size: 65,536 records, smaller with many CPUs so buffers stay under ~64 MiB in total. */
function defaultChunkRecords(cpus: number): number {
  return Math.max(1024, Math.min(DEFAULT_CHUNK_RECORDS, Math.floor((DEFAULT_CHUNK_RECORDS * 32) / cpus)));
}

/** Synchronous byte output with the uncompressed offset, optionally gzip-compressed in members. */
class Output {
  /** Bytes of uncompressed trace produced so far (offsets in the footer index count these). */
  offset = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** SHA-256 of the uncompressed bytes written so far (until `digest()`). */
  private readonly hash = createHash('sha256');

  constructor(
    private readonly fd: number,
    private readonly gzipLevel: number,
    /** The trace's path, named by a write error (a full disk, a quota, an I/O error). */
    private readonly path: string,
  ) {}

  /** Appends bytes. They are consumed (copied or written) before `write` returns or at `endChunk()`. */
  write(bytes: Uint8Array): void {
    this.offset += bytes.length;
    if (!this.digested) this.hash.update(bytes);
    if (this.gzipLevel === 0) {
      this.writeAll(bytes);
      return;
    }
    this.pending.push(bytes.slice());
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= GZIP_MEMBER_BYTES) this.flush();
  }

  private digested = false;

  /** Hex SHA-256 of every byte written so far; later bytes are not hashed. */
  digest(): string {
    this.digested = true;
    return this.hash.digest('hex');
  }

  /** Compresses and writes whatever is pending (gzip only). */
  flush(): void {
    if (this.pendingBytes === 0) return;
    const member = gzipSync(Buffer.concat(this.pending), { level: this.gzipLevel });
    this.pending = [];
    this.pendingBytes = 0;
    this.writeAll(member);
  }

  close(): void {
    this.flush();
    try {
      closeSync(this.fd);
    } catch (err) {
      throw writeError(err, this.path);
    }
  }

  private writeAll(bytes: Uint8Array): void {
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (err) {
      throw writeError(err, this.path);
    }
  }

  /** Closes the file without writing what is pending (for abort). */
  closeQuietly(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed by close()
    }
  }
}

/** States: open (accepting records) → closed (renamed into place) | aborted (temp removed). */
type WriterState = 'open' | 'closed' | 'aborted';

class HmtWriter implements TraceWriter {
  private state: WriterState = 'open';
  private readonly builders: Array<RecordBatchBuilder | undefined>;
  private readonly index: IndexEntry[] = [];
  /** Kinds this trace may hold: 16 when it declares `tlbFlushes`, else 15. */
  private readonly kinds: number;
  /**
   * Largest `op` of a syscall record: 1 (SyscallFlags.kernel) when the trace declares `execCloses` (2.2);
   * else 255 — the column is not read for syscall records before 2.2, so any value is kept as given.
   */
  private readonly syscallOpMax: number;
  private readonly byKind: number[];
  private readonly byCpu: number[];
  private records = 0;
  /** Per CPU: the record number (in push order) of the first record in its buffer. */
  private readonly oldest: number[];
  /** Records to push before the next flushStale(). */
  private untilSweep: number;
  /** CRC-32 of the header frame's payload, recorded in the footer. */
  private headerCrc = 0;

  constructor(
    readonly path: string,
    private readonly tmp: string,
    readonly header: TraceHeader,
    private readonly out: Output,
    private readonly chunkRecords: number,
  ) {
    this.builders = new Array<RecordBatchBuilder | undefined>(header.cpus).fill(undefined);
    this.byCpu = new Array<number>(header.cpus).fill(0);
    this.kinds = header.observed?.includes(OBSERVED_TLB_FLUSHES) === true ? KIND_COUNT : HMT_2_0_KINDS;
    this.syscallOpMax = header.observed?.includes(OBSERVED_EXEC_CLOSES) === true ? 1 : 255;
    // The footer's byKind has the version's length (16 from 2.1 on, whatever the trace holds).
    this.byKind = new Array<number>(kindCountOf(header.version)).fill(0);
    this.oldest = new Array<number>(header.cpus).fill(0);
    this.untilSweep = chunkRecords;
  }

  /** What is wrong with `op` of a syscall record in this trace (one that declares `execCloses`). */
  private syscallOpProblem(op: number): string {
    return `op ${op} for a syscall record (expected 0, or 1: made by the kernel inside another call)`;
  }

  get recordCount(): number {
    return this.records;
  }

  writeHeader(): void {
    const h = this.header;
    this.headerCrc = this.writeFrame(FrameType.header, {
      magic: HMT_MAGIC,
      version: h.version.split('.').map(Number),
      source: h.source,
      pageSize: h.pageSize,
      addressBits: h.addressBits,
      cpus: h.cpus,
      footer: true,
      provenance: h.provenance,
      ...(h.capture !== undefined ? { capture: { ...h.capture } } : {}),
      ...(h.observed !== undefined ? { observed: [...h.observed] } : {}),
    });
  }

  push(r: TraceRecord): void {
    this.assertOpen();
    checkRecord(r, this.header.cpus, this.header.addressBits, this.records, this.kinds);
    if (r.kind === EventKind.syscall && (r.op ?? 0) > this.syscallOpMax)
      throw new InputError(refused(this.records, this.syscallOpProblem(r.op!)));
    const b = this.builderFor(r.cpu);
    if (b.length === 0) this.oldest[r.cpu] = this.records;
    b.push(r);
    this.records++;
    if (b.full) this.flushCpu(r.cpu);
    if (--this.untilSweep === 0) this.flushStale();
  }

  pushBatch(batch: RecordBatch): void {
    this.assertOpen();
    const cpu = batch.cpu;
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.header.cpus) {
      throw new InputError(HmtMessage.cpuOfRecord(cpu, this.header.cpus));
    }
    const bad = firstBadRecord(batch, this.header.addressBits);
    if (bad !== undefined) throw new InputError(refused(this.records + bad[0], bad[1]));
    for (let i = 0; i < batch.length; i++) {
      if (batch.kind[i]! >= this.kinds) throw new InputError(refused(this.records + i, kindProblem(batch.kind[i]!, this.kinds)));
      if (batch.kind[i] === EventKind.syscall && batch.op[i]! > this.syscallOpMax) {
        throw new InputError(refused(this.records + i, this.syscallOpProblem(batch.op[i]!)));
      }
    }
    const b = this.builderFor(cpu);
    let start = 0;
    while (start < batch.length) {
      const take = Math.min(b.capacity - b.length, batch.length - start, this.untilSweep);
      if (b.length === 0) this.oldest[cpu] = this.records;
      b.append(batch, start, start + take);
      start += take;
      this.records += take;
      if (b.full) this.flushCpu(cpu);
      this.untilSweep -= take;
      if (this.untilSweep === 0) this.flushStale();
    }
  }

  /**
   * Writes every CPU's partial buffer whose first record is older than the window (run every chunk's
   * worth of records): a CPU with few records then never trails the others in the file by more than the
   * window and a chunk, so a replay reads every CPU's next records with bounded look-ahead (driver.ts
   * LOOKAHEAD_RECORDS). The window, 2 × chunkRecords × cpus (at most STALE_WINDOW_MAX), is longer than
   * the time CPUs taking turns need to fill their buffers, so such traces keep full chunks.
   */
  private flushStale(): void {
    this.untilSweep = this.chunkRecords;
    const window = Math.min(STALE_WINDOW_MAX, 2 * this.chunkRecords * this.header.cpus);
    const limit = this.records - window;
    for (let cpu = 0; cpu < this.builders.length; cpu++) {
      if ((this.builders[cpu]?.length ?? 0) > 0 && this.oldest[cpu]! <= limit) this.flushCpu(cpu);
    }
  }

  async close(): Promise<void> {
    this.assertOpen();
    try {
      for (let cpu = 0; cpu < this.builders.length; cpu++) this.flushCpu(cpu);
      const footerAt = this.out.offset;
      const digest = this.out.digest();
      this.writeFrame(FrameType.footer, {
        records: this.records,
        chunks: this.index.length,
        byKind: this.byKind,
        byCpu: this.byCpu,
        index: this.index,
        headerCrc: this.headerCrc,
        [DIGEST_KEY]: digest,
      });
      const end = new Uint8Array(10);
      end[0] = MsgpackByte.fixext8;
      end[1] = END_MARKER_TYPE;
      new DataView(end.buffer).setBigUint64(2, BigInt(footerAt), false);
      this.out.write(end);
      this.out.close();
      try {
        renameSync(this.tmp, this.path);
      } catch (err) {
        throw writeError(err, this.path, this.tmp);
      }
      this.state = 'closed';
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.out.closeQuietly();
    rmSync(this.tmp, { force: true });
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new Error(`trace writer for ${this.path} is ${this.state}`);
  }

  private builderFor(cpu: number): RecordBatchBuilder {
    let b = this.builders[cpu];
    if (b === undefined) {
      b = new RecordBatchBuilder(cpu, this.chunkRecords);
      this.builders[cpu] = b;
    }
    return b;
  }

  /** Writes one frame; returns the CRC-32 of its payload. */
  private writeFrame(type: number, map: Record<string, unknown>): number {
    const payload = encode(map, { ignoreUndefined: true });
    if (type === FrameType.header && payload.length > LIMITS.headerBytes) {
      throw new InputError(`trace header: ${payload.length} bytes with its provenance (expected at most ${LIMITS.headerBytes})`);
    }
    const prefix = new Uint8Array(FRAME_PREFIX_BYTES);
    prefix[0] = MsgpackByte.ext32;
    new DataView(prefix.buffer).setUint32(1, payload.length, false);
    prefix[5] = type;
    this.out.write(prefix);
    this.out.write(payload);
    return crc32(payload);
  }

  /** Writes CPU `cpu`'s buffered records as one chunk (nothing when empty). */
  private flushCpu(cpu: number): void {
    const b = this.builders[cpu];
    if (b === undefined || b.length === 0) return;
    const n = b.length;
    const batch = b.view();
    countKinds(batch.kind, this.byKind, this.kinds);
    const names: string[] = [];
    const widths: number[] = [];
    const datas: Uint8Array[] = [];
    let crc = chunkCrcStart(cpu, n);
    for (const [name] of COLUMNS) {
      // Narrow columns (columns.ts): all-zero omitted, the narrowest width, a constant stored once.
      const stored = narrowColumn(batch[name], n);
      if (stored === undefined) continue;
      names.push(name);
      widths.push(stored.width);
      datas.push(stored.bytes);
      crc = crcColumnWidth(crc, name, stored.width, stored.bytes);
    }
    this.index.push([this.out.offset, cpu, n]);
    this.writeFrame(FrameType.chunk, { cpu, n, cols: names, w: widths, crc });
    for (const bytes of datas) {
      const head = new Uint8Array(5);
      head[0] = MsgpackByte.bin32;
      new DataView(head.buffer).setUint32(1, bytes.length, false);
      this.out.write(head);
      this.out.write(bytes);
    }
    this.byCpu[cpu]! += n;
    b.clear();
  }
}

/**
 * Validates one pushed record: integer fields fit their columns (a typed array never wraps a value
 * silently) and every value is in the range a reader accepts (record-ranges.ts). Importers check their
 * input first and name its line; this is the last guard, so a trace the reader would refuse is never written.
 */
function checkRecord(r: TraceRecord, cpus: number, addressBits: number, index: number, kinds: number): void {
  if (!Number.isInteger(r.cpu) || r.cpu < 0 || r.cpu >= cpus) throw new InputError(HmtMessage.cpuOfRecord(r.cpu, cpus));
  if (!Number.isInteger(r.kind) || r.kind < 0 || r.kind >= kinds) throw new InputError(refused(index, kindProblem(r.kind, kinds)));
  checkU(r.op, 0xff, 'op', index);
  checkU(r.pid, 0xffffffff, 'pid', index);
  checkU(r.addr, 0xffffffff, 'addr', index);
  checkU(r.len, 0xffffffff, 'len', index);
  checkU(r.arg, 0xffffffff, 'arg', index);
  const problem = recordProblem(r.kind, r.op ?? 0, r.addr ?? 0, r.off ?? 0, r.time ?? 0, addressBits, r.len ?? 0);
  if (problem !== undefined) throw new InputError(refused(index, problem));
}

/** What is wrong with kind `kind` in a trace of `kinds` kinds. */
function kindProblem(kind: number, kinds: number): string {
  const why = kind === EventKind.tlbflush ? `: a tlbflush record needs a header that declares observed ['${OBSERVED_TLB_FLUSHES}']` : '';
  return `kind ${kind} (expected an event kind 0..${kinds - 1}${why})`;
}

function checkU(v: number | undefined, max: number, field: string, index: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new InputError(refused(index, `${field} ${v} does not fit its column (expected an integer 0..${max})`));
  }
}

/** The message for a record the writer refuses. */
function refused(index: number, problem: string): string {
  return `trace record ${index}: ${problem}; not written (a trace reader would refuse it)`;
}

function countKinds(kind: Uint8Array, counts: number[], kinds: number): void {
  for (let i = 0; i < kind.length; i++) {
    const k = kind[i]!;
    if (k >= kinds) throw new RangeError(`record kind ${k} is not an EventKind of this trace's version`);
    counts[k]!++;
  }
}
