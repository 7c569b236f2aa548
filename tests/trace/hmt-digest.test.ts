/**
 * The stored content digest (HMT 2.0) and `hmsim trace verify`: the writer stores the SHA-256 of every
 * byte before the footer; replays cite it without hashing; verify recomputes it and every checksum; a
 * 1.x trace (no stored digest) is hashed as a file, and says so.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { decode } from '@msgpack/msgpack';
import { openTraceWriter } from '../../src/trace/hmt/writer.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { EventKind } from '../../src/trace/records.ts';
import { tempDir } from './hmt-helpers.ts';
import { crc32 } from 'node:zlib';
import { ROOT, runCli } from '../helpers/cli.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** 100 accesses on one CPU in chunks of 32 records (4 chunks: 32, 32, 32, 4). */
async function writeSmall(path: string): Promise<void> {
  const w = await openTraceWriter(path, { source: 'test', cpus: 1 }, { chunkRecords: 32 });
  for (let i = 0; i < 100; i++) w.push({ kind: EventKind.access, cpu: 0, op: i % 4, pid: 7, addr: 0x08048000 + 64 * i, len: 1 + (i % 8) });
  await w.close();
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
/** Byte offset of the footer frame: the end marker's last 8 bytes. */
const footerAt = (b: Buffer): number => Number(b.readBigUInt64BE(b.length - 8));

/** The chunk frame at `at`: its map and its columns as [name, bytes] (column bins are bin 32). */
function chunkAt(
  b: Buffer,
  at: number,
): { map: { cpu: number; n: number; cols: string[]; w: number[]; crc: number }; cols: Array<[string, Uint8Array]> } {
  const len = b.readUInt32BE(at + 1);
  const map = decode(b.subarray(at + 6, at + 6 + len)) as { cpu: number; n: number; cols: string[]; w: number[]; crc: number };
  let p = at + 6 + len;
  const cols: Array<[string, Uint8Array]> = [];
  for (const name of map.cols) {
    const n = b.readUInt32BE(p + 1);
    cols.push([name, b.subarray(p + 5, p + 5 + n)]);
    p += 5 + n;
  }
  return { map, cols };
}

const hex8 = (v: number): string => `0x${v.toString(16).padStart(8, '0')}`;

describe('stored content digest', () => {
  it('a replay cites the stored digest without hashing: a footer digest changed by hand is what the result names', async () => {
    const path = join(tmp.dir, 'cited.hmt');
    await writeSmall(path);
    const b = readFileSync(path);
    const stored = (await openTrace(path)).footer!.sha256!;
    expect(stored).toBe(sha256(b.subarray(0, footerAt(b))));
    // Replace the stored digest by another valid one ('0' × 64): the footer keeps its length.
    const at = b.indexOf(Buffer.from(stored, 'latin1'));
    const forged = '0'.repeat(64);
    b.write(forged, at, 'latin1');
    writeFileSync(path, b);
    const run = runCli(['run', '--trace', path, '--config', '3g1g-highmem', '--json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { trace: unknown }).trace).toEqual({
      path,
      records: 100,
      sha256: forged,
      digest: 'content',
      source: 'test',
    });
  });

  it('a shipped HMT 1.0 trace has no stored digest: a replay hashes the file once and the result says so', async () => {
    const path = 'traces/strace-sh-pipeline.hmt';
    const r = await openTrace(join(ROOT, path));
    expect(r.header.version).toBe('1.0');
    expect(r.digest).toBe('file');
    expect(r.footer!.sha256).toBeUndefined();
    const run = runCli(['run', '--trace', path, '--config', '3g1g-highmem', '--json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { trace: unknown }).trace).toEqual({
      path,
      records: 604,
      sha256: sha256(readFileSync(join(ROOT, path))),
      digest: 'file',
      source: 'strace',
    });
  });
});

describe('hmsim trace verify', () => {
  it('a good file: exit 0, one line naming the matching digest (.hmt and .hmt.gz of the same trace alike)', async () => {
    const path = join(tmp.dir, 'good.hmt');
    const gz = join(tmp.dir, 'good.hmt.gz');
    await writeSmall(path);
    await writeSmall(gz);
    const b = readFileSync(path);
    const digest = sha256(b.subarray(0, footerAt(b)));
    for (const p of [path, gz]) {
      const v = runCli(['trace', 'verify', p]);
      expect(v).toEqual({
        code: 0,
        stdout: `${p}: ok: HMT 2.0, 100 records in 4 chunks, every checksum matches, content sha256 ${digest} matches the stored digest\n`,
        stderr: '',
      });
    }
  });

  it('one flipped byte in a column: exit 1, the chunk checksum that no longer matches', async () => {
    const path = join(tmp.dir, 'flipped.hmt');
    await writeSmall(path);
    const last = (await openTrace(path)).footer!.index[3]!.offset;
    const b = readFileSync(path);
    b[footerAt(b) - 1]! ^= 0x01; // the last byte of the last chunk's last column
    writeFileSync(path, b);
    const { map, cols } = chunkAt(b, last);
    expect(map.n).toBe(4);
    // The HMT 2.0 chunk CRC: cpu, n, then per column its name, its width byte and its stored bytes.
    const head = Buffer.alloc(8);
    head.writeUInt32LE(map.cpu, 0);
    head.writeUInt32LE(map.n, 4);
    const computed = cols.reduce((c, [name, bytes], i) => crc32(bytes, crc32(Uint8Array.of(map.w[i]!), crc32(name, c))), crc32(head));
    expect(computed).not.toBe(map.crc);
    expect(runCli(['trace', 'verify', path])).toEqual({
      code: 1,
      stdout:
        `${path} at byte ${last}: chunk checksum mismatch: stored ${hex8(map.crc)}, ` +
        `computed ${hex8(computed)} (expected equal: the chunk is corrupt)\n`,
      stderr: '',
    });
  });

  it('a stored digest that does not match the content: exit 1', async () => {
    const path = join(tmp.dir, 'digest.hmt');
    await writeSmall(path);
    const b = readFileSync(path);
    const digest = sha256(b.subarray(0, footerAt(b)));
    const forged = (digest[0] === 'a' ? 'b' : 'a') + digest.slice(1);
    b.write(forged, b.indexOf(Buffer.from(digest, 'latin1')), 'latin1');
    writeFileSync(path, b);
    expect(runCli(['trace', 'verify', path])).toEqual({
      code: 1,
      stdout:
        `${path}: content sha256 mismatch: the footer stores ${forged}, the ` +
        `content hashes to ${digest} (expected equal: the trace is corrupt)\n`,
      stderr: '',
    });
  });

  it('an old (HMT 1.0) file: exit 0, checksums verified, no stored digest: the file sha256 computed', async () => {
    const path = 'traces/strace-sh-pipeline.hmt';
    const chunks = (await openTrace(join(ROOT, path))).footer!.chunks;
    expect(runCli(['trace', 'verify', path])).toEqual({
      code: 0,
      stdout:
        `${path}: ok: HMT 1.0, 604 records in ${chunks} chunk${chunks === 1 ? '' : 's'}, every checksum matches; ` +
        `no stored digest (HMT 1.0 has none): file sha256 ${sha256(readFileSync(join(ROOT, path)))}, computed\n`,
      stderr: '',
    });
  });

  it('unreadable input: exit 2 with one line on stderr', async () => {
    const path = join(tmp.dir, 'cut.hmt');
    await writeSmall(path);
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    const cut = runCli(['trace', 'verify', path]);
    expect(cut.code).toBe(2);
    expect(cut.stdout).toBe('');
    expect(cut.stderr.trim().split('\n')).toHaveLength(1);
    expect(cut.stderr).toMatch(new RegExp(`^hmsim: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at byte \\d+: truncated`));
    const missing = runCli(['trace', 'verify', join(tmp.dir, 'none.hmt')]);
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: `hmsim: ${join(tmp.dir, 'none.hmt')}: cannot read (ENOENT) (expected an HMT trace file)\n`,
    });
  });
});
