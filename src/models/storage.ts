/**
 * The storage part of a cost model: the device behind the page cache (models/devices/*.json) and the
 * kernel's writeback tunables, under the canonical keys io.* and vm.* (keys.ts).
 *
 * A CPU model file need not mention storage: before validation, fillStorage() completes the document
 *
 *   io.device (model file, or --set io.device=NAME|PATH, else DEFAULT_DEVICE)
 *       └─► models/devices/NAME.json (or the .json at PATH), checked: every figure present and in range
 *             └─► io.read.*, io.write.*, io.queueDepth, io.maxRequestKiB not given by the model or --set
 *   vm.*, io.readaheadKiB, io.files, io.swap.* not given ─► the kernel's defaults (KERNEL_DEFAULTS)
 *
 * `--set io.device=X` replaces the model file's own device figures with X's; other `--set io.*` options
 * then override single figures of the chosen device.
 */
import { readJsonFile } from '../io/json.ts';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, InputError } from '../errors.ts';
import { closest } from './closest.ts';
import { MODELS_DIR } from './registry.ts';
import { isPlainObject, typeName } from './validate.ts';

/**
 * The device used when the model and the command line name none: `hdd-7200`.
 * Why: the 32-bit HIGHMEM boxes hmsim models (Core 2 era, the default CPU model) served files from
 * 7200 rpm disks, and a page-cache miss that costs a seek is what makes RAM beyond lowmem worth having.
 */
export const DEFAULT_DEVICE = 'hdd-7200';

/** The folder of the shipped device profiles. */
export const DEVICES_DIR: string = join(MODELS_DIR, 'devices');

/** A device as the machine uses it (times in microseconds, rates in bytes per microsecond). */
export interface DeviceModel {
  readonly name: string;
  readonly readLatencyUs: number;
  readonly readBandwidthMBps: number;
  readonly writeLatencyUs: number;
  readonly writeBandwidthMBps: number;
  readonly queueDepth: number;
  readonly maxRequestKiB: number;
}

/** The storage model of a CostModel (all from the io.* and vm.* keys). */
export interface StorageModel {
  readonly device: DeviceModel;
  /** read_ahead_kb: the largest readahead window, KiB (0: no readahead). */
  readonly readaheadKiB: number;
  /** Where the trace's files live. */
  readonly files: 'disk' | 'tmpfs';
  /** Swap space in MiB (0: none) and the swap device (its own instance of a profile). */
  readonly swapMiB: number;
  readonly swapDevice: DeviceModel;
  readonly dirtyRatio: number;
  readonly dirtyBackgroundRatio: number;
  readonly highmemIsDirtyable: boolean;
  readonly dirtyExpireCentisecs: number;
}

/** The figures of a device profile, by key inside the profile (= key under io.). */
const DEVICE_FIGURES: ReadonlyArray<{ key: string; min: number; exclusive: boolean; integer: boolean }> = [
  { key: 'read.latencyUs', min: 0, exclusive: false, integer: false },
  { key: 'read.bandwidthMBps', min: 0, exclusive: true, integer: false },
  { key: 'write.latencyUs', min: 0, exclusive: false, integer: false },
  { key: 'write.bandwidthMBps', min: 0, exclusive: true, integer: false },
  { key: 'queueDepth', min: 1, exclusive: false, integer: true },
  { key: 'maxRequestKiB', min: 1, exclusive: false, integer: true },
];

/** Kernel defaults of the tunables, with their sources (Linux 6.1 unless said). */
const KERNEL_DEFAULTS: ReadonlyArray<{ key: string; value: number | string; source: string }> = [
  {
    key: 'io.readaheadKiB',
    value: 128,
    source: 'Linux include/linux/mm.h VM_READAHEAD_PAGES = SZ_128K / PAGE_SIZE (the default bdi read_ahead_kb, 128 KiB since 2.6.23)',
  },
  { key: 'io.files', value: 'disk', source: "default: the trace's files live on a disk filesystem" },
  { key: 'io.swap.sizeMiB', value: 0, source: 'default: no swap (swapoff)' },
  { key: 'vm.dirtyRatio', value: 20, source: 'Linux mm/page-writeback.c int vm_dirty_ratio = 20' },
  { key: 'vm.dirtyBackgroundRatio', value: 10, source: 'Linux mm/page-writeback.c int dirty_background_ratio = 10' },
  {
    key: 'vm.highmemIsDirtyable',
    value: 0,
    source: 'Linux mm/page-writeback.c int vm_highmem_is_dirtyable (0 unless set: highmem is left out of global_dirtyable_memory())',
  },
  { key: 'vm.dirtyExpireCentisecs', value: 3000, source: 'Linux mm/page-writeback.c unsigned int dirty_expire_interval = 30 * 100' },
];

/** The shipped device profile names. */
export function deviceNames(): string[] {
  return ['hdd-7200', 'sata-ssd', 'nvme'].filter((n) => existsSync(join(DEVICES_DIR, `${n}.json`)));
}

/** A profile's figures with their provenance, by figure key (`read.latencyUs` …). */
export type DeviceFigures = ReadonlyMap<string, { value: number; provenance: Record<string, unknown> }>;

/**
 * Reads and checks a device profile: a shipped name or a path to a .json file (relative to `cwd`).
 * @throws UserError, one line: the profile and every problem (`read.latencyUs: missing`, `must not be negative, got -1`).
 */
export function readDevice(ref: string, cwd: string = process.cwd()): { name: string; figures: DeviceFigures } {
  const isPath = ref.endsWith('.json') || ref.includes('/');
  const file = isPath ? resolve(cwd, ref) : join(DEVICES_DIR, `${ref}.json`);
  if (!isPath && (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(ref) || !existsSync(file))) {
    const near = closest(ref, deviceNames());
    throw new ConfigError(
      `unknown device profile '${ref}'${near === undefined ? '' : ` (did you mean ${near}?)`}; ` +
        `expected one of ${deviceNames().join(', ')}, or a path to a device .json`,
    );
  }
  const doc = readJsonFile(file, `device profile ${ref}`, 'a JSON device profile');
  if (!isPlainObject(doc)) throw new InputError(`device profile ${ref}: expected a JSON object, got ${typeName(doc)}`);
  const problems: string[] = [];
  const figures = new Map<string, { value: number; provenance: Record<string, unknown> }>();
  for (const f of DEVICE_FIGURES) {
    let node: unknown = doc;
    for (const s of f.key.split('.')) node = isPlainObject(node) ? node[s] : undefined;
    const provenance: Record<string, unknown> = isPlainObject(node) ? { ...node } : {};
    delete provenance['value'];
    const v = isPlainObject(node) ? node['value'] : node;
    if (v === undefined) problems.push(`${f.key}: missing`);
    else if (typeof v !== 'number' || !Number.isFinite(v)) problems.push(`${f.key}: expected a finite number, got ${typeName(v)}`);
    else if (v < f.min || (f.exclusive && v === f.min))
      problems.push(
        `${f.key}: ${f.min === 0 ? (f.exclusive ? 'must be positive' : 'must not be negative') : `must be ≥ ${f.min}`}, got ${v}`,
      );
    else if (f.integer && !Number.isInteger(v)) problems.push(`${f.key}: expected an integer, got ${v}`);
    else figures.set(f.key, { value: v, provenance });
  }
  if (problems.length > 0) throw new InputError(`device profile ${ref}: ${problems.join('; ')}`);
  const name = typeof doc['name'] === 'string' && doc['name'] !== '' ? doc['name'] : ref;
  return { name, figures };
}

/** The value of a scalar document entry (a bare value or `{ value, … }`). */
function scalarValue(node: unknown): unknown {
  return isPlainObject(node) ? node['value'] : node;
}

function child(doc: { [k: string]: unknown }, key: string): { [k: string]: unknown } {
  const next = doc[key];
  if (isPlainObject(next)) return next;
  const fresh: { [k: string]: unknown } = {};
  doc[key] = fresh;
  return fresh;
}

/** True when `--set` options choose the device (`io.device=…`, or `io={"device": …}`). */
export function setsChooseDevice(sets: readonly string[]): boolean {
  return sets.some((s) => /^\s*io\.device\s*=/.test(s) || (/^\s*io\s*=/.test(s) && s.includes('"device"')));
}

/**
 * The model's own device figures are dropped (the device named on the command line brings its own):
 * io.read, io.write, io.queueDepth, io.maxRequestKiB of `doc` (mutated).
 */
export function dropDeviceFigures(doc: { [k: string]: unknown }): void {
  const io = doc['io'];
  if (!isPlainObject(io)) return;
  for (const k of ['read', 'write', 'queueDepth', 'maxRequestKiB']) delete io[k];
}

/**
 * Completes `doc` (mutated) with the figures of its device (io.device, else DEFAULT_DEVICE) and the
 * kernel's defaults, for every key not given. A device that is not a string is left to validation.
 * @throws UserError when the device profile is unknown or invalid.
 */
export function fillStorage(doc: { [k: string]: unknown }, cwd?: string): void {
  const io = child(doc, 'io');
  if (io['device'] === undefined)
    io['device'] = { value: DEFAULT_DEVICE, source: `default device (src/models/storage.ts DEFAULT_DEVICE; README "Storage")` };
  const ref = scalarValue(io['device']);
  if (typeof ref === 'string' && ref.trim() !== '') {
    const { name, figures } = readDevice(ref, cwd);
    for (const [key, { value, provenance }] of figures) {
      const [group, leaf] = key.includes('.') ? key.split('.') : [undefined, key];
      const holder = group === undefined ? io : child(io, group);
      if (holder[leaf!] !== undefined) continue;
      const source = typeof provenance['source'] === 'string' ? `device ${name}: ${provenance['source']}` : `device ${name}`;
      holder[leaf!] = { ...provenance, value, source };
    }
  }
  for (const d of KERNEL_DEFAULTS) {
    const [group, ...rest] = d.key.split('.');
    let holder = child(doc, group!);
    for (const s of rest.slice(0, -1)) holder = child(holder, s);
    const leaf = rest[rest.length - 1]!;
    if (holder[leaf] === undefined) holder[leaf] = { value: d.value, source: d.source };
  }
  const swap = child(io, 'swap');
  if (swap['device'] === undefined) {
    const dev = scalarValue(io['device']);
    swap['device'] = {
      value: typeof dev === 'string' ? dev : DEFAULT_DEVICE,
      source: 'default: a device of the same profile as io.device, of its own',
    };
  }
}

/** A DeviceModel from a profile's checked figures. */
export function deviceModel(name: string, figures: DeviceFigures): DeviceModel {
  const v = (k: string): number => figures.get(k)!.value;
  return {
    name,
    readLatencyUs: v('read.latencyUs'),
    readBandwidthMBps: v('read.bandwidthMBps'),
    writeLatencyUs: v('write.latencyUs'),
    writeBandwidthMBps: v('write.bandwidthMBps'),
    queueDepth: v('queueDepth'),
    maxRequestKiB: v('maxRequestKiB'),
  };
}
