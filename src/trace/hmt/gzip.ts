/**
 * Gzip handling for traces and importer inputs: detection by magic bytes (never by file name) and
 * decompression through node:zlib streams.
 */
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { UserError, InputError } from '../../errors.ts';

/** The two magic bytes every gzip member starts with (RFC 1952). */
export const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** True when `bytes` starts with the gzip magic. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * A byte stream, decompressed when it starts with the gzip magic (all concatenated members), as is
 * otherwise. Looks at the first chunk only; nothing is buffered beyond it. Corrupt or truncated gzip
 * data is a UserError naming `file`.
 */
export async function* gunzipIfNeeded(input: AsyncIterable<Uint8Array | string>, file: string): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  let first = await it.next();
  while (!first.done && toBuffer(first.value).length < 2) {
    // A stream may deliver a 1-byte first chunk: join until two bytes are known or the input ends.
    const more = await it.next();
    if (more.done) break;
    first = { done: false, value: Buffer.concat([toBuffer(first.value), toBuffer(more.value)]) };
  }
  if (first.done) return;
  const head = toBuffer(first.value);
  const rest: AsyncIterable<Buffer> = {
    async *[Symbol.asyncIterator]() {
      yield head;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield toBuffer(r.value);
      }
    },
  };
  if (!isGzip(head)) {
    yield* rest;
    return;
  }
  // 1 MiB output chunks (zlib's default is 16 KiB): fewer, larger blocks for the line parsers.
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  const source = Readable.from(rest);
  source.on('error', (err) => gunzip.destroy(err));
  source.pipe(gunzip);
  let delivered = 0;
  try {
    for await (const chunk of iterate(gunzip, file, () => delivered)) {
      delivered += chunk.length;
      yield chunk;
    }
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  return typeof chunk === 'string'
    ? Buffer.from(chunk, 'latin1')
    : Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Iterates a gunzip stream, turning zlib failures into a UserError. */
async function* iterate(gunzip: AsyncIterable<unknown>, file: string, delivered: () => number): AsyncGenerator<Buffer> {
  const it = gunzip[Symbol.asyncIterator]();
  for (;;) {
    let r: IteratorResult<unknown>;
    try {
      r = await it.next();
    } catch (err) {
      if (err instanceof UserError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new InputError(
        `${file}: gzip data is corrupt or truncated after ${delivered()} ` +
          `decompressed bytes: ${e.message} (expected a complete gzip stream)`,
      );
    }
    if (r.done) return;
    yield r.value as Buffer;
  }
}
