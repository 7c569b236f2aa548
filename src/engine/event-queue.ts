/**
 * The pending-event queue: a binary min-heap ordered by (time, sequence).
 *
 * The sequence number is assigned at insertion and strictly increases, so two entries due at the same
 * time come out in the order they were scheduled — the same input always gives the same order.
 *
 * Storage is four parallel arrays (time, sequence, callback, payload) that grow by doubling; pushing and
 * popping allocate nothing once the arrays are large enough. Cost: O(log n) per push and per pop.
 */

/** What runs when an entry comes due: called with the payload it was scheduled with. */
export type Callback<P> = (payload: P) => void;

/** A binary min-heap of scheduled callbacks keyed by (time, sequence). */
export class EventQueue {
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  // Plain arrays kept packed (filled with undefined, grown by push) so element access stays fast.
  private readonly callbacks: Array<Callback<never> | undefined> = packed(64);
  private readonly payloads: unknown[] = packed(64);
  private count = 0;
  private nextSeq = 0;

  /** Number of pending entries. */
  get size(): number {
    return this.count;
  }

  /** Time of the earliest pending entry, or Infinity when empty. */
  peekTime(): number {
    return this.count === 0 ? Infinity : (this.times[0] as number);
  }

  /** Sequence number the next push will receive (ties break by it, in increasing order). */
  get sequence(): number {
    return this.nextSeq;
  }

  /** Adds `callback(payload)` due at `time`. Returns the entry's sequence number. */
  push<P>(time: number, callback: Callback<P>, payload: P): number {
    if (this.count === this.times.length) this.grow();
    const seq = this.nextSeq++;
    // Sift up: move parents down until the slot for (time, seq) is found.
    let i = this.count++;
    const times = this.times;
    const seqs = this.seqs;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < time || (pt === time && (seqs[parent] as number) < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    times[i] = time;
    seqs[i] = seq;
    this.callbacks[i] = callback as Callback<never>;
    this.payloads[i] = payload;
    return seq;
  }

  /**
   * Removes the earliest entry and hands it to `sink(time, seq, callback, payload)` without allocating.
   * Returns false (and calls nothing) when the queue is empty.
   */
  popInto(sink: PopSink): boolean {
    if (this.count === 0) return false;
    const time = this.times[0] as number;
    const seq = this.seqs[0] as number;
    const callback = this.callbacks[0] as Callback<unknown>;
    const payload = this.payloads[0];
    const last = --this.count;
    if (last > 0) this.siftDownFrom(last);
    this.callbacks[last] = undefined;
    this.payloads[last] = undefined;
    sink.time = time;
    sink.seq = seq;
    sink.callback = callback;
    sink.payload = payload;
    return true;
  }

  /** Moves entry `last` to the root position and sifts it down. */
  private siftDownFrom(last: number): void {
    const times = this.times;
    const seqs = this.seqs;
    const t = times[last] as number;
    const s = seqs[last] as number;
    const cb = this.callbacks[last];
    const pl = this.payloads[last];
    const n = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n) {
        const lt = times[l] as number;
        const rt = times[r] as number;
        if (rt < lt || (rt === lt && (seqs[r] as number) < (seqs[l] as number))) c = r;
      }
      const ct = times[c] as number;
      if (t < ct || (t === ct && s < (seqs[c] as number))) break;
      this.move(c, i);
      i = c;
    }
    times[i] = t;
    seqs[i] = s;
    this.callbacks[i] = cb;
    this.payloads[i] = pl;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.callbacks[to] = this.callbacks[from];
    this.payloads[to] = this.payloads[from];
  }

  private grow(): void {
    const n = this.times.length * 2;
    const times = new Float64Array(n);
    times.set(this.times);
    const seqs = new Float64Array(n);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
    for (let i = this.callbacks.length; i < n; i++) {
      this.callbacks.push(undefined);
      this.payloads.push(undefined);
    }
  }
}

/** A packed array of `n` undefined elements. */
function packed<T>(n: number): Array<T | undefined> {
  const a: Array<T | undefined> = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

/** A reusable out-parameter for `EventQueue.popInto` (avoids allocating a tuple per pop). */
export interface PopSink {
  time: number;
  seq: number;
  callback: Callback<unknown>;
  payload: unknown;
}
