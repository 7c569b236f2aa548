/**
 * The chunk checksum: CRC-32 (IEEE 802.3, the zlib/gzip/PNG polynomial, as Python's `zlib.crc32`) over
 * the chunk's cpu and record count as two little-endian u32, followed by, for every column the chunk
 * lists and in the listed order, the column's name in UTF-8, (HMT 2.0) one byte holding its stored
 * element width, and then its bytes as stored (bin headers not included). Covering the names and widths
 * means a corrupted column list or width list is detected too.
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

/** Continues an HMT 2.0 checksum over a column: its name, its element width (one byte), then its bytes. */
export function crcColumnWidth(crc: number, name: string, width: number, bytes: Uint8Array): number {
  return crcUpdate(crc32(WIDTH_BYTE[width]!, crc32(name, crc)), bytes);
}

/** The one-byte arrays of each width (no allocation per column). */
const WIDTH_BYTE: Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));

/** Continues a checksum over `bytes`. */
export function crcUpdate(crc: number, bytes: Uint8Array): number {
  return bytes.length === 0 ? crc : crc32(bytes, crc);
}

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(a: Uint8Array | Uint32Array | Float64Array): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
