/**
 * The importer registry: format name → importer. `hmsim import FORMAT` looks the name up here.
 *
 * An importer reads one input stream (already gunzipped when it was gzip) and pushes records to a
 * TraceSink; it returns counts. Input problems are UserErrors naming `file:line` (or `file at byte N`)
 * and what was expected; with `skipBad` a bad line is counted (first one kept for the summary) instead.
 */
import { UsageError } from '../../errors.ts';
import type { TraceSink } from '../records.ts';
import { lackeyImporter } from './lackey.ts';
import { dinImporter, dinBinaryImporter } from './din.ts';
import { straceImporter } from './strace.ts';
import { ftraceImporter } from './ftrace.ts';

/**
 * Maps an address as read from the input (up to 64 bits, as a JS number, so above 2^53 it is already
 * rounded) to the 32-bit user address to record. Returns -1 when the address cannot be represented;
 * the importer then reports the line as bad ("address does not fit in 32 bits").
 */
export type AddressMapper = (address: number) => number;

/** Options every importer accepts. */
export interface ImportOptions {
  /** The input's name for messages ("-" is shown as "stdin"). */
  file: string;
  /** Count and skip malformed lines instead of stopping at the first. */
  skipBad: boolean;
  /** CPUs the output trace declares (importers of multi-CPU sources use it to check CPU numbers). */
  cpus?: number;
  /** CPU to put records on, for single-CPU sources (lackey, din). Default 0. */
  cpu?: number;
  /** Process id to record, for sources without one (din) or to override it (lackey). */
  pid?: number;
  /** Address relocation (e.g. `--relocate`); default: addresses must already fit in 32 bits. */
  mapAddress?: AddressMapper;
}

/** What an import did. */
export interface ImportStats {
  /** Lines read (or binary records, for binary formats). */
  lines: number;
  /** Records pushed to the sink. */
  records: number;
  /** Malformed lines skipped (only with skipBad). */
  badLines: number;
  /** The first bad line's message, when any. */
  firstBad?: string;
  /** What the importer saw, by its own counters (for `--json`). */
  details?: Record<string, unknown>;
}

/** An input format. */
export interface Importer {
  /** Format name as typed on the command line (`lackey`, `din`, ...). */
  name: string;
  /** One line for `hmsim import --help`. */
  description: string;
  /**
   * A kernel capture (ftrace): its header lines may name the captured box (capture-info.ts), and its
   * records use the HMT 1.1 semantics (observed faults, kmap purposes).
   */
  kernelCapture?: boolean;
  /**
   * Mechanisms the importer writes as records of their own beyond a kernel capture's TLB flushes (the
   * header's `observed`): the strace importer's `execCloses` (HMT 2.2).
   */
  observed?: readonly string[];
  run(input: NodeJS.ReadableStream, sink: TraceSink, options: ImportOptions): Promise<ImportStats>;
}

/** Every importer by name. */
export const IMPORTERS: ReadonlyMap<string, Importer> = new Map<string, Importer>([
  [lackeyImporter.name, lackeyImporter],
  [dinImporter.name, dinImporter],
  [dinBinaryImporter.name, dinBinaryImporter],
  [straceImporter.name, straceImporter],
  [ftraceImporter.name, ftraceImporter],
]);

/** The importer for `name`; unknown names are a UserError listing the formats. */
export function getImporter(name: string): Importer {
  const imp = IMPORTERS.get(name);
  if (imp === undefined) {
    throw new UsageError(`import: unknown format '${name}' (expected one of: ${[...IMPORTERS.keys()].join(', ')})`);
  }
  return imp;
}
