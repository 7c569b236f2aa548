/**
 * Speed of the engine's scheduling core, StreamClocks (src/engine): pick the stream with the smallest
 * clock + advance it, 4 streams (min-scan) and 256 streams (heap), random advances.
 *
 * Prints picks per second and the process's peak RSS. Usage: npm run bench -- engine
 */
import { cpus as cpuList, loadavg } from 'node:os';
import { createStreamClocks } from '../src/engine/stream-clocks.ts';

/** Wall-clock and CPU time of one call, ms. */
function timed<T>(fn: () => T): { value: T; ms: number; cpuMs: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  const u = process.cpuUsage(c0);
  return { value, ms, cpuMs: (u.user + u.system) / 1e3 };
}

/** "W M unit/s (C M per CPU-second)". */
function rate(n: number, t: { ms: number; cpuMs: number }, unit: string): string {
  const m = (x: number): string => (((n / x) * 1e3) / 1e6).toFixed(1);
  return `${m(t.ms)} M ${unit}/s (${m(t.cpuMs)} M per CPU-second)`;
}

function streamClocks(picks: number, n: number): void {
  const clocks = createStreamClocks(n);
  let x = 88172645;
  const t = timed(() => {
    for (let i = 0; i < picks; i++) {
      const cpu = clocks.next();
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      clocks.advance(cpu, 1 + ((x >>> 0) & 63));
    }
  });
  console.log(`stream clocks, ${n} streams (${clocks.constructor.name}), random advances: ${rate(picks, t, 'picks')}`);
}

console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${cpuList().length} CPUs`,
);
for (let round = 1; round <= 2; round++) {
  console.log(`round ${round}`);
  streamClocks(20_000_000, 4);
  streamClocks(5_000_000, 256);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
