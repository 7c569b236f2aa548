/**
 * `hmsim import FORMAT INPUT -o OUT.hmt`: converts a real tool's trace into HMT.
 *
 *   input file / stdin ──► gunzip if gzip magic ──► importer ──► record transforms ──► HMT writer
 *                                                   (mapAddress)    (importTransforms)     (atomic)
 */
import type { Command } from 'commander';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { addAbortSignal, Readable } from 'node:stream';
import { InputError, UsageError } from '../errors.ts';
import { interruptSignalOf } from './signals.ts';
import { parseCount } from '../units/size.ts';
import { IMPORTERS, getImporter, type AddressMapper, type ImportOptions, type ImportStats } from '../trace/importers/registry.ts';
import { openTraceWriter, type TraceWriter } from '../trace/hmt/writer.ts';
import { gunzipIfNeeded } from '../trace/hmt/gzip.ts';
import { OBSERVED_TLB_FLUSHES, type CaptureInfo, type TraceSink } from '../trace/records.ts';
import { captureInfoOf, parseCaptureHeader, peekHeaderLines } from '../trace/importers/capture-info.ts';
import {
  defaultRelocationFor,
  formatRelocationReport,
  parseRelocation,
  Relocator,
  RELOCATE_SYNTAX,
  type RelocationReport,
} from '../trace/relocate.ts';

/** Parsed `hmsim import` options. */
export interface ImportCommandOptions {
  out: string;
  skipBad?: boolean;
  cpu?: string;
  cpus?: string;
  pid?: string;
  /** `--relocate` rules (src/trace/relocate.ts); default per format (strace: auto). */
  relocate?: string[];
  /** The captured box (kernel captures; override the capture's own header lines). */
  captureConfig?: string;
  captureKernel?: string;
  captureRam?: string;
  /** Print the statistics as one JSON object. */
  json?: boolean;
}

/**
 * A stage between the importer and the writer: wraps the sink records go to (e.g. relocation).
 * Return `next` itself to do nothing.
 */
export type SinkTransform = (next: TraceSink) => TraceSink;

/** What the command options add between importer and writer. */
export interface ImportPipeline {
  /** Address relocation for importers (addresses above 32 bits, moved regions). */
  mapAddress?: AddressMapper;
  /** Record transforms, applied in order (the first sees the importer's records). */
  transforms: SinkTransform[];
  /** The relocation behind `mapAddress` (its report says what fits which split). */
  relocation?: Relocator;
}

/** Builds the importer → writer stages from the command options (extension point for new options). */
export function importPipeline(options: ImportCommandOptions, format = ''): ImportPipeline {
  const text = options.relocate ?? defaultRelocationFor(format);
  if (text === undefined) return { transforms: [] };
  const relocation = new Relocator(parseRelocation(text));
  return { transforms: [], mapAddress: relocation.addressMapper(), relocation };
}

export function register(program: Command): void {
  program
    .command('import')
    .description('convert a trace from a real tool into an HMT trace')
    .argument('<format>', `input format: ${[...IMPORTERS.keys()].join(', ')}`)
    .argument('<input>', 'input file, or - for stdin (gzip input is detected and decompressed)')
    .option('-o, --out <file>', "output trace (.hmt, or .hmt.gz for gzip; default: the input's name with .hmt)")
    .option('--skip-bad', 'skip malformed lines (counted and reported) instead of stopping at the first')
    .option('--cpu <n>', 'CPU to put the records on, for single-CPU formats (default 0)')
    .option('--cpus <n>', 'CPUs the trace declares (default: --cpu + 1)')
    .option('--pid <n>', 'process id to record (lackey default: the ==PID== banner; din default: 1)')
    .option(
      '--relocate <rules>',
      `move user addresses to fit 32 bits: ${RELOCATE_SYNTAX} (strace default: auto)`,
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option('--capture-config <name>', "kernel captures: configuration preset of the captured box (default: from the capture's header)")
    .option('--capture-kernel <profile>', "kernel captures: kernel profile of the captured box (default: from the capture's header)")
    .option('--capture-ram <size>', "kernel captures: RAM of the captured box, highest address + 1 (default: from the capture's header)")
    .option('--json', 'print the statistics as one JSON object on stdout')
    .addHelpText('after', '\nFormats:\n' + [...IMPORTERS.values()].map((i) => `  ${i.name.padEnd(12)} ${i.description}`).join('\n'))
    .action(async (format: string, input: string, options: ImportCommandOptions, command: Command) => {
      options.out ??= defaultOutput(input);
      const stats = await runImport(format, input, options, interruptSignalOf(command));
      const name = input === '-' ? 'stdin' : input;
      if (options.json === true) {
        process.stdout.write(JSON.stringify({ out: options.out, format, input: name, ...stats }) + '\n');
        return;
      }
      process.stdout.write(
        `${options.out}: ${stats.records} records ` +
          `from ${stats.lines} ${format === 'din-binary' ? 'records' : 'lines'} of ${name} (${format})\n`,
      );
      if (stats.badLines > 0) {
        process.stderr.write(
          `hmsim: import: skipped ${stats.badLines} bad line${stats.badLines === 1 ? '' : 's'}; first: ${stats.firstBad ?? ''}\n`,
        );
      }
      if (stats.relocation) process.stdout.write(formatRelocationReport(stats.relocation).join('\n') + '\n');
      if (IMPORTERS.get(format)?.kernelCapture === true) {
        const c = stats.capture;
        process.stdout.write(
          c !== undefined
            ? `captured on: ${c.config}, kernel ${c.kernel}, RAM ${c.ram} bytes (replays with other zones re-allocate its frames)\n`
            : `captured on: unknown (no '# hmsim-capture:' lines and no ` +
                `--capture-config/--capture-kernel/--capture-ram): replays use its frame numbers as they are\n`,
        );
      }
    });
}

/**
 * The output path when `-o` is not given: the input's name with `.hmt` for its last extension (a `.gz`
 * is dropped first): `gzip.lackey.gz` → `gzip.hmt`, `ls.log` → `ls.hmt`, `trace` → `trace.hmt`.
 */
export function defaultOutput(input: string): string {
  if (input === '-') throw new UsageError('import: reading stdin needs -o OUT.hmt (expected the output trace path)');
  const base = input.replace(/\.gz$/i, '');
  const dot = base.lastIndexOf('.');
  const slash = base.lastIndexOf('/');
  const out = `${dot > slash + 1 ? base.slice(0, dot) : base}.hmt`;
  if (out === input) throw new UsageError(`import: ${input} already ends in .hmt (expected -o OUT.hmt for the output trace)`);
  return out;
}

/** Runs one import; the output file appears only when it succeeds (`signal` stops it: Ctrl-C). */
export async function runImport(
  format: string,
  input: string,
  options: ImportCommandOptions,
  signal?: AbortSignal,
): Promise<ImportStats & { relocation?: RelocationReport; capture?: CaptureInfo }> {
  const importer = getImporter(format);
  const cpu = options.cpu === undefined ? 0 : parseCount('--cpu', options.cpu, 0, 4095);
  let cpus = options.cpus === undefined ? cpu + 1 : parseCount('--cpus', options.cpus, 1, 4096);
  if (cpu >= cpus) throw new UsageError(`--cpu ${cpu}: not below --cpus ${cpus} (expected a CPU 0..${cpus - 1})`);
  const pid = options.pid === undefined ? undefined : parseCount('--pid', options.pid, 0, 0xffffffff);
  const file = input === '-' ? 'stdin' : input;
  if (input !== '-') {
    const st = await stat(input).catch(() => undefined);
    if (st === undefined) throw new InputError(`${input}: no such file (expected an input trace, or - for stdin)`);
    if (!st.isFile()) throw new InputError(`${input}: not a file (expected an input trace, or - for stdin)`);
  }
  const raw: AsyncIterable<Uint8Array> =
    input === '-' ? (process.stdin as AsyncIterable<Uint8Array>) : createReadStream(input, { highWaterMark: 1 << 20 });
  let bytes: AsyncIterable<Uint8Array> = gunzipIfNeeded(raw, file);
  let capture: CaptureInfo | undefined;
  if (importer.kernelCapture === true) {
    // The capture's header lines name its CPUs and, when the capture kit wrote them, the box.
    const peeked = await peekHeaderLines(bytes);
    bytes = peeked.stream;
    const header = parseCaptureHeader(peeked.text);
    if (options.cpus === undefined && options.cpu === undefined && header.cpus !== undefined)
      cpus = Math.max(1, Math.min(header.cpus, 4096));
    capture = captureInfoOf(header, options);
  }
  const stream = Readable.from(bytes);
  if (signal !== undefined) {
    addAbortSignal(signal, stream);
    // A read of stdin waiting for more input would hold the import until then: end it too.
    if (input === '-') signal.addEventListener('abort', () => process.stdin.destroy(), { once: true });
  }

  const pipeline = importPipeline(options, importer.name);
  const writer: TraceWriter = await openTraceWriter(options.out, {
    source: importer.name,
    cpus,
    ...(importer.kernelCapture === true || importer.observed !== undefined
      ? { observed: [...(importer.kernelCapture === true ? [OBSERVED_TLB_FLUSHES] : []), ...(importer.observed ?? [])] }
      : {}),
    ...(capture !== undefined ? { capture } : {}),
    provenance: {
      importer: importer.name,
      input: input === '-' ? 'stdin' : basename(input),
      ...(pipeline.relocation ? { relocate: pipeline.relocation.spec.text || 'none' } : {}),
    },
  });
  try {
    let sink: TraceSink = writer;
    for (const t of [...pipeline.transforms].reverse()) sink = t(sink);
    const importOptions: ImportOptions = { file, skipBad: options.skipBad === true, cpus, cpu };
    if (pid !== undefined) importOptions.pid = pid;
    if (pipeline.mapAddress !== undefined) importOptions.mapAddress = pipeline.mapAddress;
    const stats = await importer.run(stream, sink, importOptions);
    // Input cut short by the interrupt is not a complete trace: never rename it into place.
    signal?.throwIfAborted();
    if (sink !== writer) await sink.close();
    else await writer.close();
    return {
      ...stats,
      ...(pipeline.relocation ? { relocation: pipeline.relocation.report() } : {}),
      ...(capture !== undefined ? { capture } : {}),
    };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
