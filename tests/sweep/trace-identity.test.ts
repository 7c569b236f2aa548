/**
 * A sweep point's hash names its trace by identity: an uncompressed HMT 2.0 trace by the content digest
 * its footer stores (read at open: planning a sweep over a large trace does not hash it), anything else
 * by the SHA-256 of the file's bytes, as before.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { traceIdentity } from '../../src/sweep/plan.ts';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-identity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function write(name: string, records: readonly TraceRecord[]): Promise<string> {
  const path = join(dir, name);
  const w = await openTraceWriter(path, { source: 'test', cpus: 1 });
  for (const r of records) w.push(r);
  await w.close();
  return path;
}

const access = (addr: number): TraceRecord => ({ kind: EventKind.access, cpu: 0, pid: 1, op: 0, addr, len: 4 });

describe('traceIdentity', () => {
  it('an uncompressed 2.0 trace: its stored content digest, the one results cite; equal content, equal identity', async () => {
    const a = await write('a.hmt', [access(0x1000), access(0x2000)]);
    const reader = await openTrace(a);
    expect(reader.digest).toBe('content');
    expect(await traceIdentity(a)).toBe(`content:${await reader.sha256()}`);
    const copy = await write('copy.hmt', [access(0x1000), access(0x2000)]);
    expect(await traceIdentity(copy)).toBe(await traceIdentity(a));
    const other = await write('other.hmt', [access(0x1000), access(0x3000)]);
    expect(await traceIdentity(other)).not.toBe(await traceIdentity(a));
  });

  it('a compressed trace and a 1.x trace: the SHA-256 of the file', async () => {
    const gz = await write('a.hmt.gz', [access(0x1000)]);
    expect(await traceIdentity(gz)).toBe(createHash('sha256').update(readFileSync(gz)).digest('hex'));
    const v1 = 'traces/stream-small.hmt';
    expect((await openTrace(v1)).digest).toBe('file');
    expect(await traceIdentity(v1)).toBe(createHash('sha256').update(readFileSync(v1)).digest('hex'));
  });
});
