/**
 * Every user-facing message of the HMT reader and writer, in one place so tests can assert exact wording.
 * Each is one line: `FILE at byte N: problem (expected …)` (errors.ts `at`).
 */
import { InputError, type UserError, at } from '../../errors.ts';

/** Hex dump of a few bytes: "c9 00 00 00 2a 48". */
export function hexBytes(bytes: Uint8Array, max = 8): string {
  const parts: string[] = [];
  for (let i = 0; i < Math.min(bytes.length, max); i++) parts.push(bytes[i]!.toString(16).padStart(2, '0'));
  return parts.join(' ') + (bytes.length > max ? ' …' : '');
}

/** A value for a message: JSON-ish, short. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (value instanceof Uint8Array) return `${value.length} bytes of binary`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'a map';
}

/**
 * A trace that reads as HMT but whose bytes disagree with what it stores about them (a chunk or header
 * checksum, the footer's totals): the file was damaged after it was written. Still bad input (exit 2) for
 * every command but `hmsim trace verify`, whose answer it is (exit 1).
 */
export class TraceIntegrityError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'TraceIntegrityError';
  }
}

/** Builds the UserError for a problem at a byte offset of a trace file (`integrity`: a TraceIntegrityError). */
export function traceError(file: string, byte: number, problem: string, integrity = false): UserError {
  const message = `${at(file, { byte })}: ${problem}`;
  return integrity ? new TraceIntegrityError(message) : new InputError(message);
}

export const HmtMessage = {
  empty: () => 'empty file (expected an HMT header frame)',
  badMagicBytes: (got: Uint8Array) =>
    `not an HMT trace: bad magic bytes ${hexBytes(got, 6)} (expected an HMT header frame: c9 LL LL LL LL 48)`,
  badMagicField: (got: unknown) => `not an HMT trace: header magic is ${show(got)} (expected "HMT")`,
  unknownMajor: (major: number, supported: readonly number[]) =>
    `unknown HMT major version ${major} (expected ${supported.join(' or ')}; this file needs a newer hmsim)`,
  truncated: (what: string, expected: number, got: number) =>
    `truncated ${what}: the file ends after ${got} of its ${expected} bytes (expected the complete ${what})`,
  absurdLength: (what: string, length: number, limit: number) => `absurd ${what} length ${length} bytes (expected at most ${limit})`,
  unexpectedFrameByte: (got: number) => `unexpected byte 0x${got.toString(16).padStart(2, '0')} (expected a frame: 0xc9 ext 32)`,
  unknownFrameType: (got: number) => `unknown frame type 0x${got.toString(16).padStart(2, '0')} (expected 0x43 chunk or 0x46 footer)`,
  secondHeader: () => 'a second header frame (expected a chunk or footer frame)',
  badMsgpack: (what: string, detail: string) => `${what} is not valid MessagePack: ${detail} (expected one map)`,
  notAMap: (what: string, got: unknown) => `${what} is ${show(got)} (expected a MessagePack map)`,
  badField: (what: string, field: string, got: unknown, expected: string) =>
    `${what} field '${field}' is ${show(got)} (expected ${expected})`,
  cpuOutOfRange: (cpu: number, cpus: number) =>
    `chunk is for CPU ${cpu} but the header declares ${cpus} CPU${cpus === 1 ? '' : 's'} (expected 0..${cpus - 1})`,
  duplicateColumn: (name: string) => `chunk lists column '${name}' twice (expected each column at most once)`,
  badColumnHeader: (name: string, got: number) =>
    `column '${name}' starts with byte 0x${got.toString(16).padStart(2, '0')} (expected a MessagePack bin: 0xc4, 0xc5 or 0xc6)`,
  columnLength: (name: string, got: number, records: number, elementBytes: number) =>
    `column '${name}' has ${got} bytes (expected ${records} records × ${elementBytes} = ${records * elementBytes})`,
  columnWidth: (name: string, got: number, allowed: readonly number[]) =>
    `column '${name}' has element width ${got} (expected ${allowed.join(', ')} bytes)`,
  narrowColumnLength: (name: string, got: number, records: number, width: number) =>
    `column '${name}' has ${got} bytes (expected ${records} records × ${width} ` +
    `= ${records * width}, or ${width} for one value of every record)`,
  unknownColumnLength: (name: string, got: number, records: number, limit: number) =>
    `unknown column '${name}' has ${got} bytes (expected a multiple of ${records} records of at most ${limit} bytes each)`,
  checksum: (stored: number, computed: number) =>
    `chunk checksum mismatch: stored 0x${stored.toString(16).padStart(8, '0')}, computed ` +
    `0x${computed.toString(16).padStart(8, '0')} (expected equal: the chunk is corrupt)`,
  missingFooter: (chunks: number) =>
    `the file ends after ${chunks} chunk${chunks === 1 ? '' : 's'} without a footer (expected ` +
    `a footer frame: the header says the writer writes one, so the file is truncated)`,
  footerMismatch: (what: string, footer: number, counted: number) =>
    `footer says ${footer} ${what} but the chunks hold ${counted} (expected equal)`,
  badEndMarker: (got: Uint8Array) => `bad end marker ${hexBytes(got, 10)} (expected d7 45 and the footer offset)`,
  endMarkerOffset: (got: number, footerAt: number) => `end marker points to byte ${got} (expected the footer frame at byte ${footerAt})`,
  headerCrc: (footer: number, computed: number) =>
    `footer says the header's CRC-32 is 0x${footer.toString(16).padStart(8, '0')} but it ` +
    `is 0x${computed.toString(16).padStart(8, '0')} (expected equal: the header is corrupt)`,
  digestMismatch: (stored: string, computed: string) =>
    `content sha256 mismatch: the footer stores ${stored}, the content hashes to ${computed} (expected equal: the trace is corrupt)`,
  trailingData: () => 'unexpected data after the end marker (expected the end of the file)',
  gzip: (detail: string) => `gzip data is corrupt or truncated: ${detail} (expected a complete gzip stream)`,
  tooManyContainers: (what: string, got: number, limit: number) => `${what} holds ${got} maps and arrays (expected at most ${limit})`,
  tooDeep: (what: string, got: number, limit: number) => `${what} nests maps and arrays ${got} deep (expected at most ${limit})`,
  badRecord: (index: number, problem: string) => `record ${index} of the chunk has ${problem}`,
  cpuOfRecord: (cpu: number, cpus: number) =>
    `record for CPU ${cpu} but the trace was opened with ${cpus} CPU${cpus === 1 ? '' : 's'} (expected 0..${cpus - 1})`,
} as const;
