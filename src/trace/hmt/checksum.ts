/**
 * The chunk checksum of HMT v1: CRC-32 (IEEE 802.3, the zlib/gzip/PNG polynomial, as Python's
 * `zlib.crc32`) over the chunk's cpu and record count as two little-endian u32, followed by, for every
 * column the chunk lists and in the listed order, the column's name in UTF-8 and then its bytes (bin
 * headers not included). Covering the names means a corrupted column list is detected too.
 */
import { crc32 } from 'node:zlib';

/** Starts a chunk checksum: CRC-32 of u32le(cpu) · u32le(records). */
export function chunkCrcStart(cpu: number, records: number): number {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, cpu, true);
  v.setUint32(4, records, true);
  return crc32(b);
}

/** Continues a checksum over a column: its name, then its bytes. */
export function crcColumn(crc: number, name: string, bytes: Uint8Array): number {
  return crcUpdate(crc32(name, crc), bytes);
}

/** Continues a checksum over `bytes`. */
export function crcUpdate(crc: number, bytes: Uint8Array): number {
  return bytes.length === 0 ? crc : crc32(bytes, crc);
}

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(a: Uint8Array | Uint32Array | Float64Array): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
