/**
 * The periodic timer interrupt (CONFIG_HZ_PERIODIC kernels: one tick every 1/HZ s on every CPU; HZ from
 * the kernel profile's footprint file). A tick is taken before the first record a CPU starts at or after
 * the time it is due (a long record delays it to its end; several due ticks are all taken then).
 * Ticks due while the CPU waits (on the disk, on dirty throttling, asleep on pkmap_map_wait) are taken
 * in the idle loop and cost the trace nothing (skipIdleTicks).
 *
 * Each tick enters the kernel from user mode: under PTI and 4G/4G a CR3 write at entry and at exit; the
 * interrupt entry and exit (costs.ipiReceive: the models' cost of taking an interrupt); the timer path's
 * kernel references (kernel-footprint.ts). Everything but the walks (tlbWalk) is charged as `timer`.
 */
import { Cat } from './accounting.ts';
import { kernelEntryCr3 } from './fault.ts';
import { KPath } from './kernel-footprint.ts';
import type { Machine } from './machine.ts';

/**
 * Takes every timer interrupt due on `cpu` by its clock. Returns false when one tick took a whole tick
 * period or more (a cost model whose interrupt entry, say, costs more than 1/HZ): the CPU would take
 * nothing but timer interrupts from then on — a livelock, which stops the replay infeasible (without
 * this, the loop would never end). Also false when the ticks pause for the driver's abort point
 * (Machine.pauseDue: a record that cost many tick periods, say under `--set costs.syscall=1e11`, leaves
 * thousands due); the record is executed again and takes the rest.
 */
export function timerTicks(m: Machine, cpu: number): boolean {
  const period = m.footprint.tickPeriod;
  const owed = m.owedTicks;
  while (m.clocks.timeOf(cpu) >= m.nextTick[cpu]!) {
    if (m.workLeft-- <= 0 && m.pauseDue('ticks')) return false;
    const start = m.clocks.timeOf(cpu);
    if (owed[cpu]! > 0) {
      // A tick owed from before a wait (skipIdleTicks): nextTick stays at the first of them until the last.
      if (--owed[cpu]! === 0) m.nextTick[cpu] = m.resumeTick[cpu]!;
    } else m.nextTick[cpu]! += period;
    m.counts.timerTicks++;
    kernelEntryCr3(m, cpu, Cat.timer);
    m.charge(cpu, Cat.timer, m.model.costs.ipiReceive(0, m.rng));
    m.footprint.touch(m, cpu, KPath.timer);
    kernelEntryCr3(m, cpu, Cat.timer);
    const took = m.clocks.timeOf(cpu) - start;
    if (took >= period) {
      m.infeasible.stop(
        'timer interrupt livelock',
        `one timer interrupt took ${Math.round(took)} cycles on CPU ${cpu}, no less ` +
          `than the tick period of ${period} cycles (HZ ${m.footprint.data.hz}): ` +
          'the CPU would do nothing but take timer interrupts (check costs.ipiReceive and the CR3 and walk costs)',
      );
      m.stopped = true;
      return false;
    }
  }
  return true;
}

/** The per-CPU tick state (Machine's fields). */
export interface TickState {
  /** The clock at which the next tick is due; while ticks are owed, the first owed one's (≤ the clock). */
  readonly nextTick: Float64Array;
  /** Ticks that came due while the CPU ran, before a wait whose own ticks were skipped: taken first. */
  readonly owedTicks: Float64Array;
  /** While ticks are owed: the tick after the skipped wait, where nextTick goes once they are taken. */
  readonly resumeTick: Float64Array;
}

/**
 * `cpu` waited, idle, from cycle `from` to `until` (both included: on the disk, on dirty throttling, or
 * asleep on pkmap_map_wait): the ticks due in that time are taken in the idle loop. The kernels modelled
 * tick periodically (CONFIG_HZ_PERIODIC: footprint files), so they do happen, but from kernel mode and in
 * time the CPU had no work for: they delay nothing the trace does, and write no CR3 under PTI or 4G/4G
 * (entry from kernel mode keeps the kernel's page tables; cost-figures.md H6: "IRQs from kernel mode
 * avoid flushes"). They are skipped: the schedule resumes at the first tick after `until`. Ticks still
 * pending from before `from` (due while the CPU ran) are owed and taken first, as late as every tick is.
 * Ticks fall every `period` cycles, an integer, so the arithmetic is exact. The schedule lives in
 * nextTick alone unless ticks are owed, so a record's check for a due tick is one comparison (execute.ts).
 */
export function skipIdleTicks(t: TickState, cpu: number, period: number, from: number, until: number): void {
  const owing = t.owedTicks[cpu]! > 0;
  const next = owing ? t.resumeTick[cpu]! : t.nextTick[cpu]!;
  if (next > until) return;
  const before = next < from ? Math.ceil((from - next) / period) : 0;
  const firstIdle = next + before * period;
  if (firstIdle > until) return;
  const after = firstIdle + (Math.floor((until - firstIdle) / period) + 1) * period;
  if (owing || before > 0) {
    t.owedTicks[cpu]! += before;
    t.resumeTick[cpu] = after;
  } else t.nextTick[cpu] = after;
}
