/**
 * Requests per second (time.requests, time.requestsPerSecond): a trace whose header names the syscall
 * that ends one request (`provenance.requestSyscall`; the fileserver generator: the socket write,
 * syscall 4) is served at requests ÷ elapsed seconds; a file write of a write request is not a request.
 * A trace that names none has no throughput (null in JSON, no row in the table), not a made-up one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCaptured } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-requests-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REQUESTS = 40;

/** A small generated file server (`writes` of its requests write the file instead of reading it). */
async function fileserver(writes: number): Promise<string> {
  const path = join(dir, `fs-${writes}.hmt`);
  const args = ['gen', 'fileserver', '-o', path, '--param', `requests=${REQUESTS}`, '--param', 'processes=4', '--param', 'cpus=2'];
  const r = await runCaptured([...args, '--param', 'files=64', '--param', 'fileset=4M', '--param', `writes=${writes}`]);
  expect(r.code, r.stderr).toBe(0);
  return path;
}

async function runJson(trace: string): Promise<{ time: { elapsedSeconds: number; requests: number; requestsPerSecond: number | null } }> {
  const r = await runCaptured(['run', '--trace', trace, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('requests per second', () => {
  it('counts one request per socket write, and divides by the elapsed time', async () => {
    for (const writes of [0, 1]) {
      const { time } = await runJson(await fileserver(writes));
      expect(time.requests).toBe(REQUESTS);
      expect(time.elapsedSeconds).toBeGreaterThan(0);
      expect(time.requestsPerSecond).toBe(REQUESTS / time.elapsedSeconds);
    }
  });

  it('the table prints the figure under its name; a trace without a request syscall has none', async () => {
    const trace = await fileserver(0);
    const { time } = await runJson(trace);
    const table = (await runCaptured(['run', '--trace', trace])).stdout;
    expect(table).toMatch(new RegExp(`\\nrequests per second +${time.requestsPerSecond!.toFixed(1).replace('.', '\\.')}\\n`));
    const stream = await runJson('traces/stream-small.hmt');
    expect(stream.time.requests).toBe(0);
    expect(stream.time.requestsPerSecond).toBeNull();
    expect((await runCaptured(['run', '--trace', 'traces/stream-small.hmt'])).stdout).not.toContain('requests per second');
  });
});

describe('sweep --grid io.device', () => {
  it(
    'each cell is the run with --set io.device=… (same time, cycles and counts); the ' +
      'faster device serves more requests per second; the header says the device was swept',
    async () => {
      const trace = await fileserver(0);
      const out = join(dir, 'sweep');
      const devices = ['hdd-7200', 'nvme'];
      const sweep = await runCaptured([
        'sweep',
        '--trace',
        trace,
        '--configs',
        '3g1g-highmem',
        '--grid',
        `io.device=${devices.join(',')}`,
        '--jobs',
        '1',
        '--formats',
        'html',
        '--out',
        out,
      ]);
      expect(sweep.code, sweep.stderr).toBe(0);
      expect(sweep.stdout).toContain('overrides io.device=hdd-7200|nvme (swept)');
      const { readdirSync, readFileSync } = await import('node:fs');
      const points = readdirSync(join(out, 'points'));
      const perSecond: number[] = [];
      for (const device of devices) {
        const file = points.find((f) => f.includes(`io.device=${device}-`));
        expect(file, points.join(' ')).toBeDefined();
        const cell = JSON.parse(readFileSync(join(out, 'points', file!), 'utf8')).result;
        const run = await runCaptured(['run', '--trace', trace, '--config', '3g1g-highmem', '--set', `io.device=${device}`, '--json']);
        expect(run.code, run.stderr).toBe(0);
        const alone = JSON.parse(run.stdout);
        expect(cell.model.hash).toBe(alone.model.hash);
        expect(cell.time).toEqual(alone.time);
        expect(cell.cycles).toEqual(alone.cycles);
        expect(cell.counts).toEqual(alone.counts);
        perSecond.push(cell.time.requestsPerSecond);
      }
      expect(perSecond[1]).toBeGreaterThan(perSecond[0]!);
    },
  );
});
