/**
 * Kernel profiles: models/kernels/<name>.json, one file per kernel build, read and validated at the edge.
 *
 * A profile holds the values of one kernel's source and .config that shape the address space (its
 * fixmap enum entries, cpu_entry_area size, era formulas, struct page size), its default choices
 * (split, highmem mode, PAE, PTI, NR_CPUS, HIGHPTE), its kmap policy (which API each kernel path uses
 * for a highmem page) and the sources of all of that.
 */
import { rootPath } from '../package-root.ts';
import { readJsonFile } from '../io/json.ts';
import { readdirSync } from 'node:fs';
import { sep } from 'node:path';
import { ConfigError, InputError } from '../errors.ts';
import { parseLayoutFacts } from './facts.ts';
import { KMAP_API_NAMES, type KmapApiName } from '../trace/records.ts';
import type { HighmemMode, KernelProfile, KmapPolicy, Split } from './types.ts';

/** Directory of the shipped profiles (models/kernels/). */
export const KERNEL_PROFILE_DIR = rootPath('models', 'kernels') + sep;

/** The kernel profile used when neither --kernel nor a preset names one. */
export const DEFAULT_KERNEL_PROFILE = 'debian-6.1-686-pae';

const SPLITS: readonly Split[] = ['3G', '3G_OPT', '2G', '2G_OPT', '1G', '4G4G', 'x86_64'];
const HIGHMEM_MODES: readonly HighmemMode[] = ['off', '4G', '64G'];

/** Names of the shipped profiles, sorted. */
export function listKernelProfiles(): string[] {
  return readdirSync(KERNEL_PROFILE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** Profiles read so far, by name: each file is read and parsed once per process (profiles are readonly). */
const loaded = new Map<string, KernelProfile>();

/**
 * Loads and validates models/kernels/<name>.json (once per process; later calls return the same object).
 * @throws UserError for an unknown name (listing the known ones) or a malformed file (naming the field).
 */
export function loadKernelProfile(name: string): KernelProfile {
  const cached = loaded.get(name);
  if (cached !== undefined) return cached;
  const profile = readKernelProfile(name);
  loaded.set(name, profile);
  return profile;
}

function readKernelProfile(name: string): KernelProfile {
  const known = listKernelProfiles();
  if (!known.includes(name)) {
    throw new ConfigError(`--kernel: unknown kernel profile '${name}' (known: ${known.join(', ')})`);
  }
  const file = `models/kernels/${name}.json`;
  const raw = readJsonFile(`${KERNEL_PROFILE_DIR}${name}.json`, file, 'a JSON kernel profile');
  return parseKernelProfile(file, raw, name);
}

/** Validates a parsed profile object. `expectedName` must equal its `name` field. */
export function parseKernelProfile(file: string, raw: unknown, expectedName?: string): KernelProfile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InputError(`${file}: a kernel profile must be a JSON object`);
  }
  const o = raw as Record<string, unknown>;
  const str = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || v === '') throw new InputError(`${file}: field '${k}' must be a non-empty string`);
    return v;
  };
  const name = str('name');
  if (expectedName !== undefined && name !== expectedName) {
    throw new InputError(`${file}: field 'name' is '${name}' but the file is named '${expectedName}.json'`);
  }
  const d = o['defaults'];
  if (typeof d !== 'object' || d === null) throw new InputError(`${file}: field 'defaults' must be an object`);
  const dd = d as Record<string, unknown>;
  const pick = <T extends string>(k: string, allowed: readonly T[]): T => {
    const v = dd[k];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw new InputError(`${file}: field 'defaults.${k}' must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
    }
    return v as T;
  };
  const bool = (k: string): boolean => {
    const v = dd[k];
    if (typeof v !== 'boolean') throw new InputError(`${file}: field 'defaults.${k}' must be true or false`);
    return v;
  };
  const nrCpus = dd['nrCpus'];
  if (typeof nrCpus !== 'number' || !Number.isInteger(nrCpus) || nrCpus < 1 || nrCpus > 64) {
    throw new InputError(`${file}: field 'defaults.nrCpus' must be an integer in [1, 64]`);
  }
  const k = o['kmap'];
  if (typeof k !== 'object' || k === null) throw new InputError(`${file}: field 'kmap' must be an object`);
  const kk = k as Record<string, unknown>;
  const api = (key: keyof KmapPolicy): KmapApiName => {
    const v = kk[key];
    if (typeof v !== 'string' || !(KMAP_API_NAMES as readonly string[]).includes(v)) {
      throw new InputError(`${file}: field 'kmap.${key}' must be one of ${KMAP_API_NAMES.join(', ')} (got ${JSON.stringify(v)})`);
    }
    return v as KmapApiName;
  };
  const sources = o['sources'];
  if (!Array.isArray(sources) || !sources.every((s) => typeof s === 'string')) {
    throw new InputError(`${file}: field 'sources' must be an array of strings`);
  }
  return {
    name,
    description: str('description'),
    version: str('version'),
    defaults: {
      split: pick('split', SPLITS),
      highmem: pick('highmem', HIGHMEM_MODES),
      pae: bool('pae'),
      pti: bool('pti'),
      nrCpus,
      highpte: bool('highpte'),
    },
    // Parsed now, once: a bad file fails at load time, not during a run.
    layout: parseLayoutFacts(file, o['layout']),
    kmap: {
      pageCacheCopy: api('pageCacheCopy'),
      clearPage: api('clearPage'),
      cowCopy: api('cowCopy'),
      pteAccess: api('pteAccess'),
    },
    sources: sources as string[],
  };
}
