import { GENERATORS } from '../../src/trace/generators/registry.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';

/** The real CLI (bin/hmsim.js): flag errors, and a workload sweep on worker threads. */
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hmsim-sweep-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hmsim sweep / merge command line', () => {
  it('answers a bad grid with one line naming the flag, exit 2', () => {
    const r = runCli(['sweep', '--workload', 'fileserver', '--grid', 'workload.threads=4,16', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `hmsim: --grid workload.threads=4: --param threads: fileserver has no parameter 'threads' (known: ${GENERATORS.get('fileserver')!
        .params.map((p) => p.name)
        .join(', ')})\n`,
    );
    const model = runCli(['sweep', '--trace', 'traces/strace-sh-pipeline.hmt', '--grid', 'tlb.l1d.entrie=16,32', '--out', join(dir, 'x')]);
    expect(model.code).toBe(2);
    expect(model.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(model.stderr).toContain('--grid tlb.l1d.entrie=16: ');
    expect(model.stderr).toContain('did you mean tlb.l1d.entries?');
  });

  it('--formats: an unknown format or an empty item is one line naming the known ones, exit 2', () => {
    const jpg = runCli(['sweep', '--trace', 'traces/strace-sh-pipeline.hmt', '--formats', 'svg,jpg', '--out', join(dir, 'x')]);
    expect(jpg).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "hmsim: --formats svg,jpg: 'jpg' is not a report format (known: svg, png, pdf, html)\n",
    });
    const empty = runCli(['merge', join(dir, 'nothing'), '--formats', 'pdf,', '--out', join(dir, 'm')]);
    expect(empty).toMatchObject({ code: 2, stderr: 'hmsim: --formats pdf,: expected a comma-separated list of svg, png, pdf, html\n' });
  });

  it('without --jobs, a sweep of short points runs in one thread and says so on stderr', async () => {
    const trace = 'traces/strace-sh-pipeline.hmt';
    const records = (await openTrace(trace)).recordCount as number;
    const sweep = (...more: string[]) =>
      runCli(['sweep', '--trace', trace, '--grid', 'tlb.l1d.entries=16,32', '--formats', 'html', ...more]);
    const r = sweep('--json', '--out', join(dir, 'auto'));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { threads: number; autoJobs: { jobs: number; records: number } };
    expect(out.autoJobs).toMatchObject({ jobs: 1, records: 2 * records });
    expect(out.threads).toBe(0);
    // --json keeps stderr quiet; the text output says why one thread was used when the machine has more.
    expect(r.stderr).toBe('');
    const text = sweep('--out', join(dir, 'auto-text'));
    const cores = availableParallelism();
    expect(text.stderr).toBe(
      cores === 1
        ? ''
        : `sweep: one thread for 2 points of ${(2 * records).toLocaleString('en-US')} records in all (about ` +
            `${((2 * records) / 1.5e6).toFixed(1)} s of replay; a worker thread pays for its start from about 2 s more): ` +
            `--jobs ${cores} to use every core\n`,
    );
  }, 60_000);

  it('refuses a merge of folders that are not sweep outputs', () => {
    const r = runCli(['merge', join(dir, 'nothing'), '--out', join(dir, 'm')]);
    expect(r).toMatchObject({
      code: 2,
      stderr: `hmsim: merge: ${join(dir, 'nothing')} has no sweep.json (expected the --out folder of an hmsim sweep)\n`,
    });
  });

  it('runs a workload sweep on worker threads: one generated trace per workload value and replication, its seed recorded', async () => {
    const out = join(dir, 'wl');
    const args = [
      'sweep',
      '--workload',
      'fileserver',
      '--param',
      'cpus=2',
      '--param',
      'requests=30',
      '--grid',
      'workload.processes=2,3',
      '--configs',
      '3g1g-highmem,2g2g',
      '--jobs',
      '2',
      '--out',
      out,
      '--json',
      '--quiet',
    ];
    const r = runCli(args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'hmsim-sweep-run', total: 4, computed: 4, reused: 0, complete: true });
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      runs: Array<{ trace: { path: string; sha256: string } }>;
    };
    const traces = summary.runs.map((t) => t.trace.path);
    expect(traces[0]).toMatch(/^gen:fileserver cpus=2 processes=2 .* seed=\d+$/);
    // Both configurations replay the same generated trace per workload value.
    expect(traces[2]).toBe(traces[0]);
    expect(summary.runs[2]?.trace.sha256).toBe(summary.runs[0]?.trace.sha256);
    expect(traces[1]).not.toBe(traces[0]);
    const again = runCli(args);
    expect(JSON.parse(again.stdout)).toMatchObject({ computed: 0, reused: 4 });
    // Without --json: the line, then what was run (one row per generated trace) above the sweep table.
    const text = runCli(args.filter((a) => a !== '--json'));
    expect(text.stdout).toMatch(
      new RegExp(
        String.raw`^trace +gen:fileserver cpus=2 processes=2 .* seed=\d+: [\d,]+ records, sha256 [0-9a-f]{12}\n` +
          String.raw` +gen:fileserver cpus=2 processes=3 .* seed=\d+: `,
        'm',
      ),
    );
    expect(text.stdout).toMatch(/^configurations +3g1g-highmem workload\.processes=2 \(baseline\): split 3G, HIGHMEM4G/m);
    expect(text.stdout).toMatch(/^seed +1, 1 replication$/m);
  }, 240_000); // two sweep processes with worker threads: minutes on a loaded shared machine
});
