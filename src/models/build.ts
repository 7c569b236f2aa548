import { compileCost, type HookTable } from './compile-cost.ts';
import { lockHandoff } from './lock.ts';
import type { ResolvedModel, ResolvedParam } from './spec.ts';
import type { CostFn, CostModel, LockKind, Replacement, TlbLevel } from './types.ts';
import { deviceModel, readDevice, type DeviceModel, type StorageModel } from './storage.ts';

/**
 * Compiles a validated model into the CostModel the engine consumes: every cost becomes a CostFn once,
 * here; the lock hand-off is composed from lock.kind, lock.handoff and lock.perWaiter.
 */
export function buildCostModel(model: ResolvedModel, hooks: HookTable, hash: string): CostModel {
  const param = (key: string): ResolvedParam => {
    const p = model.params.get(key);
    if (p === undefined) throw new Error(`validated model ${model.name} lacks ${key}`);
    return p;
  };
  const num = (key: string): number => {
    const v = param(key).value;
    if (typeof v !== 'number') throw new Error(`${key} is not numeric`);
    return v;
  };
  const cost = (key: string): CostFn => {
    const p = param(key);
    if (p.kind !== 'cost') throw new Error(`${key} is not a cost`);
    return compileCost(p.value, hooks);
  };
  const level = (name: string): TlbLevel => ({ entries: num(`tlb.${name}.entries`), ways: num(`tlb.${name}.ways`) });
  const kind = param('lock.kind').value as LockKind;
  return {
    name: model.name,
    hash,
    description: model.description,
    clockGHz: num('clockGHz'),
    tlb: {
      l1i: level('l1i'),
      l1d: level('l1d'),
      stlb: level('stlb'),
      large: level('large'),
      replacement: param('tlb.replacement').value as Replacement,
    },
    costs: {
      walk: cost('costs.walk'),
      walkDram: cost('costs.walkDram'),
      stlbHit: cost('costs.stlbHit'),
      pteWrite: cost('costs.pteWrite'),
      invlpg: cost('costs.invlpg'),
      cr3Write: cost('costs.cr3Write'),
      ptiTrampoline: cost('costs.ptiTrampoline'),
      globalFlush: cost('costs.globalFlush'),
      ipi: cost('costs.ipi'),
      ipiReceive: cost('costs.ipiReceive'),
      pageFault: cost('costs.pageFault'),
      syscall: cost('costs.syscall'),
      pathLookup: cost('costs.pathLookup'),
      fileClose: cost('costs.fileClose'),
      ioCall: cost('costs.ioCall'),
      forkExit: cost('costs.forkExit'),
      contextSwitch: cost('costs.contextSwitch'),
      copy: cost('costs.copy'),
      lockAcquire: cost('costs.lockAcquire'),
      sleepWake: cost('costs.sleepWake'),
      pkmapScanSlot: cost('costs.pkmapScanSlot'),
      pageAddressLookup: cost('costs.pageAddressLookup'),
      reclaimPage: cost('costs.reclaimPage'),
      shrinkObject: cost('costs.shrinkObject'),
    },
    lock: { kind, handoff: lockHandoff(kind, cost('lock.handoff'), cost('lock.perWaiter')) },
    flushCeiling: num('flushCeiling'),
    io: storageModel(model),
    params: paramsRecord(model),
  };
}

/** The io.* and vm.* parameters as the machine uses them (the swap device is a shipped profile read here). */
function storageModel(model: ResolvedModel): StorageModel {
  const value = (key: string): number | string => {
    const p = model.params.get(key);
    if (p === undefined || p.kind === 'cost') throw new Error(`validated model ${model.name} lacks ${key}`);
    return p.value;
  };
  const n = (key: string): number => value(key) as number;
  const device: DeviceModel = {
    name: String(value('io.device')),
    readLatencyUs: n('io.read.latencyUs'),
    readBandwidthMBps: n('io.read.bandwidthMBps'),
    writeLatencyUs: n('io.write.latencyUs'),
    writeBandwidthMBps: n('io.write.bandwidthMBps'),
    queueDepth: n('io.queueDepth'),
    maxRequestKiB: n('io.maxRequestKiB'),
  };
  const swapRef = String(value('io.swap.device'));
  const swapDevice =
    swapRef === device.name
      ? device
      : (() => {
          const d = readDevice(swapRef);
          return deviceModel(d.name, d.figures);
        })();
  return {
    device,
    readaheadKiB: n('io.readaheadKiB'),
    files: value('io.files') as 'disk' | 'tmpfs',
    swapMiB: n('io.swap.sizeMiB'),
    swapDevice,
    dirtyRatio: n('vm.dirtyRatio'),
    dirtyBackgroundRatio: n('vm.dirtyBackgroundRatio'),
    highmemIsDirtyable: n('vm.highmemIsDirtyable') === 1,
    dirtyExpireCentisecs: n('vm.dirtyExpireCentisecs'),
  };
}

/** The resolved parameters as plain JSON (key → value and provenance), for reports and `models show`. */
export function paramsRecord(model: ResolvedModel): Readonly<Record<string, ResolvedParam>> {
  return Object.fromEntries(model.params);
}
