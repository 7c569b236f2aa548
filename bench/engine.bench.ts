/**
 * Speed of the discrete-event core (src/engine), on toy workloads:
 *
 *   1. raw callbacks: K "CPUs", each a callback that reschedules itself after a pseudo-random delay —
 *      the allocation-free path (queue depth K);
 *   2. generator processes yielding plain delays (K processes);
 *   3. processes contending for one SpinLock (events = grants);
 *   4. StreamClocks: pick-the-smallest-clock + advance, 4 streams (min-scan) and 256 streams (heap).
 *
 * Prints events (or picks) per second and the process's peak RSS. Usage: npm run bench -- engine
 */
import { cpus as cpuList, loadavg } from 'node:os';
import { createStreamClocks, lockPolicy, Simulation, SpinLock } from '../src/engine/index.ts';
import { createRng } from '../src/random/rng.ts';

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
  const m = (x: number): string => ((n / x) * 1e3 / 1e6).toFixed(1);
  return `${m(t.ms)} M ${unit}/s (${m(t.cpuMs)} M per CPU-second)`;
}

function rawCallbacks(events: number, cpus: number): void {
  const sim = new Simulation();
  let left = events;
  // xorshift state per run, so the delays differ between CPUs but the run is deterministic
  let x = 2463534242;
  const tick = (cpu: number): void => {
    if (--left <= 0) return;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    sim.schedule(1 + ((x >>> 0) & 255), tick, cpu);
  };
  for (let c = 0; c < cpus; c++) sim.schedule(c, tick, c);
  const t = timed(() => sim.run());
  const steps = t.value.steps;
  console.log(`1. raw callbacks, ${cpus} CPUs: ${steps} events in ${t.ms.toFixed(0)} ms = ${rate(steps, t, 'events')}`);
}

function processes(delaysPerProcess: number, count: number): void {
  const sim = new Simulation();
  for (let p = 0; p < count; p++) {
    sim.process(
      (function* () {
        for (let i = 0; i < delaysPerProcess; i++) yield 1 + ((i * 7 + p) & 15);
      })(),
    );
  }
  const t = timed(() => sim.run());
  const steps = t.value.steps;
  console.log(`2. generator processes (${count}) yielding delays: ${steps} events in ${t.ms.toFixed(0)} ms = ${rate(steps, t, 'events')}`);
}

function lockContention(grantsPerProcess: number, count: number, kind: 'ticket' | 'queued'): void {
  const sim = new Simulation();
  const lock = new SpinLock(sim, lockPolicy(kind, { acquire: () => 20, handoff: (n) => 40 + 10 * n }), createRng(1));
  for (let p = 0; p < count; p++) {
    sim.process(
      (function* () {
        for (let i = 0; i < grantsPerProcess; i++) {
          yield lock.acquire();
          yield 50;
          lock.release();
          yield 100 + p;
        }
      })(),
    );
  }
  const t = timed(() => sim.run());
  const steps = t.value.steps;
  console.log(
    `3. spin lock (${kind}), ${count} processes: ${lock.stats.acquisitions} grants (${lock.stats.contended} contended), ` +
      `${steps} events in ${t.ms.toFixed(0)} ms = ${rate(steps, t, 'events')}`,
  );
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
  console.log(`4. stream clocks, ${n} streams (${clocks.constructor.name}), random advances: ${rate(picks, t, 'picks')}`);
}

console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpuList().length} CPUs`);
for (let round = 1; round <= 2; round++) {
  console.log(`round ${round}`);
  rawCallbacks(10_000_000, 4);
  rawCallbacks(5_000_000, 1024);
  processes(500_000, 4);
  lockContention(250_000, 4, 'ticket');
  lockContention(250_000, 4, 'queued');
  streamClocks(20_000_000, 4);
  streamClocks(5_000_000, 256);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
