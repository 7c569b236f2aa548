/**
 * File-system failures the user can fix (a path that does not exist, a file where a folder is needed, no
 * permission, a full disk) turned into one line. Node reports them as errors with `code`, `syscall` and
 * `path`; the CLI prints `PATH: what happened (SYSCALL CODE)` with exit code 2 instead of a stack trace.
 */
import { InputError, WriteError, type UserError } from '../errors.ts';

/** Words for the error codes a user's path or disk can cause. */
export const FS_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder (expected a file)',
  EEXIST: 'exists and is not a folder (a folder is needed here)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'name too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EXDEV: 'cannot rename across file systems',
  ENOTEMPTY: 'folder not empty',
  EBUSY: 'busy (in use)',
};

/** The fields Node's file-system errors carry. */
interface SystemError extends Error {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

/** True for a Node file-system error with a code listed in FS_ERROR_WORDS (with or without a path). */
export function isFsError(err: unknown): err is SystemError {
  return err instanceof Error && typeof (err as Partial<SystemError>).code === 'string' && (err as SystemError).code in FS_ERROR_WORDS;
}

/**
 * A write to the user's output `path` failed: the one-line UserError naming that path (not the temporary
 * file hmsim was writing, and not nothing: `write(2)` errors carry no path) and the cause; other errors
 * are returned as they are. `tmp`, when given, is the temporary sibling whose name a path may start with
 * (a file inside a temporary output folder is named inside `path`).
 * @example writeError(enospc, 'out.hmt').message === 'out.hmt: no space left on the device (write ENOSPC)'
 */
export function writeError(err: unknown, path: string, tmp?: string): unknown {
  if (!isFsError(err)) return err;
  let where = path;
  if (tmp !== undefined && err.path !== undefined && err.path.startsWith(`${tmp}/`)) where = path + err.path.slice(tmp.length);
  const e = fsUserError({ code: err.code, ...(err.syscall !== undefined ? { syscall: err.syscall } : {}), path: where });
  return new WriteError(e.message, e.exitCode);
}

/** True for a Node file-system error about a path, with a code listed in FS_ERROR_WORDS. */
export function isUserFsError(err: unknown): err is SystemError {
  if (!(err instanceof Error)) return false;
  const e = err as Partial<SystemError>;
  return isFsError(err) && typeof e.path === 'string';
}

/** System calls that change the file system: their failures are WriteErrors, the others InputErrors. */
const WRITING_CALLS: ReadonlySet<string> = new Set([
  'write',
  'mkdir',
  'mkdtemp',
  'rename',
  'unlink',
  'rmdir',
  'rm',
  'copyfile',
  'link',
  'symlink',
  'ftruncate',
  'fsync',
  'chmod',
  'utime',
  'futime',
]);

/**
 * The one-line UserError for a file-system error: a WriteError when the call writes, else an InputError.
 * @example fsUserError(enotdir).message === "out.hmt/x: a part of the path is a file, not a folder (mkdir ENOTDIR)"
 */
export function fsUserError(err: Pick<SystemError, 'code' | 'syscall' | 'path' | 'dest'>): UserError {
  const what = FS_ERROR_WORDS[err.code] ?? err.code;
  const op = [err.syscall, err.code].filter((s) => s !== undefined).join(' ');
  const dest = err.dest !== undefined ? ` -> ${err.dest}` : '';
  const message = `${err.path}${dest}: ${what} (${op})`;
  return err.syscall !== undefined && WRITING_CALLS.has(err.syscall) ? new WriteError(message) : new InputError(message);
}
