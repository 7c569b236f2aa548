/**
 * Property tests: the cost-model loader (src/models/load.ts) fed random JSON, damaged copies of a shipped
 * model and random `--set` overrides either loads a model or throws one UserError (exit code 2) whose first
 * line names the model file — never another error, never a hang (per-case time budget via fast-check's
 * `timeout`). A model's problems are listed one per line after that first line (src/models/problems.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../src/errors.ts';
import { loadModel } from '../../src/models/load.ts';
import { PARAMS } from '../../src/models/keys.ts';
import { mutation, mutate } from './mutate.ts';

const FC = { seed: 9010, numRuns: 60, timeout: 5000 } as const;
const dir = mkdtempSync(join(tmpdir(), 'hmsim-model-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CORE2_TEXT = readFileSync('models/core2.json', 'utf8');
const CORE2 = JSON.parse(CORE2_TEXT) as Record<string, unknown>;
let n = 0;

/** Loads `text` as a model file: a model, or the UserError it threw (anything else fails the test). */
async function loadText(text: string | Uint8Array, sets: readonly string[] = []): Promise<{ path: string; error?: UserError }> {
  const path = join(dir, `m${n++}.json`);
  writeFileSync(path, text);
  try {
    await loadModel(path, sets);
    return { path };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return { path, error: err };
  }
}

/** The documented failure: exit code 2 and a first line that names the model file. */
function expectDocumented(outcome: { path: string; error?: UserError }): void {
  if (outcome.error === undefined) return;
  expect(outcome.error.exitCode).toBe(2);
  const first = outcome.error.message.split('\n')[0]!;
  expect(first).toContain(outcome.path);
}

/** Every JSON path of leaves in `doc` (objects and arrays walked). */
function leafPaths(doc: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (doc !== null && typeof doc === 'object') {
    const entries = Array.isArray(doc) ? doc.map((v, i) => [i, v] as const) : Object.entries(doc);
    return entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [prefix];
}

/** A copy of `doc` with the value at `path` replaced by `value`. */
function replaceAt(doc: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = (Array.isArray(doc) ? [...doc] : { ...(doc as Record<string, unknown>) }) as Record<string | number, unknown>;
  copy[head!] = replaceAt(copy[head!], rest, value);
  return copy;
}

const CORE2_LEAVES = leafPaths(CORE2);
const KEYS = PARAMS.map((p) => p.key);

describe('model loader under hostile input (property)', () => {
  it('loads the untouched copy of a shipped model (the damage below starts from a good file)', async () => {
    // The copy is not under models/, so its sources are not required; its name stays 'core2'.
    expect((await loadText(CORE2_TEXT)).error).toBeUndefined();
  });

  it('answers any JSON value with a model or a UserError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (v) => expectDocumented(await loadText(JSON.stringify(v)))),
      FC,
    );
  });

  it('answers a shipped model with one value replaced anywhere the same way', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CORE2_LEAVES), fc.jsonValue({ maxDepth: 2 }), async (path, value) => {
        expectDocumented(await loadText(JSON.stringify(replaceAt(CORE2, path, value))));
      }),
      FC,
    );
  });

  it('answers byte-level damage of a model file (flipped, cut, spliced) the same way', async () => {
    const bytes = Buffer.from(CORE2_TEXT, 'utf8');
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => expectDocumented(await loadText(mutate(bytes, m)))),
      FC,
    );
  });

  it('answers random --set overrides (known and unknown keys, any value) the same way', async () => {
    const setText = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(...KEYS),
          fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('+20%', '-100%', '1e308', 'NaN', '-1', '0x10', '[1,2]', '{}')),
        )
        .map(([k, v]) => `${k}=${v}`),
      fc.string({ maxLength: 30 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(setText, { maxLength: 4 }), async (sets) => expectDocumented(await loadText(CORE2_TEXT, sets))),
      FC,
    );
  });
});
