/**
 * `hmsim import ftrace`: the text of /sys/kernel/tracing/trace (or `trace-cmd report`) from a real 32-bit
 * kernel → kernel-level records. The CPU count is the `#P:N` of its header unless `--cpus` says otherwise.
 *
 * What is emitted (details and reasons: ftrace-convert.ts): every kernel touch of a physical page P seen
 * through kmap_local — a highmem page mapped by __kmap_local_pfn_prot, or a lowmem page whose
 * kunmap_local shows a direct-map address — becomes `kmap`/`kunmap` of P with api local, so a replay
 * charges a kmap only where P is highmem under the replayed configuration; kmap_high/kunmap_high → api
 * pkmap; sched_switch → `switch`; page_fault_user → `access`; sys_enter_* → `syscall`; tlb_flush →
 * `tlbflush` (HMT 2.1); flush_zero_pkmaps is counted, not emitted. Times are the event timestamps in ns.
 */
import type { TraceRecord } from '../records.ts';
import type { Importer, ImportOptions, ImportStats } from './registry.ts';
import { FtraceConverter } from './ftrace-convert.ts';
import { FtraceSyntaxError } from './ftrace-line.ts';
import { runLineImport, type LineConverter } from './strace-ftrace-lines.ts';

/** The `ftrace` importer (registered in registry.ts). */
export const ftraceImporter: Importer = {
  name: 'ftrace',
  description:
    'ftrace text (tracing/trace, trace-cmd report): kmap_local/kunmap_local/kmap_high ' +
    'kprobes, sched_switch, page_fault_user, sys_enter_* (CPUs from the #P: header)',
  kernelCapture: true,
  async run(input: NodeJS.ReadableStream, sink, options: ImportOptions): Promise<ImportStats> {
    let c: FtraceConverter | undefined;
    const stats = await runLineImport(input, sink, options, (emit) => {
      const lc = ftraceLineConverter(options.cpus ?? 1, emit);
      c = lc.converter;
      return lc;
    });
    return c === undefined ? stats : { ...stats, details: { ...c.counts, openMappings: c.openMappings(), cpusSeen: c.cpusSeen } };
  },
};

/** The ftrace converter behind the generic line loop (exported for tests). */
export function ftraceLineConverter(cpus: number, emit: (r: TraceRecord) => void): LineConverter & { converter: FtraceConverter } {
  const converter = new FtraceConverter(cpus, emit);
  return {
    converter,
    line: (text) => converter.line(text),
    finish: () => converter.finish(),
    isSyntaxError: (err): err is Error => err instanceof FtraceSyntaxError,
  };
}
