/**
 * HMT on-disk constants: framing bytes, frame types and the limits a reader enforces before it
 * allocates anything. The byte-for-byte layout is specified in traces/README.md; this module is its
 * single source of numbers.
 *
 * File layout (all multi-byte framing integers big-endian, as MessagePack; column data little-endian):
 *
 *   header frame · (chunk frame · column bin × k)* · footer frame · end marker
 *
 * - frame:      0xc9 (msgpack ext 32) · u32 payload length · i8 frame type · payload (one msgpack map)
 * - column bin: 0xc4 / 0xc5 / 0xc6 (msgpack bin 8/16/32) · length · the column's little-endian bytes
 * - end marker: 0xd7 (msgpack fixext 8) · 0x45 ('E') · u64 byte offset of the footer frame
 */
import { HMT_2_0_KINDS, KIND_COUNT } from '../records.ts';

/** `magic` field of the header map. */
export const HMT_MAGIC = 'HMT';
/**
 * Format version written by this implementation: 2.0 (a stored content digest in the footer; narrow
 * columns), or 2.1 for a trace whose header declares `observed` mechanisms (a kernel capture's TLB
 * flushes: record kind 15, `tlbflush`), or 2.2 for one that declares `execCloses` (closes the kernel made
 * at an exec, flagged syscall records). Readers accept every version of majors 1 and 2 (HMT 1.0 and 1.1
 * files read unchanged); 2.0 includes the 1.1 additions (the header's `capture`, observed-fault flags,
 * kmap purposes).
 */
export const HMT_VERSION_MAJOR = 2;
export const HMT_VERSION_MINOR = 0;
/** The minor version of 2.x that adds the header's `observed` and the `tlbflush` record kind. */
export const HMT_OBSERVED_MINOR = 1;
/** The minor version of 2.x that adds `execCloses` (close-on-exec closes as kernel-made close records). */
export const HMT_EXEC_CLOSES_MINOR = 2;

/**
 * How many event kinds a trace of `version` ("major.minor") may hold, which is also the length of its
 * footer's `byKind`: 16 from HMT 2.1 (kind 15, tlbflush), 15 before (0..14).
 */
export function kindCountOf(version: string): number {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  return major > 2 || (major === 2 && minor >= HMT_OBSERVED_MINOR) ? KIND_COUNT : HMT_2_0_KINDS;
}
/** The major versions a reader accepts. */
export const HMT_READABLE_MAJORS: readonly number[] = [1, 2];

/**
 * Footer key of the content digest (HMT 2.0): the SHA-256, as 64 lowercase hex digits, of the
 * uncompressed bytes from the first byte of the file up to the first byte of the footer frame (the
 * header frame and every chunk with its columns). A `.hmt` and a `.hmt.gz` of the same trace have the
 * same digest; for a `.hmt` file it is `head -c FOOTER_OFFSET FILE | sha256sum`.
 */
export const DIGEST_KEY = 'sha256';

/** MessagePack type bytes used by the framing. */
export const MsgpackByte = {
  nil: 0xc0,
  bin8: 0xc4,
  bin16: 0xc5,
  bin32: 0xc6,
  ext32: 0xc9,
  fixext8: 0xd7,
} as const;

/** Frame types (the ext type byte of a frame). ASCII letters so a hex dump is readable. */
export const FrameType = {
  header: 0x48, // 'H'
  chunk: 0x43, // 'C'
  footer: 0x46, // 'F'
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** The fixext 8 type byte of the end marker ('E'). */
export const END_MARKER_TYPE = 0x45;

/** Bytes before a frame's payload: 0xc9, u32 length, type. */
export const FRAME_PREFIX_BYTES = 6;
/** Bytes of the end marker: 0xd7, 0x45, u64 footer offset. */
export const END_MARKER_BYTES = 10;

/** Hard limits a reader checks before trusting a count or a length (a corrupt file never allocates more). */
export const LIMITS = {
  /** Largest header frame payload, bytes. */
  headerBytes: 1 << 20,
  /** Largest chunk frame payload (the chunk's metadata map, not its columns), bytes. */
  chunkMetaBytes: 64 << 10,
  /** Largest footer frame payload, bytes. */
  footerBytes: 64 << 20,
  /** Most records in one chunk. */
  chunkRecords: 1 << 20,
  /** Most CPUs a header may declare. */
  cpus: 4096,
  /** Most columns a chunk may list (known and unknown). */
  columns: 64,
  /** Longest column name, characters. */
  columnName: 32,
  /** Largest element of an unknown (future) column, bytes. */
  unknownColumnElementBytes: 16,
  /** Most maps and arrays in one frame's payload (a footer index of 2^21 chunks), checked before decoding. */
  frameContainers: 1 << 21,
  /** Deepest nesting of maps and arrays in a frame's payload (provenance included), checked before decoding. */
  frameDepth: 32,
} as const;

/** Records per chunk the writer uses unless told otherwise. */
export const DEFAULT_CHUNK_RECORDS = 65_536;

/** Bytes per element of each column element type. */
export const ELEMENT_BYTES = { u8: 1, u32: 4, f64: 8 } as const;
