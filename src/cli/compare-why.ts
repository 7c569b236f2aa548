/**
 * Why two configurations of a comparison give the same result (the project's rule: when two
 * configurations give the same result, say why). Two runs are "identical" when their cycles, elapsed
 * time and every event count are equal; the note names what made the configurations' difference
 * irrelevant, from the runs' memory figures: where the page cache landed, whether anything was
 * reclaimed or ran out of lowmem, and the lowmem each had left at its tightest (the sum of the lowmem
 * zones' fewest free pages).
 */
import type { RunResult } from '../result/run-result.ts';

/** True when two runs produced the same cycles, elapsed time and event counts. */
export function sameOutcome(a: RunResult, b: RunResult): boolean {
  return (
    a.feasible === b.feasible &&
    a.cycles.total === b.cycles.total &&
    a.time.elapsedSeconds === b.time.elapsedSeconds &&
    JSON.stringify(a.counts) === JSON.stringify(b.counts)
  );
}

/** Lowmem a run had left at its tightest, in MB (sum of the lowmem zones' fewest free pages). */
export function lowmemLeftMB(r: RunResult): number {
  const pages = r.memory.zones.filter((z) => z.name !== 'HighMem').reduce((n, z) => n + (z.minFreePages ?? z.totalPages - z.usedPages), 0);
  return Math.floor(pages / 256);
}

/** Page-cache pages a run left in lowmem. */
function lowPageCache(r: RunResult): number {
  return r.memory.zones.filter((z) => z.name !== 'HighMem').reduce((n, z) => n + (z.byUse['pageCache'] ?? 0), 0);
}

function hasHighmem(r: RunResult): boolean {
  return r.memory.zones.some((z) => z.name === 'HighMem' && z.totalPages > 0);
}

/** The reason two runs with the same outcome are the same, e.g. "page cache fit in highmem under both; lowmem left 875 MB vs 1899 MB". */
export function sameBecause(a: RunResult, b: RunResult): string {
  const why: string[] = [];
  const cacheLow = lowPageCache(a) + lowPageCache(b);
  if (cacheLow === 0 && hasHighmem(a) && hasHighmem(b)) why.push('page cache fit in highmem under both');
  else if (cacheLow === 0) why.push('no page cache in lowmem under either');
  else why.push('the same page cache landed in lowmem under both');
  const pressure = (r: RunResult): number => r.counts.lowmem.kswapdWakes + r.counts.lowmem.directReclaims + r.counts.lowmem.oom;
  if (pressure(a) + pressure(b) === 0) why.push('no reclaim under either');
  return `${why.join(', ')}; lowmem left ${lowmemLeftMB(a)} MB vs ${lowmemLeftMB(b)} MB`;
}

/**
 * One line per configuration whose run equals an earlier one's: "2g2g = 3g1g-highmem: <why>". Empty
 * when every run differs.
 */
export function identicalRunsNote(runs: readonly RunResult[]): string {
  const lines: string[] = [];
  runs.forEach((r, i) => {
    const twin = runs.slice(0, i).find((q) => q.configName !== r.configName && sameOutcome(q, r));
    if (twin !== undefined) lines.push(`  - ${r.configName} = ${twin.configName}: ${sameBecause(twin, r)}`);
  });
  return lines.length > 0 ? `\nidentical results:\n${lines.join('\n')}\n` : '';
}
