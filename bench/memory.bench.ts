/**
 * Bounded memory: peak resident memory of a full machine replay as the trace grows (issue 9: "a trace
 * far larger than memory replays in bounded memory").
 *
 *   (a) streaming source: 10 M, 40 M and 160 M records made on the fly batch by batch (never all in
 *       memory, never on disk) and replayed by `replayMachineSource` (4 CPUs, 3g1g-highmem, core2);
 *   (b) HMT file: `hmsim gen fileserver` traces of 2 M and 8 M records written to a temporary folder and
 *       replayed end to end by `replay()` (the file reader included);
 *   (c) a maximally skewed HMT file: the streamed workload of (a), 32 M records, written CPU after CPU
 *       (every chunk of CPU 0, then CPU 1's, …), so a reader that followed file order would hold three
 *       CPUs' records while it looks for the fourth's; replayed by `replay()` with its bounded look-ahead.
 * Each replay runs in a child process of its own, so its peak RSS (getrusage ru_maxrss) is the replay's.
 *
 * The streamed workload: per CPU one process with a 64 MiB heap swept page by page, a 16 KiB read(2)
 * through the page cache from a 16 MiB file, a buffer load, a heap load and store, 300 cycles of
 * compute, a write syscall and an instruction fetch — the state it builds (page tables, page cache,
 * TLBs) stops growing after the first sweep, so a flat RSS means the replay itself keeps nothing per
 * record.
 *
 * Usage: npm run bench -- memory
 *   (env MEMORY_BENCH_STREAM=10e6,40e6,160e6  MEMORY_BENCH_FILE=2e6,8e6  MEMORY_BENCH_SKEW=32e6; 0 skips a part)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../src/trace/generators/generate.ts';
import { computeLayout } from '../src/layout/compute.ts';
import { resolveConfig } from '../src/layout/configs.ts';
import { replay, replayMachineSource } from '../src/machine/replay.ts';
import { loadModel } from '../src/models/load.ts';
import { RecordBatchBuilder } from '../src/trace/batch.ts';
import { openTraceWriter } from '../src/trace/hmt/writer.ts';
import {
  AccessOp,
  EventKind,
  ProtBits,
  type RecordBatch,
  type TraceHeader,
  type TraceRecord,
  type TraceSource,
} from '../src/trace/records.ts';

const CONFIG = '3g1g-highmem';
const CPUS = 4;
const BATCH = 16_384;
const HEAP = 0x1000_0000;
const HEAP_BYTES = 64 << 20;
const BUFFER = 0x0800_0000;
const TEXT = 0x0804_8000;
const FILE_BYTES = 16 << 20;

/** What a child measured. */
interface Measurement {
  readonly records: number;
  readonly seconds: number;
  /** Peak resident set of the child, MiB (ru_maxrss). */
  readonly peakRssMiB: number;
  /** Resident set after loading the code and model, before the replay, MiB. */
  readonly rssBeforeMiB: number;
}

/** `total` records over 4 CPUs, made batch by batch on demand (each batch owns its arrays). */
class StreamedWorkload implements TraceSource {
  readonly header: TraceHeader = { version: '1.0', source: 'bench:memory', pageSize: 4096, addressBits: 32, cpus: CPUS, provenance: {} };
  /** @param only when given, only this CPU's records (its share of `total`), for writing CPU after CPU. */
  constructor(
    private readonly total: number,
    private readonly only?: number,
  ) {}

  async *batches(): AsyncGenerator<RecordBatch> {
    const perCpu = Math.floor(this.total / CPUS);
    const made = new Array<number>(CPUS).fill(0);
    const step = new Array<number>(CPUS).fill(0);
    while (made.some((m) => m < perCpu)) {
      for (let cpu = 0; cpu < CPUS; cpu++) {
        if (this.only !== undefined && cpu !== this.only) made[cpu] = perCpu;
        if (made[cpu]! >= perCpu) continue;
        const b = new RecordBatchBuilder(cpu, BATCH);
        const pid = 100 + cpu;
        const push = (r: Omit<TraceRecord, 'cpu' | 'pid'>): void => {
          if (made[cpu]! < perCpu && !b.full) {
            b.push({ ...r, cpu, pid });
            made[cpu]!++;
          }
        };
        if (step[cpu] === 0) {
          push({ kind: EventKind.exec });
          push({ kind: EventKind.mmap, op: ProtBits.read | ProtBits.exec, addr: TEXT, len: 0x10000, arg: 99 });
          push({ kind: EventKind.mmap, op: ProtBits.read | ProtBits.write, addr: BUFFER, len: 16384 });
          push({ kind: EventKind.mmap, op: ProtBits.read | ProtBits.write, addr: HEAP, len: HEAP_BYTES });
        }
        while (!b.full && made[cpu]! < perCpu) {
          const k = step[cpu]!++;
          const page = HEAP + ((k * 4096) % HEAP_BYTES);
          push({ kind: EventKind.syscall, arg: 3 });
          push({ kind: EventKind.read, addr: BUFFER, len: 16384, arg: cpu + 1, off: (k * 16384) % FILE_BYTES });
          push({ kind: EventKind.access, op: AccessOp.load, addr: BUFFER + (k % 4) * 4096, len: 8 });
          push({ kind: EventKind.access, op: AccessOp.load, addr: page, len: 8 });
          push({ kind: EventKind.access, op: AccessOp.store, addr: page + 64, len: 8 });
          push({ kind: EventKind.compute, len: 300 });
          push({ kind: EventKind.syscall, arg: 4 });
          push({ kind: EventKind.access, op: AccessOp.ifetch, addr: TEXT + (k % 16) * 64, len: 4 });
        }
        if (b.length > 0) yield b.view();
      }
    }
  }
}

const mib = (kib: number): number => kib / 1024;

/** Child: replays one trace and prints one JSON Measurement. */
async function child(kind: string, arg: string): Promise<void> {
  const config = resolveConfig({ config: CONFIG });
  const model = await loadModel('core2');
  const rssBeforeMiB = process.memoryUsage().rss / 2 ** 20;
  const t0 = performance.now();
  let records: number;
  if (kind === 'stream') {
    const out = await replayMachineSource({ config, model, seed: 1 }, computeLayout(config), new StreamedWorkload(Number(arg)));
    records = out.records;
  } else {
    records = (await replay({ tracePath: arg, config, model, seed: 1, prefault: false })).trace.records;
  }
  const seconds = (performance.now() - t0) / 1000;
  const m: Measurement = { records, seconds, peakRssMiB: mib(process.resourceUsage().maxRSS), rssBeforeMiB };
  process.stdout.write(JSON.stringify(m) + '\n');
}

/** Runs one child and returns what it measured. */
function measure(kind: string, arg: string): Measurement {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', kind, arg], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${kind} ${arg} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measurement;
}

const sizes = (env: string | undefined, fallback: number[]): number[] => (env === undefined ? fallback : env.split(',').map(Number));

function line(label: string, m: Measurement): string {
  const rate = m.records / m.seconds / 1e6;
  return (
    `${label.padEnd(28)} ${(m.records / 1e6).toFixed(1).padStart(7)} M  ${m.seconds.toFixed(1).padStart(7)} ` +
    `s  ${rate.toFixed(2).padStart(6)} M rec/s  peak RSS ${m.peakRssMiB.toFixed(0).padStart(5)} ` +
    `MiB  (before replay ${m.rssBeforeMiB.toFixed(0)} MiB)  load ${loadavg()[0]!.toFixed(1)}`
  );
}

async function parent(): Promise<void> {
  process.stdout.write(`Peak RSS of a full machine replay (${CONFIG}, core2, ${CPUS} CPUs), one child process per replay\n`);
  for (const n of sizes(process.env['MEMORY_BENCH_STREAM'], [10e6, 40e6, 160e6]).filter((x) => x > 0)) {
    process.stdout.write(line('streamed on the fly', measure('stream', String(n))) + '\n');
  }
  const dir = mkdtempSync(join(tmpdir(), 'hmsim-memory-bench-'));
  try {
    for (const n of sizes(process.env['MEMORY_BENCH_FILE'], [2e6, 8e6]).filter((x) => x > 0)) {
      const path = join(dir, `fileserver-${n}.hmt`);
      await generate('fileserver', path, 1, [`records=${n}`, 'requests=100000000']);
      const bytes = statSync(path).size;
      process.stdout.write(line(`HMT file (${(bytes / 2 ** 20).toFixed(0)} MiB)`, measure('file', path)) + '\n');
      rmSync(path, { force: true });
    }
    for (const n of sizes(process.env['MEMORY_BENCH_SKEW'], [32e6]).filter((x) => x > 0)) {
      const path = join(dir, `skewed-${n}.hmt`);
      const w = await openTraceWriter(path, { source: 'bench:memory-skewed', cpus: CPUS });
      for (let cpu = 0; cpu < CPUS; cpu++) for await (const b of new StreamedWorkload(n, cpu).batches()) w.pushBatch(b);
      await w.close();
      const bytes = statSync(path).size;
      process.stdout.write(line(`skewed HMT file (${(bytes / 2 ** 20).toFixed(0)} MiB)`, measure('file', path)) + '\n');
      rmSync(path, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at >= 0) await child(process.argv[at + 1]!, process.argv[at + 2]!);
else await parent();
