/**
 * A read or write record copies its whole highmem pages in runs (kernel-touch.ts copyCachedHighRun): the
 * charges summed in locals, a read's pages counted as hits and marked accessed as it goes, and a read
 * going on through pages whose device read completed by the run's clock (Storage.takeReadPage). The
 * replay with runs gives the same RunResult, byte for byte, as the replay that copies every page the
 * general way (MachineSpec.copyRuns false) — on fileserver traces that miss and read ahead on the disk,
 * that write and fsync, and that evict and refault under a RAM smaller than the file set, and on a
 * sequential read whose async readahead is still on the device when the copy reaches it (the run stops
 * there: the general way waits).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { replayMachineSource } from '../../src/machine/replay.ts';
import { buildResult } from '../../src/machine/result.ts';
import { Storage } from '../../src/machine/storage/page-io.ts';
import { generate } from '../../src/trace/generators/generate.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { configOf, modelOf, runRecords } from './helpers.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hmsim-copy-runs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The RunResult of `trace` under case `k`, with or without copy runs, and the pages taken through completed reads. */
async function run(trace: string, k: (typeof cases)[number], copyRuns: boolean): Promise<{ json: string; taken: number }> {
  const { config: c, layout } = configOf({
    config: k.config,
    ...(k.ram !== undefined ? { ram: k.ram } : {}),
    ...(k.kernel !== undefined ? { kernel: k.kernel } : {}),
  });
  const model = await modelOf('core2');
  const spy = vi.spyOn(Storage.prototype, 'takeReadPage');
  try {
    const out = await replayMachineSource({ config: c, model, seed: 1 }, layout, await openTrace(trace), { copyRuns });
    const result = buildResult({ ...out.parts, trace: { path: trace, records: out.records, sha256: '', digest: 'file', source: 'test' } });
    return { json: JSON.stringify(result), taken: spy.mock.results.filter((r) => r.value === true).length };
  } finally {
    spy.mockRestore();
  }
}

const cases: ReadonlyArray<{ name: string; gen?: string; params: string[]; config: string; ram?: string; kernel?: string }> = [
  { name: 'reads with readahead on the disk', params: ['requests=400', 'files=64', 'fileset=64M'], config: '3g1g-highmem' },
  {
    name: 'writes, fsyncs and reads',
    params: ['requests=400', 'files=64', 'fileset=64M', 'writes=0.3', 'fsync=0.3'],
    config: '3g1g-highmem',
  },
  {
    name: 'a file set larger than RAM (evictions, refaults)',
    params: ['requests=2000', 'request=1M', 'touch=0', 'files=96', 'fileset=3G', 'zipf=0'],
    config: '3g1g-highmem',
    ram: '1200M',
  },
  // Sequential reads: async readahead leaves pages whose read is still on the device when the copy reaches them.
  { name: 'a sequential read (async readahead)', gen: 'stream', params: ['phases=read', 'size=32M'], config: '3g1g-highmem' },
  {
    name: 'kmap_atomic copies (2.6.18)',
    params: ['requests=300', 'files=64', 'fileset=64M'],
    config: '3g1g-highmem',
    kernel: 'linux-2.6.18',
  },
];

describe('copy runs (fileCopy → copyCachedHighRun)', () => {
  it("stop at a page another CPU's readahead still has on the device, which the read waits for", async () => {
    // CPU 0 reads pages 0-15 of file 2: a miss, a 32-page readahead (its PG_readahead marker on page 16),
    // and a wait. CPU 1, behind it in time, reads pages 20-27: cached, pending, not read yet.
    const records: TraceRecord[] = [
      { kind: EventKind.read, cpu: 0, pid: 100, arg: 2, off: 0, len: 16 * 4096, addr: 0x10000000 },
      { kind: EventKind.read, cpu: 1, pid: 101, arg: 2, off: 20 * 4096, len: 8 * 4096, addr: 0x10000000 },
    ];
    const model = await modelOf('core2');
    const spy = vi.spyOn(Storage.prototype, 'takeReadPage');
    try {
      const fast = await runRecords(records, { config: '3g1g-highmem' }, { cpus: 2, model });
      const taken = spy.mock.results.map((r) => r.value as boolean);
      const slow = await runRecords(records, { config: '3g1g-highmem' }, { cpus: 2, model, copyRuns: false });
      expect(JSON.stringify(fast.result)).toBe(JSON.stringify(slow.result));
      // CPU 0: page 0 is read the general way (the miss and its wait), pages 1-15 in a run (read by then:
      // the same request). CPU 1: page 20 not read yet (the run stops, the general way waits), pages
      // 21-27 in a run after the wait.
      expect(taken).toEqual([...Array(15).fill(true), false, ...Array(7).fill(true)]);
      const c = fast.result.counts.pagecache;
      expect([c.misses, c.readahead, c.hits]).toEqual([16, 16, 8]);
      expect(fast.result.time.ioWaitSeconds).toBeGreaterThan(0);
    } finally {
      spy.mockRestore();
    }
  });

  for (const k of cases) {
    it(`give the RunResult of page-by-page copies: ${k.name}`, async () => {
      const trace = join(dir, `${k.name.replace(/[^a-z0-9]+/gi, '-')}.hmt`);
      await generate(k.gen ?? 'fileserver', trace, 7, k.gen === undefined ? ['cpus=2', 'processes=4', ...k.params] : k.params);
      const fast = await run(trace, k, true);
      const slow = await run(trace, k, false);
      expect(fast.json).toBe(slow.json);
      // The runs went through pages whose read had completed; the general way never asks.
      expect(fast.taken).toBeGreaterThan(0);
      expect(slow.taken).toBe(0);
      const r = JSON.parse(fast.json) as {
        counts: { pagecache: Record<string, number>; kmap: Record<string, number> };
      };
      const pc = r.counts.pagecache;
      expect(pc['hits']).toBeGreaterThan(0);
      expect(pc['misses']).toBeGreaterThan(0);
      expect(pc['readahead']).toBeGreaterThan(0);
      if (k.ram !== undefined) expect(pc['evictions']).toBeGreaterThan(0);
      if (k.params.some((p) => p.startsWith('writes='))) expect(pc['writebacks']).toBeGreaterThan(0);
      expect(r.counts.kmap[k.kernel === undefined ? 'local' : 'atomic']).toBeGreaterThan(0);
    }, 60_000);
  }
});
