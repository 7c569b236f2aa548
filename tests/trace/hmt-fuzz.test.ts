import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { readAllRecords } from '../../src/trace/hmt/reader.ts';
import { UserError } from '../../src/errors.ts';
import { EventKind } from '../../src/trace/records.ts';
import { tempDir } from './hmt-helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);
let valid: Uint8Array;
let validRecords: unknown[];
let n = 0;

beforeAll(async () => {
  const path = join(tmp.dir, 'valid.hmt');
  const w = await openTraceWriter(path, { source: 'fuzz', cpus: 2 }, { chunkRecords: 5 });
  for (let i = 0; i < 23; i++) {
    w.push({
      kind: (i % 15) as EventKind,
      cpu: i % 2,
      op: i % 3,
      pid: i,
      addr: 0x1000 * i,
      len: i,
      arg: i * 7,
      off: i * 4096,
      time: i * 1.5,
    });
  }
  await w.close();
  valid = readFileSync(path);
  validRecords = await readAllRecords(path);
});

/**
 * Reads `bytes` as a trace: it must either succeed or throw a one-line UserError (never another error,
 * never hang). With `same`, a successful read must give exactly the valid file's records (no silent damage).
 */
async function readsCleanly(bytes: Uint8Array, gz: boolean, same = false): Promise<void> {
  const path = join(tmp.dir, `f${n++}.hmt${gz ? '.gz' : ''}`);
  writeFileSync(path, gz ? gzipSync(bytes) : bytes);
  try {
    const records = await readAllRecords(path);
    if (same) expect(records).toEqual(validRecords);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    expect(err.message).not.toContain('\n');
  }
}

/** A mutation of the valid file: flip bytes, cut it, splice random bytes in, or overwrite a length field. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(fc.constant(0xffffffff), fc.constant(0), fc.nat()) }),
);

function mutate(m: { kind: string; at: number } & Record<string, unknown>): Uint8Array {
  const at = m.at % valid.length;
  const out = Uint8Array.from(valid);
  switch (m.kind) {
    case 'flip':
      for (let i = 0; i < (m['count'] as number); i++) out[(at + i * 37) % out.length]! ^= m['xor'] as number;
      return out;
    case 'cut':
      return out.subarray(0, at);
    case 'splice':
      return Buffer.concat([out.subarray(0, at), m['bytes'] as Uint8Array, out.subarray(at)]);
    default:
      if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, m['value'] as number, false);
      return out;
  }
}

describe('HMT reader under hostile input (property)', () => {
  it('only ever throws UserError on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, gz) => readsCleanly(bytes, gz)),
      { numRuns: 150, seed: 1 },
    );
  });

  it('only ever throws UserError on random bytes after a valid header prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 200 }), fc.uint8Array({ maxLength: 200 }), async (keep, tail) =>
        readsCleanly(Buffer.concat([valid.subarray(0, keep), tail]), false),
      ),
      { numRuns: 150, seed: 2 },
    );
  });

  it('only ever throws UserError on mutations of a valid file, and never returns damaged records', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (m, gz) => readsCleanly(mutate(m), gz, true)),
      { numRuns: 400, seed: 3 },
    );
  });
});
