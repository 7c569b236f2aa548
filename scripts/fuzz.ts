/**
 * `npm run fuzz [-- --cases N --first F --seed S --workers W]`: the long fuzz run over every reader and
 * importer (scripts/fuzz-cases.ts), cases F … F + N − 1, in child processes watched from outside, so that
 * a hang (no progress for 20 s) or a heap abort (exit 134) is seen and counted, then the run goes on from
 * the next case. A child's start-up (loading the code, building the sample inputs) is not a case: the
 * hang watch starts when the child says it is ready (under load a start-up alone can take over 20 s).
 *
 * Prints one summary: cases per target, crashes (a non-UserError, as the CLI's exit 70; or a child that
 * died), hangs, the slowest case, and the largest peak RSS of a child. Exit 1 when anything crashed or hung.
 * Defaults: 100,000 cases, seed 1, 2 workers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FUZZ_TARGETS, fuzzSamples, runFuzzCase } from './fuzz-cases.ts';

const HANG_MS = 20_000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function worker(): Promise<void> {
  const seed = arg('seed', 1);
  const from = arg('from', 0);
  const to = arg('to', 0);
  const dir = mkdtempSync(join(tmpdir(), 'hmsim-fuzz-'));
  try {
    const samples = fuzzSamples(dir);
    process.stdout.write('R\n');
    for (let n = from; n < to; n++) {
      const t = performance.now();
      const o = await runFuzzCase(samples, seed, n);
      const ms = performance.now() - t;
      const line =
        o.result === 'crash'
          ? `C ${n} ${ms.toFixed(1)} ${o.target} ${JSON.stringify(o.detail)}`
          : `P ${n} ${ms.toFixed(1)} ${o.result} ${o.target}`;
      process.stdout.write(line + '\n');
      if (n % 500 === 0) process.stdout.write(`M ${process.resourceUsage().maxRSS}\n`);
    }
    process.stdout.write(`M ${process.resourceUsage().maxRSS}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Tally {
  cases: number;
  crashes: Array<{ n: number; target: string; detail: string }>;
  hangs: number[];
  maxMs: number;
  maxMsCase: number;
  maxRssKiB: number;
  byTarget: Map<string, { ok: number; userError: number }>;
}

/** Runs cases [from, to) in children, restarting after a hang or a death; resolves when all are done. */
function runRange(seed: number, from: number, to: number, t: Tally): Promise<void> {
  return new Promise((resolve) => {
    let next = from; // first case not reported yet
    const start = (): void => {
      if (next >= to) {
        resolve();
        return;
      }
      const child = spawn(
        process.execPath,
        [...process.execArgv, process.argv[1]!, '--worker', '--seed', String(seed), '--from', String(next), '--to', String(to)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let last = Date.now();
      let ready = false;
      let hung = false;
      const watch = setInterval(() => {
        if (ready && Date.now() - last > HANG_MS) {
          hung = true;
          child.kill('SIGKILL');
        }
      }, 1000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        last = Date.now();
        const [kind, a, b, c, d] = line.split(' ');
        if (kind === 'R') {
          ready = true;
          return;
        }
        if (kind === 'M') {
          t.maxRssKiB = Math.max(t.maxRssKiB, Number(a));
          return;
        }
        const n = Number(a);
        const ms = Number(b);
        next = n + 1;
        t.cases++;
        if (ms > t.maxMs) {
          t.maxMs = ms;
          t.maxMsCase = n;
        }
        if (kind === 'C') {
          t.crashes.push({ n, target: c!, detail: JSON.parse(line.slice(line.indexOf(d!))) as string });
          return;
        }
        const e = t.byTarget.get(d!) ?? { ok: 0, userError: 0 };
        if (c === 'ok') e.ok++;
        else e.userError++;
        t.byTarget.set(d!, e);
      });
      child.on('close', (code, signal) => {
        clearInterval(watch);
        if (next < to) {
          // The case after the last reported one hung or killed the child.
          t.cases++;
          if (hung) t.hangs.push(next);
          else
            t.crashes.push({ n: next, target: FUZZ_TARGETS[next % FUZZ_TARGETS.length]!, detail: `child exited with ${code ?? signal}` });
          next++;
        }
        start();
      });
    };
    start();
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--worker')) return worker();
  const cases = arg('cases', 100_000);
  const first = arg('first', 0);
  const seed = arg('seed', 1);
  const workers = arg('workers', 2);
  const t: Tally = { cases: 0, crashes: [], hangs: [], maxMs: 0, maxMsCase: -1, maxRssKiB: 0, byTarget: new Map() };
  const began = Date.now();
  const per = Math.ceil(cases / workers);
  await Promise.all(Array.from({ length: workers }, (_, w) => runRange(seed, first + w * per, first + Math.min(cases, (w + 1) * per), t)));
  const secs = (Date.now() - began) / 1000;
  console.log(
    `fuzz: ${t.cases} cases from case ${first}, seed ${seed}, ${workers} workers, ${secs.toFixed(0)} s, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (2 shared cores)`,
  );
  for (const target of FUZZ_TARGETS) {
    const e = t.byTarget.get(target) ?? { ok: 0, userError: 0 };
    console.log(`  ${target.padEnd(11)} ${String(e.ok).padStart(7)} accepted  ${String(e.userError).padStart(7)} one-line errors`);
  }
  console.log(`crashes (exit 70/134 equivalents): ${t.crashes.length}; hangs (> ${HANG_MS / 1000} s): ${t.hangs.length}`);
  console.log(`slowest case: ${t.maxMs.toFixed(0)} ms (case ${t.maxMsCase}); max RSS of a worker: ${(t.maxRssKiB / 1024).toFixed(0)} MiB`);
  for (const c of t.crashes.slice(0, 10)) console.log(`CRASH case ${c.n} (${c.target}): ${c.detail.split('\n').slice(0, 4).join(' | ')}`);
  for (const h of t.hangs.slice(0, 10)) console.log(`HANG case ${h} (${FUZZ_TARGETS[h % FUZZ_TARGETS.length]})`);
  if (t.crashes.length > 0 || t.hangs.length > 0) process.exitCode = 1;
}

await main();
