/**
 * The fileserver generator opens and closes the file of each request, as filebench's fileserver
 * personality does (workloads/fileserver.f: openfile → readwholefile → closefile): an openat naming the
 * file before the read (or the pwrite64), a close naming it after the read (or after the write and its
 * fsync), before the socket write that ends the request. With `open=0` the records are exactly those the
 * generator made before it opened files. A replay holds the file's inode in use from the open to the
 * close (slab.ts hold/unhold), and each of the two calls is one kernel entry and exit.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../src/random/rng.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { GenEmitter, NR } from '../../src/trace/generators/emitter.ts';
import { generate } from '../../src/trace/generators/generate.ts';
import { parseParams } from '../../src/trace/generators/params.ts';
import { GENERATORS } from '../../src/trace/generators/registry.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { modelOf, runRecords } from '../machine/helpers.ts';
import { tempDir } from './hmt-helpers.ts';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** The generator's records in memory, with the seed `hmsim gen --seed` derives, and its header provenance. */
function records(params: string[], seed = 1): { recs: TraceRecord[]; provenance: Record<string, unknown> } {
  const gen = GENERATORS.get('fileserver')!;
  const p = parseParams('fileserver', gen.params, params);
  gen.validate?.(p);
  const recs: TraceRecord[] = [];
  const em = new GenEmitter({ push: (r) => void recs.push(r), close: async () => undefined }, gen.cpus(p), p.num('records'));
  gen.run(p, createRng(deriveSeed(seed, 'gen', 'fileserver')), em);
  return { recs, provenance: gen.header!(p) };
}

const isSyscall = (r: TraceRecord, nr: number): boolean => r.kind === EventKind.syscall && r.arg === nr;
const isOpenOrClose = (r: TraceRecord): boolean => isSyscall(r, NR.openat) || isSyscall(r, NR.close);

/**
 * SHA-256 of the chunk bytes of the default `hmsim gen fileserver --seed 1` before requests opened their
 * files (from the end of the header frame to the footer frame: every record, not the header, which names
 * the parameters and the command line). Its whole file had sha256 b81f597e…aaa5, 40,645 records.
 */
const CHUNKS_BEFORE_OPEN = '02c9dab04973ac3342cae5d3afd3a67216c2cc577f523b9b923d9226284265aa';

/** SHA-256 of a file's chunk bytes: after the header frame (6-byte prefix + payload), up to the footer. */
function chunkDigest(path: string): string {
  const b = readFileSync(path);
  const headerEnd = 6 + b.readUInt32BE(1);
  const footer = Number(b.readBigUInt64BE(b.length - 8));
  return createHash('sha256').update(b.subarray(headerEnd, footer)).digest('hex');
}

describe('fileserver: each request opens and closes its file', () => {
  it('emits an openat and a close naming the file around each read: 2 more syscalls per request', () => {
    const REQUESTS = 2000; // the default
    const { recs } = records([]);
    const { recs: old } = records(['open=0']);
    // Per request: read + socket write (open=0), plus openat and close.
    expect(old.filter((r) => r.kind === EventKind.syscall)).toHaveLength(2 * REQUESTS);
    expect(recs.filter((r) => r.kind === EventKind.syscall)).toHaveLength(4 * REQUESTS);
    expect(recs.filter((r) => isSyscall(r, NR.openat))).toHaveLength(REQUESTS);
    expect(recs.filter((r) => isSyscall(r, NR.close))).toHaveLength(REQUESTS);
    expect(recs).toHaveLength(old.length + 2 * REQUESTS);
    // Without them, the records are the open=0 ones, in the same order (no random draw depends on open).
    expect(recs.filter((r) => !isOpenOrClose(r))).toEqual(old);
    // Each request: openat F, read syscall, read of F, close F — same CPU and worker; the socket write later.
    let requests = 0;
    recs.forEach((r, i) => {
      if (!isSyscall(r, NR.openat)) return;
      const [sys, read, close] = recs.slice(i + 1, i + 4);
      expect(sys).toEqual({ kind: EventKind.syscall, cpu: r.cpu, pid: r.pid, arg: NR.read });
      expect(read).toMatchObject({ kind: EventKind.read, cpu: r.cpu, pid: r.pid, arg: r.addr });
      expect(close).toEqual({ kind: EventKind.syscall, cpu: r.cpu, pid: r.pid, arg: NR.close, addr: r.addr });
      expect(r.addr).toBeGreaterThanOrEqual(2);
      expect(r.addr).toBeLessThanOrEqual(4097);
      const end = recs.findIndex((x, j) => j > i && isSyscall(x, NR.write));
      expect(recs[end]!.pid).toBe(r.pid);
      requests++;
    });
    expect(requests).toBe(REQUESTS);
  });

  it('closes a written file after its write and its fsync', () => {
    const { recs } = records(['writes=1', 'fsync=1', 'requests=8', 'touch=0', 'compute=0']);
    const opens = recs.flatMap((r, i) => (isSyscall(r, NR.openat) ? [i] : []));
    expect(opens).toHaveLength(8);
    for (const i of opens) {
      const f = recs[i]!.addr;
      expect(recs.slice(i + 1, i + 6).map((r) => [r.kind, r.kind === EventKind.syscall ? r.arg : 0, r.addr ?? 0, r.arg])).toEqual([
        [EventKind.syscall, NR.pwrite64, 0, NR.pwrite64],
        [EventKind.write, 0, 0x10000000, f],
        [EventKind.syscall, NR.fsync, f, NR.fsync],
        [EventKind.syscall, NR.close, f, NR.close],
        [EventKind.syscall, NR.write, 0, NR.write],
      ]);
    }
  });

  it('with open=0 writes the records of the trace made before requests opened files, byte for byte', async () => {
    const path = join(tmp.dir, 'open0.hmt');
    const summary = await generate('fileserver', path, 1, ['open=0']);
    expect(summary.records).toBe(40_645);
    expect(chunkDigest(path)).toBe(CHUNKS_BEFORE_OPEN);
    // The header differs from the default's only in what names the parameter: params.open and the command.
    const shipped = (await openTrace('traces/fileserver-4cpu.hmt')).header.provenance;
    const mine = (await openTrace(path)).header.provenance;
    expect(mine).toEqual({
      ...shipped,
      params: { ...(shipped['params'] as object), open: 0 },
      command: 'hmsim gen fileserver --seed 1 --param open=0',
    });
    // The shipped trace is the default: 2 × 2,000 records more.
    expect((await openTrace('traces/fileserver-4cpu.hmt')).recordCount).toBe(40_645 + 2 * 2000);
  });
});

describe('fileserver: what a replay does with the opens and closes', () => {
  it("holds the served file's inode from the open to the close, and releases it there", async () => {
    const { recs, provenance } = records(['cpus=1', 'processes=1', 'requests=3', 'touch=0', 'compute=0']);
    const header = { provenance };
    const replayTo = async (n: number) => (await runRecords(recs.slice(0, n), { config: '3g1g-highmem' }, { header })).machine;
    const opens = recs.flatMap((r, i) => (isSyscall(r, NR.openat) ? [i] : []));
    expect(opens).toHaveLength(3);
    for (const i of opens) {
      const file = recs[i]!.addr!;
      // After the read (open, read syscall, read record), before the close: one reference, the worker's.
      const during = await replayTo(i + 3);
      expect(during.slab.references(file)).toBe(1);
      // The open made its struct file; the read used it (no other is derived for the worker).
      expect(during.slab.report()['filp']!.objects).toBe(1);
      // Its dentry and inode are not freeable (ext4: 2 per unreferenced file); the program's text, mapped,
      // is held too.
      expect(during.slab.freeable).toBe(2 * (during.slab.files - 2));
      // After the close: none; the dentry and inode stay cached (the dcache/icache LRU), now freeable.
      const after = await replayTo(i + 4);
      expect(recs[i + 3]).toMatchObject({ kind: EventKind.syscall, arg: NR.close, addr: file });
      expect(after.slab.references(file)).toBe(0);
      expect(after.slab.report()['filp']!.objects).toBe(0);
      expect(after.slab.files).toBe(during.slab.files);
      expect(after.slab.freeable).toBe(2 * (after.slab.files - 1));
    }
  });

  it('charges each open and close as one entry and exit (4G/4G: two CR3 writes more each) and its lookup and close work', async () => {
    const params = ['cpus=2', 'processes=4', 'requests=200'];
    const REQUESTS = 200;
    const model = await modelOf('core2');
    for (const config of ['3g1g-highmem', '4g4g']) {
      const run = async (open: number) => {
        const { recs, provenance } = records([...params, `open=${open}`]);
        return runRecords(recs, { config }, { cpus: 2, model, header: { provenance } });
      };
      const [on, off] = [await run(1), await run(0)];
      // core2: 392 cycles an entry and exit; 4G/4G adds a CR3 write (108) at each (kernelEntryCr3).
      const m = on.machine;
      const perCall = m.syscallCost() + (config === '4g4g' ? 2 * m.cr3WriteCost() : 0);
      expect(perCall).toBe(config === '4g4g' ? 392 + 2 * 108 : 392);
      expect(on.result.counts.syscalls - off.result.counts.syscalls, config).toBe(2 * REQUESTS);
      // And the calls' own work (models/core2.json): the openat's path lookup, 1,304 cycles; the close's
      // rest of the pair, 592.
      const work = model.costs.pathLookup(0, m.rng) + model.costs.fileClose(0, m.rng);
      expect(work).toBe(1304 + 592);
      expect(on.result.cycles.breakdown.syscall - off.result.cycles.breakdown.syscall, config).toBe(REQUESTS * (2 * perCall + work));
      // The page cache sees the same reads.
      expect(on.result.counts.pagecache, config).toEqual(off.result.counts.pagecache);
      // struct files: one per open, freed at its close — at most one request in flight per CPU (2); without
      // opens, one derived per worker (4) that did I/O, freed at its exit.
      expect(on.result.memory.slab['filp'], config).toMatchObject({ objects: 0, peakObjects: 2 });
      expect(off.result.memory.slab['filp'], config).toMatchObject({ objects: 0, peakObjects: 4 });
    }
  });
});
