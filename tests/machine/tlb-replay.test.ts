import { describe, expect, it } from 'vitest';
import type { TlbGeometry } from '../../src/models/types.ts';
import { AccessOp, EventKind, type RecordBatch, type TraceHeader, type TraceRecord, type TraceSource } from '../../src/trace/records.ts';
import { recordsToBatches } from '../../src/trace/batch.ts';
import { replayTlbOnly, TlbReplayer, type TlbReplayOptions, type TlbReplayResult } from '../../src/machine/tlb-replay.ts';

const NONE = { entries: 0, ways: 1 };
const geometry = (entries: number, ways: number, stlb = NONE): TlbGeometry => ({
  l1i: { entries, ways },
  l1d: { entries, ways },
  stlb,
  large: NONE,
  replacement: 'lru',
});

const load = (addr: number, len = 4, pid = 1, cpu = 0): TraceRecord => ({ kind: EventKind.access, op: AccessOp.load, addr, len, pid, cpu });
const fetch = (addr: number, len = 2, cpu = 0): TraceRecord => ({ kind: EventKind.access, op: AccessOp.ifetch, addr, len, pid: 1, cpu });
const sw = (pid: number, cpu = 0): TraceRecord => ({ kind: EventKind.switch, pid, cpu });

function replay(records: TraceRecord[], g: TlbGeometry = geometry(4, 4), options: TlbReplayOptions = {}): TlbReplayResult {
  const r = new TlbReplayer(g, options);
  for (const b of recordsToBatches(records, 3)) r.replayBatch(b);
  return r.result();
}

function sourceOf(records: TraceRecord[]): TraceSource {
  const header: TraceHeader = { version: '1.0', source: 'test', pageSize: 4096, addressBits: 32, cpus: 2, provenance: {} };
  const batches = recordsToBatches(records, 2);
  return {
    header,
    async *batches(): AsyncGenerator<RecordBatch> {
      for (const b of batches) yield b;
    },
  };
}

describe('pure TLB replay', () => {
  it('counts one reference per page an access touches; a straddling access misses on both pages', () => {
    const r = replay([load(0x1ffe, 4), load(0x2000, 4), fetch(0x5fff, 2), load(0x3000, 0)]);
    expect(r.accesses).toBe(4);
    expect(r.references).toEqual({ i: 2, d: 4 });
    expect(r.misses).toEqual({ i: 2, d: 3, stlb: 0 });
    expect(r.walks).toBe(5);
  });

  it('stops an access that runs past 4 GiB at the last page', () => {
    expect(replay([load(0xfffffffe, 8)]).references.d).toBe(1);
  });

  it('keeps instruction and data sides apart', () => {
    const r = replay([fetch(0x1000), load(0x1000), fetch(0x1004), load(0x1008)]);
    expect(r.misses).toEqual({ i: 1, d: 1, stlb: 0 });
  });

  it('a switch is a CR3 write that flushes, unless flushOnSwitch is false', () => {
    const records = [load(0x1000), sw(2), load(0x1000)];
    expect(replay(records)).toMatchObject({ cr3Writes: 1, misses: { d: 2 } });
    expect(replay(records, geometry(4, 4), { flushOnSwitch: false })).toMatchObject({ cr3Writes: 0, misses: { d: 1 } });
  });

  it('with PCID slots, switching back to a process that kept its slot does not flush its entries', () => {
    const records = [sw(1), load(0x1000, 4, 1), sw(2), load(0x2000, 4, 2), sw(1), load(0x1000, 4, 1), sw(2), load(0x2000, 4, 2)];
    // Linux-like 6 slots: each process misses once (its first touch); two flushes of fresh slots.
    expect(replay(records, geometry(8, 8), { pcidSlots: 6 })).toMatchObject({ misses: { d: 2 }, cr3Writes: 4, pcidFlushes: 2 });
    // One slot: every switch takes it over and flushes it, as without PCIDs.
    expect(replay(records, geometry(8, 8), { pcidSlots: 1 })).toMatchObject({ misses: { d: 4 }, pcidFlushes: 4 });
    expect(replay(records, geometry(8, 8))).toMatchObject({ misses: { d: 4 }, pcidFlushes: 0 });
  });

  it('reports each access whose last byte is at or above taskSize, replays it all the same, and counts records by kind', () => {
    // TASK_SIZE 0x3800 (not page-aligned, so the page 0x3000 holds both sides of it).
    const compute = (cycles: number): TraceRecord => ({ kind: EventKind.compute, len: cycles, pid: 1, cpu: 0 });
    const records = [
      load(0x1000), // below: last byte 0x1003
      load(0x3100), // in the page of TASK_SIZE, below it: last byte 0x3103
      load(0x37fe, 4), // last byte 0x3801 >= 0x3800: reported
      load(0x37ff, 0), // len 0 counts as 1 byte: last byte 0x37ff, below
      load(0x2ffe, 0x802), // straddles 0x2000-0x3fff pages, last byte 0x37ff: below
      compute(100),
      fetch(0x4000), // at or above: reported
      load(0x2ffe, 0x803), // straddle, last byte 0x3800: reported
      sw(2),
      compute(23),
    ];
    const seen: Array<[number, number]> = [];
    const r = replay(records, geometry(4, 4), { taskSize: 0x3800, onAboveTaskSize: (addr, pid) => seen.push([addr, pid]) });
    expect(seen).toEqual([
      [0x37fe, 1],
      [0x4000, 1],
      [0x2ffe, 1],
    ]);
    // Replayed anyway: 7 accesses, references = pages touched (1 + 1 + 1 + 1 + 2 + 1 + 2).
    expect(r.accesses).toBe(7);
    expect(r.references).toEqual({ i: 1, d: 8 });
    expect(r.recordsByKind[EventKind.access]).toBe(7);
    expect(r.recordsByKind[EventKind.compute]).toBe(2);
    expect(r.recordsByKind[EventKind.switch]).toBe(1);
    expect(r.recordsByKind.reduce((a, b) => a + b, 0)).toBe(records.length);
    expect(r.computeCycles).toBe(123);
    // Without taskSize nothing is reported and the counts are the same.
    const plain = replay(records);
    expect({ ...plain }).toEqual({ ...r });
  });

  it('reports every access above taskSize, also repeated ones on the same page as the access before', () => {
    const records = [
      load(0x5000), // above: reported
      load(0x5008), // the same page again: reported again
      fetch(0x6000),
      fetch(0x6004), // a fetch of the same page: reported again
      load(0x2ffe, 0x3000), // straddles up to page 0x5000: reported
      load(0x5010), // the straddle's last page: reported
      load(0x1000), // below: not reported
      load(0x1004),
    ];
    const seen: number[] = [];
    const r = replay(records, geometry(4, 4), { taskSize: 0x4000, onAboveTaskSize: (addr) => seen.push(addr) });
    expect(seen).toEqual([0x5000, 0x5008, 0x6000, 0x6004, 0x2ffe, 0x5010]);
    // The same TLB outcome as without taskSize.
    expect({ ...replay(records, geometry(4, 4)) }).toEqual({ ...r });
  });

  it('gives each CPU its own TLBs', () => {
    const r = replay([load(0x1000, 4, 1, 0), load(0x1000, 4, 1, 1), load(0x1000, 4, 1, 0), load(0x1000, 4, 1, 1)]);
    expect(r).toMatchObject({ cpus: 2, misses: { d: 2 } });
  });

  it('with an STLB, an L1 miss that hits the STLB is not a walk', () => {
    // L1 D: 1 entry; STLB 4 entries. Pages 1, 2, 1: the second touch of page 1 misses L1, hits the STLB.
    const r = replay([load(0x1000), load(0x2000), load(0x1000)], geometry(1, 1, { entries: 4, ways: 4 }));
    expect(r).toMatchObject({ misses: { d: 3, stlb: 2 }, stlbHits: 1, walks: 2 });
  });

  it('replayTlbOnly over a TraceSource gives what the replayer gives batch by batch', async () => {
    const records: TraceRecord[] = [];
    for (let i = 0; i < 200; i++)
      records.push(i % 3 === 0 ? fetch(0x8000 + ((i * 7919) % 40) * 4096, 3, i % 2) : load((i * 104729) % 0x40000, 8, 1, i % 2));
    records.splice(100, 0, sw(5, 0));
    const r = await replayTlbOnly(sourceOf(records), geometry(8, 2));
    expect(r).toEqual(replay(records, geometry(8, 2)));
    expect(r.records).toBe(201);
  });

  it('replayTlbOnly rejects when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped by test'));
    await expect(replayTlbOnly(sourceOf([load(0)]), geometry(4, 4), { signal: controller.signal })).rejects.toThrow('stopped by test');
  });
});
