/**
 * Temporary siblings of outputs: hmsim writes a file or an output folder under a temporary name in the
 * same folder and renames it into place (src/io/atomic.ts, the HMT writer).
 *
 * Names are `.hmsim-tmp-HOST-PID-RANDOM-NAME`: a random part no one can predict, created exclusively
 * (`wx`: O_CREAT | O_EXCL, or a non-recursive mkdir, which also refuse to follow a symbolic link planted
 * under that name). A replaced output folder is parked as `.hmsim-old-HOST-PID-NAME` for the moment of the
 * swap (a rename onto that name replaces whatever is there without following it; src/cli/signals.ts
 * puts it back by that name when an interrupt came between the two renames). HOST and PID say whose file it is, so that a later run in the
 * same folder can remove what a killed run left behind (`cleanStaleTemporaries`) — only files of this
 * host whose process is gone and that are older than this process, so a folder shared between hosts
 * (a sweep under Slurm) never loses a file another host is still writing.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** This host's name as it appears in temporary names (letters, digits, dot and dash; at most 32). */
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 32) || 'host';

/** Longest part of the output's own name kept in a temporary name (the whole name stays under NAME_MAX). */
const NAME_PART = 100;

/** Prefix of process `pid`'s temporary outputs on this host (`.hmsim-tmp-HOST-PID-`). */
export function tempPrefix(pid: number): string {
  return `.hmsim-tmp-${HOST}-${pid}-`;
}

/** Prefix of an output folder parked by process `pid` while its replacement is renamed into place. */
export function parkedPrefix(pid: number): string {
  return `.hmsim-old-${HOST}-${pid}-`;
}

/** The temporary sibling for writing `path`. */
export function temporarySibling(path: string): string {
  return join(dirname(path), `${tempPrefix(process.pid)}${randomBytes(8).toString('hex')}-${basename(path).slice(0, NAME_PART)}`);
}

/** Where the folder `dir` is parked while its replacement is renamed into place. */
export function parkedSibling(dir: string): string {
  return join(dirname(dir), `${parkedPrefix(process.pid)}${basename(dir)}`);
}

const OURS = [`.hmsim-tmp-${HOST}-`, `.hmsim-old-${HOST}-`];

/** Process start, in ms since the epoch (a stale file is older than it). */
const STARTED = Date.now() - process.uptime() * 1000;

/** Folders already cleaned by this process. */
const cleaned = new Set<string>();

/** True when `pid` is a live process on this host. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes, once per folder per process, the temporary files and folders a killed hmsim left in `dir`:
 * those named by this host, whose process is gone, last modified before this process started. Returns
 * the names removed. Errors (a folder that cannot be listed, a file already gone) are ignored: cleaning
 * is a courtesy, never a reason to fail the write.
 */
export function cleanStaleTemporaries(dir: string): string[] {
  if (cleaned.has(dir)) return [];
  cleaned.add(dir);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const prefix = OURS.find((p) => name.startsWith(p));
    if (prefix === undefined) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1] ?? NaN);
    if (!Number.isSafeInteger(pid) || pid === process.pid || alive(pid)) continue;
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs >= STARTED) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone already, or not ours to remove
    }
  }
  return removed;
}
