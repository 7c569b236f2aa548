import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, so equal data always gives equal text.
 * @example canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }) === '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Hex sha256 of the given texts joined by NUL bytes. */
export function sha256(...texts: readonly string[]): string {
  const h = createHash('sha256');
  texts.forEach((t, i) => {
    if (i > 0) h.update('\u0000');
    h.update(t, 'utf8');
  });
  return h.digest('hex');
}
