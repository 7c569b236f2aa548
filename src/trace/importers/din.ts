/**
 * Importers for Dinero IV traces (d4-7: dinfmt.c, xdinfmt.c, binaryfmt.c; ../reference/trace-formats.md).
 *
 * `din` reads text, one reference per line, each line in either form (detected per line):
 * - traditional din `LABEL ADDRESS [ignored...]`: LABEL hex 0 read, 1 write, 2 instruction fetch, 3 misc
 *   (recorded as a load), 4 copy-back and 5 invalidate (cache control, not accesses: skipped). ADDRESS is
 *   hex, optional 0x. As Dinero IV does, the address is rounded down to 4 and the size is 4.
 * - extended din `ATYPE ADDRESS SIZE`: ATYPE r / w / i / m (misc → load) / c / v (skipped); ADDRESS
 *   and SIZE hex, optional 0x.
 * Blank lines are skipped. An input whose first 4 KiB contain a NUL byte is binary (text never does).
 *
 * `din-binary` reads Dinero's 8-byte binary records: u32 little-endian address, u16 little-endian size,
 * u8 access type (the codes above: 0..5), one pad byte. Problems name the byte offset of the record.
 *
 * Dinero traces carry no pid or CPU: records get `options.pid` (default 1) and `options.cpu` (default 0).
 */
import { AccessOp, type TraceSink } from '../records.ts';
import { RecordBatchBuilder, pushBatchTo } from '../batch.ts';
import type { AddressMapper, ImportOptions, ImportStats, Importer } from './registry.ts';
import { BadLines, CH, MAX_LINE_BYTES, hexDigit, lineBlocks, lineEnd, quoteLine } from './line-reader.ts';
import { at, InputError } from '../../errors.ts';

const BATCH = 65_536;
const U32_MAX = 0xffffffff;
/** Bytes of one binary record. */
export const DIN_BINARY_RECORD_BYTES = 8;
/** How much of the input `din` looks at to tell binary from text. */
const SNIFF_BYTES = 4096;

/** Dinero access type code → AccessOp, or SKIP for cache-control codes (copy-back, invalidate). */
const SKIP = -1;
const DINERO_TYPE: readonly number[] = [AccessOp.load, AccessOp.store, AccessOp.ifetch, AccessOp.load, SKIP, SKIP];
/** Extended din ATYPE letter → AccessOp / SKIP. */
const XDIN_TYPE = new Map<number, number>([
  [0x72 /* r */, AccessOp.load],
  [0x77 /* w */, AccessOp.store],
  [0x69 /* i */, AccessOp.ifetch],
  [0x6d /* m */, AccessOp.load],
  [0x63 /* c */, SKIP],
  [0x76 /* v */, SKIP],
]);

/** Messages of the din importers (exact wording is tested). */
export const DinMessage = {
  badLabel: (where: string, line: string) =>
    `${where}: bad din line ${line} (expected 'LABEL ADDRESS' with LABEL 0..5, or 'r|w|i|m|c|v ADDRESS SIZE')`,
  badAddress: (where: string, line: string) => `${where}: bad address in din line ${line} (expected hex digits, optional 0x)`,
  badSize: (where: string, line: string) => `${where}: bad size in extended din line ${line} (expected hex digits, optional 0x)`,
  wide: (where: string, address: number) =>
    `${where}: address 0x${address.toString(16)} does not fit in 32 bits (expected a 32-bit user ` +
    `address: use --relocate auto, or --relocate stack=0x40000000 for the stack of a 32-bit program)`,
  tooLong: (where: string) => `${where}: line longer than ${MAX_LINE_BYTES} bytes (expected din lines)`,
  badType: (where: string, type: number) =>
    `${where}: din binary record has access type ${type} (expected 0 read, 1 write, 2 ifetch, 3 misc, 4 copy-back or 5 invalidate)`,
  partial: (where: string, left: number) =>
    `${where}: din binary input ends with a partial record of ${left} bytes (expected 8-byte records)`,
} as const;

/** Dinero text (traditional and extended din), or binary when the input looks binary. */
export const dinImporter: Importer = {
  name: 'din',
  description: "Dinero IV din text ('LABEL ADDR' or 'r|w|i|m ADDR SIZE', hex); binary detected by NUL bytes",
  run: importDin,
};

/** Dinero 8-byte binary records. */
export const dinBinaryImporter: Importer = {
  name: 'din-binary',
  description: 'Dinero IV binary: 8-byte records (u32le address, u16le size, u8 type, pad)',
  run: (input, sink, options) => importDinBinary(input as AsyncIterable<Uint8Array>, sink, options),
};

/** Per-import context shared by the two parsers. */
class Ctx {
  readonly bad: BadLines;
  readonly builder: RecordBatchBuilder;
  readonly pid: number;
  readonly mapAddress: AddressMapper | undefined;
  records = 0;
  constructor(
    readonly sink: TraceSink,
    readonly options: ImportOptions,
  ) {
    this.bad = new BadLines(options.skipBad);
    this.builder = new RecordBatchBuilder(options.cpu ?? 0, BATCH);
    this.pid = options.pid ?? 1;
    this.mapAddress = options.mapAddress;
  }

  /** Maps the address (or -1 when it does not fit 32 bits). */
  address(addr: number): number {
    if (this.mapAddress !== undefined) return this.mapAddress(addr);
    return addr > U32_MAX ? -1 : addr;
  }

  push(op: number, addr: number, size: number): void {
    this.builder.pushAccess(op, this.pid, addr, size);
    this.records++;
    if (this.builder.full) {
      pushBatchTo(this.sink, this.builder.view());
      this.builder.clear();
    }
  }

  finish(lines: number): ImportStats {
    if (this.builder.length > 0) pushBatchTo(this.sink, this.builder.view());
    this.builder.clear();
    return this.bad.stats(lines, this.records);
  }
}

/** Reads the first chunks until SNIFF_BYTES are known, then replays them. */
async function sniff(input: AsyncIterable<Uint8Array>): Promise<{ head: Uint8Array; stream: AsyncIterable<Uint8Array> }> {
  const it = input[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let total = 0;
  let done = false;
  while (total < SNIFF_BYTES) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value;
    seen.push(chunk);
    total += chunk.length;
  }
  const head = Buffer.concat(seen).subarray(0, SNIFF_BYTES);
  const stream: AsyncIterable<Uint8Array> = {
    async *[Symbol.asyncIterator]() {
      yield* seen;
      if (done) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    },
  };
  return { head, stream };
}

async function importDin(input: NodeJS.ReadableStream, sink: TraceSink, options: ImportOptions): Promise<ImportStats> {
  const { head, stream } = await sniff(input as AsyncIterable<Uint8Array>);
  if (head.includes(0)) return importDinBinary(stream, sink, options);
  return importDinText(stream, sink, options);
}

async function importDinText(input: AsyncIterable<Uint8Array>, sink: TraceSink, options: ImportOptions): Promise<ImportStats> {
  const ctx = new Ctx(sink, options);
  const file = options.file;
  let lineNo = 0;
  const tooLong = (): never => {
    throw new InputError(DinMessage.tooLong(`${file}:${lineNo + 1}`));
  };
  for await (const buf of lineBlocks(input, tooLong)) {
    let p = 0;
    while (p < buf.length) {
      lineNo++;
      const start = p;
      const e = lineEnd(buf, p);
      p = e + 1;
      const where = `${file}:${lineNo}`;
      let q = skipBlanks(buf, start, e);
      if (q === e || (buf[q] === CH.cr && q + 1 === e)) continue; // blank line
      // 1. The type: an extended-din letter followed by a blank, else a traditional hex label.
      let op: number;
      let extended = false;
      const letter = XDIN_TYPE.get(buf[q]! | 0x20);
      if (letter !== undefined && isBlank(buf[q + 1])) {
        op = letter;
        extended = true;
        q++;
      } else {
        const label = readHex(buf, q, e);
        if (label.digits === 0 || !isBlank(buf[label.end]) || label.value >= DINERO_TYPE.length) {
          ctx.bad.report(DinMessage.badLabel(where, quoteLine(buf, start, e)));
          continue;
        }
        op = DINERO_TYPE[label.value]!;
        q = label.end;
      }
      // 2. The address (hex, optional 0x).
      q = skipBlanks(buf, q, e);
      const a = readHex(buf, q, e);
      if (a.digits === 0 || a.digits > 16 || !(a.end === e || isBlank(buf[a.end]) || buf[a.end] === CH.cr)) {
        ctx.bad.report(DinMessage.badAddress(where, quoteLine(buf, start, e)));
        continue;
      }
      let size = 4;
      let address = a.value;
      if (extended) {
        // 3. Extended din: the size (hex, optional 0x); the rest of the line is ignored.
        q = skipBlanks(buf, a.end, e);
        const s = readHex(buf, q, e);
        if (s.digits === 0 || s.value > U32_MAX || !(s.end === e || isBlank(buf[s.end]) || buf[s.end] === CH.cr)) {
          ctx.bad.report(DinMessage.badSize(where, quoteLine(buf, start, e)));
          continue;
        }
        size = s.value;
      } else {
        address = address - (address % 4); // Dinero IV: "dineroIII is pretty much word-oriented"
      }
      if (op === SKIP) continue;
      const mapped = ctx.address(address);
      if (mapped < 0) {
        ctx.bad.report(DinMessage.wide(where, address));
        continue;
      }
      ctx.push(op, mapped, size);
    }
  }
  return ctx.finish(lineNo);
}

async function importDinBinary(input: AsyncIterable<Uint8Array>, sink: TraceSink, options: ImportOptions): Promise<ImportStats> {
  const ctx = new Ctx(sink, options);
  const file = options.file;
  let offset = 0; // byte offset of the next record
  let recordsRead = 0;
  let carry = new Uint8Array(0);
  for await (const raw of input) {
    let buf: Uint8Array = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
    if (carry.length > 0) {
      const joined = new Uint8Array(carry.length + buf.length);
      joined.set(carry);
      joined.set(buf, carry.length);
      buf = joined;
    }
    const whole = buf.length - (buf.length % DIN_BINARY_RECORD_BYTES);
    for (let p = 0; p < whole; p += DIN_BINARY_RECORD_BYTES) {
      recordsRead++;
      const address = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
      const size = buf[p + 4]! | (buf[p + 5]! << 8);
      const type = buf[p + 6]!;
      const op = DINERO_TYPE[type];
      if (op === undefined) ctx.bad.report(DinMessage.badType(at(file, { byte: offset + p }), type));
      else if (op !== SKIP) {
        const mapped = ctx.address(address);
        if (mapped < 0) ctx.bad.report(DinMessage.wide(at(file, { byte: offset + p }), address));
        else ctx.push(op, mapped, size);
      }
    }
    offset += whole;
    carry = buf.slice(whole);
  }
  if (carry.length > 0) throw new InputError(DinMessage.partial(at(file, { byte: offset }), carry.length));
  return ctx.finish(recordsRead);
}

function isBlank(c: number | undefined): boolean {
  return c === CH.space || c === CH.tab;
}

function skipBlanks(buf: Uint8Array, p: number, end: number): number {
  while (p < end && isBlank(buf[p])) p++;
  return p;
}

/** Hex digits at `p` (after an optional 0x): value, digit count, end index. */
function readHex(buf: Uint8Array, p: number, end: number): { value: number; digits: number; end: number } {
  if (buf[p] === CH.zero && (buf[p + 1] === CH.x || buf[p + 1] === CH.X) && p + 2 < end && hexDigit(buf[p + 2]!) >= 0) p += 2;
  let value = 0;
  let digits = 0;
  while (p < end) {
    const d = hexDigit(buf[p]!);
    if (d < 0) break;
    value = value * 16 + d;
    digits++;
    p++;
  }
  return { value, digits, end: p };
}
