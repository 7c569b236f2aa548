/**
 * The state of one CPU during a replay (its clock lives in the engine's StreamClocks).
 *
 * Run states:
 * - **running**: picked by the scheduler when its clock is the smallest; replays its records.
 * - **sleeping**: its task sleeps on pkmap_map_wait (no free pkmap slot); it is not picked, its clock is
 *   kept in `sleepClock` (IPIs it takes meanwhile add to it), and a kunmap on any CPU wakes it.
 * - **done**: its record stream is exhausted (it still takes IPIs: they add to its clock).
 */
import type { TlbHierarchy } from './tlb-hierarchy.ts';
import type { Mm } from './process.ts';

/** Number of PCIDs Linux uses per CPU for recently run mms (TLB_NR_DYN_ASIDS, arch/x86/mm/tlb.c). */
export const NR_DYN_ASIDS = 6;

export type CpuRunState = 'running' | 'sleeping' | 'done';

/** One CPU. */
export class CpuState {
  readonly index: number;
  readonly tlb: TlbHierarchy;
  /** The task running here (-1 before the first record names one). */
  pid = -1;
  /** Its address space (null when none is loaded). */
  mm: Mm | null = null;
  state: CpuRunState = 'running';
  /** The clock while sleeping. */
  sleepClock = 0;
  /**
   * Resume point inside a multi-page record that went to sleep (pages already done); 0 when the next
   * record starts fresh.
   */
  resume = 0;
  /** A read or write that paused while touching its user buffer (Machine.pauseDue): the next buffer page; -1 when none. */
  bufNext = -1;
  /** x86_64 PCID bookkeeping: the mm id cached under each PCID slot and the mm's flush generation then. */
  readonly asidMm = new Float64Array(NR_DYN_ASIDS).fill(-1);
  readonly asidGen = new Float64Array(NR_DYN_ASIDS);
  readonly asidUsed = new Float64Array(NR_DYN_ASIDS);
  asidTick = 0;

  constructor(index: number, tlb: TlbHierarchy) {
    this.index = index;
    this.tlb = tlb;
    // V8 lays out a number field by the first value stored in it: 0 makes a small-integer field, and the
    // first fractional clock stored later changes the layout of every CpuState, which throws away the
    // optimized replay code that reads CPUs (a fresh process then replays in slower code until it is
    // optimized again). A fractional value stored first makes the field a double from the start. Same
    // value (0), same results; the same is done for fields that take fractional or boxed values in
    // Tlb (tlb.ts), LatencyHistogram (accounting.ts) and BlockDevice (storage/device.ts).
    this.sleepClock = 0.5;
    this.sleepClock = 0;
  }
}
