/**
 * Sequential byte input for the HMT reader: a source (a file read with positioned reads, or a stream such
 * as gunzip output) behind a small look-ahead buffer. Large reads go straight into the caller's typed
 * array, so column data is copied once, from the OS (or the decompressor) into its column.
 */
import { closeSync, readSync } from 'node:fs';
import type { Hash } from 'node:crypto';

/** Where bytes come from. `read` fills up to `into.length` bytes and returns how many (0 = end). */
export interface ByteSource {
  read(into: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/**
 * A file read front to back with positioned synchronous reads (from the page cache a read is a memcpy;
 * a thread-pool round trip per read would cost more than the copy). Every byte read is fed to `hash`
 * when given.
 */
export class FileByteSource implements ByteSource {
  private position = 0;
  constructor(
    private readonly fd: number,
    private readonly hash?: Hash,
  ) {}

  async read(into: Uint8Array): Promise<number> {
    if (into.length === 0) return 0;
    const bytesRead = readSync(this.fd, into, 0, into.length, this.position);
    this.position += bytesRead;
    if (this.hash !== undefined && bytesRead > 0) this.hash.update(into.subarray(0, bytesRead));
    return bytesRead;
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

/**
 * Bytes from an async stream of chunks. `mapError(err, delivered)` turns a stream failure (e.g. corrupt
 * gzip) into the error to throw, given how many bytes had been delivered before it.
 */
export class StreamByteSource implements ByteSource {
  private leftover: Uint8Array = new Uint8Array(0);
  private delivered = 0;
  private done = false;
  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    private readonly mapError: (err: unknown, delivered: number) => Error,
    private readonly onClose: () => void,
  ) {}

  async read(into: Uint8Array): Promise<number> {
    let n = 0;
    while (n < into.length) {
      if (this.leftover.length === 0) {
        if (this.done) break;
        let r: IteratorResult<Uint8Array>;
        try {
          r = await this.it.next();
        } catch (err) {
          this.done = true;
          throw this.mapError(err, this.delivered + n);
        }
        if (r.done) {
          this.done = true;
          break;
        }
        this.leftover = r.value;
        continue;
      }
      const take = Math.min(this.leftover.length, into.length - n);
      into.set(this.leftover.subarray(0, take), n);
      this.leftover = this.leftover.subarray(take);
      n += take;
    }
    this.delivered += n;
    return n;
  }

  async close(): Promise<void> {
    this.onClose();
    await this.it.return?.();
  }
}

/** Look-ahead buffer size: small reads (frame prefixes, metadata) are served from it. */
const LOOKAHEAD_BYTES = 64 << 10;

/** A position-tracking reader over a ByteSource. */
export class ByteReader {
  private readonly buf = new Uint8Array(LOOKAHEAD_BYTES);
  private start = 0;
  private end = 0;
  private consumed = 0;
  private eof = false;
  /** When set, every consumed byte (skipped or read) is fed to it, in order: the content digest. */
  tap: Hash | undefined;

  constructor(private readonly source: ByteSource) {}

  /** Absolute offset of the next unread byte. */
  get position(): number {
    return this.consumed;
  }

  /** Up to `k` (≤ 64 KiB) next bytes without consuming them; fewer only at the end of the input. */
  async peek(k: number): Promise<Uint8Array> {
    if (this.end - this.start < k && !this.eof) {
      if (this.start > 0) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      while (this.end < k && !this.eof) {
        const got = await this.source.read(this.buf.subarray(this.end));
        if (got === 0) this.eof = true;
        this.end += got;
      }
    }
    return this.buf.subarray(this.start, Math.min(this.end, this.start + k));
  }

  /** Consumes `k` bytes that `peek` returned. */
  skip(k: number): void {
    if (this.tap !== undefined) this.tap.update(this.buf.subarray(this.start, this.start + k));
    this.start += k;
    this.consumed += k;
  }

  /** Reads up to `dest.length` bytes into `dest`; returns how many (fewer only at the end of the input). */
  async readInto(dest: Uint8Array): Promise<number> {
    const buffered = Math.min(this.end - this.start, dest.length);
    dest.set(this.buf.subarray(this.start, this.start + buffered));
    this.start += buffered;
    let n = buffered;
    while (n < dest.length && !this.eof) {
      const got = await this.source.read(dest.subarray(n));
      if (got === 0) this.eof = true;
      n += got;
    }
    this.consumed += n;
    if (this.tap !== undefined && n > 0) this.tap.update(dest.subarray(0, n));
    return n;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return (await this.peek(1)).length === 0;
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}
