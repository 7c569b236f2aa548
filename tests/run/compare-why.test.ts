/**
 * compare says why two configurations give the same result (src/cli/compare-why.ts): a small page-cache
 * read replays identically under 3g1g-highmem and 2g2g on a 4 GB box (the page cache lands in highmem
 * under both, nothing is reclaimed), and the table's note says so with each one's lowmem left.
 */
import { describe, expect, it } from 'vitest';
import { formatCompareTable } from '../../src/cli/run-summary.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { identicalRunsNote, lowmemLeftMB } from '../../src/cli/compare-why.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { modelOf, runRecords } from '../machine/helpers.ts';

/** 64 reads of one 64 KiB piece of file 2 into one buffer. */
function reads(): TraceRecord[] {
  const recs: TraceRecord[] = [];
  for (let i = 0; i < 64; i++) {
    recs.push({ kind: EventKind.syscall, cpu: 0, pid: 1, arg: 3 });
    recs.push({ kind: EventKind.read, cpu: 0, pid: 1, addr: 0x10000000, len: 65536, arg: 2, off: i * 65536 });
  }
  return recs;
}

describe('compare: identical rows say why', () => {
  it('3g1g-highmem and 2g2g: page cache fit in highmem under both, lowmem left differs', async () => {
    const model = await modelOf();
    const a = (await runRecords(reads(), { config: '3g1g-highmem', ram: '4G' }, { model })).result;
    const b = (await runRecords(reads(), { config: '2g2g', ram: '4G' }, { model })).result;
    expect(b.cycles.total).toBe(a.cycles.total);
    // Every page-cache page is in highmem under both: each was a miss or brought in by readahead.
    const cache = (r: typeof a, zone: string) => r.memory.zones.find((z) => z.name === zone)?.byUse['pageCache'] ?? 0;
    const inCache = a.counts.pagecache.misses + a.counts.pagecache.readahead;
    expect([cache(a, 'HighMem'), cache(b, 'HighMem'), cache(a, 'Normal'), cache(b, 'Normal')]).toEqual([inCache, inCache, 0, 0]);
    // lowmem left: the lowmem zones' fewest free pages, in MB; 2g2g has about 1 GB more of it.
    const left = (r: typeof a) =>
      Math.floor(r.memory.zones.filter((z) => z.name !== 'HighMem').reduce((n, z) => n + z.minFreePages, 0) / 256);
    expect(lowmemLeftMB(a)).toBe(left(a));
    expect(lowmemLeftMB(b) - lowmemLeftMB(a)).toBeGreaterThan(1000);
    const note =
      `\nidentical results:\n  - 2g2g = 3g1g-highmem: page cache fit in highmem under ` +
      `both, no reclaim under either; lowmem left ${left(a)} MB vs ${left(b)} MB\n`;
    expect(identicalRunsNote([a, b])).toBe(note);
    const provenance = collectProvenance([a, b], { command: ['hmsim', 'compare'], seed: 1, replications: 1 });
    expect(formatCompareTable([a, b], provenance).endsWith(note)).toBe(true);
  });

  it('runs that differ get no note', async () => {
    const model = await modelOf();
    const a = (await runRecords(reads(), { config: '3g1g-highmem', ram: '4G' }, { model })).result;
    const b = (await runRecords(reads(), { config: '3g1g-nohighmem', ram: '4G' }, { model })).result;
    expect(b.cycles.total).not.toBe(a.cycles.total);
    expect(identicalRunsNote([a, b])).toBe('');
  });
});
