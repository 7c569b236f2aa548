/**
 * The one JSON reader (src/io/json.ts): positions of syntax errors, the nesting bound checked on the text
 * before anything recursive runs, prototype keys, and the same answers through every command that reads
 * a user's JSON (model, scenario).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonSyntaxError, MAX_JSON_DEPTH, nestingDepth, parseJsonText, readJsonFile } from '../../src/io/json.ts';
import { InputError } from '../../src/errors.ts';
import { runCaptured } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseJsonText', () => {
  it('gives the value of valid JSON', () => {
    expect(parseJsonText('{"a": [1, 2, {"b": null}]}')).toEqual({ ok: true, value: { a: [1, 2, { b: null }] } });
  });

  it.each([
    ['{"a": tru}', 'invalid JSON at line 1 column 7: expected a value, found a word'],
    ['{"a": 1,}', "invalid JSON at line 1 column 9: expected a property name in double quotes, found '}'"],
    ['[1 2]', "invalid JSON at line 1 column 4: expected ',' or ']' after an element, found a number"],
    ['{\n  "a": 1\n  "b": 2\n}', "invalid JSON at line 3 column 3: expected ',' or '}' after a property value, found '\"'"],
    ['{"a": 1 // note\n}', 'invalid JSON at line 1 column 9: expected no comment (comments are not JSON), found a character U+002F'],
    ['', 'invalid JSON at line 1 column 1: expected a value, found end of input'],
  ])('%j → %s', (text, message) => {
    expect(parseJsonText(text)).toEqual({ ok: false, message });
  });

  it('never quotes the text (only structural characters and kinds of token)', () => {
    const r = parseJsonText('root:x:0:0:SECRET:/root:/bin/bash');
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('SECRET');
    expect(JSON.stringify(r)).not.toContain('root');
  });

  it('refuses a prototype key anywhere', () => {
    expect(parseJsonText('{"a": [{"__proto__": {"x": 1}}]}')).toEqual({
      ok: false,
      message: "has a key '__proto__' (not a key of any hmsim document; it would reach the object's prototype)",
    });
  });
});

describe('nesting', () => {
  it('is measured on the text, strings and escapes skipped', () => {
    expect(nestingDepth('{"a": "[[[\\"{{{", "b": [[1]]}')).toEqual({ depth: 3, overAt: -1 });
    expect(nestingDepth('[[[', 2)).toEqual({ depth: 3, overAt: 2 });
  });

  it(`${MAX_JSON_DEPTH} deep is read; ${MAX_JSON_DEPTH + 1} deep is refused with its position`, () => {
    const ok = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(parseJsonText(ok).ok).toBe(true);
    const deep = '{"x":\n' + '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH) + '}';
    // The object is depth 1; the 32nd '[' (column 32 of line 2) reaches depth 33.
    expect(parseJsonText(deep)).toEqual({
      ok: false,
      message: 'nests objects and arrays 33 deep at line 2 column 32 (expected at most 32)',
    });
  });

  it('an unclosed 1,000,000-deep document is one message, not a stack overflow (the recursive scanner overflowed)', () => {
    const text = '['.repeat(1_000_000);
    expect(() => jsonSyntaxError('['.repeat(100))).not.toThrow();
    expect(parseJsonText(text)).toEqual({
      ok: false,
      message: 'nests objects and arrays 1000000 deep at line 1 column 33 (expected at most 32)',
    });
  });
});

describe('readJsonFile and the commands that read JSON', () => {
  it('names the file; a missing file says so', () => {
    expect(() => readJsonFile(join(dir, 'none.json'), 'none.json', 'a JSON thing')).toThrow(
      new InputError('none.json: cannot read (no such file; expected a JSON thing)'),
    );
  });

  it('a model and a scenario 1,000,000 deep and unclosed: one line each, exit 2', async () => {
    const model = join(dir, 'deep-model.json');
    writeFileSync(model, '{"extends": "core2", "x": ' + '['.repeat(1_000_000));
    const r = await runCaptured(['models', 'show', model]);
    expect(r.stderr).toBe(`hmsim: ${model}: nests objects and arrays 1000001 deep at line 1 column 58 (expected at most 32)\n`);
    expect(r.code).toBe(2);
    const scenario = join(dir, 'deep-scenario.json');
    writeFileSync(scenario, '['.repeat(1_000_000));
    const c = await runCaptured(['check', scenario]);
    expect(c.stderr).toBe(`hmsim: ${scenario}: nests objects and arrays 1000000 deep at line 1 column 33 (expected at most 32)\n`);
    expect(c.code).toBe(2);
  });
});
