/**
 * Issue items 3 and 7 (resources): frames whose payload is small but would decode into millions of
 * objects, or nest hundreds of thousands deep, are refused before decoding (one line, exit 2), in a
 * child process so that the old behaviour (a V8 heap abort, exit 134) could not take the test runner down.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { concatBytes, frame, headerMap, rawFrame, tempDir } from '../trace/hmt-helpers.ts';
import { runCli } from '../helpers/cli.ts';
import { msgpackShape } from '../../src/trace/hmt/msgpack-shape.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** A footer frame payload: a valid footer map of an empty 1-CPU trace plus `junk` (raw msgpack bytes). */
function footerWithJunk(junk: Uint8Array): Uint8Array {
  const base = encode({ records: 0, chunks: 0, byKind: new Array(15).fill(0), byCpu: [0], index: [] });
  // Turn the 5-key fixmap into a 6-key one and append the key 'junk' with its value.
  const out = concatBytes(Uint8Array.of(0x86), base.subarray(1), encode('junk'), junk);
  return out;
}

describe('frames that would decode into too many objects or too deep', () => {
  // The file held 64 M empty maps in a 65 KB .hmt.gz (5.2 GB, then a heap abort); 4 M show the
  // same check (the limit is 2 M) at a size the test suite can afford.
  it('a .hmt.gz whose footer holds 4 M empty maps: one line, exit 2, before decoding', () => {
    const count = 4 << 20;
    const junk = new Uint8Array(5 + count).fill(0x80); // fixmap 0, count times
    junk[0] = 0xdd;
    new DataView(junk.buffer).setUint32(1, count, false);
    const header = frame(0x48, headerMap({ footer: true }));
    const footer = rawFrame(0x46, footerWithJunk(junk));
    const path = join(tmp.dir, 'maps.hmt.gz');
    writeFileSync(path, gzipSync(concatBytes(header, footer)));
    const r = runCli(['trace', 'inspect', path]);
    expect(r.stderr).toBe(
      `hmsim: ${path} at byte ${header.length + 6}: footer frame holds ${count + 5} maps and arrays (expected at most 2097152)\n`,
    );
    expect(r.code).toBe(2);
  });

  it('provenance nested 330,000 deep: one line, exit 2 (was a stack overflow, exit 70)', () => {
    const depth = 330_000;
    const nested = new Uint8Array(depth * 3 + 1);
    for (let i = 0; i < depth; i++) nested.set([0x81, 0xa1, 0x61], i * 3); // {"a": ...
    nested[depth * 3] = 0xc0; // ... nil}
    const head = encode(headerMap({ provenance: null }));
    // Replace the trailing nil of provenance (the last byte of the encoded header) with the nested value.
    expect(head[head.length - 1]).toBe(0xc0);
    const payload = concatBytes(head.subarray(0, head.length - 1), nested);
    const path = join(tmp.dir, 'deep.hmt');
    writeFileSync(path, rawFrame(0x48, payload));
    const r = runCli(['trace', 'inspect', path]);
    expect(r.stderr).toBe(`hmsim: ${path} at byte 6: header frame nests maps and arrays ${depth + 1} deep (expected at most 32)\n`);
    expect(r.code).toBe(2);
  });

  it('msgpackShape counts containers and depth without decoding', () => {
    expect(msgpackShape(encode({ a: [1, 2, { b: [] }], c: 'x' }))).toEqual({ containers: 4, depth: 4 });
    expect(msgpackShape(encode(7))).toEqual({ containers: 0, depth: 0 });
    expect(msgpackShape(Uint8Array.of(0x92, 0x01))).toBeUndefined(); // an array of 2 with 1 element
  });
});

describe('process tables are bounded', () => {
  it('forks beyond pid_max (32,768 alive) stop the replay as infeasible instead of growing the heap (1 M forks aborted it)', async () => {
    const { openTraceWriter } = await import('../../src/trace/hmt/writer.ts');
    const { replay } = await import('../../src/machine/replay.ts');
    const { configOf, modelOf } = await import('../machine/helpers.ts');
    const { EventKind } = await import('../../src/trace/records.ts');
    const { RecordBatchBuilder } = await import('../../src/trace/batch.ts');
    const path = join(tmp.dir, 'forks.hmt');
    const w = await openTraceWriter(path, { source: 'test:forks', cpus: 1 });
    const b = new RecordBatchBuilder(0, 50_000);
    for (let i = 0; i < 50_000; i++) b.push({ kind: EventKind.fork, cpu: 0, pid: 1, arg: 2 + i });
    w.pushBatch(b.view());
    await w.close();
    const { config } = configOf({ config: 'x86_64' });
    const result = await replay({ tracePath: path, config, model: await modelOf('core2'), seed: 1, prefault: false });
    expect(result.feasible).toBe(false);
    expect(result.infeasible.some((x) => x.startsWith('pid_max'))).toBe(true);
    // pid 1 and 32,767 children are alive: the 32,768th fork finds the table full.
    expect(result.counts.records['fork']).toBe(32_767);
  }, 120_000);
});
