import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/trace/generators/generate.ts';
import { UserError } from '../../src/errors.ts';
import { mergeSweeps, missingPointsMessage } from '../../src/sweep/merge.ts';
import { runSweep, type SweepRunOptions } from '../../src/sweep/run.ts';
import type { SweepSpec } from '../../src/sweep/spec.ts';

/**
 * Sweeps over a tiny generated trace (fileserver, 2 CPUs, 2 processes, 40 requests): 2 configurations ×
 * 2 RAM sizes × 2 replications = 8 points. The git commit is fixed so that commits made while the test
 * runs cannot change the provenance.
 */
let dir = '';
let spec: SweepSpec;
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const opts = (out: string, extra: Partial<SweepRunOptions> = {}): SweepRunOptions => ({
  out: join(dir, out),
  jobs: 1,
  shard: null,
  force: false,
  gitCommit: COMMIT,
  ...extra,
});
const read = (out: string, file = 'summary.json') => readFile(join(dir, out, file), 'utf8');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hmsim-sweep-test-'));
  const trace = join(dir, 'tiny.hmt');
  await generate('fileserver', trace, 3, ['cpus=2', 'processes=2', 'requests=40']);
  spec = {
    configs: ['3g1g-highmem', '2g2g'],
    configOptions: {},
    axes: [{ key: 'ram', kind: 'config', values: ['1G', '3G'] }],
    model: 'core2',
    modelSets: [],
    replications: 2,
    seed: 5,
    prefault: false,
    trace: { kind: 'file', path: trace },
  };
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hmsim sweep (in process)', () => {
  it('writes the same summary.json whatever --jobs and sharding, and merge equals the unsharded run', async () => {
    const whole = await runSweep(spec, opts('whole'));
    expect(whole).toMatchObject({ total: 8, points: 8, computed: 8, reused: 0, complete: true });
    const parallel = await runSweep(spec, opts('jobs2', { jobs: 2 }));
    expect(parallel.computed).toBe(8);
    const s0 = await runSweep(spec, opts('shard0', { shard: { index: 0, count: 3 } }));
    const s1 = await runSweep(spec, opts('shard1', { shard: { index: 1, count: 3 }, jobs: 2 }));
    const s2 = await runSweep(spec, opts('shard2', { shard: { index: 2, count: 3 } }));
    expect([s0.points, s1.points, s2.points]).toEqual([3, 3, 2]);
    expect([s0.complete, s1.complete, s2.complete]).toEqual([false, false, false]);
    expect(await readdir(join(dir, 'shard0'))).not.toContain('summary.json');
    await mergeSweeps(
      ['shard2', 'shard0', 'shard1'].map((d) => join(dir, d)),
      join(dir, 'merged'),
      { force: false },
    );

    const expected = await read('whole');
    expect(await read('jobs2')).toBe(expected);
    expect(await read('merged')).toBe(expected);
    for (const f of ['summary.md', 'summary.csv', 'sweep.csv', 'sweep.json', 'index.html', '7-sweep.svg']) {
      expect(await read('merged', f)).toBe(await read('whole', f));
    }
    const summary = JSON.parse(expected) as {
      runs: Array<{ configName: string; seed: number }>;
      provenance: { command: string[]; gitCommit: string };
    };
    expect(summary.runs.map((r) => r.configName)).toEqual([
      '3g1g-highmem ram=1G',
      '3g1g-highmem ram=1G',
      '3g1g-highmem ram=3G',
      '3g1g-highmem ram=3G',
      '2g2g ram=1G',
      '2g2g ram=1G',
      '2g2g ram=3G',
      '2g2g ram=3G',
    ]);
    expect(summary.provenance.command).not.toContain('--shard');
    expect(summary.provenance.gitCommit).toBe(COMMIT);
  }, 120_000);

  it('resumes: a restarted sweep recomputes only the points it does not have', async () => {
    await runSweep(spec, opts('resume', { shard: { index: 1, count: 2 } }));
    const pointFile = join(dir, 'resume', 'points', (await readdir(join(dir, 'resume', 'points')))[0] as string);
    const before = await readFile(pointFile, 'utf8');
    const rest = await runSweep(spec, opts('resume'));
    expect(rest).toMatchObject({ computed: 4, reused: 4, complete: true });
    expect(await readFile(pointFile, 'utf8')).toBe(before);
    const again = await runSweep(spec, opts('resume'));
    expect(again).toMatchObject({ computed: 0, reused: 8, complete: true });
  }, 120_000);

  it('recomputes a point whose saved file was written from other inputs (hash mismatch)', async () => {
    await runSweep(spec, opts('tamper', { shard: { index: 0, count: 4 } }));
    const pdir = join(dir, 'tamper', 'points');
    const name = (await readdir(pdir))[0] as string;
    const rec = JSON.parse(await readFile(join(pdir, name), 'utf8')) as { hash: string };
    await writeFile(join(pdir, name), JSON.stringify({ ...rec, hash: 'f'.repeat(64) }));
    const r = await runSweep(spec, opts('tamper', { shard: { index: 0, count: 4 } }));
    expect(r).toMatchObject({ computed: 1, reused: 1 });
  }, 60_000);

  it('merge refuses shards of different sweeps, and missing points, with one line', async () => {
    await runSweep({ ...spec, seed: 9 }, opts('other0', { shard: { index: 0, count: 3 } }));
    const err = await mergeSweeps([join(dir, 'shard0'), join(dir, 'other0')], join(dir, 'bad'), { force: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      `merge: ${join(dir, 'other0')} is a shard of a different sweep ` +
        `than ${join(dir, 'shard0')} (they differ in: seed); merge only shards of one sweep command`,
    );
    const missing = await mergeSweeps([join(dir, 'shard0'), join(dir, 'shard1')], join(dir, 'bad'), { force: false }).catch(
      (e: unknown) => e,
    );
    // Shard 2 of 3 holds points 2 and 5 (index mod 3): 3g1g-highmem ram=3G r0 and 2g2g ram=1G r1.
    const ids = (await readdir(join(dir, 'whole', 'points'))).map((f) => f.slice(0, -'.json'.length));
    const id2 = ids.find((i) => i.startsWith('3g1g-highmem-ram=3G-r0-'));
    const id5 = ids.find((i) => i.startsWith('2g2g-ram=1G-r1-'));
    expect((missing as Error).message).toBe(
      `merge: 2 of 8 points are missing: ${id2}, ${id5} (shard 2/3; shards given: 0/3, 1/3); run the missing shards and merge again`,
    );
    // Folders of different shard counts (or a whole sweep): the shards holding the points are not named.
    await runSweep(spec, opts('half0', { shard: { index: 0, count: 2 } }));
    const mixed = await mergeSweeps([join(dir, 'half0'), join(dir, 'shard1')], join(dir, 'bad'), { force: false }).catch((e: unknown) => e);
    expect((mixed as Error).message).toMatch(
      /^merge: 2 of 8 points are missing: \S+, \S+ \(shards given: 0\/2, 1\/3\); run the missing shards and merge again$/,
    );
    // Many missing: the first six named, the rest counted.
    const many = Array.from({ length: 8 }, (_, i) => ({ id: `p${i}`, index: 4 * i + 1 }));
    expect(
      missingPointsMessage(many, 40, [
        { index: 0, count: 4 },
        { index: 2, count: 4 },
        { index: 3, count: 4 },
      ]),
    ).toBe(
      'merge: 8 of 40 points are missing: p0, p1, p2, p3, p4, p5 and 2 more (shard ' +
        '1/4; shards given: 0/4, 2/4, 3/4); run the missing shards and merge again',
    );
  }, 60_000);

  it('refuses to write into a folder hmsim did not write', async () => {
    await mkdir(join(dir, 'foreign'));
    await writeFile(join(dir, 'foreign', 'notes.txt'), 'mine');
    const err = await runSweep(spec, opts('foreign')).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `--out ${join(dir, 'foreign')}: folder exists and was not written by hmsim (use --force to replace it)`,
    );
    expect(await readdir(join(dir, 'foreign'))).toEqual(['notes.txt']);
  });

  it('renders the figures on two threads (here no point is left to replay): the same bytes as in the main thread alone', async () => {
    // Every point already done: the worker starts for the figures alone (the main thread is the other of the two).
    await cp(join(dir, 'whole', 'points'), join(dir, 'figures', 'points'), { recursive: true });
    await writeFile(join(dir, 'figures', '.hmsim-output'), 'hmsim output folder\n');
    const r = await runSweep(spec, opts('figures', { jobs: 2, formats: ['svg', 'png', 'pdf'] }));
    expect(r).toMatchObject({ computed: 0, reused: 8, threads: 1, complete: true });
    expect(r.seconds.figures).toBeGreaterThan(0);
    expect(r.seconds.figures).toBeLessThanOrEqual(r.seconds.output);
    const images = (await readdir(join(dir, 'whole'))).filter((f) => /\.(svg|png|pdf)$/.test(f)).sort();
    // 7 charts (six compare charts and the sweep's) in three formats.
    expect(images.length).toBe(21);
    expect((await readdir(join(dir, 'figures'))).filter((f) => /\.(svg|png|pdf)$/.test(f)).sort()).toEqual(images);
    for (const f of [...images, 'summary.json', 'summary.md', 'sweep.csv']) {
      expect(Buffer.compare(await readFile(join(dir, 'figures', f)), await readFile(join(dir, 'whole', f))), f).toBe(0);
    }
    // No figure: nothing rendered, and no thread started when no point is left.
    const none = await runSweep(spec, opts('figures', { jobs: 2, formats: ['html'] }));
    expect(none).toMatchObject({ computed: 0, threads: 0 });
    expect(none.seconds.figures).toBe(0);
  }, 120_000);

  it('streams each point to points/ as it finishes, starts the worker thread once, and renders only the formats asked for', async () => {
    const out = join(dir, 'stream');
    const reported: Array<{ done: number; id: string; saved: boolean }> = [];
    const onPoint = (done: number, _total: number, id: string): void =>
      void reported.push({ done, id, saved: existsSync(join(out, 'points', `${id}.json`)) });
    const r = await runSweep(spec, opts('stream', { jobs: 2, formats: ['svg'], onPoint }));
    // --jobs 2 for 8 points: the main thread and one worker thread, started once for several points.
    expect(r).toMatchObject({ computed: 8, threads: 1, complete: true });
    // Each point is on disk (an atomic rename) when it is reported, before the sweep ends.
    expect(reported.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(reported.map((p) => p.id)).size).toBe(8);
    expect(reported.filter((p) => !p.saved)).toEqual([]);
    const files = await readdir(out);
    expect(files.filter((f) => f.endsWith('.svg')).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.endsWith('.png') || f.endsWith('.pdf') || f === 'index.html')).toEqual([]);
    // Every chart keeps its spec; the summaries do not depend on the formats.
    expect(
      files
        .filter((f) => f.endsWith('.vl.json'))
        .map((f) => f.replace('.vl.json', '.svg'))
        .sort(),
    ).toEqual(files.filter((f) => f.endsWith('.svg')).sort());
    expect(await read('stream')).toBe(await read('whole'));
    // A merge renders its own formats: HTML only, linking no image file.
    await mergeSweeps([out], join(dir, 'html-only'), { force: false, formats: ['html'] });
    const merged = await readdir(join(dir, 'html-only'));
    expect(merged.filter((f) => f.endsWith('.svg') || f.endsWith('.png') || f.endsWith('.pdf'))).toEqual([]);
    const html = await read('html-only', 'index.html');
    expect(html).toContain('<figcaption>Files: <a href="7-sweep.vl.json">Vega-Lite spec</a></figcaption>');
    expect(html).not.toMatch(/href="[^"]*\.(svg|png|pdf)"/);
    expect(await read('html-only')).toBe(await read('whole'));
    // The whole report (the default) links both images.
    expect(await read('whole', 'index.html')).toContain(
      '<figcaption>Files: <a href="7-sweep.svg">SVG</a> · <a href="7-sweep.png">PNG (2×)</a> · ' +
        '<a href="7-sweep.pdf">PDF</a> · <a href="7-sweep.vl.json">Vega-Lite spec</a></figcaption>',
    );
  }, 120_000);
});
