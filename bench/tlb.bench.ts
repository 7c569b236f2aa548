/**
 * Pure TLB replay speed (issue 4 "Speed"): references per second and peak resident memory.
 *
 *   (a) in memory: the replay loop over RecordBatches already in memory, and a bare Tlb lookup loop
 *       over a typed array of page numbers (the ceiling the replay is compared with);
 *   (b) end to end: open an HMT file, decode every chunk, replay — in a child process, so its peak RSS
 *       is the replay's own.
 *
 * The synthetic trace has instruction-fetch runs with loops, calls and far jumps over an 800 KiB code
 * region, and data accesses to a sliding stack, a 16 MiB heap (a drifting 16-page hot window, 5% of
 * its accesses anywhere, skewed) and a streamed 64 MiB array
 * (seeded: the same trace every run). Geometry: 64-entry 4-way L1 I and D, LRU, no STLB — the
 * configuration Dinero IV's separate I/D caches model — and, for reference, the same with a 512-entry
 * STLB (general path).
 *
 * Usage: npm run bench -- tlb   (env TLB_BENCH_ACCESSES=N to change the trace length, default 30 M)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TlbGeometry } from '../src/models/types.ts';
import { createRng } from '../src/random/rng.ts';
import { AccessOp, EventKind, type RecordBatch } from '../src/trace/records.ts';
import { openTraceWriter } from '../src/trace/hmt/writer.ts';
import { openTrace } from '../src/trace/hmt/reader.ts';
import { PageSizeClass, Tlb } from '../src/machine/tlb.ts';
import { replayTlbOnly, TlbReplayer } from '../src/machine/tlb-replay.ts';

const L1 = { entries: 64, ways: 4 };
const NO_LEVEL = { entries: 0, ways: 1 };
const GEOMETRY: TlbGeometry = { l1i: L1, l1d: L1, stlb: NO_LEVEL, large: NO_LEVEL, replacement: 'lru' };
const WITH_STLB: TlbGeometry = { ...GEOMETRY, stlb: { entries: 512, ways: 4 } };
const BATCH = 65_536;

/** Fills `n` access records (kind, op, addr, len) with the synthetic workload, `BATCH` at a time. */
function* syntheticBatches(n: number, seed: number): Generator<RecordBatch> {
  const rng = createRng(seed);
  const codeBase = 0x08048000;
  const codeBytes = 800 * 1024;
  const functions = Array.from({ length: 256 }, () => codeBase + rng.nextInt(codeBytes));
  let pc = codeBase;
  let sp = 0xbfff0800;
  let region = 0;
  let stream = 0x40000000;
  let hot = 0;
  let heap = 0x09000000;
  const zeroU32 = new Uint32Array(BATCH);
  const zeroF64 = new Float64Array(BATCH);
  let produced = 0;
  while (produced < n) {
    const count = Math.min(BATCH, n - produced);
    const kind = new Uint8Array(count).fill(EventKind.access);
    const op = new Uint8Array(count);
    const addr = new Uint32Array(count);
    const len = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const r = rng.nextU32();
      if ((r & 3) !== 0 || i === 0) {
        // instruction fetch: 1..8 bytes, then maybe a branch
        const size = 1 + ((r >>> 2) % 8);
        op[i] = AccessOp.ifetch;
        addr[i] = pc;
        len[i] = size;
        pc += size;
        const b = (r >>> 8) & 63;
        if (b < 6)
          pc -= (r >>> 16) & 255; // loop back
        else if (b === 6 && ((r >>> 16) & 3) === 0)
          pc = functions[(r >>> 18) & 255] as number; // call
        else if (b === 7 && ((r >>> 16) & 7) === 0) pc = codeBase + ((r >>> 12) % codeBytes); // far jump
        if (pc < codeBase || pc >= codeBase + codeBytes) pc = codeBase + ((r >>> 10) % codeBytes);
      } else {
        // data: the same region as the previous data access 3 times in 4, else stack 55% / heap 35% / stream 10%
        if (((r >>> 26) & 3) === 0) {
          const d = (r >>> 2) % 100;
          region = d < 55 ? 0 : d < 90 ? 1 : 2;
        }
        op[i] = (r >>> 9) % 3 === 0 ? AccessOp.store : AccessOp.load;
        len[i] = 4;
        if (region === 0) {
          sp += ((r >>> 12) & 15) - 8 === 0 ? 0 : ((r >>> 12) & 1) === 0 ? -4 : 4;
          if (sp < 0xbffe0000 || sp > 0xbfff8000) sp = 0xbfff0800;
          addr[i] = sp + ((r >>> 16) & 0x7c);
        } else if (region === 1) {
          // heap: mostly a drifting hot window of 16 pages, sometimes anywhere (skewed) in 16 MiB
          // (70%: next field of the current object; else a new object)
          const u = rng.next();
          if (u < 0.7) heap = (heap & ~0xfff) | ((heap + 4 + ((r >>> 12) & 28)) & 0xffc);
          else {
            if (u < 0.701) hot = (hot + 1) & 4095;
            const page = u < 0.985 ? (hot + ((r >>> 24) & 15)) & 4095 : Math.floor(4096 * ((u - 0.985) / 0.015) ** 3);
            heap = 0x09000000 + page * 4096 + ((r >>> 12) & 0xffc);
          }
          addr[i] = heap;
        } else {
          stream += 4 + ((r >>> 12) & 60);
          if (stream >= 0x44000000) stream = 0x40000000;
          addr[i] = stream;
          len[i] = 8;
        }
      }
    }
    produced += count;
    yield { cpu: 0, length: count, kind, op, pid: zeroU32, addr, len, arg: zeroU32, off: zeroF64, time: zeroF64 };
  }
}

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function mps(references: number, ms: number): string {
  return `${(((references / ms) * 1e3) / 1e6).toFixed(1)} M references/s`;
}

/** "W M references/s (C per CPU-second)": wall-clock rate, and the rate per second of CPU time used. */
function rates(references: number, wallMs: number, cpuMs: number): string {
  return `${mps(references, wallMs)} (${(((references / cpuMs) * 1e3) / 1e6).toFixed(1)} M per CPU-second)`;
}

/** Child mode: replay one HMT file end to end and print one JSON line. */
async function childReplay(path: string, stlb: boolean): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const source = await openTrace(path);
  const result = await replayTlbOnly(source, stlb ? WITH_STLB : GEOMETRY);
  const ms = performance.now() - t0;
  const cpuMs = cpuMsSince(c0);
  const references = result.references.i + result.references.d;
  process.stdout.write(JSON.stringify({ ms, cpuMs, references, result, peakRssMiB: peakRssMiB() }) + '\n');
}

/** CPU time (user + system, all threads of this process) since `start`, in ms. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e3;
}

/** Writes the synthetic trace of `n` accesses as an HMT file. */
async function writeSynthetic(path: string, n: number): Promise<void> {
  const writer = await openTraceWriter(path, { source: 'gen:tlb-bench', cpus: 1, provenance: { seed: 1, accesses: n } });
  for (const b of syntheticBatches(n, 1)) writer.pushBatch(b);
  await writer.close();
}

async function main(): Promise<void> {
  const n = Number(process.env.TLB_BENCH_ACCESSES ?? 30_000_000);
  console.log(`synthetic trace: ${(n / 1e6).toFixed(1)} M accesses; L1 I/D 64 entries 4-way LRU`);
  console.log(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${cpus().length} CPUs`,
  );

  // (a) in memory
  const inMemory = Math.min(n, 8_000_000);
  const batches = [...syntheticBatches(inMemory, 1)];
  {
    const last = [-1, -1];
    const same = [0, 0];
    const count = [0, 0];
    for (const b of batches) {
      for (let i = 0; i < b.length; i++) {
        const side = b.op[i] === AccessOp.ifetch ? 0 : 1;
        const v = (b.addr[i] as number) >>> 12;
        count[side]!++;
        if (v === last[side]) same[side]!++;
        last[side] = v;
      }
    }
    const pct = (s: number): string => ((100 * same[s]!) / count[s]!).toFixed(1);
    console.log(
      `locality: ${count[0]} fetches, ${pct(0)}% on the previous fetch's page; ${count[1]} data accesses, ${pct(1)}%` +
        " on the previous data access's page (busybox-gzip-3k lackey trace: 99.2% and 73.3%)",
    );
  }
  /** One timed in-memory replay of every batch with a fresh replayer. */
  const replayOnce = (geometry: TlbGeometry) => {
    const replayer = new TlbReplayer(geometry);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const b of batches) replayer.replayBatch(b);
    const ms = performance.now() - t0;
    const cpuMs = cpuMsSince(c0);
    const r = replayer.result();
    return { r, ms, cpuMs, refs: r.references.i + r.references.d };
  };
  for (let round = 0; round < 5; round++) {
    const { r, ms, cpuMs, refs } = replayOnce(GEOMETRY);
    console.log(
      `(a) in-memory replay, round ${round + 1}: ${refs} references in ${ms.toFixed(0)} ms = ${rates(refs, ms, cpuMs)}` +
        ` (misses I ${r.misses.i}, D ${r.misses.d})`,
    );
  }
  for (let round = 0; round < 3; round++) {
    const { r, ms, cpuMs, refs } = replayOnce(WITH_STLB);
    console.log(
      `(a) in-memory replay with a 512-entry 4-way STLB (general path), round ${round + 1}: ${rates(refs, ms, cpuMs)}` +
        ` (STLB misses ${r.misses.stlb})`,
    );
  }
  {
    // Bare loop: the page number of every access (both sides) in one Uint32Array, one Tlb, a lookup and
    // on a miss an insert for every element (no batches, no sides, no same-page shortcut).
    const vpns = new Uint32Array(inMemory);
    let k = 0;
    for (const b of batches) for (let i = 0; i < b.length; i++) vpns[k++] = (b.addr[i] as number) >>> 12;
    for (let round = 0; round < 3; round++) {
      const tlb = new Tlb({ entries: 64, ways: 4, replacement: 'lru' });
      let misses = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < vpns.length; i++) {
        const v = vpns[i] as number;
        if (tlb.lookup(v, PageSizeClass.small) < 0) {
          misses++;
          tlb.insert(v, PageSizeClass.small, false);
        }
      }
      const ms = performance.now() - t0;
      const cpuMs = cpuMsSince(c0);
      console.log(`(a) bare Tlb lookup loop over a Uint32Array, round ${round + 1}: ${rates(vpns.length, ms, cpuMs)} (misses ${misses})`);
    }
  }
  batches.length = 0;

  // (b) end to end from an HMT file
  const dir = mkdtempSync(join(tmpdir(), 'hmsim-tlb-bench-'));
  try {
    const path = join(dir, 'synthetic.hmt');
    const t0 = performance.now();
    await writeSynthetic(path, n);
    const genMs = performance.now() - t0;
    console.log(`wrote ${path.split('/').pop()} (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB) in ${(genMs / 1e3).toFixed(1)} s`);
    const self = fileURLToPath(import.meta.url);
    for (const [label, stlb] of [
      ['L1 only', false],
      ['with STLB', true],
    ] as const) {
      for (let round = 0; round < 3; round++) {
        const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--replay', path, stlb ? 'stlb' : 'l1'], {
          encoding: 'utf8',
        });
        if (child.status !== 0) throw new Error(`replay child failed: ${child.stderr}`);
        const out = JSON.parse(child.stdout.trim().split('\n').pop() as string) as {
          ms: number;
          cpuMs: number;
          references: number;
          peakRssMiB: number;
          result: { misses: { i: number; d: number; stlb: number } };
        };
        console.log(
          `(b) end to end from HMT, ${label}, round ${round + 1}: ${out.references} references in ${out.ms.toFixed(0)} ms` +
            ` = ${rates(out.references, out.ms, out.cpuMs)}; peak RSS ${out.peakRssMiB.toFixed(0)} MiB` +
            ` (misses I ${out.result.misses.i}, D ${out.result.misses.d}, STLB ${out.result.misses.stlb})`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Modes: (none) = the benchmark; --replay FILE l1|stlb = child replay; --write FILE N = only write a trace.
if (process.argv[2] === '--replay') await childReplay(process.argv[3] as string, process.argv[4] === 'stlb');
else if (process.argv[2] === '--write') await writeSynthetic(process.argv[3] as string, Number(process.argv[4]));
else await main();
