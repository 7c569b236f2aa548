import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rootPath } from '../package-root.ts';
import { basename, join, sep } from 'node:path';

/** The folder of the shipped models (models/ at the repository root). */
export const MODELS_DIR: string = rootPath('models') + sep;

/**
 * The model used when a command is given no `--model`: `core2`.
 * Why: hmsim models 32-bit x86 Linux, and Core 2 is the CPU of the years when 32-bit HIGHMEM/PAE
 * kernels were the common case on desktops and servers (2006–2010); it has PAE, NX and global pages
 * like every configuration we model, and a two-level data TLB (DTLB0 16 + DTLB1 256 entries, row G3),
 * so the STLB path is exercised. Its geometry is read from a CPUID dump (G3); its INVLPG/CR3/flush costs
 * are borrowed from Westmere (I3/F1), like every other 32-bit-era model's. `haswell` is the x86_64
 * reference, `p4-prescott`/`pentium-m` have no second-level TLB, `atom-n270` is an in-order netbook core.
 */
export const DEFAULT_MODEL = 'core2';

/** A shipped model as listed by `hmsim models list`. */
export interface ModelInfo {
  /** Registry name = file name without .json = report label. */
  readonly name: string;
  readonly description: string;
  /** Absolute path of the model file. */
  readonly file: string;
  /** The model it extends, if any. */
  readonly extends?: string;
}

/** Lists the shipped models (models/*.json except the schema), sorted by name. */
export function listModels(dir: string = MODELS_DIR): readonly ModelInfo[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const name = basename(f, '.json');
      let description = '';
      let ext: string | undefined;
      try {
        const doc = JSON.parse(readFileSync(file, 'utf8')) as { description?: unknown; extends?: unknown };
        if (typeof doc.description === 'string') description = doc.description;
        if (typeof doc.extends === 'string') ext = doc.extends;
      } catch {
        description = '(unreadable: run hmsim models validate)';
      }
      return ext === undefined ? { name, description, file } : { name, description, file, extends: ext };
    });
}

/** The file of a shipped model, or undefined if there is none by that name. */
export function shippedModelFile(name: string, dir: string = MODELS_DIR): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return undefined;
  const file = join(dir, `${name}.json`);
  return existsSync(file) ? file : undefined;
}
