/**
 * The npm package as a user gets it (opt-in, `npm run test:package`: it builds, packs and installs, a
 * minute or more). `npm pack` (which builds through `prepare`), the tarball installed into an empty
 * folder (dependencies from the npm cache first: `--prefer-offline`), then from that folder:
 * `npx hmsim --help`, `npx hmsim run` on a shipped trace, and the library imported by name. Also what
 * the tarball holds: the bundled CLI (dist/bundle/), the compiled library and its types, models, kernel profiles, schemas, docs — no
 * TypeScript sources, no tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

let dir = '';
let app = '';
let files: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hmsim-pack-'));
  const packed = JSON.parse(execFileSync(NPM, ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8' })) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  files = packed[0]!.files.map((f) => f.path);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, packed[0]!.filename)], {
    cwd: app,
    stdio: 'pipe',
  });
}, 900_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { cwd: app, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('the packed package', () => {
  it('holds the compiled CLI, its types, models, kernel profiles, schemas and docs, and no sources or tests', () => {
    for (const f of [
      'bin/hmsim.js',
      'dist/cli/main.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/sweep/worker.js',
      'dist/bundle/hmsim.js',
      'dist/bundle/sweep-worker.js',
      'dist/bundle/gen-thread.js',
      'models/core2.json',
      'models/schema.json',
      'models/kernels/linux-4.19.json',
      'scenarios/schema.json',
      'README.md',
      'package.json',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('tests/') || f.startsWith('bench/'))).toEqual([]);
    // TypeScript: declarations, and the example cost-model plug-in (models/examples/README.md) only.
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('models/examples/'))).toEqual([]);
  });

  it('runs `npx hmsim --help` from the install folder, listing every command', () => {
    const r = run(NPX, ['hmsim', '--help']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const c of ['models', 'import', 'gen', 'trace', 'layout', 'capacity', 'run', 'compare', 'sweep', 'merge', 'check'])
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });

  it('runs `npx hmsim run` on a shipped trace without tsx installed', () => {
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('tsx');
    const r = run(NPX, ['hmsim', 'run', '--trace', 'node_modules/hmsim/traces/stream-small.hmt', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as { trace: { records: number; source: string } };
    // The sample's record count (traces/README.md, Samples).
    expect(result.trace).toMatchObject({ records: 9734, source: 'gen:stream' });
  });

  it('generates on a worker thread running compiled files: the same trace as the TypeScript sources, byte for byte', () => {
    // The shipped sample's command (traces/README.md, Samples). The sample itself is an older HMT version
    // than the writer writes, so the reference is the same command run from the TypeScript sources (tsx).
    const args = ['gen', 'stream', '--seed', '1', '--param', 'size=16M', '-o'];
    const r = run(NPX, ['hmsim', ...args, 'stream.hmt']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ref = join(dir, 'stream-from-sources.hmt');
    const s = spawnSync(process.execPath, [join(ROOT, 'bin/hmsim.js'), ...args, ref], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, HMSIM_FROM_SOURCE: '1' },
    });
    expect(s.status).toBe(0);
    expect(readFileSync(join(app, 'stream.hmt')).equals(readFileSync(ref))).toBe(true);
  });

  it('imports the library by name: the same result as the CLI', () => {
    writeFileSync(
      join(app, 'lib.mjs'),
      `import { loadModel, resolveConfig, replay, computeLayout, openTrace } from 'hmsim';
const config = resolveConfig({ config: '3g1g-highmem' });
const trace = 'node_modules/hmsim/traces/stream-small.hmt';
const r = await replay({ tracePath: trace, config, model: await loadModel('core2'), seed: 1, prefault: false });
const reader = await openTrace(trace);
const taskSize = computeLayout(config).taskSize;
console.log(JSON.stringify({ records: r.trace.records, total: r.cycles.total, taskSize, source: reader.header.source }));
`,
    );
    const lib = run(process.execPath, ['lib.mjs']);
    expect(lib.stderr).toBe('');
    const cli = JSON.parse(
      run(NPX, [
        'hmsim',
        'run',
        '--trace',
        'node_modules/hmsim/traces/stream-small.hmt',
        '--config',
        '3g1g-highmem',
        '--seed',
        '1',
        '--json',
      ]).stdout,
    ) as {
      cycles: { total: number };
    };
    // 3G/1G: TASK_SIZE = PAGE_OFFSET = 0xc0000000.
    expect(JSON.parse(lib.stdout)).toEqual({ records: 9734, total: cli.cycles.total, taskSize: 0xc0000000, source: 'gen:stream' });
  });
});
