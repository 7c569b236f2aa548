/**
 * `--warmup N`: the first N records are replayed (they fill the TLBs, page tables, page cache and memory)
 * but not counted; the replay itself goes on exactly as without a warm-up.
 */
import { describe, expect, it } from 'vitest';
import { replay, replayMachineSource } from '../../src/machine/replay.ts';
import { CYCLE_CATEGORIES } from '../../src/result/run-result.ts';
import { AccessOp, EventKind, type TraceRecord } from '../../src/trace/records.ts';
import { parseWarmup } from '../../src/cli/run-options.ts';
import { UserError } from '../../src/errors.ts';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { ROOT } from '../helpers/cli.ts';
import { runMain } from '../run/in-process.ts';
import { configOf, constantModel, memorySource, modelOf } from './helpers.ts';

const BASE = 0x40000000;
const PAGE = 4096;
/**
 * Warm-up (17 records): a switch to pid 10 and a store to each of 16 new pages. Then (18 records): a
 * compute record of 5,000 cycles, a load of each of the 16 pages again and a store to a 17th new page.
 */
function trace(): TraceRecord[] {
  const r: TraceRecord[] = [{ kind: EventKind.switch, cpu: 0, pid: 10 }];
  for (let p = 0; p < 16; p++) r.push({ kind: EventKind.access, cpu: 0, pid: 10, op: AccessOp.store, addr: BASE + p * PAGE, len: 4 });
  r.push({ kind: EventKind.compute, cpu: 0, pid: 10, len: 5000 });
  for (let p = 0; p < 16; p++) r.push({ kind: EventKind.access, cpu: 0, pid: 10, op: AccessOp.load, addr: BASE + p * PAGE, len: 4 });
  r.push({ kind: EventKind.access, cpu: 0, pid: 10, op: AccessOp.store, addr: BASE + 16 * PAGE, len: 4 });
  return r;
}

/** The costs the exact figures use (cycles; every other cost of constantModel is not charged here). */
const C = { walk: 30, pageFault: 1500, pteWrite: 5, copy: 1000 };
const model = constantModel(C);
const HZ = model.clockGHz * 1e9;

async function run(records: readonly TraceRecord[], warmupRecords: number) {
  const { config, layout } = configOf({ config: '3g1g-nohighmem', ram: '512M' });
  const out = await replayMachineSource({ config, model, seed: 1 }, layout, memorySource(records), { warmupRecords });
  return out.parts;
}

describe('warm-up', () => {
  it('counts only the records after it, on the state the warm-up built (exact cycles)', async () => {
    const cold = await run(trace(), 0);
    const warm = await run(trace(), 17);
    // Without a warm-up all 17 pages fault; each fault clears its page, and the first also a page-table page.
    expect(cold.counts.pageFaults).toBe(17);
    expect(cold.breakdown.copy).toBe(18 * C.copy);
    // After it: the 16 pages are in the L1 dTLB (16 consecutive pages fall in the 16 sets of the 64-entry
    // 4-way dTLB, one each, and the whole run has 2 kernel dTLB misses: no set overflows), so the loads
    // hit; the 17th page misses, walks, faults and walks again (user-access.ts); its page-table page is
    // the one the warm-up cleared, so the fault clears one page only.
    expect(warm.counts.pageFaults).toBe(1);
    expect(warm.counts.dtlbMisses).toBe(1);
    expect(warm.counts.pageWalks).toBe(1);
    expect(warm.counts.accesses).toBe(17);
    expect(warm.counts.contextSwitches).toBe(0);
    expect(warm.counts.cr3Writes).toBe(0);
    expect(warm.counts.records).toMatchObject({ access: 17, compute: 1, switch: 0 });
    const expected = {
      compute: 5000,
      tlbWalk: 2 * C.walk,
      pageFault: C.pageFault + C.pteWrite,
      copy: C.copy,
    };
    const total = expected.compute + expected.tlbWalk + expected.pageFault + expected.copy;
    expect(total).toBe(7565);
    for (const cat of CYCLE_CATEGORIES) expect(warm.breakdown[cat], cat).toBe(expected[cat as keyof typeof expected] ?? 0);
    expect(warm.perCpu).toEqual([total, 0, 0, 0]);
    expect(warm.time!.elapsedSeconds).toBe(total / HZ);
    expect(warm.time!.perCpuSeconds[0]).toBe(total / HZ);
    // The warm-up took what the whole run took minus what is counted.
    expect(warm.warmup).toEqual({ records: 17, seconds: (cold.perCpu[0]! - total) / HZ });
    expect(cold.warmup).toBeUndefined();
  });

  it('on one CPU, every counter is the whole run minus a run of the warm-up records alone', async () => {
    const whole = await run(trace(), 0);
    const prefix = await run(trace().slice(0, 17), 0);
    const warm = await run(trace(), 17);
    const minus = (a: unknown, b: unknown): unknown =>
      typeof a === 'number'
        ? a - (b as number)
        : Object.fromEntries(Object.entries(a as object).map(([k, v]) => [k, minus(v, (b as Record<string, unknown>)[k])]));
    expect(warm.counts).toEqual(minus(whole.counts, prefix.counts));
    expect(warm.breakdown).toEqual(minus(whole.breakdown, prefix.breakdown));
    // The end state is the whole run's: memory is not a counter.
    expect(warm.zones).toEqual(whole.zones);
  });

  it('changes nothing a mechanism sees on a 4-CPU trace: same end state, cycles add up', async () => {
    const path = `${ROOT}traces/kmap-storm-small.hmt`;
    const { config } = configOf({ config: '3g1g-highmem' });
    const model = await modelOf('core2');
    const spec = { tracePath: path, config, model, seed: 1, prefault: false };
    const whole = await replay(spec);
    const warm = await replay({ ...spec, warmup: { percent: 25 } });
    expect(warm.warmup!.records).toBe(Math.floor(whole.trace.records / 4));
    expect(warm.trace.records).toBe(whole.trace.records);
    expect(warm.memory.zones).toEqual(whole.memory.zones);
    expect(warm.cycles.perCpu.reduce((a, b) => a + b, 0)).toBe(warm.cycles.total);
    const records = Object.values(warm.counts.records).reduce((a, b) => a + b, 0);
    expect(records).toBe(whole.trace.records - warm.warmup!.records);
    expect(warm.cycles.total).toBeLessThan(whole.cycles.total);
    expect(warm.counts.kmap.atomic + warm.counts.kmap.local + warm.counts.kmap.pkmap).toBeLessThan(
      whole.counts.kmap.atomic + whole.counts.kmap.local + whole.counts.kmap.pkmap,
    );
  });

  it('leaves every CPU clock where the replay without it leaves it, wherever the boundary falls', async () => {
    const path = `${ROOT}traces/kmap-storm-small.hmt`;
    const { config, layout } = configOf({ config: '3g1g-highmem' });
    const model = await modelOf('core2');
    const clocksAfter = async (warmupRecords: number): Promise<number[]> => {
      const out = await replayMachineSource({ config, model, seed: 1 }, layout, await openTrace(path), { warmupRecords });
      return out.machine.cpus.map((c) => c.sleepClock);
    };
    const whole = await clocksAfter(0);
    // A boundary inside a batch, one at a batch's first record, and one near the end.
    for (const n of [12_345, 4_096, 40_000]) expect(await clocksAfter(n), String(n)).toEqual(whole);
  });
});

describe('--warmup option', () => {
  it('takes a number of records or a percentage, anything else is a UserError', () => {
    expect(parseWarmup('1000')).toEqual({ records: 1000 });
    expect(parseWarmup('12.5%')).toEqual({ percent: 12.5 });
    for (const bad of ['0', '0%', '100%', '-3', '1e3', 'ten', '']) expect(() => parseWarmup(bad), bad).toThrow(UserError);
  });

  it('a percentage of a compressed trace (its length known only once read) counts its records first', async () => {
    const { config } = configOf({ config: '3g1g-highmem' });
    const spec = { tracePath: `${ROOT}traces/ftrace-dd-2cpu.hmt.gz`, config, model: await modelOf('core2'), seed: 1, prefault: false };
    const r = await replay({ ...spec, warmup: { percent: 25 } });
    expect(r.warmup!.records).toBe(Math.floor(r.trace.records / 4));
    expect(Object.values(r.counts.records).reduce((a, b) => a + b, 0)).toBe(r.trace.records - r.warmup!.records);
  });

  it('run shows the warm-up in its header', async () => {
    const r = await runMain([
      'run',
      '--trace',
      `${ROOT}traces/kmap-storm-small.hmt`,
      '--config',
      '3g1g-highmem',
      '--warmup',
      '50%',
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'warm-up        first 20,002 records (50.0 % of the trace) replayed to fill the TLBs, page tables, page ' +
        'cache and memory, not counted: every cycle, count and time below is of the 20,002 records after them\n',
    );
    expect(r.stdout).toContain('counts: events over the whole trace after the warm-up');
  });

  it('a warm-up as long as the trace, with --prefault, or malformed: one line, exit 2', async () => {
    const path = `${ROOT}traces/kmap-storm-small.hmt`;
    for (const [args, message] of [
      [['--warmup', '40004'], '--warmup 40004: '],
      [['--warmup', '5', '--prefault'], '--warmup 5: not with --prefault'],
      [['--warmup', '100%'], '--warmup 100%: expected a number of records'],
    ] as const) {
      const r = await runMain(['run', '--trace', path, '--quiet', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toContain(message);
    }
  });
});
