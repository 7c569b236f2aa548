/**
 * Importer for `valgrind --tool=lackey --trace-mem=yes` output (lackey/lk_main.c):
 *
 *   I  0023C790,2     instruction fetch (address hex, size decimal)
 *    L BE801950,4     data load
 *    S BE80199C,4     data store
 *    M 0025747C,1     data modify: ONE access record with op `modify` (a load and store merged)
 *   ==15635== ...     Valgrind log lines: skipped; the first one gives the pid
 *
 * Blank lines are skipped; anything else is a malformed line. Every record is an `access` on CPU
 * `options.cpu` (default 0) with pid `options.pid`, else the pid of the leading `==PID==` banner, else 1.
 * The parser works on bytes (no per-line string) and fills a RecordBatchBuilder directly.
 */
import { AccessOp, type TraceSink } from '../records.ts';
import { RecordBatchBuilder, pushBatchTo } from '../batch.ts';
import type { ImportOptions, ImportStats, Importer } from './registry.ts';
import { BadLines, CH, MAX_LINE_BYTES, lineBlocks, lineEnd, quoteLine } from './line-reader.ts';
import { InputError } from '../../errors.ts';

const EXPECTED = `'I  ADDR,SIZE', ' L ADDR,SIZE', ' S ADDR,SIZE', ' M ADDR,SIZE' or '==PID== ...'`;
const BATCH = 65_536;
const U32_MAX = 0xffffffff;
/** Value of each byte as a hex digit, −1 for any other byte (one table load per digit, no branches on ranges). */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x61 + c] = 10 + c;
  HEX[0x41 + c] = 10 + c;
}

/** Messages of the lackey importer (exact wording is tested). */
export const LackeyMessage = {
  unrecognized: (where: string, line: string) => `${where}: unrecognized lackey line ${line} (expected ${EXPECTED})`,
  badAddress: (where: string, line: string) => `${where}: bad address in lackey line ${line} (expected 1 to 16 hex digits then ',')`,
  badSize: (where: string, line: string) => `${where}: bad size in lackey line ${line} (expected a decimal size after ',')`,
  wide: (where: string, address: number) =>
    `${where}: address 0x${address.toString(16)} does not fit in 32 bits (expected a 32-bit user ` +
    `address: use --relocate auto, or --relocate stack=0x40000000 for the stack of a 32-bit program)`,
  tooLong: (where: string) => `${where}: line longer than ${MAX_LINE_BYTES} bytes (expected lackey lines)`,
} as const;

/** The lackey importer. */
export const lackeyImporter: Importer = {
  name: 'lackey',
  description: "valgrind --tool=lackey --trace-mem=yes output ('I  addr,size', ' L/S/M addr,size')",
  run: importLackey,
};

async function importLackey(input: NodeJS.ReadableStream, sink: TraceSink, options: ImportOptions): Promise<ImportStats> {
  const file = options.file;
  const bad = new BadLines(options.skipBad);
  const builder = new RecordBatchBuilder(options.cpu ?? 0, BATCH);
  const mapAddress = options.mapAddress;
  let pid = options.pid ?? 1;
  let pidKnown = options.pid !== undefined;
  let lineNo = 0;
  let records = 0;

  const tooLong = (): never => {
    throw new InputError(LackeyMessage.tooLong(`${file}:${lineNo + 1}`));
  };
  for await (const buf of lineBlocks(input as AsyncIterable<Uint8Array>, tooLong)) {
    const n = buf.length;
    let p = 0;
    while (p < n) {
      lineNo++;
      const start = p;
      const c0 = buf[p]!;
      let op: number;
      // 1. Classify the line by its first three bytes.
      if (c0 === 0x49 /* I */ && buf[p + 1] === CH.space && buf[p + 2] === CH.space) {
        op = AccessOp.ifetch;
      } else if (c0 === CH.space && buf[p + 2] === CH.space) {
        const c1 = buf[p + 1];
        op = c1 === 0x4c /* L */ ? AccessOp.load : c1 === 0x53 /* S */ ? AccessOp.store : c1 === 0x4d /* M */ ? AccessOp.modify : -1;
      } else if (c0 === CH.eq && buf[p + 1] === CH.eq) {
        // Valgrind log line: "==PID== text". The first banner names the traced process.
        let q = p + 2;
        let v = 0;
        while (q < n && buf[q]! >= CH.zero && buf[q]! <= CH.nine) v = v * 10 + (buf[q++]! - CH.zero);
        if (!pidKnown && records === 0 && q > p + 2 && v <= U32_MAX) {
          pid = v;
          pidKnown = true;
        }
        p = lineEnd(buf, q) + 1;
        continue;
      } else if (c0 === CH.nl || (c0 === CH.cr && buf[p + 1] === CH.nl)) {
        p += c0 === CH.nl ? 1 : 2;
        continue;
      } else {
        op = -1;
      }
      if (op < 0) {
        const e = lineEnd(buf, start);
        bad.report(LackeyMessage.unrecognized(`${file}:${lineNo}`, quoteLine(buf, start, e)));
        p = e + 1;
        continue;
      }
      // 2. Address: hex digits up to ','.
      p += 3;
      let addr = 0;
      const first = p;
      while (p < n) {
        const d = HEX[buf[p]!]!;
        if (d < 0) break;
        addr = addr * 16 + d;
        p++;
      }
      const digits = p - first;
      if (digits === 0 || digits > 16 || buf[p] !== CH.comma) {
        const e = lineEnd(buf, start);
        bad.report(LackeyMessage.badAddress(`${file}:${lineNo}`, quoteLine(buf, start, e)));
        p = e + 1;
        continue;
      }
      // 3. Size: decimal digits to the end of the line.
      p++;
      let size = 0;
      const sfirst = p;
      while (p < n) {
        const d = buf[p]! - 0x30;
        if (d < 0 || d > 9) break;
        size = size * 10 + d;
        p++;
      }
      const sdigits = p - sfirst;
      const after = buf[p];
      if (after === CH.cr) p++;
      if (sdigits === 0 || sdigits > 10 || size > U32_MAX || (buf[p] !== CH.nl && p < n)) {
        const e = lineEnd(buf, start);
        bad.report(LackeyMessage.badSize(`${file}:${lineNo}`, quoteLine(buf, start, e)));
        p = e + 1;
        continue;
      }
      p++;
      // 4. Address width: relocate, or refuse what does not fit the 32-bit address column.
      if (mapAddress !== undefined) {
        const mapped = mapAddress(addr);
        if (mapped < 0) {
          bad.report(LackeyMessage.wide(`${file}:${lineNo}`, addr));
          continue;
        }
        addr = mapped;
      } else if (addr > U32_MAX) {
        bad.report(LackeyMessage.wide(`${file}:${lineNo}`, addr));
        continue;
      }
      builder.pushAccess(op, pid, addr, size);
      records++;
      if (builder.full) {
        pushBatchTo(sink, builder.view());
        builder.clear();
      }
    }
  }
  if (builder.length > 0) pushBatchTo(sink, builder.view());
  return bad.stats(lineNo, records);
}
