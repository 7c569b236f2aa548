/**
 * `hmsim import ftrace`: the text of /sys/kernel/tracing/trace (or `trace-cmd report`) from a real 32-bit
 * kernel → kernel-level records (what each event becomes, and why: ftrace-convert.ts). Give the
 * capture's CPU count with `--cpus` (the `#P:N` of the trace header).
 */
import type { TraceRecord } from '../records.ts';
import type { Importer, ImportOptions, ImportStats } from './registry.ts';
import { FtraceConverter } from './ftrace-convert.ts';
import { FtraceSyntaxError } from './ftrace-line.ts';
import { runLineImport, type LineConverter } from './strace-ftrace-lines.ts';

export const ftraceImporter: Importer = {
  name: 'ftrace',
  description: 'ftrace text (tracing/trace, trace-cmd report): kmap_local/kunmap_local/kmap_high kprobes, sched_switch, page_fault_user, sys_enter_* (use --cpus N)',
  run(input: NodeJS.ReadableStream, sink, options: ImportOptions): Promise<ImportStats> {
    return runLineImport(input, sink, options, (emit) => ftraceLineConverter(options.cpus ?? 1, emit));
  },
};

/** The ftrace converter behind the generic line loop (exported for tests). */
export function ftraceLineConverter(cpus: number, emit: (r: TraceRecord) => void): LineConverter & { converter: FtraceConverter } {
  const converter = new FtraceConverter(cpus, emit);
  return {
    converter,
    line: (text) => converter.line(text),
    finish: () => undefined,
    isSyntaxError: (err): err is Error => err instanceof FtraceSyntaxError,
  };
}
