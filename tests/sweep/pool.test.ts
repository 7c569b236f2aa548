/**
 * The sweep's executor pool (src/sweep/pool.ts) and its worker thread (src/sweep/worker.ts): this thread
 * takes a job before any worker is started; closing the pool rejects every job not finished — the one
 * this thread holds too; a worker skips a job the pool took back; jobs of a higher priority go first.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadEntry } from '../../src/package-root.ts';
import type { Job, JobReply, WorkerMessage } from '../../src/sweep/jobs.ts';
import { workerPool } from '../../src/sweep/pool.ts';

// Never run: the pool is closed before any job starts.
const job = { kind: 'trace', gen: { key: 'k' }, path: 'unused.hmt' } as unknown as Job;

/** A figure's SVG step: plain data in, SVG text out (its first run in a thread also loads vega). */
const svgJob = (title: string): Job => ({
  kind: 'figure',
  step: {
    step: 'svg',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title,
      data: { values: [{ x: 1, y: 2 }] },
      mark: 'point',
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    },
  },
});

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

  it('answers every job once, with the output of a run in this thread, whichever thread ran it or took it back', async () => {
    const pool = workerPool(2);
    const titles = ['a', 'b', 'c', 'd', 'e', 'f'];
    try {
      // Three at priority 0, three at 1: all are queued at once, so the pool hands them out in any order.
      const outs = await Promise.all(titles.map((t, i) => pool.run(svgJob(t), i % 2)));
      for (const [i, out] of outs.entries()) {
        expect(typeof out).toBe('string');
        expect(out as string).toContain(`>${titles[i]}</text>`);
      }
      expect(pool.threadsStarted()).toBe(1);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('sweep worker thread', () => {
  it('skips a job it is told to skip before starting it, and answers the others in order', async () => {
    const worker = new Worker(threadEntry('sweep-worker'));
    try {
      const replies: JobReply[] = [];
      worker.on('message', (r: JobReply) => replies.push(r));
      // Job 1 is queued behind job 0 (which loads vega: hundreds of ms); the skip arrives while 0 runs.
      const post = (m: WorkerMessage): void => worker.postMessage(m);
      post({ id: 0, job: svgJob('zero') });
      post({ id: 1, job: svgJob('one') });
      post({ skip: 1 });
      post({ id: 2, job: svgJob('two') });
      while (replies.length < 2) await once(worker, 'message');
      expect(replies.map((r) => [r.id, r.ok])).toEqual([
        [0, true],
        [2, true],
      ]);
      const out = replies[1] as JobReply & { ok: true };
      expect(out.result as string).toContain('>two</text>');
    } finally {
      await worker.terminate();
    }
  }, 60_000);
});
