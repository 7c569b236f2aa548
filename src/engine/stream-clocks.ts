/**
 * Per-stream local clocks with "advance the stream with the smallest clock" scheduling.
 *
 * The machine replays N per-CPU record streams. Each CPU keeps its own local time; to keep cross-CPU
 * interactions (kmap_lock, IPIs, shootdowns, pkmap sleep/wake) in time order without any global event
 * queue, the driver (src/machine/driver.ts) always advances the CPU whose clock is smallest, a record (or
 * a few) at a time. A cross-CPU effect is applied when the initiating CPU's record runs: kmap_lock is
 * timed analytically (src/machine/kmap/kmap-lock.ts), an IPI adds its handling time to the target's clock
 * (`advance`), a wake-up moves a sleeper's clock forward (`setTime`):
 *
 * ```
 * for (;;) {
 *   const cpu = clocks.next();                       // smallest local clock, ties → lowest index
 *   if (cpu < 0) break;                              // every stream retired
 *   clocks.advance(cpu, replayOneRecord(cpu));       // local work costs local time only
 * }
 * ```
 *
 * Two implementations of one interface: a linear min-scan (best for the few CPUs of a real box) and an
 * indexed binary heap (for many streams). `createStreamClocks(n)` picks one. Both give the same order.
 */

/** Local clocks of N streams. Retired streams are never picked again. */
export interface StreamClocks {
  /** Number of streams. */
  readonly size: number;
  /** Index of the active stream with the smallest clock (ties → lowest index); -1 when all are retired. */
  next(): number;
  /** Local time of stream `i` (Infinity once retired). */
  timeOf(i: number): number;
  /** Adds `dt` (>= 0) to stream `i`'s clock. */
  advance(i: number, dt: number): void;
  /** Sets stream `i`'s clock to `t` (e.g. to a wake-up time, which may move it forward only). */
  setTime(i: number, t: number): void;
  /** Removes stream `i` from scheduling (its stream is exhausted). */
  retire(i: number): void;
  /** Smallest clock among active streams (Infinity when all are retired). */
  minTime(): number;
}

/**
 * Linear min-scan: O(N) per scan, O(1) per update. A scan also notes the runner-up, so while the chosen
 * stream only moves forward and stays ahead of the runner-up, `next()` answers without scanning (the
 * common case of one CPU running several records in a row). The note is conservative: other streams may
 * only move later than it says (advance, retire), and any move earlier discards it.
 */
export class ScanClocks implements StreamClocks {
  readonly size: number;
  private readonly times: Float64Array;
  /** Stream found smallest by the last scan, or −1 when that result no longer holds. */
  private chosen = -1;
  /** Time and index of the runner-up of the last scan (Infinity, size when none). */
  private boundTime = Infinity;
  private boundIndex = 0;

  constructor(n: number) {
    this.size = n;
    this.times = new Float64Array(n);
  }

  next(): number {
    const c = this.chosen;
    if (c >= 0) {
      const tc = this.times[c] as number;
      if (tc < this.boundTime || (tc === this.boundTime && c < this.boundIndex && tc !== Infinity)) return c;
    }
    const t = this.times;
    let best = -1;
    let bestTime = Infinity;
    let second = t.length;
    let secondTime = Infinity;
    for (let i = 0; i < t.length; i++) {
      const ti = t[i] as number;
      if (ti < bestTime) {
        second = best;
        secondTime = bestTime;
        bestTime = ti;
        best = i;
      } else if (ti < secondTime) {
        secondTime = ti;
        second = i;
      }
    }
    if (best < 0) return -1;
    this.chosen = best;
    this.boundTime = secondTime;
    this.boundIndex = second < 0 ? t.length : second;
    return best;
  }

  timeOf(i: number): number {
    return this.times[i] as number;
  }

  advance(i: number, dt: number): void {
    this.times[i] = (this.times[i] as number) + dt;
  }

  setTime(i: number, t: number): void {
    const old = this.times[i] as number;
    this.times[i] = t;
    if (i !== this.chosen && t < old) this.chosen = -1;
  }

  retire(i: number): void {
    this.times[i] = Infinity;
    if (i === this.chosen) this.chosen = -1;
  }

  minTime(): number {
    const i = this.next();
    return i < 0 ? Infinity : (this.times[i] as number);
  }
}

/** Indexed binary min-heap on (time, index): O(1) pick, O(log N) per update. */
export class HeapClocks implements StreamClocks {
  readonly size: number;
  private readonly times: Float64Array;
  /** heap[k] = stream index at heap position k. */
  private readonly heap: Int32Array;
  /** pos[i] = heap position of stream i. */
  private readonly pos: Int32Array;

  constructor(n: number) {
    this.size = n;
    this.times = new Float64Array(n);
    this.heap = new Int32Array(n);
    this.pos = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.heap[i] = i;
      this.pos[i] = i;
    }
  }

  next(): number {
    if (this.size === 0) return -1;
    const top = this.heap[0] as number;
    return this.times[top] === Infinity ? -1 : top;
  }

  timeOf(i: number): number {
    return this.times[i] as number;
  }

  advance(i: number, dt: number): void {
    this.setTime(i, (this.times[i] as number) + dt);
  }

  setTime(i: number, t: number): void {
    const old = this.times[i] as number;
    this.times[i] = t;
    const k = this.pos[i] as number;
    if (t < old) this.up(k);
    else this.down(k);
  }

  retire(i: number): void {
    this.setTime(i, Infinity);
  }

  minTime(): number {
    return this.size === 0 ? Infinity : (this.times[this.heap[0] as number] as number);
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && a < b);
  }

  private place(k: number, stream: number): void {
    this.heap[k] = stream;
    this.pos[stream] = k;
  }

  private up(k: number): void {
    const s = this.heap[k] as number;
    while (k > 0) {
      const p = (k - 1) >> 1;
      const ps = this.heap[p] as number;
      if (!this.less(s, ps)) break;
      this.place(k, ps);
      k = p;
    }
    this.place(k, s);
  }

  private down(k: number): void {
    const n = this.size;
    const s = this.heap[k] as number;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      let c = l;
      const r = l + 1;
      if (r < n && this.less(this.heap[r] as number, this.heap[l] as number)) c = r;
      const cs = this.heap[c] as number;
      if (!this.less(cs, s)) break;
      this.place(k, cs);
      k = c;
    }
    this.place(k, s);
  }
}

/** Streams up to which the linear scan is used (a scan of a few doubles beats heap maintenance). */
export const SCAN_LIMIT = 16;

/** Clocks for `n` streams, all starting at time 0: min-scan for n <= SCAN_LIMIT, heap above. */
export function createStreamClocks(n: number): StreamClocks {
  return n <= SCAN_LIMIT ? new ScanClocks(n) : new HeapClocks(n);
}
