import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.ts';

/** The default scenario folder, relative to the working directory. */
export const DEFAULT_SCENARIO_DIR = 'scenarios';
/** The default baseline folder (`--baseline`), relative to the working directory. */
export const DEFAULT_BASELINE_DIR = 'baselines';

/** A scenario file to load: absolute path and the name used in messages (as the user gave it). */
export interface ScenarioFile {
  readonly path: string;
  readonly display: string;
}

/**
 * The scenario files named on the command line: a file is taken as is, a folder contributes its
 * `*.json` files except `schema.json`, sorted by name. No argument: the `scenarios/` folder.
 */
export function discoverScenarios(args: readonly string[], cwd: string = process.cwd()): ScenarioFile[] {
  const inputs = args.length > 0 ? args : [DEFAULT_SCENARIO_DIR];
  const out: ScenarioFile[] = [];
  for (const arg of inputs) {
    const abs = resolve(cwd, arg);
    if (!existsSync(abs)) {
      throw new InputError(
        args.length > 0
          ? `${arg}: no such scenario file or folder`
          : `${arg}/: no scenario folder here (name scenario files, or run from a folder that has scenarios/)`,
      );
    }
    if (!statSync(abs).isDirectory()) {
      out.push({ path: abs, display: arg });
      continue;
    }
    const files = readdirSync(abs)
      .filter((f) => f.endsWith('.json') && f !== 'schema.json')
      .sort();
    if (files.length === 0) throw new InputError(`${arg}: folder holds no scenario files (*.json)`);
    for (const f of files) out.push({ path: join(abs, f), display: join(arg, f) });
  }
  return out;
}
