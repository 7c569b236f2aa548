import { mkdir, rename, rm, writeFile, readdir, stat } from 'node:fs/promises';
import { existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WriteError } from '../errors.ts';
import { writeError } from './fs-errors.ts';
import { cleanStaleTemporaries, parkedSibling, temporarySibling } from './temp-files.ts';

/**
 * Atomic output. A file is written to a temporary sibling and renamed into place, so a reader (or an
 * interrupted run) sees the previous content or the complete new content, never a half-written file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporarySibling(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    cleanStaleTemporaries(dirname(path));
    await writeFile(tmp, data, { flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw writeError(err, path, tmp);
  }
}

/** The marker file that says a folder was written by hmsim (and may be replaced by hmsim). */
export const OUTPUT_MARKER = '.hmsim-output';

/**
 * Writes a whole output folder atomically: `fill` writes into a fresh temporary folder, which then
 * replaces `dir`. An existing `dir` that hmsim did not write is refused unless `force`.
 */
export async function writeDirAtomic(
  dir: string,
  fill: (tmpDir: string) => Promise<void>,
  options: { force?: boolean } = {},
): Promise<void> {
  await assertReplaceableOutput(dir, options.force ?? false);
  const parent = dirname(dir);
  const tmp = temporarySibling(dir);
  try {
    await mkdir(parent, { recursive: true });
    cleanStaleTemporaries(parent);
    await mkdir(tmp);
  } catch (err) {
    throw writeError(err, dir, tmp);
  }
  try {
    await fill(tmp);
    await writeFile(join(tmp, OUTPUT_MARKER), 'hmsim output folder\n');
    const old = parkedSibling(dir);
    // The swap is synchronous: no signal handler can run between the two renames (src/cli/signals.ts).
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw writeError(err, dir, tmp);
  }
}

/** Refuses to replace a non-empty folder that has no hmsim marker (unless `force`). */
export async function assertReplaceableOutput(dir: string, force: boolean): Promise<void> {
  if (force || !existsSync(dir)) return;
  const st = await stat(dir);
  if (!st.isDirectory()) throw new WriteError(`--out ${dir}: exists and is not a folder`);
  const entries = await readdir(dir);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return;
  throw new WriteError(`--out ${dir}: folder exists and was not written by hmsim (use --force to replace it)`);
}
