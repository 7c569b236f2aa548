import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../../src/io/json.ts';
import { compileScenarioSchema, loadScenario } from '../../src/check/load-scenario.ts';
import { UserError } from '../../src/errors.ts';
import { scratchDirs } from './scratch.ts';

const tmp = scratchDirs();
afterAll(() => tmp.cleanup());
const dir = tmp.make('fuzz');
const validate = compileScenarioSchema();

const VALID = {
  trace: { generator: 'database', params: { cpus: 2 }, seed: 1 },
  config: '3g1g-highmem',
  reference: 'x86_64',
  model: 'core2',
  replications: 3,
  watch: [
    { metric: 'cycles.breakdown.*', rule: { kind: 'relative', tolerance: 0.001 } },
    { metric: 'overhead(cycles.total)', rule: { kind: 'statistical', test: 'permutation' } },
  ],
};

/** Loads `text` as a scenario file: either a Scenario or a one-line UserError naming the file. */
async function outcome(text: string): Promise<'ok' | 'user-error'> {
  const file = join(dir, 'fuzz.json');
  writeFileSync(file, text);
  try {
    await loadScenario(file, validate, 'scenarios/fuzz.json');
    return 'ok';
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    expect(err.message.startsWith('scenarios/fuzz.json: ')).toBe(true);
    expect(err.message).not.toContain('\n');
    return 'user-error';
  }
}

/** Replaces the value at a random place of a JSON value with another random JSON value. */
function mutate(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return replacement;
  const [head, ...rest] = path;
  const k = (head ?? 0) % entries.length;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...value };
  const key = entries[k]?.[0] ?? '0';
  (copy as Record<string, unknown>)[key] = mutate((value as Record<string, unknown>)[key], rest, replacement);
  return copy;
}

describe('scenario loading never crashes', () => {
  it('answers any JSON value with a Scenario or a one-line UserError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (v) => void (await outcome(JSON.stringify(v)))),
      { numRuns: 150 },
    );
  });

  it('answers a valid scenario with one value replaced anywhere by a Scenario or a one-line UserError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(20), { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), async (path, repl) => {
        await outcome(JSON.stringify(mutate(VALID, path, repl)));
      }),
      { numRuns: 200 },
    );
  });

  it('answers arbitrary text with a one-line UserError (or a Scenario, for the rare valid one)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (t) => void (await outcome(t))),
      { numRuns: 150 },
    );
  });
});

describe('JSON syntax error locator', () => {
  it('agrees with JSON.parse on what is valid, and points inside the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1))),
        ),
        (t) => {
          let valid = true;
          try {
            JSON.parse(t);
          } catch {
            valid = false;
          }
          const e = jsonSyntaxError(t);
          expect(e === null).toBe(valid);
          if (e !== null) expect(e.offset).toBeLessThanOrEqual(t.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
