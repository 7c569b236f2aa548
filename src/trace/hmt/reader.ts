/**
 * The streaming HMT reader (layout: traces/README.md): HMT 1.0, 1.1 and 2.0.
 *
 *   open ──► header frame ──► (chunk frame ──► column bins)* ──► footer frame ──► end marker ──► end
 *
 * Every length and count is checked against LIMITS and the header before anything is allocated; every
 * problem is a one-line UserError naming the file and the byte offset (for `.gz` files, the offset in the
 * decompressed data). Columns are read straight into fresh typed arrays (one copy, no per-record
 * decoding); a column the chunk omits is all zero. Each `batches()` call is an independent pass.
 */
import { open, stat } from 'node:fs/promises';
import { createReadStream, openSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { decode } from '@msgpack/msgpack';
import { UserError, InputError } from '../../errors.ts';
import {
  COLUMNS,
  HMT_2_0_KINDS,
  EventKind,
  KIND_COUNT,
  OBSERVED_EXEC_CLOSES,
  OBSERVED_TLB_FLUSHES,
  type BatchOptions,
  type CaptureInfo,
  type ColumnName,
  type RecordBatch,
  type TraceHeader,
  type TraceRecord,
  type TraceSource,
} from '../records.ts';
import { batchToRecords } from '../batch.ts';
import { bytesOf, chunkCrcStart, crcColumn, crcColumnWidth } from './checksum.ts';
import { COLUMN_WIDTHS, widenInto } from './columns.ts';
import { crc32 } from 'node:zlib';
import { ByteReader, FileByteSource, StreamByteSource } from './byte-reader.ts';
import {
  ELEMENT_BYTES,
  END_MARKER_BYTES,
  END_MARKER_TYPE,
  FRAME_PREFIX_BYTES,
  FrameType,
  DIGEST_KEY,
  HMT_EXEC_CLOSES_MINOR,
  HMT_MAGIC,
  HMT_OBSERVED_MINOR,
  HMT_READABLE_MAJORS,
  kindCountOf,
  LIMITS,
  MsgpackByte,
} from './format.ts';
import { HmtMessage, traceError } from './messages.ts';
import { firstBadRecord } from '../record-ranges.ts';
import { msgpackShape } from './msgpack-shape.ts';
import { isGzip } from './gzip.ts';

/** One entry of the footer index. */
export interface ChunkIndexEntry {
  /** Byte offset of the chunk frame (in the decompressed data for `.gz`). */
  readonly offset: number;
  readonly cpu: number;
  readonly records: number;
}

/** The footer: totals and the chunk index. */
export interface TraceFooter {
  readonly records: number;
  readonly chunks: number;
  /** Records per EventKind code. */
  readonly byKind: readonly number[];
  /** Records per CPU. */
  readonly byCpu: readonly number[];
  readonly index: readonly ChunkIndexEntry[];
  /** CRC-32 of the header frame's payload, when the writer recorded it. */
  readonly headerCrc?: number;
  /** The stored content digest (HMT 2.0, format.ts DIGEST_KEY): hex SHA-256 of every byte before the footer. */
  readonly sha256?: string;
}

/**
 * What a trace's `sha256()` is: `content` — the digest the writer stored in the footer (HMT 2.0: SHA-256
 * of the uncompressed bytes before the footer frame), read, never recomputed by a replay; `file` — a
 * trace without a stored digest (HMT 1.x, or a footer-less file): SHA-256 of the file's bytes as stored
 * (compressed for `.gz`), computed once (during the replay's pass when it reads the whole file).
 */
export type TraceDigestKind = 'content' | 'file';

/** What `verify()` found in a trace that reads as HMT. */
export interface TraceVerification {
  /** True when every chunk and header checksum, the footer's totals and the stored digest match. */
  readonly ok: boolean;
  /** The one-line result (`hmsim trace verify`). */
  readonly line: string;
  readonly version: string;
  readonly records: number;
  readonly chunks: number;
  readonly digest: TraceDigestKind;
  /** The stored content digest (HMT 2.0), or undefined. */
  readonly stored: string | undefined;
  /** The digest recomputed from the bytes: of the content (stored digest), else of the file. */
  readonly computed: string;
}

/** An open HMT trace. */
export interface TraceReader extends TraceSource {
  readonly path: string;
  readonly header: TraceHeader;
  /** True when the file is gzip-compressed. */
  readonly gzip: boolean;
  /** The footer, read at open for uncompressed files, or after a complete pass of `batches()`. */
  readonly footer: TraceFooter | undefined;
  /** Total records (from the footer), when known. */
  readonly recordCount: number | undefined;
  /** What `sha256()` names (known at open, from the header). */
  readonly digest: TraceDigestKind;
  /**
   * Batches in file order, one chunk each. Each call is a fresh pass over the file. A batch stays valid
   * after the next one is read, and must be treated as read-only: the columns a chunk omits are views of
   * zero arrays shared by the pass. With `hash`, a pass over a trace without a stored digest (`digest`
   * is `file`) also computes the file's SHA-256 (then `sha256()` needs no extra read); a trace with a
   * stored digest is never hashed. With `recycle` (BatchOptions), a batch's column arrays are those of the
   * batch two before it: no allocation per chunk.
   */
  batches(options?: { hash?: boolean } & BatchOptions): AsyncIterable<RecordBatch>;
  /**
   * The batches of CPU `cpu` only, in file order, after its first `skipChunks` chunks: a fresh pass that
   * reads past other CPUs' chunks without keeping them (each chunk of `cpu` checked as in `batches()`; the
   * footer is not). For a replay whose CPUs' chunks lie far apart in the file (driver.ts): one such pass
   * per CPU keeps memory bounded where one pass in file order would have to queue what lies between.
   */
  cpuBatches(cpu: number, skipChunks: number): AsyncIterable<RecordBatch>;
  /**
   * The trace's SHA-256 (hex), as `digest` says: the stored content digest (from the footer; a `.gz`
   * file's footer is known after a complete pass, else one is made now), or the file's SHA-256 (from a
   * hashed pass, else read now).
   */
  sha256(): Promise<string>;
  /**
   * Reads the whole file, checking every chunk and header checksum and the footer's totals, and recomputes
   * the digest: the content digest compared with the stored one, or (no stored digest) the file's SHA-256.
   * @throws TraceIntegrityError when a checksum or a footer total does not match (a damaged file),
   *   UserError when the file cannot be read as HMT.
   */
  verify(): Promise<TraceVerification>;
}

/**
 * Opens an HMT trace (`.hmt` or gzip-compressed, detected by its magic bytes) and reads its header.
 * @throws UserError when the file is missing, empty, not HMT or of an unknown major version.
 */
export async function openTrace(path: string): Promise<TraceReader> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new InputError(`${path}: not a file (expected an HMT trace)`);
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)}) (expected an HMT trace file)`);
  }
  if (size === 0) throw traceError(path, 0, HmtMessage.empty());
  const fh = await open(path, 'r');
  let gzip: boolean;
  try {
    const head = new Uint8Array(2);
    await fh.read(head, 0, 2, 0);
    gzip = isGzip(head);
  } finally {
    await fh.close();
  }
  const session = await Session.open(path, gzip, undefined);
  let header: TraceHeader;
  let promisesFooter: boolean;
  try {
    ({ header, promisesFooter } = await session.readHeader());
  } finally {
    await session.close();
  }
  const footer = gzip ? undefined : await readFooterAtEnd(path, size, header);
  // HMT 2.0 requires the digest in the footer: a 2.x file that promises a footer has one.
  const digest: TraceDigestKind = majorOf(header) >= 2 && promisesFooter ? 'content' : 'file';
  return new HmtReader(path, gzip, header, footer, digest);
}

/** Every record of a trace as plain objects, in file order (tests and small tools only: not bounded). */
export async function readAllRecords(path: string): Promise<TraceRecord[]> {
  const reader = await openTrace(path);
  const out: TraceRecord[] = [];
  for await (const batch of reader.batches()) for (const r of batchToRecords(batch)) out.push(r);
  return out;
}

class HmtReader implements TraceReader {
  /** The file's SHA-256, once computed (`digest` is `file`). */
  private fileSha256: string | undefined;
  private fullFooter: TraceFooter | undefined;

  constructor(
    readonly path: string,
    readonly gzip: boolean,
    readonly header: TraceHeader,
    footer: TraceFooter | undefined,
    readonly digest: TraceDigestKind,
  ) {
    this.fullFooter = footer;
  }

  get footer(): TraceFooter | undefined {
    return this.fullFooter;
  }

  get recordCount(): number | undefined {
    return this.fullFooter?.records;
  }

  batches(options: { hash?: boolean } & BatchOptions = {}): AsyncGenerator<RecordBatch> {
    return this.pass(options.hash === true && this.digest === 'file', undefined, options.recycle === true);
  }

  /**
   * One pass in file order. `hashFile`: computes the file's SHA-256 (`fileSha256`); `content`: is given
   * the content digest (every byte before the footer frame, or the whole file without one) at the end.
   */
  private async *pass(hashFile: boolean, content: ((digest: string) => void) | undefined, recycle = false): AsyncGenerator<RecordBatch> {
    const hash = hashFile ? createHash('sha256') : undefined;
    const session = await Session.open(this.path, this.gzip, hash);
    // With recycle, two sets of column arrays taken in turn: the batch being replayed and the one read ahead.
    const sets = recycle ? [new ColumnArrays(), new ColumnArrays()] : undefined;
    try {
      if (content !== undefined) session.tapContent();
      const { header, promisesFooter, headerCrc } = await session.readHeader();
      const counts = new PassCounts(header.cpus);
      for (;;) {
        const frame = await session.readFrame();
        if (frame === undefined) {
          if (promisesFooter) throw traceError(this.path, session.position, HmtMessage.missingFooter(counts.chunks));
          content?.(session.contentDigest());
          break;
        }
        if (frame.type === FrameType.chunk) {
          yield await session.readChunk(frame.at, frame.map, header, counts, sets?.[counts.chunks % 2]);
          continue;
        }
        // Footer: check it against what the chunks held, then the end marker and the end of the file.
        const footer = parseFooter(this.path, frame.at, frame.map, header);
        counts.check(this.path, frame.at, footer);
        if (footer.headerCrc !== undefined && footer.headerCrc !== headerCrc) {
          throw traceError(this.path, frame.at, HmtMessage.headerCrc(footer.headerCrc, headerCrc), true);
        }
        await session.readEndMarker(frame.at);
        this.fullFooter ??= footer;
        content?.(session.contentDigest());
        break;
      }
      if (hash !== undefined) this.fileSha256 = hash.digest('hex');
    } finally {
      await session.close();
    }
  }

  async *cpuBatches(cpu: number, skipChunks: number): AsyncGenerator<RecordBatch> {
    const session = await Session.open(this.path, this.gzip, undefined);
    try {
      const { header } = await session.readHeader();
      const counts = new PassCounts(header.cpus);
      let seen = 0;
      for (
        let frame = await session.readFrame();
        frame !== undefined && frame.type === FrameType.chunk;
        frame = await session.readFrame()
      ) {
        if (frame.map['cpu'] !== cpu || seen++ < skipChunks) await session.skipColumns(frame.at, frame.map);
        else yield await session.readChunk(frame.at, frame.map, header, counts);
      }
    } finally {
      await session.close();
    }
  }

  async sha256(): Promise<string> {
    if (this.digest === 'content') {
      if (this.fullFooter === undefined) for await (const _ of this.pass(false, undefined));
      return this.fullFooter!.sha256!;
    }
    if (this.fileSha256 !== undefined) return this.fileSha256;
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(this.path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    this.fileSha256 = hash.digest('hex');
    return this.fileSha256;
  }

  async verify(): Promise<TraceVerification> {
    let content = '';
    let records = 0;
    let chunks = 0;
    for await (const b of this.pass(this.digest === 'file', (d) => (content = d))) {
      records += b.length;
      chunks++;
    }
    const h = this.header;
    const what =
      `HMT ${h.version}, ${records.toLocaleString('en-US')} records ` +
      `in ${chunks.toLocaleString('en-US')} chunk${chunks === 1 ? '' : 's'}`;
    if (this.digest === 'file') {
      const computed = this.fileSha256!;
      const line =
        `${this.path}: ok: ${what}, every checksum matches; no stored digest ` +
        `(HMT ${h.version} has none): file sha256 ${computed}, computed`;
      return { ok: true, line, version: h.version, records, chunks, digest: 'file', stored: undefined, computed };
    }
    const stored = this.fullFooter!.sha256!;
    const ok = stored === content;
    const line = ok
      ? `${this.path}: ok: ${what}, every checksum matches, content sha256 ${stored} matches the stored digest`
      : `${this.path}: ${HmtMessage.digestMismatch(stored, content)}`;
    return { ok, line, version: h.version, records, chunks, digest: 'content', stored, computed: content };
  }
}

/** Counts gathered during a pass, checked against the footer. */
class PassCounts {
  chunks = 0;
  records = 0;
  readonly byKind = new Array<number>(KIND_COUNT).fill(0);
  readonly byCpu: number[];
  readonly index: ChunkIndexEntry[] = [];
  constructor(cpus: number) {
    this.byCpu = new Array<number>(cpus).fill(0);
  }

  check(file: string, at: number, f: TraceFooter): void {
    const fail = (what: string, footer: number, counted: number): never => {
      throw traceError(file, at, HmtMessage.footerMismatch(what, footer, counted), true);
    };
    if (f.records !== this.records) fail('records', f.records, this.records);
    if (f.chunks !== this.chunks) fail('chunks', f.chunks, this.chunks);
    f.byKind.forEach((n, k) => {
      if (n !== this.byKind[k]) fail(`records of kind ${k}`, n, this.byKind[k]!);
    });
    f.byCpu.forEach((n, c) => {
      if (n !== this.byCpu[c]) fail(`records on CPU ${c}`, n, this.byCpu[c]!);
    });
    f.index.forEach((e, i) => {
      const mine = this.index[i]!;
      if (e.offset !== mine.offset) fail(`bytes as the offset of chunk ${i}`, e.offset, mine.offset);
      if (e.cpu !== mine.cpu) fail(`as the CPU of chunk ${i}`, e.cpu, mine.cpu);
      if (e.records !== mine.records) fail(`records in chunk ${i}`, e.records, mine.records);
    });
  }
}

/** A decoded frame. */
interface Frame {
  type: number;
  /** Byte offset of the frame's first byte. */
  at: number;
  map: Record<string, unknown>;
  /** CRC-32 of the payload. */
  crc: number;
}

/**
 * Column arrays reused from chunk to chunk (BatchOptions.recycle): one array per column name, grown to the
 * largest chunk; a chunk gets views of its first n elements. Every element of a view is written by the
 * chunk's read (a full-width read, a widening copy or a fill), so nothing of an older chunk shows through.
 */
class ColumnArrays {
  private readonly arrays = new Map<string, Uint8Array | Uint32Array | Float64Array>();

  take(name: string, type: 'u8' | 'u32' | 'f64', n: number): Uint8Array | Uint32Array | Float64Array {
    let a = this.arrays.get(name);
    if (a === undefined || a.length < n) {
      a = newColumn(type, n);
      this.arrays.set(name, a);
    }
    return a.length === n ? a : a.subarray(0, n);
  }
}

/** A zeroed column of `n` elements of `type`. */
function newColumn(type: 'u8' | 'u32' | 'f64', n: number): Uint8Array | Uint32Array | Float64Array {
  return type === 'u8' ? new Uint8Array(n) : type === 'u32' ? new Uint32Array(n) : new Float64Array(n);
}

/** One sequential pass over a file. */
class Session {
  private zeroU8 = new Uint8Array(0);
  private zeroU32 = new Uint32Array(0);
  private zeroF64 = new Float64Array(0);

  private constructor(
    private readonly file: string,
    private readonly r: ByteReader,
  ) {}

  static async open(file: string, gzip: boolean, hash: Hash | undefined): Promise<Session> {
    if (!gzip) {
      return new Session(file, new ByteReader(new FileByteSource(openSync(file, 'r'), hash)));
    }
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    if (hash !== undefined) raw.on('data', (chunk) => hash.update(chunk as Buffer));
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    raw.on('error', (err) => gunzip.destroy(err));
    raw.pipe(gunzip);
    const source = new StreamByteSource(
      gunzip[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>,
      (err, delivered) =>
        err instanceof UserError ? err : traceError(file, delivered, HmtMessage.gzip((err as Error).message ?? String(err))),
      () => {
        raw.destroy();
        gunzip.destroy();
      },
    );
    return new Session(file, new ByteReader(source));
  }

  get position(): number {
    return this.r.position;
  }

  /** The content digest being computed (tapContent), ended at the footer frame or the end of the file. */
  private content: Hash | undefined;
  private contentHex: string | undefined;

  /** Starts computing the content digest: every byte consumed from here until the footer frame. */
  tapContent(): void {
    this.content = createHash('sha256');
    this.r.tap = this.content;
  }

  /** The content digest (hex): the bytes before the footer frame, or all bytes when there is none. */
  contentDigest(): string {
    this.endContent();
    return this.contentHex!;
  }

  private endContent(): void {
    if (this.content === undefined || this.contentHex !== undefined) return;
    this.r.tap = undefined;
    this.contentHex = this.content.digest('hex');
  }

  async close(): Promise<void> {
    await this.r.close();
  }

  private fail(at: number, problem: string): never {
    throw traceError(this.file, at, problem);
  }

  /** Reads and validates the header frame. */
  async readHeader(): Promise<{ header: TraceHeader; promisesFooter: boolean; headerCrc: number }> {
    const head = await this.r.peek(FRAME_PREFIX_BYTES);
    if (head.length === 0) this.fail(0, HmtMessage.empty());
    if (head[0] !== MsgpackByte.ext32 || (head.length >= FRAME_PREFIX_BYTES && head[5] !== FrameType.header)) {
      this.fail(0, HmtMessage.badMagicBytes(head));
    }
    const frame = await this.readFrameAt('header');
    if (frame === undefined) this.fail(0, HmtMessage.empty());
    return { ...parseHeader(this.file, frame.at, frame.map), headerCrc: frame.crc };
  }

  /** Reads the next chunk or footer frame; undefined at the end of the file. */
  async readFrame(): Promise<Frame | undefined> {
    const frame = await this.readFrameAt('frame');
    if (frame === undefined) return undefined;
    if (frame.type === FrameType.header) this.fail(frame.at, HmtMessage.secondHeader());
    return frame;
  }

  private async readFrameAt(what: 'header' | 'frame'): Promise<Frame | undefined> {
    const at = this.r.position;
    const head = await this.r.peek(FRAME_PREFIX_BYTES);
    if (head.length === 0) return undefined;
    if (head[0] !== MsgpackByte.ext32) this.fail(at, HmtMessage.unexpectedFrameByte(head[0]!));
    if (head.length < FRAME_PREFIX_BYTES) this.fail(at, HmtMessage.truncated('frame header', FRAME_PREFIX_BYTES, head.length));
    const length = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(1, false);
    const type = head[5]!;
    const [name, limit] = frameLimit(type);
    if (name === undefined || (what === 'header' && type !== FrameType.header)) this.fail(at, HmtMessage.unknownFrameType(type));
    if (type === FrameType.footer) this.endContent();
    if (length > limit) this.fail(at, HmtMessage.absurdLength(`${name} frame`, length, limit));
    this.r.skip(FRAME_PREFIX_BYTES);
    const payload = new Uint8Array(length);
    const got = await this.r.readInto(payload);
    if (got < length) this.fail(at, HmtMessage.truncated(`${name} frame`, FRAME_PREFIX_BYTES + length, FRAME_PREFIX_BYTES + got));
    // The value's shape before decoding it: a small payload may hold millions of empty maps, or nest deep.
    const shape = msgpackShape(payload);
    if (shape !== undefined && shape.containers > LIMITS.frameContainers) {
      this.fail(at + FRAME_PREFIX_BYTES, HmtMessage.tooManyContainers(`${name} frame`, shape.containers, LIMITS.frameContainers));
    }
    if (shape !== undefined && shape.depth > LIMITS.frameDepth)
      this.fail(at + FRAME_PREFIX_BYTES, HmtMessage.tooDeep(`${name} frame`, shape.depth, LIMITS.frameDepth));
    let value: unknown;
    try {
      value = decodeBounded(payload, length);
    } catch (err) {
      this.fail(at + FRAME_PREFIX_BYTES, HmtMessage.badMsgpack(`${name} frame`, oneLine((err as Error).message ?? String(err))));
    }
    if (!isMap(value)) this.fail(at + FRAME_PREFIX_BYTES, HmtMessage.notAMap(`${name} frame`, value));
    return { type, at, map: value, crc: crc32(payload) };
  }

  /** Reads the column bins that follow a chunk frame, checks them, and returns the batch. */
  async readChunk(
    at: number,
    map: Record<string, unknown>,
    header: TraceHeader,
    counts: PassCounts,
    arrays?: ColumnArrays,
  ): Promise<RecordBatch> {
    const what = 'chunk frame';
    const cpu = map['cpu'];
    if (!isUint(cpu, LIMITS.cpus)) this.fail(at, HmtMessage.badField(what, 'cpu', cpu, `an integer 0..${header.cpus - 1}`));
    if (cpu >= header.cpus) this.fail(at, HmtMessage.cpuOutOfRange(cpu, header.cpus));
    const n = map['n'];
    if (!isUint(n, LIMITS.chunkRecords) || n === 0)
      this.fail(at, HmtMessage.badField(what, 'n', n, `a record count 1..${LIMITS.chunkRecords}`));
    const crc = map['crc'];
    if (!isUint(crc, 0xffffffff)) this.fail(at, HmtMessage.badField(what, 'crc', crc, 'a CRC-32, an integer 0..4294967295'));
    const cols = map['cols'];
    if (!Array.isArray(cols) || cols.length > LIMITS.columns) {
      this.fail(at, HmtMessage.badField(what, 'cols', cols, `an array of at most ${LIMITS.columns} column names`));
    }
    const seen = new Set<string>();
    for (const c of cols) {
      if (typeof c !== 'string' || c.length === 0 || c.length > LIMITS.columnName) {
        this.fail(at, HmtMessage.badField(what, 'cols', c, `column names of 1..${LIMITS.columnName} characters`));
      }
      if (seen.has(c)) this.fail(at, HmtMessage.duplicateColumn(c));
      seen.add(c);
    }

    // HMT 2.0: each column's stored element width (columns.ts); a 1.x column is full width (no `w`).
    const narrow = majorOf(header) >= 2;
    let widths: number[] | undefined;
    if (narrow) {
      const w = map['w'];
      if (!Array.isArray(w) || w.length !== cols.length || !w.every((x) => isUint(x, LIMITS.unknownColumnElementBytes) && x >= 1)) {
        this.fail(
          at,
          HmtMessage.badField(
            what,
            'w',
            w,
            `an array of ${cols.length} element widths 1..${LIMITS.unknownColumnElementBytes}, one per column`,
          ),
        );
      }
      widths = w as number[];
    }

    const data = new Map<string, Uint8Array | Uint32Array | Float64Array>();
    let sum = chunkCrcStart(cpu, n);
    for (let c = 0; c < cols.length; c++) {
      const name = cols[c] as string;
      const colAt = this.r.position;
      const type = KNOWN_COLUMNS.get(name);
      const head = await this.r.peek(5);
      if (head.length === 0)
        this.fail(colAt, HmtMessage.truncated(`column '${name}'`, type === undefined ? 5 : 5 + n * ELEMENT_BYTES[type], 0));
      const marker = head[0]!;
      const headerBytes = marker === MsgpackByte.bin8 ? 2 : marker === MsgpackByte.bin16 ? 3 : marker === MsgpackByte.bin32 ? 5 : 0;
      if (headerBytes === 0) this.fail(colAt, HmtMessage.badColumnHeader(name, marker));
      if (head.length < headerBytes) this.fail(colAt, HmtMessage.truncated(`column '${name}' header`, headerBytes, head.length));
      const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const length = headerBytes === 2 ? head[1]! : headerBytes === 3 ? dv.getUint16(1, false) : dv.getUint32(1, false);
      let column: Uint8Array | Uint32Array | Float64Array | undefined;
      let width: number;
      if (type !== undefined) {
        const size = ELEMENT_BYTES[type];
        width = widths?.[c] ?? size;
        if (!COLUMN_WIDTHS[type].includes(width)) this.fail(at, HmtMessage.columnWidth(name, width, COLUMN_WIDTHS[type]));
        if (length !== n * width && !(narrow && length === width)) {
          this.fail(colAt, narrow ? HmtMessage.narrowColumnLength(name, length, n, width) : HmtMessage.columnLength(name, length, n, size));
        }
        column = arrays !== undefined ? arrays.take(name, type, n) : newColumn(type, n);
      } else if (narrow) {
        width = widths![c]!;
        if (length !== n * width && length !== width) this.fail(colAt, HmtMessage.narrowColumnLength(name, length, n, width));
      } else {
        const limit = LIMITS.unknownColumnElementBytes;
        if (length % n !== 0 || length / n > limit) this.fail(colAt, HmtMessage.unknownColumnLength(name, length, n, limit));
        width = length / n;
      }
      this.r.skip(headerBytes);
      // A full-width column is read straight into its typed array; any other into scratch, then widened.
      const direct = column !== undefined && length === n * column.BYTES_PER_ELEMENT;
      const bytes = direct ? bytesOf(column!) : this.columnScratch(length);
      const got = await this.r.readInto(bytes);
      if (got < length) this.fail(colAt, HmtMessage.truncated(`column '${name}'`, headerBytes + length, headerBytes + got));
      sum = narrow ? crcColumnWidth(sum, name, width, bytes) : crcColumn(sum, name, bytes);
      if (column === undefined) continue;
      if (!direct) widenInto(column, bytes, width);
      data.set(name, column);
    }
    if (sum !== crc) throw traceError(this.file, at, HmtMessage.checksum(crc, sum), true);

    const kindColumn = data.get('kind') as Uint8Array | undefined;
    if (kindColumn === undefined) {
      counts.byKind[0]! += n; // an omitted kind column: every record is an access (code 0)
    } else {
      // Count every byte value first (no branch per record), then look for codes outside the vocabulary.
      const tally = new Uint32Array(256);
      for (let i = 0; i < n; i++) tally[kindColumn[i]!]!++;
      // Kind 15 (tlbflush) only where the header declares the flushes observed (HMT 2.1): a replay of
      // any other trace derives its flushes, and would make them twice.
      // (parseHeader keeps `observed` only from HMT 2.1 on.)
      const kinds = header.observed?.includes(OBSERVED_TLB_FLUSHES) === true ? KIND_COUNT : HMT_2_0_KINDS;
      for (let k = kinds; k < 256; k++) {
        if (tally[k] !== 0) {
          const i = kindColumn.indexOf(k);
          const needs = `needs HMT 2.${HMT_OBSERVED_MINOR} with observed ['${OBSERVED_TLB_FLUSHES}'] in the header`;
          const since = k < KIND_COUNT ? ` in HMT ${header.version}: kind ${k} ${needs}` : '';
          this.fail(at, `record ${i} of the chunk has kind ${k} (expected an event kind 0..${kinds - 1}${since})`);
        }
      }
      for (let k = 0; k < KIND_COUNT; k++) counts.byKind[k]! += tally[k]!;
      // From HMT 2.2 a syscall record's op is read: 1 (kernel-made) only where the header declares
      // `execCloses`, else 0. Before 2.2 it is not read (any value).
      const opColumn = data.get('op') as Uint8Array | undefined;
      if (tally[EventKind.syscall] !== 0 && opColumn !== undefined && syscallOpsRead(header.version)) {
        const max = header.observed?.includes(OBSERVED_EXEC_CLOSES) === true ? 1 : 0;
        for (let i = 0; i < n; i++) {
          if (kindColumn[i] === EventKind.syscall && opColumn[i]! > max) {
            const needs = max === 0 ? ` in HMT ${header.version}: op 1 needs observed ['${OBSERVED_EXEC_CLOSES}'] in the header` : '';
            this.fail(at, `record ${i} of the chunk is a syscall with op ${opColumn[i]} (expected 0..${max}${needs})`);
          }
        }
      }
    }
    counts.index.push({ offset: at, cpu, records: n });
    counts.chunks++;
    counts.records += n;
    counts.byCpu[cpu]! += n;
    const z = this.zeros(n);
    const u8 = (name: ColumnName): Uint8Array => (data.get(name) as Uint8Array | undefined) ?? z.u8;
    const u32 = (name: ColumnName): Uint32Array => (data.get(name) as Uint32Array | undefined) ?? z.u32;
    const f64 = (name: ColumnName): Float64Array => (data.get(name) as Float64Array | undefined) ?? z.f64;
    const batch: RecordBatch = {
      cpu,
      length: n,
      kind: kindColumn ?? z.u8,
      op: u8('op'),
      pid: u32('pid'),
      addr: u32('addr'),
      len: u32('len'),
      arg: u32('arg'),
      off: f64('off'),
      time: f64('time'),
    };
    // Every value in its declared range (record-ranges.ts), so no consumer sees an offset it cannot walk.
    const present = {
      kind: kindColumn !== undefined,
      op: data.has('op'),
      addr: data.has('addr'),
      off: data.has('off'),
      time: data.has('time'),
      len: data.has('len'),
    };
    const bad = firstBadRecord(batch, header.addressBits, present);
    if (bad !== undefined) this.fail(at, HmtMessage.badRecord(bad[0], bad[1]));
    return batch;
  }

  /** Reads past the column bins that follow a chunk frame without keeping them (cpuBatches). */
  async skipColumns(at: number, map: Record<string, unknown>): Promise<void> {
    const cols = map['cols'];
    if (!Array.isArray(cols) || cols.length > LIMITS.columns) {
      this.fail(at, HmtMessage.badField('chunk frame', 'cols', cols, `an array of at most ${LIMITS.columns} column names`));
    }
    for (let c = 0; c < cols.length; c++) {
      const colAt = this.r.position;
      const head = await this.r.peek(5);
      const marker = head[0];
      const headerBytes = marker === MsgpackByte.bin8 ? 2 : marker === MsgpackByte.bin16 ? 3 : marker === MsgpackByte.bin32 ? 5 : 0;
      if (headerBytes === 0 || head.length < headerBytes) this.fail(colAt, HmtMessage.badColumnHeader(String(cols[c]), marker ?? 0));
      const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
      let left = headerBytes === 2 ? head[1]! : headerBytes === 3 ? dv.getUint16(1, false) : dv.getUint32(1, false);
      this.r.skip(headerBytes);
      while (left > 0) {
        this.scratch ??= new Uint8Array(1 << 20);
        const scratch = this.scratch.subarray(0, Math.min(left, this.scratch.length));
        const got = await this.r.readInto(scratch);
        if (got === 0) this.fail(colAt, HmtMessage.truncated(`column '${String(cols[c])}'`, headerBytes + left, 0));
        left -= got;
      }
    }
  }

  /** Where skipped column bytes go (allocated on first use). */
  private scratch: Uint8Array | undefined;

  /** Where a narrow column is read before it is widened (grown as needed; starts at byte 0 of its buffer). */
  private narrowScratch = new Uint8Array(0);

  private columnScratch(length: number): Uint8Array {
    if (this.narrowScratch.length < length) this.narrowScratch = new Uint8Array(Math.max(length, 1 << 16));
    return this.narrowScratch.subarray(0, length);
  }

  /**
   * Zero columns of `n` elements for the columns a chunk omits: views of zero arrays shared by the whole
   * pass (never written: batches are read-only), so an omitted column costs no allocation.
   */
  private zeros(n: number): { u8: Uint8Array; u32: Uint32Array; f64: Float64Array } {
    if (this.zeroF64.length < n) {
      this.zeroU8 = new Uint8Array(n);
      this.zeroU32 = new Uint32Array(n);
      this.zeroF64 = new Float64Array(n);
    }
    return { u8: this.zeroU8.subarray(0, n), u32: this.zeroU32.subarray(0, n), f64: this.zeroF64.subarray(0, n) };
  }

  /** Reads the end marker after the footer frame at `footerAt`, then expects the end of the file. */
  async readEndMarker(footerAt: number): Promise<void> {
    const at = this.r.position;
    const end = await this.r.peek(END_MARKER_BYTES);
    if (end.length < END_MARKER_BYTES && (end.length === 0 || end[0] === MsgpackByte.fixext8)) {
      this.fail(at, HmtMessage.truncated('end marker', END_MARKER_BYTES, end.length));
    }
    if (end[0] !== MsgpackByte.fixext8 || end[1] !== END_MARKER_TYPE) this.fail(at, HmtMessage.badEndMarker(end));
    const offset = Number(new DataView(end.buffer, end.byteOffset, end.byteLength).getBigUint64(2, false));
    if (offset !== footerAt) this.fail(at, HmtMessage.endMarkerOffset(offset, footerAt));
    this.r.skip(END_MARKER_BYTES);
    if (!(await this.r.atEnd())) this.fail(this.r.position, HmtMessage.trailingData());
  }
}

/**
 * Output chunk size of the decompressor, in bytes (node:zlib's default is 16 KiB). Larger chunks mean
 * fewer stream round trips per decompressed megabyte; decompression itself stays the limit for `.gz`.
 */
const GUNZIP_CHUNK_BYTES = 1 << 20;

const KNOWN_COLUMNS = new Map<string, 'u8' | 'u32' | 'f64'>(COLUMNS.map(([name, type]) => [name, type]));

/** Decodes a frame's MessagePack payload with no string, array, map, binary or extension longer than `length`. */
function decodeBounded(payload: Uint8Array, length: number): unknown {
  return decode(payload, {
    maxStrLength: length,
    maxBinLength: length,
    maxArrayLength: length,
    maxMapLength: length,
    maxExtLength: length,
  });
}

function frameLimit(type: number): [string | undefined, number] {
  if (type === FrameType.header) return ['header', LIMITS.headerBytes];
  if (type === FrameType.chunk) return ['chunk', LIMITS.chunkMetaBytes];
  if (type === FrameType.footer) return ['footer', LIMITS.footerBytes];
  return [undefined, 0];
}

/** True from HMT 2.2 on: a syscall record's `op` has a meaning (SyscallFlags) and is checked. */
function syscallOpsRead(version: string): boolean {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major > 2 || (major === 2 && minor >= HMT_EXEC_CLOSES_MINOR);
}

/** Validates the header map into a TraceHeader. */
function parseHeader(file: string, at: number, m: Record<string, unknown>): { header: TraceHeader; promisesFooter: boolean } {
  const fail = (problem: string): never => {
    throw traceError(file, at, problem);
  };
  const what = 'header';
  if (m['magic'] !== HMT_MAGIC) fail(HmtMessage.badMagicField(m['magic']));
  const version = m['version'];
  if (!Array.isArray(version) || version.length !== 2 || !isUint(version[0], 0xffff) || !isUint(version[1], 0xffff)) {
    fail(HmtMessage.badField(what, 'version', version, 'an array [major, minor] of small integers'));
  }
  const [major, minor] = version as [number, number];
  if (!HMT_READABLE_MAJORS.includes(major)) fail(HmtMessage.unknownMajor(major, HMT_READABLE_MAJORS));
  const source = m['source'];
  if (typeof source !== 'string' || source.length > 256)
    fail(HmtMessage.badField(what, 'source', source, 'a string of at most 256 characters'));
  const pageSize = m['pageSize'];
  if (!isUint(pageSize, 1 << 30) || pageSize < 256 || (pageSize & (pageSize - 1)) !== 0) {
    fail(HmtMessage.badField(what, 'pageSize', pageSize, 'a power of two 256..1073741824'));
  }
  const addressBits = m['addressBits'];
  if (!isUint(addressBits, 64) || addressBits < 1) fail(HmtMessage.badField(what, 'addressBits', addressBits, 'an integer 1..64'));
  const cpus = m['cpus'];
  if (!isUint(cpus, LIMITS.cpus) || cpus < 1) fail(HmtMessage.badField(what, 'cpus', cpus, `an integer 1..${LIMITS.cpus}`));
  const footer = m['footer'] ?? false;
  if (typeof footer !== 'boolean') fail(HmtMessage.badField(what, 'footer', footer, 'true or false'));
  const provenance = m['provenance'] ?? {};
  if (!isMap(provenance)) fail(HmtMessage.badField(what, 'provenance', provenance, 'a map'));
  const capture = m['capture'];
  if (capture !== undefined && !isCaptureInfo(capture)) {
    fail(HmtMessage.badField(what, 'capture', capture, 'a map with config (string), kernel (string) and ram (integer bytes)'));
  }
  // `observed` (HMT 2.1): a key a 2.0 or 1.x header does not define is ignored; so is `execCloses`
  // before 2.2, which defines it.
  let observed = kindCountOf(`${major}.${minor}`) > HMT_2_0_KINDS ? m['observed'] : undefined;
  if (observed !== undefined && !(Array.isArray(observed) && observed.length <= 16 && observed.every((o) => typeof o === 'string'))) {
    fail(HmtMessage.badField(what, 'observed', observed, 'an array of mechanism names (strings)'));
  }
  if (observed !== undefined && !syscallOpsRead(`${major}.${minor}`))
    observed = (observed as string[]).filter((o) => o !== OBSERVED_EXEC_CLOSES);
  return {
    header: {
      version: `${major}.${minor}`,
      source: source as string,
      pageSize: pageSize as number,
      addressBits: addressBits as number,
      cpus: cpus as number,
      provenance: provenance as Record<string, unknown>,
      ...(capture !== undefined ? { capture: capture as CaptureInfo } : {}),
      ...(observed !== undefined ? { observed: observed as string[] } : {}),
    },
    promisesFooter: footer as boolean,
  };
}

/** Validates the footer map. */
function parseFooter(file: string, at: number, m: Record<string, unknown>, header: TraceHeader): TraceFooter {
  const fail = (field: string, got: unknown, expected: string): never => {
    throw traceError(file, at, HmtMessage.badField('footer', field, got, expected));
  };
  const { records, chunks, byKind, byCpu, index, headerCrc } = m;
  if (headerCrc !== undefined && !isUint(headerCrc, 0xffffffff)) fail('headerCrc', headerCrc, 'a CRC-32, an integer 0..4294967295');
  // The content digest: required from HMT 2.0 on; a key a 1.x footer does not define is ignored.
  const digest = majorOf(header) >= 2 ? m[DIGEST_KEY] : undefined;
  if (majorOf(header) >= 2 && !(typeof digest === 'string' && /^[0-9a-f]{64}$/.test(digest))) {
    fail(DIGEST_KEY, digest, 'a SHA-256 as 64 lowercase hex digits (required from HMT 2.0)');
  }
  if (!isUint(records, Number.MAX_SAFE_INTEGER)) fail('records', records, 'a record count');
  if (!isUint(chunks, Number.MAX_SAFE_INTEGER)) fail('chunks', chunks, 'a chunk count');
  const kinds = kindCountOf(header.version);
  if (!Array.isArray(byKind) || byKind.length !== kinds || !byKind.every((v) => isUint(v, Number.MAX_SAFE_INTEGER))) {
    fail('byKind', byKind, `an array of ${kinds} counts`);
  }
  if (!Array.isArray(byCpu) || byCpu.length !== header.cpus || !byCpu.every((v) => isUint(v, Number.MAX_SAFE_INTEGER))) {
    fail('byCpu', byCpu, `an array of ${header.cpus} counts`);
  }
  if (!Array.isArray(index) || index.length !== chunks)
    fail('index', index, `an array of ${String(chunks)} [offset, cpu, records] entries`);
  const entries: ChunkIndexEntry[] = [];
  for (const e of index as unknown[]) {
    if (
      !Array.isArray(e) ||
      e.length !== 3 ||
      !isUint(e[0], Number.MAX_SAFE_INTEGER) ||
      !isUint(e[1], header.cpus - 1) ||
      !isUint(e[2], LIMITS.chunkRecords)
    ) {
      fail('index', e, '[offset, cpu, records] entries');
    }
    const [offset, cpu, n] = e as [number, number, number];
    entries.push({ offset, cpu, records: n });
  }
  return {
    records: records as number,
    chunks: chunks as number,
    byKind: byKind as number[],
    byCpu: byCpu as number[],
    index: entries,
    ...(headerCrc !== undefined ? { headerCrc: headerCrc as number } : {}),
    ...(digest !== undefined ? { sha256: digest as string } : {}),
  };
}

/**
 * Reads the footer of an uncompressed file through the end marker, without a pass. Returns undefined when
 * the end marker or footer is missing or malformed (a pass then reports the exact problem).
 */
async function readFooterAtEnd(path: string, size: number, header: TraceHeader): Promise<TraceFooter | undefined> {
  if (size < FRAME_PREFIX_BYTES + END_MARKER_BYTES) return undefined;
  const fh = await open(path, 'r');
  try {
    const end = new Uint8Array(END_MARKER_BYTES);
    await fh.read(end, 0, END_MARKER_BYTES, size - END_MARKER_BYTES);
    if (end[0] !== MsgpackByte.fixext8 || end[1] !== END_MARKER_TYPE) return undefined;
    const at = Number(new DataView(end.buffer).getBigUint64(2, false));
    if (at > size - END_MARKER_BYTES - FRAME_PREFIX_BYTES) return undefined;
    const head = new Uint8Array(FRAME_PREFIX_BYTES);
    await fh.read(head, 0, FRAME_PREFIX_BYTES, at);
    const length = new DataView(head.buffer).getUint32(1, false);
    if (head[0] !== MsgpackByte.ext32 || head[5] !== FrameType.footer || length > LIMITS.footerBytes) return undefined;
    if (at + FRAME_PREFIX_BYTES + length !== size - END_MARKER_BYTES) return undefined;
    const payload = new Uint8Array(length);
    await fh.read(payload, 0, length, at + FRAME_PREFIX_BYTES);
    const shape = msgpackShape(payload);
    if (shape === undefined || shape.containers > LIMITS.frameContainers || shape.depth > LIMITS.frameDepth) return undefined;
    let value: unknown;
    try {
      value = decodeBounded(payload, length);
    } catch {
      return undefined;
    }
    if (!isMap(value)) return undefined;
    try {
      return parseFooter(path, at, value, header);
    } catch {
      return undefined;
    }
  } finally {
    await fh.close();
  }
}

/** The major version of a parsed header ("2.0" → 2). */
function majorOf(header: TraceHeader): number {
  return Number(header.version.split('.')[0]);
}

function isUint(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Map);
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** A header's `capture` map (HMT 1.1): config and kernel names, RAM in bytes; cpus and release optional. */
function isCaptureInfo(v: unknown): v is CaptureInfo {
  if (!isMap(v)) return false;
  const c = v as Record<string, unknown>;
  const cpus = c['cpus'];
  const release = c['release'];
  return (
    typeof c['config'] === 'string' &&
    c['config'].length <= 64 &&
    typeof c['kernel'] === 'string' &&
    c['kernel'].length <= 64 &&
    typeof c['ram'] === 'number' &&
    Number.isSafeInteger(c['ram']) &&
    c['ram'] > 0 &&
    (cpus === undefined || (typeof cpus === 'number' && isUint(cpus, LIMITS.cpus))) &&
    (release === undefined || (typeof release === 'string' && release.length <= 256))
  );
}
