#!/usr/bin/env node
// Entry point of `hmsim` (`npx hmsim`, `node bin/hmsim.js`): the bundled CLI in dist/bundle/, built by
// `npm run build` (tsc, then scripts/bundle.mjs; `npm ci`, `npm install` and `npm pack` run it through
// `prepare`). In a source checkout whose build is missing or older than a file under src/ (an edit not
// built yet), the TypeScript sources run instead, through tsx (a development dependency): never a stale
// build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'bundle', 'hmsim.js');
const src = join(root, 'src');

/**
 * Newest modification time of a file under `dir` (ms), or 0. Paths joined by hand: this walk of ~240
 * files runs at every start of a checkout's CLI, before any of it is compiled, and a URL or path.join per
 * entry cost several times more than a template string (timed in one process, `node bin/hmsim.js --help`,
 * on a shared 2-core machine: 15-20 ms with URLs, 10-15 ms with path.join, ~4.5 ms as written).
 */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const fromSource =
  process.env.HMSIM_FROM_SOURCE === '1' || !existsSync(built) || (existsSync(src) && newest(src) > statSync(built).mtimeMs);
process.env.HMSIM_CLI = '1';
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  await import('../dist/bundle/hmsim.js');
}
