import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../src/trace/generators/generate.ts';
import { GENERATORS } from '../../src/trace/generators/registry.ts';
import { parseParams } from '../../src/trace/generators/params.ts';
import { GenEmitter, NR } from '../../src/trace/generators/emitter.ts';
import { ZipfSampler } from '../../src/trace/generators/zipf.ts';
import { createRng } from '../../src/random/rng.ts';
import { EventKind, KmapApi, type TraceRecord } from '../../src/trace/records.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-gen-'));

/** Small parameters per workload so the tests stay fast. */
const SMALL: Record<string, string[]> = {
  fileserver: ['requests=200'],
  database: ['transactions=200'],
  build: ['jobs=6'],
  stream: ['size=1M'],
  'kmap-storm': ['maps=2000'],
  forkexec: ['iterations=3'],
  'syscall-loop': ['calls=200', 'unmap=2'],
};

function runInMemory(name: string, params: string[], seed = 1): TraceRecord[] {
  const gen = GENERATORS.get(name)!;
  const p = parseParams(name, gen.params, params);
  gen.validate?.(p);
  const out: TraceRecord[] = [];
  const em = new GenEmitter({ push: (r) => void out.push(r), close: async () => undefined }, gen.cpus(p), p.num('records'));
  gen.run(p, createRng(seed), em);
  return out;
}

describe('hmsim gen: determinism', () => {
  for (const name of GENERATORS.keys()) {
    it(`${name}: same seed gives a byte-identical file, another seed a different one`, async () => {
      const params = SMALL[name]!;
      const a = join(dir, `${name}-a.hmt`);
      const b = join(dir, `${name}-b.hmt`);
      const c = join(dir, `${name}-c.hmt`);
      await generate(name, a, 7, params);
      await generate(name, b, 7, params);
      await generate(name, c, 8, params);
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
      // stream has no randomness: only the seed in the header differs.
      expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
    });
  }
});

describe('generators: what they emit', () => {
  it('stream writes then reads size/block blocks at consecutive offsets', () => {
    const recs = runInMemory('stream', ['size=1M', 'block=64K', 'touch=0']);
    const w = recs.filter((r) => r.kind === EventKind.write);
    const rd = recs.filter((r) => r.kind === EventKind.read);
    expect(w.map((r) => r.off)).toEqual(Array.from({ length: 16 }, (_, i) => i * 65536));
    expect(rd.map((r) => r.off)).toEqual(Array.from({ length: 16 }, (_, i) => i * 65536));
    expect(recs.findIndex((r) => r.kind === EventKind.read)).toBeGreaterThan(recs.findLastIndex((r) => r.kind === EventKind.write));
  });

  it('kmap-storm keeps local mappings nested and at most inflight per CPU', () => {
    const recs = runInMemory('kmap-storm', ['api=local', 'inflight=4', 'maps=400', 'cpus=2']);
    const held = [[], []] as number[][];
    let maxHeld = 0;
    for (const r of recs) {
      if (r.kind === EventKind.kmap) held[r.cpu]!.push(r.addr!);
      if (r.kind === EventKind.kunmap) expect(held[r.cpu]!.pop()).toBe(r.addr);
      maxHeld = Math.max(maxHeld, ...held.map((h) => h.length));
    }
    expect(maxHeld).toBe(4);
    expect(recs.filter((r) => r.kind === EventKind.kmap)).toHaveLength(400);
    expect(recs.every((r) => r.kind !== EventKind.kmap || (r.op === KmapApi.local && r.addr! >= 0x40000 && r.addr! < 0x80000))).toBe(true);
  });

  it('build forks every job and unmaps below and above the 33-page flush ceiling', () => {
    const recs = runInMemory('build', ['jobs=6', 'temps=2']);
    expect(recs.filter((r) => r.kind === EventKind.fork)).toHaveLength(6);
    expect(recs.filter((r) => r.kind === EventKind.exit)).toHaveLength(6);
    const unmapPages = new Set(recs.filter((r) => r.kind === EventKind.munmap).map((r) => r.len! / 4096));
    expect(unmapPages).toEqual(new Set([8, 64]));
  });

  it('forkexec exec=0: the child exits where it would exec (lmbench lat_proc fork)', () => {
    const kinds = (params: string[]) => {
      const recs = runInMemory('forkexec', ['iterations=3', ...params]);
      return (k: number) => recs.filter((r) => r.kind === k).length;
    };
    const fork = kinds(['exec=0']);
    const exec = kinds([]);
    expect([fork(EventKind.fork), fork(EventKind.exec), fork(EventKind.exit)]).toEqual([3, 0, 3]);
    expect([exec(EventKind.fork), exec(EventKind.exec), exec(EventKind.exit)]).toEqual([3, 3, 3]);
  });

  it('syscall-loop mapfile maps a file, loads each page once and unmaps it, every iteration', () => {
    const recs = runInMemory('syscall-loop', ['calls=3', 'pages=0', 'mapfile=4']);
    const maps = recs.filter((r) => r.kind === EventKind.mmap && r.arg === 3);
    expect(maps).toHaveLength(3);
    expect(maps.every((r) => r.len === 4 * 4096)).toBe(true);
    const loads = recs.filter((r) => r.kind === EventKind.access && r.addr! >= maps[0]!.addr! && r.addr! < maps[0]!.addr! + 4 * 4096);
    expect(loads.map((r) => (r.addr! - maps[0]!.addr!) / 4096)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(recs.filter((r) => r.kind === EventKind.munmap && r.addr === maps[0]!.addr)).toHaveLength(3);
  });

  it('build looks up, opens, fstats, reads and closes each header as the measured compiles did', () => {
    const calls = (params: string[]) => {
      const recs = runInMemory('build', ['jobs=1', 'cpus=1', 'temps=0', 'object=0', ...params]);
      const byNr = new Map<number, number>();
      for (const r of recs) if (r.kind === EventKind.syscall) byNr.set(r.arg!, (byNr.get(r.arg!) ?? 0) + 1);
      return { recs, byNr };
    };
    // 10 headers at 1.58 failed probes each: ⌊10 × 1.58⌋ = 15 probes, spread ⌊(h + 1) × 1.58⌋ − ⌊h × 1.58⌋.
    const { recs, byNr } = calls(['headers=10', 'probes=1.58']);
    expect(byNr.get(NR.openat)).toBe(1 + 10 + 15);
    expect(recs.filter((r) => r.kind === EventKind.syscall && r.arg === NR.openat && !r.addr)).toHaveLength(15);
    expect(byNr.get(NR.fstat64)).toBe(10);
    expect(byNr.get(NR.read)).toBe(1 + 10);
    expect(byNr.get(NR.close)).toBe(1 + 10);
    // Every header opened is read and closed by the same file id.
    const opened = recs.filter((r) => r.kind === EventKind.syscall && r.arg === NR.openat && r.addr).map((r) => r.addr);
    const closed = recs.filter((r) => r.kind === EventKind.syscall && r.arg === NR.close).map((r) => r.addr);
    expect(closed).toEqual(opened);
    // open=0: the calls of earlier versions — one unnamed openat, then reads only.
    const old = calls(['headers=10', 'open=0']).byNr;
    expect([old.get(NR.openat), old.get(NR.fstat64), old.get(NR.read), old.get(NR.close)]).toEqual([1, undefined, 11, undefined]);
  });

  it('keeps user addresses below 0x40000000 with default parameters', () => {
    for (const name of GENERATORS.keys()) {
      const recs = runInMemory(name, SMALL[name]!);
      const user = recs.filter((r) =>
        [EventKind.access, EventKind.read, EventKind.write, EventKind.mmap, EventKind.munmap].includes(r.kind as 0),
      );
      expect(Math.max(0, ...user.map((r) => r.addr! + (r.len ?? 1) - 1)), name).toBeLessThan(0x40000000);
    }
  });

  it('stops starting work at the records budget', () => {
    const recs = runInMemory('fileserver', ['records=1000', 'requests=100000']);
    // fileserver starts work a round at a time: each of the 4 CPUs switches to its next worker (1 record)
    // and serves slice = 4 requests of 22 records (openat, read syscall, read, close, 64 KiB / 4 KiB = 16
    // loads, compute, send): 4 × (1 + 4 × 22) = 356 records. A round starts only while fewer than 1,000
    // records are written; after the last one, only the 16 workers' exits (with the switches to them).
    const ROUND = 4 * (1 + 4 * 22);
    const setup = recs.findIndex((r) => r.kind === EventKind.syscall && r.arg === NR.openat) - 1;
    expect(recs[setup]!.kind).toBe(EventKind.switch);
    const end = recs.findLastIndex((r) => r.kind === EventKind.syscall && r.arg === NR.write) + 1;
    const rounds = Math.ceil((1000 - setup) / ROUND);
    expect(end - setup).toBe(rounds * ROUND);
    const tail = recs.slice(end);
    expect(tail.filter((r) => r.kind === EventKind.exit)).toHaveLength(16);
    expect(tail.every((r) => r.kind === EventKind.exit || r.kind === EventKind.switch)).toBe(true);
  });

  it('draws Zipf ranks with the most popular first', () => {
    const z = new ZipfSampler(1000, 1);
    const rng = createRng(3);
    const counts = new Array<number>(1001).fill(0);
    for (let i = 0; i < 20000; i++) counts[z.sample(rng)]!++;
    // P(1)/P(2) = 2 for s = 1; with 20,000 draws the ratio is well within [1.7, 2.3].
    expect(counts[1]! / counts[2]!).toBeGreaterThan(1.7);
    expect(counts[1]! / counts[2]!).toBeLessThan(2.3);
    expect(counts[0]).toBe(0);
  });
});

describe('hmsim gen: parameters and help', () => {
  it('rejects an unknown parameter, listing the known ones', () => {
    const r = runCli(['gen', 'stream', '--param', 'bogus=1', '-o', join(dir, 'x.hmt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("hmsim: --param bogus: stream has no parameter 'bogus' (known: size, block, touch, phases, records)\n");
  });

  it('rejects bad values and impossible combinations', () => {
    expect(() => parseParams('fileserver', GENERATORS.get('fileserver')!.params, ['cpus=0'])).toThrow(
      /^--param cpus: 0 is out of range \(expected 1\.\.64 CPUs\)$/,
    );
    expect(() => parseParams('stream', GENERATORS.get('stream')!.params, ['size=lots'])).toThrow(/^--param size: 'lots' is not a size/);
    const ks = GENERATORS.get('kmap-storm')!;
    expect(() => ks.validate!(parseParams('kmap-storm', ks.params, ['api=atomic', 'inflight=17']))).toThrow(
      /more than the 16 per-CPU slots/,
    );
  });

  it('documents every parameter of a workload in WORKLOAD --help, and lists workloads', () => {
    const help = runCli(['gen', 'database', '--help']);
    expect(help.code).toBe(0);
    for (const p of GENERATORS.get('database')!.params) expect(help.stdout).toContain(`  ${p.name} `);
    expect(help.stdout).toContain('default: 512M');
    const list = runCli(['gen', '--list']);
    for (const name of GENERATORS.keys()) expect(list.stdout).toContain(`  ${name}`);
  });
});

describe('parameter aliases', () => {
  it('accepts procs for processes (the name sweeps use, workload.procs) and resolves it to the canonical name', () => {
    const g = GENERATORS.get('fileserver')!;
    expect(parseParams('fileserver', g.params, ['procs=32']).num('processes')).toBe(32);
    expect(parseParams('fileserver', g.params, ['processes=32']).toJSON()).toEqual(
      parseParams('fileserver', g.params, ['procs=32']).toJSON(),
    );
    expect(() => parseParams('fileserver', g.params, ['proc=32'])).toThrow("fileserver has no parameter 'proc'");
  });
});
