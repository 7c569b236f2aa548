/**
 * What a traced process's file descriptors refer to, as far as the page cache is concerned.
 *
 * An open file description (`OpenFile`) is shared by dup'ed descriptors and across fork, exactly as in
 * the kernel, so a file offset advanced by one descriptor is seen by the others. Kinds:
 * - `file`  — a regular file opened by path: its pages live in the page cache; reads and writes become
 *             `read`/`write` records at the tracked offset.
 * - `pipe`  — one end of a pipe: the kernel copies through pipe-buffer pages (which may be highmem), so
 *             transfers become `read`/`write` records on the pipe's own file id, at the stream position
 *             modulo PIPE_BUFFER_BYTES (the default pipe capacity, 16 pages).
 * - `other` — character devices, /proc, /sys, sockets and descriptors of unknown origin (inherited 0/1/2):
 *             no page-cache page is involved, so transfers produce only the `syscall` record.
 */

/** Default pipe capacity (16 pages): a pipe's data cycles through this many bytes of buffer pages. */
export const PIPE_BUFFER_BYTES = 16 * 4096;

export type OpenFileKind = 'file' | 'pipe' | 'other';

/** The byte stream of a pipe, shared by its two ends. */
export interface PipeStream {
  readonly fileId: number;
  /** Bytes written so far. */
  written: number;
  /** Bytes read so far. */
  read: number;
}

/** An open file description (struct file). */
export interface OpenFile {
  readonly kind: OpenFileKind;
  /** File id in the trace (≥ 1); 0 for `other`. */
  readonly fileId: number;
  /** Current file offset in bytes (regular files). */
  offset: number;
  /** Opened with O_APPEND: every write goes to the end of the file. */
  readonly append: boolean;
  /** The pipe stream (pipes only). */
  readonly pipe: PipeStream | null;
}

/** One descriptor slot: the description plus the per-descriptor close-on-exec flag. */
export interface FdEntry {
  readonly file: OpenFile;
  readonly cloexec: boolean;
}

/** A process's descriptor table. */
export type FdTable = Map<number, FdEntry>;

/** Paths whose files never sit in the page cache (devices and pseudo file systems). */
const NOT_PAGE_CACHE = /^\/(?:dev|proc|sys)\//;

/** Assigns file ids (1, 2, …) to paths and pipes, and tracks file sizes for O_APPEND writes. */
export class FileIds {
  private readonly byPath = new Map<string, number>();
  private readonly sizes = new Map<number, number>();
  private next = 1;

  /** The description for a successful open of `path`; `truncate` for O_TRUNC/creat. */
  open(path: string, append: boolean, truncate: boolean): OpenFile {
    if (NOT_PAGE_CACHE.test(path)) return { kind: 'other', fileId: 0, offset: 0, append, pipe: null };
    let id = this.byPath.get(path);
    if (id === undefined) {
      id = this.next++;
      this.byPath.set(path, id);
    }
    if (truncate) this.sizes.set(id, 0);
    return { kind: 'file', fileId: id, offset: 0, append, pipe: null };
  }

  /** The two ends (read, write) of a new pipe. */
  pipe(): [OpenFile, OpenFile] {
    const stream: PipeStream = { fileId: this.next++, written: 0, read: 0 };
    const end = (): OpenFile => ({ kind: 'pipe', fileId: stream.fileId, offset: 0, append: false, pipe: stream });
    return [end(), end()];
  }

  /** A description nothing is known about (sockets, inherited descriptors). */
  other(): OpenFile {
    return { kind: 'other', fileId: 0, offset: 0, append: false, pipe: null };
  }

  /** Known size of a file (the furthest byte written through the trace), 0 if unknown. */
  size(fileId: number): number {
    return this.sizes.get(fileId) ?? 0;
  }

  /** Records that bytes up to `end` exist in the file. */
  grow(fileId: number, end: number): void {
    if (end > this.size(fileId)) this.sizes.set(fileId, end);
  }

  /** Number of distinct paths and pipes seen. */
  get count(): number {
    return this.next - 1;
  }
}

/** A copy of a descriptor table for a forked child (descriptions shared, as fork does). */
export function forkFds(fds: FdTable): FdTable {
  return new Map(fds);
}

/**
 * Closes the close-on-exec descriptors, as a successful execve does (fs/exec.c do_close_on_exec, in
 * descriptor order), and returns the open files that lost their last descriptor, in the order of their
 * lowest one: those the kernel released (a file also held by a descriptor that stays open is not).
 */
export function execFds(fds: FdTable): OpenFile[] {
  const closed: OpenFile[] = [];
  for (const fd of [...fds.keys()].sort((x, y) => x - y)) {
    const entry = fds.get(fd)!;
    if (!entry.cloexec) continue;
    fds.delete(fd);
    if (!closed.includes(entry.file)) closed.push(entry.file);
  }
  const open = new Set([...fds.values()].map((e) => e.file));
  return closed.filter((f) => !open.has(f));
}

/**
 * The open file that closing descriptor `fd` releases: its file when no other descriptor of the table
 * refers to it (close drops the last reference), else undefined (a dup keeps it open), as undefined for
 * a descriptor not in the table.
 */
export function lastDescriptor(fds: FdTable, fd: number): OpenFile | undefined {
  const file = fds.get(fd)?.file;
  if (file === undefined) return undefined;
  for (const [other, entry] of fds) if (other !== fd && entry.file === file) return undefined;
  return file;
}
