/**
 * Reading a small input document (a cost model, a scenario, a baseline): it must be a regular file — a
 * FIFO, socket or device would block a read forever or never end — of at most MAX_DOCUMENT_BYTES.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.ts';

/** Largest input document read whole: 16 MiB (the shipped models and scenarios are under 20 KiB). */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** What a non-regular file is, for the message. */
function kindOf(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * The text of the document at `path`, named `ref` in messages. Opened without blocking (O_NONBLOCK: a
 * FIFO with no writer does not hang the open), then refused unless it is a regular file within the size
 * bound. A file that cannot be opened throws the file-system error (the caller words it).
 */
export function readDocument(path: string, ref: string, what: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputError(`${ref}: is ${kindOf(st)} (expected ${what}, a regular file)`);
    if (st.size > MAX_DOCUMENT_BYTES)
      throw new InputError(`${ref}: is ${st.size} bytes (expected ${what} of at most ${MAX_DOCUMENT_BYTES} bytes)`);
    const buf = Buffer.alloc(st.size);
    let done = 0;
    while (done < buf.length) {
      const n = readSync(fd, buf, done, buf.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
