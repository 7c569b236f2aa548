/**
 * Where the package's files are, however its code runs (src/package-root.ts): the root found by walking
 * up to hmsim's package.json, the worker entries for the TypeScript sources, and what `hmsim run` loads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PACKAGE_JSON, PACKAGE_ROOT, rootPath, threadEntry } from '../src/package-root.ts';
import { ROOT } from './helpers/cli.ts';

describe('the package root', () => {
  it('is the folder of hmsim package.json, found from the sources', () => {
    expect(`${PACKAGE_ROOT}/`).toBe(ROOT);
    expect(PACKAGE_JSON.version).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(rootPath('models', 'core2.json')).toBe(join(ROOT, 'models', 'core2.json'));
  });

  it('gives the worker threads of the sources an entry that registers the TypeScript loader', () => {
    expect(fileURLToPath(threadEntry('sweep-worker'))).toBe(join(ROOT, 'src/sweep/worker-entry.mjs'));
    expect(fileURLToPath(threadEntry('gen-thread'))).toBe(join(ROOT, 'src/cli/gen-thread.mjs'));
    expect(existsSync(threadEntry('sweep-worker'))).toBe(true);
    expect(existsSync(threadEntry('gen-thread'))).toBe(true);
  });

  it('`hmsim run` imports none of ajv, vega, resvg, PDFKit (they load lazily, when a command needs them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmsim-imports-'));
    try {
      const log = join(dir, 'imports.txt');
      const r = spawnSync(
        process.execPath,
        ['--import', './tests/fixtures/loader/record-imports.mjs', 'bin/hmsim.js', 'run', '--trace', 'traces/stream-small.hmt', '--json'],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HMSIM_RECORD_IMPORTS: log } },
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const urls = readFileSync(log, 'utf8').trim().split('\n');
      // The replay itself was imported (the log is not empty by accident).
      expect(urls.some((u) => /\/(dist\/bundle\/hmsim\.js|src\/cli\/main\.ts)$/.test(u))).toBe(true);
      const heavy = urls.filter((u) => /\/node_modules\/(ajv|vega|vega-lite|vega-embed|@resvg|pdfkit|svg-to-pdfkit)\//.test(u));
      expect(heavy).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
