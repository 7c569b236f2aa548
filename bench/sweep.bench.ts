/**
 * Sweep benchmark: the 16-point sweep of the shipped fileserver trace (traces/fileserver-4cpu.hmt;
 * configurations 3g1g-highmem, 3g1g-pae, 2g2g, 4g4g × ram 1G, 2G, 3G, 4G; the whole report: SVG, PNG,
 * PDF and HTML), run as a user runs it — `node bin/hmsim.js` processes — in three ways, interleaved
 * round after round (a shared machine's load changes from minute to minute):
 *
 *   jobs1   sweep --jobs 1                       (points and figures one after the other, main thread)
 *   jobs2   sweep --jobs 2                       (the main thread and one worker thread, started once,
 *                                                 replay the points, then render the figures)
 *   2procs  sweep --shard 0/2 and --shard 1/2 --jobs 1 as two processes at once, then merge
 *
 * Each prints wall seconds, the process's CPU seconds (all threads), the load average before it, and
 * the phases the sweep reports (--json `seconds`). At the end, medians: the speed-ups over jobs1 and
 * the serial fraction of jobs1 — the part only the main thread runs (start-up, planning, building the
 * report and writing the folder: wall − points − figures), which caps a 2-core speed-up at
 * 1 / (s + (1 − s) / 2). summary.json and points/ must be the same bytes in all three.
 *
 * A calibration first runs a fixed spin loop on 1 and 2 threads: its ratio is the parallel speed-up the
 * machine offered to pure CPU work at that moment (2.0 on an idle 2-core machine) — the ceiling.
 * The machine is shared: read every figure with the load average printed beside it.
 *
 * Measured (npm run bench -- sweep, 3 rounds, on the 2-core machine shared by three developers):
 * - 2026-12-06 03:50 UTC, figures drawn in steps on both threads (the main thread takes back a job a worker
 *   has queued and not started), load average 1.53..3.14 (calibration 0.35x, 0.35x, 1.97x: the machine was
 *   not idle): jobs1 median 6.09 s wall, 8.56 s CPU (1.40 cores busy); jobs2 7.05 s (0.86x), 11.55 s CPU
 *   (+35 %); two processes + merge 7.18 s (0.85x). The CPU bound is 2 / 1.40 = 1.42x: the 1.6x goal cannot
 *   be met on this machine by any --jobs 2, and `sweep` without --jobs now runs this sweep in one thread
 *   (src/sweep/run.ts autoJobs). summary.json and points/ identical in every run.
 * - 2026-12-05 23:04 UTC, with the main thread as one of --jobs N (jobs2 = the main thread + 1 worker),
 *   load average 1.36..1.93 (calibration 1.68x, 2.06x, 1.96x): jobs1 median 5.02 s wall, 7.00 s CPU (points
 *   1.25..1.52 s, figures 2.68..3.00 s); jobs2 5.76 s (0.87x), 9.66 s CPU (+38 %; points 2.33..2.57 s: the
 *   worker loads its modules and the renderer while the main thread replays, figures 2.38..2.66 s); two
 *   processes + merge 5.79 s (0.87x). Serial part of jobs1 1.07 s (0.20). No speed-up: the worker's start-up
 *   and the renderer's loading, twice, cost about what the second core gives back.
 * - 2026-12-05 20:49 UTC, nearly idle (load average 0.40..1.61 before the runs; calibration 1.83x, 2.01x,
 *   0.35x — another user started work during round 3):
 *     jobs1  median 4.99 s wall, 6.82 s CPU (1.37 cores busy: V8's GC and compiler threads use the second
 *            core too); start-up ~0.5 s, plan 0.08 s, points 1.18..1.49 s, figures 2.39..2.74 s
 *     jobs2  median 5.58 s wall (0.89x), 9.87 s CPU (+45 %); points 2.59..3.17 s, figures 2.10..2.14 s
 *     two processes + merge 6.21 s (0.80x), 9.42 s CPU (+38 %)
 *     serial part of jobs1 (wall − points − figures) 1.01 s = 0.20 of its wall: at most 1.66x on 2 cores
 *     even if threads cost nothing to start; jobs2's serial part 0.87 s
 * - 2026-12-05 20:31 UTC, loaded (load average 9.1..10.9; calibration 0.37x, 0.17x, 1.76x; each sweep kept
 *   ~0.6 of a core busy): jobs1 12.02 s, jobs2 17.10 s (0.70x), two processes + merge 15.49 s (0.78x).
 * The goal (≥ 1.6x) is not met: the 16 points replay in ~1.3 s in all, while each worker thread costs
 * ~1 s of CPU before it is useful (a Node isolate with the replay modules, ~0.3 s; the figure renderer,
 * ~0.75 s: /usr/bin/time of node importing dist/report/figure-render.js), and --jobs 1 already keeps
 * 1.37 cores busy. summary.json and points/ were identical in every run.
 *
 * Usage: npm run bench -- sweep   (or: node --import tsx bench/sweep.bench.ts [ROUNDS], default 3)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[2] ?? 3);
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
  '--json',
];
const la = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

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

/** The phases a sweep reports (src/sweep/run.ts SweepSeconds). */
interface Phases {
  readonly startUp: number;
  readonly plan: number;
  readonly points: number;
  readonly output: number;
  readonly figures: number;
}

/** A finished hmsim process: wall and CPU seconds (user + system, all its threads), its sweep phases. */
interface Ran {
  readonly wall: number;
  readonly cpu: number;
  readonly phases: Phases | null;
}

/** Runs `node bin/hmsim.js ARGS`; the child writes its own CPU time at exit (an --import hook). */
async function hmsim(args: readonly string[], dir: string, tag: string): Promise<Ran> {
  const cpuFile = join(dir, `cpu-${tag}.txt`);
  const hook = join(dir, 'cpu-hook.mjs');
  const t0 = performance.now();
  let stdout = '';
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, join(ROOT, 'bin/hmsim.js'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, HMSIM_BENCH_CPU_FILE: cpuFile },
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.once('error', reject);
    child.once('close', (c) => resolve(c ?? -1));
  });
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`hmsim ${args.join(' ')} exited ${code}`);
  const out = (args[0] === 'sweep' ? JSON.parse(stdout) : {}) as { seconds?: Phases };
  return { wall, cpu: Number(await readFile(cpuFile, 'utf8')), phases: out.seconds ?? null };
}

/** Every file of a sweep's result: summary.json and points/, as text. */
async function results(out: string): Promise<string> {
  const names = (await readdir(join(out, 'points'))).sort();
  const points = await Promise.all(names.map((n) => readFile(join(out, 'points', n), 'utf8')));
  return [await readFile(join(out, 'summary.json'), 'utf8'), ...names, ...points].join('\n');
}

const dir = await mkdtemp(join(tmpdir(), 'hmsim-sweep-bench-'));
try {
  await writeFile(
    join(dir, 'cpu-hook.mjs'),
    "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { const u = process.cpuUsage(); " +
      'writeFileSync(process.env.HMSIM_BENCH_CPU_FILE, String((u.user + u.system) / 1e6)); });\n',
  );
  console.log(
    `16 points: traces/fileserver-4cpu.hmt × 4 configurations × ram 1G..4G, every report format; ` +
      `${availableParallelism()} cores available (shared by every user of the machine)`,
  );
  type Case = 'jobs1' | 'jobs2' | '2procs';
  const ran = new Map<Case, Ran[]>([
    ['jobs1', []],
    ['jobs2', []],
    ['2procs', []],
  ]);
  const loads: number[] = [];
  const keep = (name: Case, r: Ran, load: string): void => {
    ran.get(name)?.push(r);
    loads.push(Number(load.split(' ')[0]));
    const p = r.phases;
    console.log(
      `  ${name.padEnd(7)} ${r.wall.toFixed(2).padStart(6)} s wall, ${r.cpu.toFixed(2).padStart(6)} s CPU ` +
        `(${(r.cpu / r.wall).toFixed(2)} cores busy); load average before: ${load}` +
        (p === null
          ? ''
          : `\n          start-up ${p.startUp.toFixed(2)}, plan ${p.plan.toFixed(2)}, points ${p.points.toFixed(2)}, ` +
            `output ${p.output.toFixed(2)} (figures ${p.figures.toFixed(2)}) s`),
    );
  };
  let ref: string | null = null;
  const same = async (out: string): Promise<void> => {
    const r = await results(out);
    ref ??= r;
    if (r !== ref) {
      console.log(`summary.json or points/ of ${out} differ from the first run's`);
      process.exitCode = 1;
    }
  };
  for (let round = 0; round < rounds; round++) {
    const one = await spin(1);
    const two = await spin(2);
    console.log(
      `round ${round + 1}: calibration: 2 spinning threads did ${((2 * one) / two).toFixed(2)}x ` +
        `the work of 1 in the same time (2.00 = two free cores); load average ${la()}`,
    );
    for (const jobs of [1, 2] as const) {
      const load = la();
      const out = join(dir, `j${jobs}-${round}`);
      keep(`jobs${jobs}`, await hmsim([...SWEEP, '--jobs', String(jobs), '--out', out], dir, `j${jobs}-${round}`), load);
      await same(out);
    }
    const load = la();
    const t0 = performance.now();
    const shards = await Promise.all(
      [0, 1].map((i) => hmsim([...SWEEP, '--jobs', '1', '--shard', `${i}/2`, '--out', join(dir, `p${i}-${round}`)], dir, `p${i}-${round}`)),
    );
    const merged = await hmsim(
      ['merge', join(dir, `p0-${round}`), join(dir, `p1-${round}`), '--out', join(dir, `p-${round}`)],
      dir,
      `pm-${round}`,
    );
    keep('2procs', { wall: (performance.now() - t0) / 1000, cpu: shards[0]!.cpu + shards[1]!.cpu + merged.cpu, phases: null }, load);
    await same(join(dir, `p-${round}`));
  }
  const wall = (c: Case): number => median((ran.get(c) ?? []).map((r) => r.wall));
  const cpu = (c: Case): number => median((ran.get(c) ?? []).map((r) => r.cpu));
  const [j1, j2, p2] = [wall('jobs1'), wall('jobs2'), wall('2procs')];
  console.log(
    `median of ${rounds}: jobs1 ${j1.toFixed(2)} s, jobs2 ${j2.toFixed(2)} s (${(j1 / j2).toFixed(2)}x), two processes + ` +
      `merge ${p2.toFixed(2)} s (${(j1 / p2).toFixed(2)}x); goal ≥ 1.6x for jobs2 on an idle 2-core machine; ` +
      `load average before the runs: median ${median(loads).toFixed(2)}, ` +
      `${Math.min(...loads).toFixed(2)}..${Math.max(...loads).toFixed(2)}`,
  );
  const serial = (ran.get('jobs1') ?? []).map((r) => {
    const p = r.phases as Phases;
    return { s: (r.wall - p.points - p.figures) / r.wall, seconds: r.wall - p.points - p.figures };
  });
  const s = median(serial.map((x) => x.s));
  const s2 = (ran.get('jobs2') ?? []).map((r) => {
    const p = r.phases as Phases;
    return r.wall - p.points - p.figures;
  });
  console.log(
    `serial part (main thread only: wall − points − figures): jobs1 ${median(serial.map((x) => x.seconds)).toFixed(2)} s = ` +
      `${s.toFixed(2)} of its wall time, so at most ${(1 / (s + (1 - s) / 2)).toFixed(2)}x on 2 cores; jobs2 ` +
      `${median(s2).toFixed(2)} s`,
  );
  // CPU bound: jobs2 needs at least jobs1's CPU seconds, and 2 cores give at most 2 CPU seconds per second.
  const busy = cpu('jobs1') / j1;
  console.log(
    `CPU bound: jobs1 keeps ${busy.toFixed(2)} cores busy (V8's compiler and GC threads beside the main thread), so on 2 ` +
      `cores no jobs2 can be more than 2 / ${busy.toFixed(2)} = ${(2 / busy).toFixed(2)}x faster, even if its threads cost no CPU at all`,
  );
  const more = (c: Case): string => `${cpu(c).toFixed(2)} s (+${((cpu(c) / cpu('jobs1') - 1) * 100).toFixed(0)} %)`;
  console.log(
    `CPU: jobs1 ${cpu('jobs1').toFixed(2)} s, jobs2 ${more('jobs2')}, two processes + merge ${more('2procs')}; load average now: ${la()}`,
  );
  console.log(`summary.json and points/ identical for jobs1, jobs2, two processes + merge: ${process.exitCode === 1 ? 'NO' : 'yes'}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
