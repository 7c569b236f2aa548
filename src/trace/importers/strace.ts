/**
 * `hmsim import strace`: `strace -f -ttt` text → HMT records (what each call becomes: strace-convert.ts).
 *
 * Recording advice (traces/README.md, Samples): `strace -f -ttt -o LOG CMD` works; adding
 * `-e raw=read,write,pread64,pwrite64` keeps the user buffer addresses of transfers (otherwise the heap
 * start stands in for them). Host addresses are 64-bit on x86_64: `hmsim import strace` relocates them
 * with `--relocate auto` unless told otherwise (src/trace/relocate.ts).
 */
import { OBSERVED_EXEC_CLOSES, type TraceRecord } from '../records.ts';
import type { Importer, ImportOptions, ImportStats } from './registry.ts';
import { StraceConverter } from './strace-convert.ts';
import { StraceSyntaxError } from './strace-line.ts';
import { runLineImport, type LineConverter } from './strace-ftrace-lines.ts';

/** The `strace` importer (registered in registry.ts). */
export const straceImporter: Importer = {
  name: 'strace',
  description:
    'strace text (-f, -ttt/-tt/-r, -T, -y/-yy): read/write/pread/pwrite, mmap/munmap/mprotect/brk, ' +
    'clone/fork/vfork, execve (and the close-on-exec files it closes), exit; time between calls as compute ' +
    '(64-bit addresses: --relocate, default auto)',
  // The descriptor table is followed call by call: the files an execve closes are close records (HMT 2.2).
  observed: [OBSERVED_EXEC_CLOSES],
  async run(input: NodeJS.ReadableStream, sink, options: ImportOptions): Promise<ImportStats> {
    let c: StraceConverter | undefined;
    const stats = await runLineImport(input, sink, options, (emit) => {
      const lc = straceLineConverter(options.cpus ?? 1, emit);
      c = lc.converter;
      return lc;
    });
    return c === undefined ? stats : { ...stats, details: { ...c.counts } };
  },
};

/** The strace converter behind the generic line loop (exported for tests that feed lines directly). */
export function straceLineConverter(cpus: number, emit: (r: TraceRecord) => void): LineConverter & { converter: StraceConverter } {
  const converter = new StraceConverter(cpus, emit);
  return {
    converter,
    line: (text) => converter.line(text),
    finish: () => void converter.finish(),
    isSyntaxError: (err): err is Error => err instanceof StraceSyntaxError,
  };
}
