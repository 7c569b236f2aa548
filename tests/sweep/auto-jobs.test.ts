/**
 * `sweep` without --jobs (src/sweep/run.ts autoJobs): one thread, plus one per 2 s of estimated replay
 * (the traces' record counts from their footers at 1.5 M records/s for the full machine, 40 M/s with
 * --prefault), up to the cores; every core when a trace does not tell its length before a pass.
 */
import { describe, expect, it } from 'vitest';
import { autoJobs } from '../../src/sweep/run.ts';
import type { PointTask } from '../../src/sweep/plan.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';

const FS = 'traces/fileserver-4cpu.hmt';
const tasks = (n: number, extra: Partial<PointTask> = {}): PointTask[] =>
  Array.from({ length: n }, () => ({ tracePath: FS, prefault: false, gen: null, ...extra }) as PointTask);

describe('autoJobs', () => {
  it('counts the records from the footers and gives a thread per 2 s of replay beyond the first, up to the cores', async () => {
    const records = (await openTrace(FS)).recordCount as number;
    expect(records).toBe(44_645);
    // bench/sweep.bench.ts's sweep: 16 points, 714,320 records, 0.48 s: one thread.
    const bench = await autoJobs(tasks(16), 2);
    expect(bench).toMatchObject({ jobs: 1, records: 16 * records });
    // The sum of the points' seconds, equal to the total's within rounding.
    expect(bench.seconds).toBeCloseTo((16 * records) / 1.5e6, 12);
    // 100 points: 4,464,500 records, 2.98 s: a second thread, on 2 or more cores.
    expect((await autoJobs(tasks(100), 4)).jobs).toBe(2);
    expect((await autoJobs(tasks(100), 1)).jobs).toBe(1);
    // 400 points: 11.9 s: 1 + 5 threads, capped at the cores.
    expect((await autoJobs(tasks(400), 8)).jobs).toBe(6);
    expect((await autoJobs(tasks(400), 2)).jobs).toBe(2);
    // A pure TLB replay of the same 100 points: 0.11 s at 40 M records/s.
    const tlb = await autoJobs(tasks(100, { prefault: true }), 4);
    expect(tlb).toMatchObject({ jobs: 1, records: 100 * records });
    expect(tlb.seconds).toBeCloseTo((100 * records) / 40e6, 12);
  });

  it('uses every core when a trace does not tell its length before it is read', async () => {
    const generated = tasks(2, { gen: { key: 'k' } as PointTask['gen'] });
    expect(await autoJobs(generated, 3)).toEqual({ jobs: 3, records: null, seconds: null });
    // A compressed trace's footer is known only after a pass.
    expect(await autoJobs(tasks(1, { tracePath: 'traces/busybox-gzip-3k.hmt.gz' }), 2)).toEqual({ jobs: 2, records: null, seconds: null });
  });
});
