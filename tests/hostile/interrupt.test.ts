/**
 * Ctrl-C (SIGINT) or a kill (SIGTERM) during a command that writes an output leaves the previous output
 * or none — never a half-written one, never a temporary file — and ends with one line and exit code 130.
 *
 * The real CLI runs as a child process. The signal arrives at a known point: during a replay, from a
 * test cost model whose 200th system call signals its own process (tests/hostile/fixtures); during an
 * import or a generation, once the temporary output file exists (the import reads a stdin that the test
 * keeps open; the generation is long).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../src/trace/generators/generate.ts';
import { InterruptScope, interruptedMessage, parkedPrefix, tempPrefix } from '../../src/cli/signals.ts';
import { OUTPUT_MARKER } from '../../src/io/atomic.ts';
import { ROOT } from '../helpers/cli.ts';
import { FakeSignals } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const D = (name: string): string => join(dir, name);
const MODEL = join(ROOT, 'tests/hostile/fixtures/interrupting-model.ts');
/** A previous output's content, which an interrupted command must leave as it was. */
const PREVIOUS = '{"previous":true}\n';

beforeAll(async () => {
  // 131,078 records in 3 chunks: the 200th system call comes in the first, so the replay still has
  // batches to read when the signal arrives.
  await generate('stream', D('trace.hmt'), 1, ['size=64M', 'block=4096']);
});

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `hmsim ARGS`; `whenRunning(pid)` may act on it (e.g. send a signal) while it runs. */
function startCli(
  args: readonly string[],
  env: Record<string, string> = {},
): { pid: number; stdin: NodeJS.WritableStream; done: Promise<ChildRun>; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [`${ROOT}bin/hmsim.js`, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildRun>((res) => child.on('close', (code) => res({ code, stdout, stderr })));
  return { pid: child.pid!, stdin: child.stdin, done, kill: (s) => child.kill(s) };
}

/** Names of hmsim temporaries (of any process) in `folder`. */
function temporaries(folder: string): string[] {
  return readdirSync(folder).filter((n) => n.startsWith('.hmsim-tmp-') || n.startsWith('.hmsim-old-'));
}

/** A folder that looks like a previous `hmsim run --out`. */
function previousRunOutput(path: string): void {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'run.json'), PREVIOUS);
  writeFileSync(join(path, OUTPUT_MARKER), 'hmsim output folder\n');
}

/** The interrupted command said so in one line, exited 130, and left no temporary file behind. */
function expectInterrupted(r: ChildRun, signal: NodeJS.Signals): void {
  expect(r.stderr).toBe(`hmsim: ${interruptedMessage(signal)}\n`);
  expect(r.code).toBe(130);
  expect(temporaries(dir)).toEqual([]);
}

/** Polls until `test()` holds (the child reached a known point), at most `limitMs`. */
async function until(test: () => boolean, limitMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > limitMs) throw new Error('the command never reached the point the test waits for');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('an interrupted command leaves the previous output or none, and says so in one line (exit 130)', () => {
  it('run --out: SIGINT during the replay keeps the previous output folder as it was', async () => {
    const out = D('run-out');
    previousRunOutput(out);
    const r = await startCli(['run', '--trace', D('trace.hmt'), '--model', MODEL, '--out', out, '--quiet']).done;
    expectInterrupted(r, 'SIGINT');
    expect(r.stdout).toBe('');
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(PREVIOUS);
  });

  it('compare --out: SIGTERM during a replay leaves no output folder when there was none', async () => {
    const out = D('compare-out');
    const r = await startCli(
      ['compare', '--trace', D('trace.hmt'), '--configs', '3g1g-highmem,2g2g', '--model', MODEL, '--out', out, '--quiet'],
      {
        HMSIM_TEST_SIGNAL: 'SIGTERM',
      },
    ).done;
    expectInterrupted(r, 'SIGTERM');
    expect(existsSync(out)).toBe(false);
  });

  it('import -o: SIGINT while the trace is being written removes the temporary file and keeps the previous trace', async () => {
    const out = D('imported.hmt');
    writeFileSync(out, PREVIOUS);
    const child = startCli(['import', 'lackey', '-', '-o', out]);
    child.stdin.write('==1== lackey\nI  0804a000,4\n L bffff000,8\n');
    // The writer has opened its temporary file: the import is under way (stdin stays open).
    await until(() => readdirSync(dir).some((n) => n.startsWith(tempPrefix(child.pid))));
    child.kill('SIGINT');
    const r = await child.done;
    expectInterrupted(r, 'SIGINT');
    expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
  });

  it('gen -o: SIGINT while the generator writes removes the temporary file and keeps the previous trace', async () => {
    const out = D('generated.hmt');
    writeFileSync(out, PREVIOUS);
    // 4 GiB written and read back in 64 KiB blocks: millions of records, seconds of work.
    const child = startCli(['gen', 'stream', '--param', 'size=4G', '-o', out]);
    await until(() => readdirSync(dir).some((n) => n.startsWith(tempPrefix(child.pid))));
    child.kill('SIGINT');
    const r = await child.done;
    expectInterrupted(r, 'SIGINT');
    expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
  });
});

describe('InterruptScope (src/cli/signals.ts)', () => {
  it('fires its AbortSignal once, on the first signal, and stops listening when disposed', () => {
    const signals = new FakeSignals();
    const scope = new InterruptScope(signals);
    expect(scope.signal.aborted).toBe(false);
    signals.send('SIGTERM');
    signals.send('SIGINT');
    expect(scope.signal.aborted).toBe(true);
    expect(scope.receivedSignal).toBe('SIGTERM');
    scope.dispose();
    const again = new InterruptScope(signals);
    again.dispose();
    signals.send('SIGINT');
    expect(again.signal.aborted).toBe(false);
  });

  it("removes this process's temporaries beside a watched output and puts a parked previous folder back", () => {
    const folder = D('scope');
    mkdirSync(folder);
    const signals = new FakeSignals();
    const scope = new InterruptScope(signals);
    const out = join(folder, 'report');
    scope.watchOutput(out);
    // The moment of a folder swap: the previous output parked, the new one not yet in place.
    mkdirSync(join(folder, `${parkedPrefix(signals.pid)}report`));
    writeFileSync(join(folder, `${parkedPrefix(signals.pid)}report`, 'run.json'), PREVIOUS);
    mkdirSync(join(folder, `${tempPrefix(signals.pid)}report`));
    writeFileSync(join(folder, `${tempPrefix(signals.pid)}1234-trace.hmt`), 'partial');
    // Another process's temporary is not ours to remove.
    writeFileSync(join(folder, `${tempPrefix(signals.pid + 1)}other.hmt`), 'theirs');
    scope.removeTemporaries();
    expect(readdirSync(folder).sort()).toEqual([`${tempPrefix(signals.pid + 1)}other.hmt`, 'report']);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(PREVIOUS);
    scope.dispose();
  });
});
