/**
 * Test helpers for the machine: in-memory traces and resolved configurations/models.
 */
import { computeLayout } from '../../src/layout/compute.ts';
import { resolveConfig, type ConfigOptions } from '../../src/layout/configs.ts';
import type { Layout, MachineConfig } from '../../src/layout/types.ts';
import { loadModel } from '../../src/models/load.ts';
import type { CostModel } from '../../src/models/types.ts';
import { recordsToBatches } from '../../src/trace/batch.ts';
import type { RecordBatch, TraceHeader, TraceRecord, TraceSource } from '../../src/trace/records.ts';
import { replayMachineSource } from '../../src/machine/replay.ts';
import { buildResult } from '../../src/machine/result.ts';
import type { RunResult } from '../../src/result/run-result.ts';
import type { Machine } from '../../src/machine/machine.ts';

/**
 * A TraceSource over records held in memory (batches per CPU in the order given, chunked). With
 * `yieldEvery` > 0 it gives the event loop a turn after that many batches (a long replay inside a test
 * then does not starve the test runner's messages).
 */
export function memorySource(
  records: readonly TraceRecord[],
  cpus = 1,
  chunk = 4096,
  yieldEvery = 0,
  more: Partial<TraceHeader> = {},
): TraceSource {
  const header: TraceHeader = { version: '1.0', source: 'test', pageSize: 4096, addressBits: 32, cpus, provenance: {}, ...more };
  const batches: RecordBatch[] = recordsToBatches(records, chunk);
  return {
    header,
    async *batches() {
      let n = 0;
      for (const b of batches) {
        yield b;
        if (yieldEvery > 0 && ++n % yieldEvery === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

/** A resolved configuration and its layout. */
export function configOf(options: ConfigOptions): { config: MachineConfig; layout: Layout } {
  const config = resolveConfig(options);
  return { config, layout: computeLayout(config) };
}

/** A model by name with --set overrides. */
export async function modelOf(name = 'core2', sets: readonly string[] = []): Promise<CostModel> {
  return loadModel(name, sets);
}

/** Full machine replay of in-memory records. */
export async function runRecords(
  records: readonly TraceRecord[],
  options: ConfigOptions,
  extra: {
    cpus?: number;
    model?: CostModel;
    seed?: number;
    chunk?: number;
    yieldEvery?: number;
    header?: Partial<TraceHeader>;
    copyRuns?: boolean;
  } = {},
): Promise<{ result: RunResult; machine: Machine }> {
  const { config, layout } = configOf(options);
  const model = extra.model ?? (await modelOf());
  const src = memorySource(records, extra.cpus ?? 1, extra.chunk ?? 4096, extra.yieldEvery ?? 0, extra.header ?? {});
  const out = await replayMachineSource(
    { config, model, seed: extra.seed ?? 1 },
    layout,
    src,
    extra.copyRuns !== undefined ? { copyRuns: extra.copyRuns } : {},
  );
  const result = buildResult({ ...out.parts, trace: { path: 'memory', records: out.records, sha256: '', digest: 'file', source: 'test' } });
  return { result, machine: out.machine };
}

/** A cost model with integer constants, for exact cycle expectations (not a shipped model). */
export function constantModel(overrides: Partial<Record<keyof CostModel['costs'], number>> = {}, flushCeiling = 33): CostModel {
  const c = (v: number) => () => v;
  const base: Record<keyof CostModel['costs'], number> = {
    walk: 30,
    walkDram: 0,
    stlbHit: 7,
    pteWrite: 5,
    invlpg: 200,
    cr3Write: 100,
    ptiTrampoline: 0,
    globalFlush: 900,
    ipi: 1000,
    ipiReceive: 400,
    pageFault: 1500,
    syscall: 300,
    contextSwitch: 2000,
    copy: 1000,
    lockAcquire: 20,
    sleepWake: 5000,
    pkmapScanSlot: 2,
    pageAddressLookup: 10,
    reclaimPage: 1000,
    shrinkObject: 500,
    pathLookup: 0,
    fileClose: 0,
    ioCall: 0,
    forkExit: 0,
    ...overrides,
  };
  const costs = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, c(v)])) as unknown as CostModel['costs'];
  return {
    name: 'test-constant',
    hash: 'test',
    description: 'integer constants for exact tests',
    clockGHz: 2,
    tlb: {
      l1i: { entries: 64, ways: 4 },
      l1d: { entries: 64, ways: 4 },
      stlb: { entries: 0, ways: 1 },
      large: { entries: 0, ways: 1 },
      replacement: 'lru',
    },
    costs,
    lock: { kind: 'ticket', handoff: c(50) },
    flushCeiling,
  };
}
