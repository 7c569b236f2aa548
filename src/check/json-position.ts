import { findJsonSyntaxError } from './json-syntax.ts';

/**
 * Positions in JSON text for error messages: a JSON Pointer from a validator turned into the JSONPath
 * people read (`/watch/2/rule` → `$.watch[2].rule`), and a character offset turned into line:column.
 */

/** `/watch/2/rule` → `$.watch[2].rule`; keys that are not identifiers are quoted: `$.params["a-b"]`. */
export function pointerToJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return (
    '$' +
    parts
      .map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`))
      .join('')
  );
}

/** 1-based line and column of character `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses JSON, turning a syntax error into "invalid JSON at line L column C: <reason>".
 * Returns the value or the message.
 */
export function parseJsonWithPosition(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const where = findJsonSyntaxError(text) ?? { offset: 0, reason: (err as Error).message.split('\n')[0] ?? 'not JSON' };
    const { line, column } = lineColumn(text, where.offset);
    return { ok: false, message: `invalid JSON at line ${line} column ${column}: ${where.reason}` };
  }
}
