import { UsageError } from '../errors.ts';

/**
 * Human sizes, accepted at the edge only (flags, config files): plain bytes (`4096`), hex (`0xbffe0000`),
 * or a number with a binary suffix K/M/G/T (optionally followed by `i`/`iB`/`B`), e.g. `4KiB`, `3G`, `512M`.
 * Suffixes are powers of 1024, as in the kernel's `memparse()`.
 *
 * @param what  the option or field name, used in the error message (e.g. `--ram`)
 * @param value the text to parse
 * @returns the size in bytes (a safe integer)
 * @example parseSize('--ram', '3G') === 3221225472
 */
export function parseSize(what: string, value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
    throw new UsageError(`${what}: '${value}' is not a size (expected a non-negative integer number of bytes)`);
  }
  const text = value.trim();
  const hex = /^0x([0-9a-f]+)$/i.exec(text);
  if (hex) {
    const n = Number.parseInt(hex[1]!, 16);
    if (Number.isSafeInteger(n)) return n;
  }
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text);
  if (m) {
    const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
    const n = Number(m[1]) * mult;
    if (Number.isSafeInteger(n)) return n;
  }
  throw new UsageError(
    `${what}: '${value}' is not a size (expected bytes, hex like 0xbffe0000, or a number with K/M/G/T suffix like 512M)`,
  );
}

/** Parses a non-negative integer option value, e.g. `--nr-cpus 4`. */
export function parseCount(what: string, value: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${what}: '${value}' is not an integer in [${min}, ${max}]`);
  }
  return n;
}

/** Parses an address (hex `0x…` or decimal) such as `0xc0000000`. */
export function parseAddress(what: string, value: string): number {
  const t = value.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`${what}: '${value}' is not an address (expected hex like 0xc0000000 or a decimal integer)`);
  }
  return n;
}
