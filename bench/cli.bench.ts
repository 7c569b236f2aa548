/**
 * What a user's command costs end to end, each from a cold process (`node bin/hmsim.js …`: start-up,
 * module loading, reading the file, its digest, the replay, the output), beside Node's own start-up:
 *
 *   - `node -e 0` (the floor), `hmsim --help`;
 *   - `hmsim import lackey` of the real busybox trace (tests/fixtures/validation/tlb, gzip, 1,694,634 lines)
 *     to HMT 2.0, and the bytes per reference of the result;
 *   - `hmsim trace verify` of it (every checksum and the content digest recomputed);
 *   - `hmsim run` on the shipped fileserver trace (the full machine, 44,645 records; 40,645 before its
 *     requests opened and closed their files);
 *   - `hmsim run --config 4g4g --prefault` with 16-entry 4-way LRU I and D TLBs and no STLB (a pure TLB
 *     replay) on the shipped lackey trace, and on CLI_BENCH_TRACE when set (a larger trace);
 *   - for comparison on the same references, when DINERO (the dineroIV binary, built from d4-7) and
 *     DINERO_INPUT (the same accesses in Dinero's 8-byte binary format: u32 LE address, u16 LE size,
 *     u8 type 0 read / 1 write / 2 ifetch, a modify as a read, 1 pad byte) are set: Dinero IV with the same
 *     geometry, `-l1-{i,d}size 64k -l1-{i,d}bsize 4k -l1-{i,d}assoc 4 -l1-{i,d}repl l -informat b`.
 *
 * Each line gives the best and the median wall-clock time of ROUNDS runs, the CPU time (user + system,
 * of the process and its threads) of the best one, and the 1-minute load average: the machine is shared
 * (2 cores), and with a load above the core count wall-clock time mostly measures the others.
 * bin/hmsim.js runs the bundled build (dist/bundle/) when it is up to date: `npm run build` first.
 *
 * Usage: npm run bench -- cli   (env CLI_BENCH_ROUNDS=N, default 5; CLI_BENCH_TRACE=FILE; DINERO, DINERO_INPUT)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.CLI_BENCH_ROUNDS ?? 5);
const TICK = 100; // USER_HZ: /proc/*/stat times are in 1/100 s

/** Runs `args` under sh and returns the wall time and the CPU time of the children it waited for (s). */
function timed(args: string[]): { wall: number; cpu: number; out: string } {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const t0 = performance.now();
  // The shell's own /proc stat after the command: fields 16 and 17 are the CPU time of waited-for children.
  const r = spawnSync('sh', ['-c', `${quoted} > /tmp/hmsim-cli-bench.out 2>&1; echo "rc=$?"; cat /proc/$$/stat`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const wall = (performance.now() - t0) / 1000;
  const lines = r.stdout.trim().split('\n');
  const rc = lines[0];
  if (rc !== 'rc=0') throw new Error(`${args.join(' ')} failed (${rc}): ${readFileSync('/tmp/hmsim-cli-bench.out', 'utf8').slice(0, 500)}`);
  const stat = lines[1]!.slice(lines[1]!.lastIndexOf(')') + 2).split(' ');
  // After ')' the fields start at 3 (state); cutime is field 16, cstime 17.
  const cpu = (Number(stat[16 - 3]) + Number(stat[17 - 3])) / TICK;
  return { wall, cpu, out: readFileSync('/tmp/hmsim-cli-bench.out', 'utf8') };
}

function measure(label: string, args: string[], per?: { count: number; unit: string }): void {
  const runs = Array.from({ length: ROUNDS }, () => timed(args));
  const walls = runs.map((r) => r.wall).sort((a, b) => a - b);
  const best = runs.reduce((a, b) => (b.wall < a.wall ? b : a));
  const rate =
    per === undefined
      ? ''
      : `; ${(per.count / best.wall / 1e6).toFixed(1)} M ${per.unit}/s wall ` +
        `at best, ${(per.count / best.cpu / 1e6).toFixed(1)} M per CPU-second`;
  console.log(
    `${label} [load ${loadavg()[0]!.toFixed(1)}]: best ${best.wall.toFixed(3)} s ` +
      `(CPU ${best.cpu.toFixed(2)} s), median ${walls[walls.length >> 1]!.toFixed(3)} s${rate}`,
  );
}

const hmsim = ['node', 'bin/hmsim.js'];
const built = existsSync(`${ROOT}dist/bundle/hmsim.js`);
const build = built ? `build of ${statSync(`${ROOT}dist/bundle/hmsim.js`).mtime.toISOString()}` : 'no build: the sources run through tsx';
console.log(`cold processes, ${ROUNDS} rounds each; ${build}`);
measure('node -e 0', ['node', '-e', '0']);
measure('hmsim --help', [...hmsim, '--help']);
const fixture = 'tests/fixtures/validation/tlb/busybox-gzip-3k.lackey.gz';
const imported = '/tmp/hmsim-cli-bench-busybox.hmt';
measure(`hmsim import lackey ${fixture}`, [...hmsim, 'import', 'lackey', fixture, '--relocate', 'stack=0x40000000', '-o', imported], {
  count: 1_694_634,
  unit: 'lines',
});
console.log(
  `  ${imported}: ${statSync(imported).size} bytes, ${(statSync(imported).size / 1_694_609).toFixed(4)} ` +
    `bytes per reference (1,694,609 references)`,
);
measure(`hmsim trace verify ${imported}`, [...hmsim, 'trace', 'verify', imported], { count: 1_694_609, unit: 'records' });
measure('hmsim run --trace traces/fileserver-4cpu.hmt', [...hmsim, 'run', '--trace', 'traces/fileserver-4cpu.hmt'], {
  count: 44_645,
  unit: 'records',
});
const prefault = [
  '--config',
  '4g4g',
  '--prefault',
  '--set',
  'tlb.l1d.entries=16',
  '--set',
  'tlb.l1i.entries=16',
  '--set',
  'tlb.stlb.entries=0',
  '--json',
];
const refs = (path: string): number => {
  const r = JSON.parse(timed([...hmsim, 'run', '--trace', path, ...prefault]).out) as {
    counts: { accesses: number; itlbMisses: number; dtlbMisses: number };
  };
  console.log(`${path}: ${r.counts.accesses} access records, misses I ${r.counts.itlbMisses}, D ${r.counts.dtlbMisses}`);
  return r.counts.accesses;
};
for (const path of [
  'traces/busybox-gzip-3k.hmt.gz',
  imported,
  ...(process.env.CLI_BENCH_TRACE !== undefined ? [process.env.CLI_BENCH_TRACE] : []),
]) {
  measure(`hmsim run --trace ${path} ${prefault.join(' ')}`, [...hmsim, 'run', '--trace', path, ...prefault], {
    count: refs(path),
    unit: 'access records',
  });
}
const dinero = process.env.DINERO;
const dineroInput = process.env.DINERO_INPUT;
if (dinero !== undefined && dineroInput !== undefined) {
  const geometry = ['i', 'd'].flatMap((x) => [`-l1-${x}size`, '64k', `-l1-${x}bsize`, '4k', `-l1-${x}assoc`, '4', `-l1-${x}repl`, 'l']);
  const args = [dinero, ...geometry, '-informat', 'b'];
  const out = timed(['sh', '-c', `"$0" "$@" < '${dineroInput}'`, ...args]).out;
  const fetches = [...out.matchAll(/^ Demand Fetches\s+(\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
  const misses = [...out.matchAll(/^ Demand Misses\s+(\d+)/gm)].map((m) => Number(m[1]));
  console.log(`Dinero IV: ${fetches} references (I + D), misses I ${misses[0]}, D ${misses[1]}`);
  measure(`dineroIV ${geometry.join(' ')} -informat b < ${dineroInput}`, ['sh', '-c', `"$0" "$@" < '${dineroInput}'`, ...args], {
    count: fetches,
    unit: 'references',
  });
}
