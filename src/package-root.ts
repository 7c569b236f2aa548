/**
 * Where the package's own files are (models/, calibration/, scenarios/, package.json), however its code
 * runs: from the TypeScript sources (src/, through tsx), from tsc's compiled library (dist/) or from the
 * bundled CLI (dist/bundle/, scripts/bundle.mjs), where a module's own URL no longer tells how deep it
 * sits. The root is the nearest folder above this module holding hmsim's package.json: the checkout, or
 * node_modules/hmsim in an installation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** hmsim's package.json as parsed (the fields read from it). */
interface PackageJson {
  readonly name?: string;
  readonly version: string;
}

/** The nearest folder at or above `start` whose package.json names package `name`, and that package.json. */
export function findPackageDir(start: string, name: string): { dir: string; pkg: PackageJson } {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
      if (pkg.name === name) return { dir, pkg };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of ${name} above ${start}`);
  }
}

const here = fileURLToPath(import.meta.url);
const found = findPackageDir(dirname(here), 'hmsim');

/** The package's root folder (an absolute path, no trailing separator). */
export const PACKAGE_ROOT: string = found.dir;

/** hmsim's package.json, read once. */
export const PACKAGE_JSON: PackageJson = found.pkg;

/** An absolute path under the package root: `rootPath('models', 'core2.json')`. */
export function rootPath(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}

/**
 * How this code runs: 'source' (the TypeScript files), 'compiled' (tsc's dist/, the library) or
 * 'bundle' (dist/bundle/, the CLI that bin/hmsim.js starts).
 */
const BUILD: 'source' | 'compiled' | 'bundle' = here.endsWith('.ts')
  ? 'source'
  : dirname(here) === rootPath('dist', 'bundle')
    ? 'bundle'
    : 'compiled';

/**
 * The entry file of a worker thread, in the same form as the code that starts it: the bundled entry
 * (dist/bundle/NAME.js), tsc's compiled module, or from the sources an entry that registers the
 * TypeScript loader first (the main thread's loader hooks do not reach workers).
 */
export function threadEntry(name: 'sweep-worker' | 'gen-thread'): URL {
  const [dir, module, fromSource] =
    name === 'sweep-worker' ? ['sweep', 'worker', 'worker-entry.mjs'] : ['cli', 'gen-thread', 'gen-thread.mjs'];
  const file =
    BUILD === 'bundle'
      ? rootPath('dist', 'bundle', `${name}.js`)
      : BUILD === 'compiled'
        ? rootPath('dist', dir, `${module}.js`)
        : rootPath('src', dir, fromSource);
  return pathToFileURL(file);
}
