import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { findPackageDir } from '../package-root.ts';

/**
 * The browser builds of vega, vega-lite and vega-embed, read from the installed packages so the HTML
 * report can inline them (no CDN, no network). Their package.json `exports` hide the build folder from
 * module resolution, so the package folder is found from the resolved entry point.
 */

/** Browser scripts in load order (vega-lite needs vega; vega-embed needs both). */
export const BROWSER_LIBRARIES = [
  { name: 'vega', file: 'build/vega.min.js' },
  { name: 'vega-lite', file: 'build/vega-lite.min.js' },
  { name: 'vega-embed', file: 'build/vega-embed.min.js' },
] as const;

/** The folder of an installed package (the nearest ancestor of its entry point named like it). */
export function packageDir(name: string): string {
  return findPackageDir(dirname(createRequire(import.meta.url).resolve(name)), name).dir;
}

/** The inlinable sources of the browser libraries, in load order. */
export function browserLibraries(): Array<{ name: string; source: string }> {
  return BROWSER_LIBRARIES.map((lib) => ({ name: lib.name, source: readFileSync(join(packageDir(lib.name), lib.file), 'utf8') }));
}
