/**
 * The one JSON reader for every document a user can hand hmsim (cost models, device profiles, kernel
 * profiles and their footprints, scenarios, baselines, calibration experiments).
 *
 *   file ──readDocument──► text ──nestingDepth ≤ 32──► JSON.parse ──► value (no prototype keys)
 *                                                        │ fails
 *                                                        └──► jsonc-parser (strict JSON) ──► line, column, reason
 *
 * JSON.parse does the work (fast, no recursion limit to hit); the depth bound is checked on the text
 * first, by an iterative scan, so nothing after it — jsonc-parser's recursive descent, validators, the
 * model merger — meets a document deeper than MAX_JSON_DEPTH. jsonc-parser (Microsoft's parser behind
 * VS Code's JSON support) locates syntax errors for messages with a line and column. A message never
 * quotes the file's content.
 */
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type ParseError, type ParseErrorCode } from 'jsonc-parser';
import { UserError, InputError } from '../errors.ts';
import { readDocument } from './read-input.ts';

/** Deepest nesting of objects and arrays a document may have (the shipped ones nest at most 5 deep). */
export const MAX_JSON_DEPTH = 32;

/**
 * Names that reach an object's prototype rather than a key of it (`x.__proto__.y = 1` writes into
 * Object.prototype). No hmsim document has a key with one of these names, so a document naming one is refused.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The first forbidden key anywhere in a JSON value (iteratively, so a deep value cannot overflow the stack). */
export function forbiddenKeyIn(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) return k;
      stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return undefined;
}

/** How deeply objects and arrays nest in a JSON value (iteratively: any depth is measured safely). */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) max = d + 1;
    for (const x of Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
  }
  return max;
}

/**
 * The deepest bracket nesting of JSON `text` (strings skipped, escapes honoured), and the offset where it
 * first went past `limit` (−1 when it did not). Iterative; for text that is not JSON it is still a bound.
 */
export function nestingDepth(text: string, limit = MAX_JSON_DEPTH): { depth: number; overAt: number } {
  let depth = 0;
  let max = 0;
  let overAt = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit && overAt < 0) overAt = i;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { depth: max, overAt };
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

/** Words for jsonc-parser's error codes (what was expected at the position). */
const REASONS: Partial<Record<string, string>> = {
  InvalidSymbol: 'expected a value',
  InvalidNumberFormat: 'expected a number (no leading zeros, digits after the point)',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the property name",
  EndOfFileExpected: 'expected the end of the document after the value',
  InvalidCommentToken: 'expected no comment (comments are not JSON)',
  UnexpectedEndOfComment: 'expected no comment (comments are not JSON)',
  UnexpectedEndOfString: 'expected the closing quote of the string',
  UnexpectedEndOfNumber: 'expected digits',
  InvalidUnicode: 'expected four hex digits after \\u',
  InvalidEscapeCharacter: 'expected an escape such as \\n or \\" after the backslash',
  InvalidCharacter: 'expected no control character in a string (escape it)',
};

/** The innermost object or array open at `offset` ('{', '[', or null at the top level). */
function containerAt(text: string, offset: number): '{' | '[' | null {
  const open: number[] = [];
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < offset && i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) open.push(c);
    else if (c === 0x5d || c === 0x7d) open.pop();
  }
  const top = open[open.length - 1];
  return top === undefined ? null : top === 0x7b ? '{' : '[';
}

/**
 * What stands at `offset`, without quoting the file: end of input, a structural character (shown: it
 * is syntax, not content), or the kind of token (a word, a number, a character).
 */
function foundAt(text: string, offset: number): string {
  if (offset >= text.length) return 'end of input';
  const ch = text[offset]!;
  if ('{}[],:"'.includes(ch)) return `'${ch}'`;
  if (/[0-9-]/.test(ch)) return 'a number';
  if (/[A-Za-z_]/.test(ch)) return 'a word';
  return `a character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first syntax error of strict JSON `text` (offset and reason), or null when it is JSON. Depth ≤ MAX_JSON_DEPTH only. */
export function jsonSyntaxError(text: string): { offset: number; reason: string } | null {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return null;
  const code = printParseErrorCode(first.error as ParseErrorCode);
  let expected = REASONS[code];
  if (expected === undefined) {
    // CommaExpected, CloseBraceExpected, CloseBracketExpected: what may follow depends on the container.
    expected =
      containerAt(text, first.offset) === '[' ? "expected ',' or ']' after an element" : "expected ',' or '}' after a property value";
  }
  return { offset: first.offset, reason: `${expected}, found ${foundAt(text, first.offset)}` };
}

/** Parses JSON text: the value, or a message with the line and column of the first problem. */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const { depth, overAt } = nestingDepth(text);
  if (overAt >= 0) {
    const { line, column } = lineColumn(text, overAt);
    return {
      ok: false,
      message: `nests objects and arrays ${depth} deep at line ${line} column ${column} (expected at most ${MAX_JSON_DEPTH})`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    const where = jsonSyntaxError(text) ?? { offset: 0, reason: 'expected a JSON value' };
    const { line, column } = lineColumn(text, where.offset);
    return { ok: false, message: `invalid JSON at line ${line} column ${column}: ${where.reason}` };
  }
  const forbidden = forbiddenKeyIn(value);
  if (forbidden !== undefined)
    return { ok: false, message: `has a key '${forbidden}' (not a key of any hmsim document; it would reach the object's prototype)` };
  return { ok: true, value };
}

/**
 * Reads the JSON document at `path` (a regular file of at most 16 MiB), named `ref` in messages, `what`
 * saying what it should be ("a JSON model document"). UserError with one line for every problem.
 */
export function readJsonFile(path: string, ref: string, what: string): unknown {
  return readJsonDocument(path, ref, what).value;
}

/** readJsonFile, with the text read (for positionOf). */
export function readJsonDocument(path: string, ref: string, what: string): { value: unknown; text: string } {
  let text: string;
  try {
    text = readDocument(path, ref, what);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${ref}: cannot read (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}; expected ${what})`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new InputError(`${ref}: ${parsed.message}`);
  return { value: parsed.value, text };
}

let lastTree: { text: string; root: ReturnType<typeof parseTree> } | undefined;

/**
 * Where the value at `path` (object keys and array indexes) stands in JSON `text` that parsed: the line and
 * column of its key (of the element itself inside an array), or undefined when the text has no such value.
 */
export function positionOf(text: string, path: ReadonlyArray<string | number>): { line: number; column: number } | undefined {
  // One parse per text, however many values are looked up in it (a file with many problems).
  if (lastTree?.text !== text) lastTree = { text, root: parseTree(text) };
  const root = lastTree.root;
  const node = root === undefined ? undefined : findNodeAtLocation(root, [...path]);
  if (node === undefined) return undefined;
  const at = node.parent?.type === 'property' ? node.parent.offset : node.offset;
  return lineColumn(text, at);
}

/** `/watch/2/rule` → `$.watch[2].rule`; keys that are not identifiers are quoted: `$.params["a-b"]`. */
export function pointerToJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return (
    '$' +
    parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('')
  );
}
