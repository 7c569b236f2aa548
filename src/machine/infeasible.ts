/**
 * Why a trace cannot run under a configuration. Two kinds of reasons:
 * - **skipped records** (the replay goes on): a user address at or above TASK_SIZE, a kmap of a frame
 *   beyond RAM, a kmap_local stack overflow. The record is left out and counted; the rest of the trace
 *   still replays, so the result says how much of it does not fit.
 * - **stops** (the replay ends at that record): lowmem OOM, out of memory, every CPU asleep in
 *   kmap() (pkmap deadlock). Nothing after that point would mean anything.
 * Either way `feasible` is false and each reason appears once, with its count and first occurrence.
 */

interface Reason {
  readonly what: string;
  readonly first: string;
  count: number;
  stop: boolean;
}

export class Infeasibility {
  private readonly reasons = new Map<string, Reason>();

  /** True when no reason was recorded. */
  get feasible(): boolean {
    return this.reasons.size === 0;
  }

  /** A record that cannot run here is skipped. `first` describes it (kept for the first one only). */
  skip(what: string, first: string): void {
    const r = this.reasons.get(what);
    if (r !== undefined) r.count++;
    else this.reasons.set(what, { what, first, count: 1, stop: false });
  }

  /** The replay stops here. */
  stop(what: string, detail: string): void {
    if (!this.reasons.has(what)) this.reasons.set(what, { what, first: detail, count: 1, stop: true });
  }

  /** One line per reason, in the order they first happened. */
  messages(): string[] {
    return [...this.reasons.values()].map((r) =>
      r.stop
        ? `${r.what}: ${r.first} (replay stopped there)`
        : `${r.what}: ${r.count} record${r.count === 1 ? '' : 's'} skipped, first: ${r.first}`,
    );
  }
}
