/**
 * Sweep benchmark: the 16-point sweep of the shipped fileserver trace (traces/fileserver-4cpu.hmt;
 * configurations 3g1g-highmem, 3g1g-pae, 2g2g, 4g4g × ram 1G, 2G, 3G, 4G), run as a user runs it —
 * `node bin/hmsim.js` processes — in three ways:
 *
 *   jobs1   sweep --jobs 1                       (every point in the main thread)
 *   jobs2   sweep --jobs 2                       (two worker threads, each started once)
 *   2procs  sweep --shard 0/2 and --shard 1/2 --jobs 1 as two processes at once, then merge
 *
 * and two serial pieces on their own: `hmsim --version` (process start-up) and `merge` of the finished
 * jobs1 folder (start-up, reading 16 points, the report). Each prints wall seconds, the process's CPU
 * seconds (all threads) and the load average before it; then the speed-ups over jobs1, the serial
 * fraction that the jobs2 speed-up implies on 2 cores (Amdahl: s = 2/S − 1), and the measured one
 * (merge time / jobs1 time). summary.json must be the same bytes in all three.
 *
 * A calibration first runs a fixed spin loop on 1 and 2 threads: its ratio is the parallel speed-up the
 * machine offered to pure CPU work at that moment (2.0 on an idle 2-core machine) — the ceiling.
 * The machine is shared: read every figure with the load average printed beside it.
 *
 * Usage: npm run bench -- sweep   (or: node --import tsx bench/sweep.bench.ts [ROUNDS])
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[2] ?? 1);
const SWEEP = [
  'sweep',
  '--trace',
  'traces/fileserver-4cpu.hmt',
  '--configs',
  '3g1g-highmem,3g1g-pae,2g2g,4g4g',
  '--grid',
  'ram=1G,2G,3G,4G',
  '--seed',
  '1',
  '--quiet',
];
const la = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Wall seconds to run a fixed spin loop on `n` worker threads at once. */
async function spin(n: number): Promise<number> {
  const code =
    "const { parentPort } = require('node:worker_threads'); let x = 0; for " +
    '(let i = 0; i < 1e9; i++) x = (x + i) | 0; parentPort.postMessage(x);';
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(code, { eval: true });
          w.once('message', () => void w.terminate().then(() => resolve()));
          w.once('error', reject);
        }),
    ),
  );
  return (performance.now() - t0) / 1000;
}

/** A finished hmsim process: wall seconds and CPU seconds (user + system, all its threads). */
interface Ran {
  readonly wall: number;
  readonly cpu: number;
}

/** Runs `node bin/hmsim.js ARGS`; the child writes its own CPU time at exit (an --import hook). */
async function hmsim(args: readonly string[], dir: string, tag: string): Promise<Ran> {
  const cpuFile = join(dir, `cpu-${tag}.txt`);
  const hook = join(dir, 'cpu-hook.mjs');
  const t0 = performance.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, join(ROOT, 'bin/hmsim.js'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, HMSIM_BENCH_CPU_FILE: cpuFile },
    });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c ?? -1));
  });
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`hmsim ${args.join(' ')} exited ${code}`);
  return { wall, cpu: Number(await readFile(cpuFile, 'utf8')) };
}

const dir = await mkdtemp(join(tmpdir(), 'hmsim-sweep-bench-'));
try {
  await writeFile(
    join(dir, 'cpu-hook.mjs'),
    "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { const u = process.cpuUsage(); " +
      'writeFileSync(process.env.HMSIM_BENCH_CPU_FILE, String((u.user + u.system) / 1e6)); });\n',
  );
  console.log(
    `16 points: traces/fileserver-4cpu.hmt × 4 configurations × ram ` +
      `1G..4G; ${availableParallelism()} cores available (shared by every user of the machine)`,
  );
  type Case = 'start-up' | 'jobs1' | 'jobs2' | '2procs' | 'merge';
  const best = new Map<Case, Ran & { load: string }>();
  const keep = (name: Case, r: Ran, load: string): void => {
    const b = best.get(name);
    if (b === undefined || r.wall < b.wall) best.set(name, { ...r, load });
    console.log(
      `  ${name.padEnd(8)} ${r.wall.toFixed(2).padStart(6)} s wall, ${r.cpu.toFixed(2).padStart(6)} ` +
        `s CPU (${(r.cpu / r.wall).toFixed(2)} cores busy); load average before: ${load}`,
    );
  };
  for (let round = 0; round < rounds; round++) {
    const one = await spin(1);
    const two = await spin(2);
    console.log(
      `round ${round + 1}: calibration: 2 spinning threads did ${((2 * one) / two).toFixed(2)}x ` +
        `the work of 1 in the same time (2.00 = two free cores); load average ${la()}`,
    );
    let load = la();
    keep('start-up', await hmsim(['--version'], dir, `v${round}`), load);
    load = la();
    keep('jobs1', await hmsim([...SWEEP, '--jobs', '1', '--out', join(dir, `j1-${round}`)], dir, `j1-${round}`), load);
    load = la();
    keep('jobs2', await hmsim([...SWEEP, '--jobs', '2', '--out', join(dir, `j2-${round}`)], dir, `j2-${round}`), load);
    load = la();
    const t0 = performance.now();
    const shards = await Promise.all(
      [0, 1].map((i) => hmsim([...SWEEP, '--jobs', '1', '--shard', `${i}/2`, '--out', join(dir, `p${i}-${round}`)], dir, `p${i}-${round}`)),
    );
    const merged = await hmsim(
      ['merge', join(dir, `p0-${round}`), join(dir, `p1-${round}`), '--out', join(dir, `p-${round}`)],
      dir,
      `pm-${round}`,
    );
    keep('2procs', { wall: (performance.now() - t0) / 1000, cpu: shards[0]!.cpu + shards[1]!.cpu + merged.cpu }, load);
    load = la();
    keep('merge', await hmsim(['merge', join(dir, `j1-${round}`), '--out', join(dir, `m-${round}`)], dir, `m-${round}`), load);
    const ref = await readFile(join(dir, `j1-${round}`, 'summary.json'), 'utf8');
    for (const other of [`j2-${round}`, `p-${round}`, `m-${round}`]) {
      if ((await readFile(join(dir, other, 'summary.json'), 'utf8')) !== ref) {
        console.log(`summary.json of ${other} differs from jobs1's`);
        process.exitCode = 1;
      }
    }
  }
  const get = (n: Case) => best.get(n) as Ran & { load: string };
  const [j1, j2, p2, merge, start] = [get('jobs1'), get('jobs2'), get('2procs'), get('merge'), get('start-up')];
  const s = j1.wall / j2.wall;
  console.log(
    `best of ${rounds}: jobs1 ${j1.wall.toFixed(2)} s, jobs2 ${j2.wall.toFixed(2)} s (${s.toFixed(2)}x), two processes + ` +
      `merge ${p2.wall.toFixed(2)} s (${(j1.wall / p2.wall).toFixed(2)}x); goal ≥ 1.6x for jobs2 on an idle 2-core machine`,
  );
  console.log(
    `serial fraction implied by the jobs2 speed-up (Amdahl, 2 cores): ${Math.max(0, 2 / s - 1).toFixed(2)}; ` +
      `measured serial pieces: start-up ${start.wall.toFixed(2)} s, merge (start-up + 16 ` +
      `points read + report) ${merge.wall.toFixed(2)} s = ${(merge.wall / j1.wall).toFixed(2)} of jobs1`,
  );
  console.log(
    `CPU: jobs1 ${j1.cpu.toFixed(2)} s, jobs2 ${j2.cpu.toFixed(2)} s (+${((j2.cpu / j1.cpu - 1) * 100).toFixed(0)} %), two ` +
      `processes + merge ${p2.cpu.toFixed(2)} s (+${((p2.cpu / j1.cpu - 1) * 100).toFixed(0)} %); load average now: ${la()}`,
  );
  console.log(`summary.json identical for jobs1, jobs2, two processes + merge, merge: ${process.exitCode === 1 ? 'NO' : 'yes'}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
