/**
 * The line loop shared by the strace and ftrace importers: read lines, convert each with a stateful
 * converter, relocate user addresses, push the line's records, and turn malformed lines into
 * `file:line: expected …, got '…'` errors (or count them with `skipBad`).
 *
 * Lines are split by the shared byte-level splitter (line-reader.ts). A line's records are pushed only when
 * the whole line converted and every address fits, so a skipped line leaves no partial records behind.
 */
import { at, InputError } from '../../errors.ts';
import type { TraceRecord, TraceSink } from '../records.ts';
import { traceRecordProblem } from '../record-ranges.ts';
import { GRANULE, hasUserAddress, RELOCATE_SYNTAX, type RangeMapper, userExtent } from '../relocate.ts';
import type { AddressMapper, ImportOptions, ImportStats } from './registry.ts';
import { BadLines, CH, lineBlocks, lineEnd, MAX_LINE_BYTES } from './line-reader.ts';
import { FOUR_GIB } from '../../units/address.ts';

/**
 * Thrown by a converter that holds a line's records back (ftrace holds a kmap until its unmap names the
 * purpose) when one of them falls outside its column's range: the line is bad now, not at the end of input.
 * The message is the problem (record-ranges.ts traceRecordProblem).
 */
export class RecordRangeError extends Error {}

/** A record held back by a converter, checked at its line: every column but a user address (relocated later). */
export function heldRecordProblem(r: TraceRecord): string | undefined {
  return traceRecordProblem(hasUserAddress(r.kind) ? { ...r, addr: 0 } : r);
}

/** A stateful line → records converter. */
export interface LineConverter {
  /** Converts one line (records go to the emitter the converter was made with). */
  line(text: string): void;
  /** End of input. */
  finish(): void;
  /** True for the converter's "malformed line" errors (their message says what was expected). */
  isSyntaxError(err: unknown): err is Error;
}

/** Runs `make`'s converter over every line of `input`, pushing records to `sink`. */
export async function runLineImport(
  input: NodeJS.ReadableStream,
  sink: TraceSink,
  options: ImportOptions,
  make: (emit: (r: TraceRecord) => void) => LineConverter,
): Promise<ImportStats> {
  const file = options.file === '-' ? 'stdin' : options.file;
  const pending: TraceRecord[] = [];
  const converter = make((r) => pending.push(r));
  let lines = 0;
  let records = 0;
  const badLines = new BadLines(options.skipBad);
  const bad = (message: string): void => badLines.report(message);
  const flush = (where: string): void => {
    for (const r of pending) {
      if (r.addr === undefined || !hasUserAddress(r.kind)) continue;
      const mapped = mapRange(options.mapAddress, r.addr, userExtent(r.kind, r.len ?? 0));
      if (mapped < 0) {
        const how = options.mapAddress ? 'after relocation' : `(use --relocate auto, or ${RELOCATE_SYNTAX})`;
        pending.length = 0;
        bad(`${where}: user address 0x${r.addr.toString(16)} does not fit 32 bits ${how}`);
        return;
      }
      r.addr = mapped;
    }
    for (const r of pending) {
      const problem = traceRecordProblem(r);
      if (problem !== undefined) {
        pending.length = 0;
        bad(`${where}: the line gives a record with ${problem}`);
        return;
      }
    }
    for (const r of pending) sink.push(r);
    records += pending.length;
    pending.length = 0;
  };
  const tooLong = (): never => {
    throw new InputError(`${at(file, { line: lines + 1 })}: expected a line shorter than ${MAX_LINE_BYTES} bytes`);
  };
  for await (const block of lineBlocks(input as AsyncIterable<Uint8Array | string>, tooLong)) {
    for (let start = 0; start < block.length; ) {
      const end = lineEnd(block, start);
      const stop = end > start && block[end - 1] === CH.cr ? end - 1 : end;
      const text = Buffer.from(block.buffer, block.byteOffset + start, stop - start).toString('utf8');
      start = end + 1;
      lines++;
      pending.length = 0;
      try {
        converter.line(text);
      } catch (err) {
        if (err instanceof RecordRangeError) {
          pending.length = 0;
          bad(`${at(file, { line: lines })}: the line gives a record with ${err.message}`);
          continue;
        }
        if (!converter.isSyntaxError(err)) throw err;
        pending.length = 0;
        bad(`${at(file, { line: lines })}: expected ${err.message}, got '${excerpt(text)}'`);
        continue;
      }
      flush(at(file, { line: lines }));
    }
  }
  pending.length = 0;
  converter.finish();
  flush(`${file} at end of input`);
  return badLines.stats(lines, records);
}

/**
 * Maps the user range [addr, addr + len) through `mapper`: with its `range` method when it has one
 * (relocate.ts), else granule by granule in ascending order (so a compacting mapper keeps a fresh range
 * contiguous); returns the new start or −1 when it does not fit.
 * Without a mapper the range must already fit 32 bits.
 */
export function mapRange(mapper: AddressMapper | undefined, addr: number, len: number): number {
  const end = addr + Math.max(len, 1);
  if (!mapper) return end <= FOUR_GIB ? addr : -1;
  const range = (mapper as Partial<RangeMapper>).range;
  if (typeof range === 'function') return range(addr, len);
  const start = mapper(addr);
  if (start < 0) return -1;
  for (let a = addr - (addr % GRANULE) + GRANULE; a < end; a += GRANULE) if (mapper(a) < 0) return -1;
  if (end - 1 > addr && mapper(end - 1) < 0) return -1;
  return start + (end - addr) <= FOUR_GIB ? start : -1;
}

function excerpt(text: string): string {
  const t = text.trim();
  return t.length > 100 ? `${t.slice(0, 97)}...` : t;
}
