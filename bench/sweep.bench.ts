/**
 * Sweep benchmark: the same 16-point sweep (4 configurations × 4 RAM sizes, one replication, a
 * generated fileserver trace of 4 CPUs and 200000 requests, ≈2 s per point on an idle core) with --jobs 1 and
 * --jobs 2, into fresh folders. Prints the wall-clock time of the whole sweep (points + report) and of
 * the point phase alone, their jobs-1 / jobs-2 ratios, the machine's load average before each run, and
 * checks that both runs wrote the same summary.json. Goal (issue 7): ratio ≥ 1.8 on 2 cores.
 * "cores busy" (process CPU time, all threads, over wall time) shows how much of the machine the run
 * actually got: on a shared machine a ratio below the goal with < 2 cores busy means contention.
 * Before each round a calibration runs the same fixed spin loop on 1 and on 2 worker threads: its
 * ratio is the parallel speed-up the machine offered at that moment to pure CPU work (2.0 on an idle
 * 2-core machine), the ceiling for the sweep's ratio.
 *
 * Usage: npm run bench -- sweep   (or: node --import tsx bench/sweep.bench.ts [ROUNDS])
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { generate } from '../src/cli/gen.ts';
import { runSweep } from '../src/sweep/run.ts';
import type { SweepSpec } from '../src/sweep/spec.ts';

const rounds = Number(process.argv[2] ?? 1);

/** Wall seconds to run a fixed spin loop on `n` worker threads at once. */
async function spin(n: number): Promise<number> {
  const code = "const { parentPort } = require('node:worker_threads'); let x = 0; for (let i = 0; i < 1e9; i++) x = (x + i) | 0; parentPort.postMessage(x);";
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(code, { eval: true });
      w.once('message', () => void w.terminate().then(() => resolve()));
      w.once('error', reject);
    })),
  );
  return (performance.now() - t0) / 1000;
}

/** Speed-up of 2 spinning threads over 1 (twice the work): 2.0 when two cores are free. */
async function calibration(): Promise<number> {
  const one = await spin(1);
  const two = await spin(2);
  return (2 * one) / two;
}
const dir = await mkdtemp(join(tmpdir(), 'hmsim-sweep-bench-'));
try {
  const trace = join(dir, 'fileserver.hmt');
  const gen = await generate('fileserver', trace, 1, ['requests=200000']);
  const spec: SweepSpec = {
    configs: ['3g1g-highmem', '3g1g-pae', '2g2g', '4g4g'],
    configOptions: {},
    axes: [{ key: 'ram', kind: 'config', values: ['1G', '2G', '3G', '4G'] }],
    model: 'core2',
    modelSets: [],
    replications: 1,
    seed: 1,
    prefault: false,
    trace: { kind: 'file', path: trace },
  };
  console.log(`trace: ${gen.records} records (fileserver, ${gen.cpus} CPUs); 16 points; ${availableParallelism()} cores available`);
  const la = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
  const best: Record<number, { total: number; points: number }> = {};
  for (let round = 0; round < rounds; round++) {
    console.log(`round ${round + 1} calibration: 2 spinning threads run ${(await calibration()).toFixed(2)}x the work of 1 in the same time`);
    for (const jobs of [1, 2]) {
      const out = join(dir, `out-${jobs}-${round}`);
      const load = la();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let lastPoint = t0;
      const outcome = await runSweep(spec, { out, jobs, shard: null, force: false, gitCommit: null, onPoint: () => void (lastPoint = performance.now()) });
      const total = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const points = (lastPoint - t0) / 1000;
      if (outcome.computed !== 16) throw new Error(`expected 16 computed points, got ${outcome.computed}`);
      console.log(`round ${round + 1} --jobs ${jobs}: sweep ${total.toFixed(2)} s (points ${points.toFixed(2)} s, ${(points / 16).toFixed(2)} s/point of wall time); CPU ${cpuSeconds.toFixed(2)} s = ${(cpuSeconds / total).toFixed(2)} cores busy on average; load average before: ${load}`);
      const b = best[jobs];
      if (b === undefined || total < b.total) best[jobs] = { total, points };
    }
  }
  const one = best[1] as { total: number; points: number };
  const two = best[2] as { total: number; points: number };
  console.log(`speed-up --jobs 2 vs --jobs 1 (best of ${rounds}): whole sweep ${(one.total / two.total).toFixed(2)}x, point phase ${(one.points / two.points).toFixed(2)}x (goal ≥ 1.8x); load average now: ${la()}`);
  const same = (await readFile(join(dir, 'out-1-0', 'summary.json'), 'utf8')) === (await readFile(join(dir, 'out-2-0', 'summary.json'), 'utf8'));
  console.log(`summary.json identical for --jobs 1 and --jobs 2: ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
