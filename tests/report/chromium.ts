import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/**
 * Finds a system Chromium for the browser test: $HMSIM_CHROMIUM when set, else `chromium` / `chromium-browser`
 * on PATH (Debian's `chromium` package). Returns null when there is none — the test is then skipped
 * and says so.
 */
export function findChromium(): string | null {
  const env = process.env['HMSIM_CHROMIUM'];
  // Set to a path: that browser or none (HMSIM_CHROMIUM=none shows what happens without Chromium).
  if (env !== undefined && env !== '') return existsSync(env) ? env : null;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (path && existsSync(path)) return path;
    } catch {
      // not on PATH
    }
  }
  return null;
}
