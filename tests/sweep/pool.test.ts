/**
 * The sweep's executor pool (src/sweep/pool.ts): this thread takes a job before any worker is started,
 * and closing the pool rejects every job not finished — the one this thread holds too.
 */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/sweep/jobs.ts';
import { workerPool } from '../../src/sweep/pool.ts';

// Never run: the pool is closed before any job starts.
const job = { kind: 'trace', gen: { key: 'k' }, path: 'unused.hmt' } as unknown as Job;

describe('workerPool', () => {
  it('runs the first job in this thread (no worker started), a second on a worker; close rejects both', async () => {
    const pool = workerPool(2);
    const first = pool.run(job);
    expect(pool.threadsStarted()).toBe(0);
    const second = pool.run(job);
    expect(pool.threadsStarted()).toBe(1);
    const settled = Promise.allSettled([first, second]);
    await pool.close();
    const reasons = (await settled).map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'fulfilled'));
    expect(reasons).toEqual(['sweep stopped', 'sweep stopped']);
    await expect(pool.run(job)).rejects.toThrow('sweep stopped');
  });
});
