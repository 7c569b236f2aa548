import { buildCostModel } from './build.ts';
import { canonicalJson, sha256 } from './canonical-json.ts';
import { readModelDocument, type ModelFileText } from './documents.ts';
import { positionOf } from '../io/json.ts';
import { PARAMS } from './keys.ts';
import { applySets, structuredCloneRaw, type SetOrigins } from './overrides.ts';
import { UserError } from '../errors.ts';
import { problemsError, type Problem } from './problems.ts';
import type { ResolvedModel } from './spec.ts';
import type { CostFn, CostModel } from './types.ts';
import { validateDocument } from './validate.ts';
import { dropDeviceFigures, fillStorage, setsChooseDevice } from './storage.ts';
import { drawModel } from './uncertainty.ts';

/**
 * Loading a cost model, the one entry point commands use:
 *
 *   name | file.json | plugin.ts ──► read + merge `extends` ──► apply --set ──► validate (all problems)
 *        (1)                           (2)                        (3)
 *   ──► hash ──► compile every cost into a CostFn ──► CostModel
 *       (4)      (5)
 */

/** Options of loadModel / resolveModel. */
export interface LoadOptions {
  /** Directory relative paths are resolved against (default: process.cwd()). */
  readonly cwd?: string;
  /** Require a source on every value even if the model is not shipped (`models validate --strict`). */
  readonly requireSources?: boolean;
  /**
   * Whether `nameOrPath` may be a code plug-in (default true: the caller passes what the user named on
   * the command line). `hmsim check` passes false unless `--allow-plugins`: a scenario's `model` field
   * is repository content. `extends` never names a plug-in (documents.ts).
   */
  readonly allowPlugin?: boolean;
  /**
   * Draw the costs known to within a factor (`within`) with this seed (`--model-uncertainty`: the
   * replication's seed; src/models/uncertainty.ts). Absent: every cost as written.
   */
  readonly uncertaintySeed?: number;
}

/** A validated model with what is needed to compile it. */
export interface ResolvedModelBundle {
  readonly model: ResolvedModel;
  readonly hooks: ReadonlyMap<string, CostFn>;
  /** sha256 of the canonical JSON of every parameter's value, plus plug-in source texts. */
  readonly hash: string;
}

/**
 * Loads a cost model by shipped name (`core2` → models/core2.json), by path to a .json file, or by path
 * to a code plug-in (.ts/.mts/.js/.mjs), applies `--set key=value` overrides (model keys only; see
 * splitSets), validates everything and compiles it.
 * @throws UserError listing every problem found, one per line, each with its JSON path.
 * @example const model = await loadModel('core2', ['costs.invlpg=+20%']);
 */
export async function loadModel(nameOrPath: string, sets: readonly string[] = [], options: LoadOptions = {}): Promise<CostModel> {
  const bundle = await resolveModel(nameOrPath, sets, options);
  if (options.uncertaintySeed === undefined) return buildCostModel(bundle.model, bundle.hooks, bundle.hash);
  const drawn = drawModel(bundle.model, bundle.hash, options.uncertaintySeed);
  return { ...buildCostModel(drawn.model, bundle.hooks, drawn.hash), draw: drawn.draw };
}

/** Phases 1–4 of loadModel: the validated, resolved model (what `hmsim models show` prints). */
export async function resolveModel(
  nameOrPath: string,
  sets: readonly string[] = [],
  options: LoadOptions = {},
): Promise<ResolvedModelBundle> {
  // (1) read + merge extends
  const merged = await readModelDocument(nameOrPath, options.cwd, options.allowPlugin ?? true);
  // (2) apply --set to a copy
  const doc = structuredCloneRaw(merged.doc);
  if (setsChooseDevice(sets)) dropDeviceFigures(doc);
  const origins: SetOrigins = new Map();
  const problems: Problem[] = applySets(doc, sets, origins);
  // (2b) the device's figures and the kernel's writeback defaults where the model gives none; an unknown
  // or invalid device is a problem of this model's io.device (named with the --set that chose it)
  try {
    fillStorage(doc, options.cwd);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const p: Problem = { path: 'io.device', message: err.message };
    throw problemsError(`model ${merged.origin}`, [withOrigin(p, origins) ?? withPosition(p, merged.files)]);
  }
  // (3) validate
  const requireSources = merged.shipped || options.requireSources === true;
  const result = validateDocument(doc, { requireSources, hooks: new Set(merged.hooks.keys()) });
  problems.push(...result.problems.map((p) => withOrigin(p, origins) ?? withPosition(p, merged.files)));
  if (merged.shipped && typeof merged.doc['name'] === 'string' && merged.doc['name'] !== merged.name) {
    problems.push({
      path: 'name',
      message: `must equal the file name '${merged.name}' (one name per model everywhere), got '${merged.doc['name']}'`,
    });
  }
  if (problems.length > 0) throw problemsError(`model ${merged.origin}`, problems);
  const description = typeof doc['description'] === 'string' ? doc['description'] : '';
  const model: ResolvedModel = { name: merged.name, description, origin: merged.origin, extends: merged.chain, params: result.params };
  // (4) hash: values only (a re-cited value keeps its hash), plus plug-in code
  const values = Object.fromEntries(PARAMS.map((p) => [p.key, result.params.get(p.key)?.value]));
  const hash = sha256(canonicalJson(values), ...merged.pluginSources);
  return { model, hooks: merged.hooks, hash };
}

/** A problem of a value `--set` gave, saying so; undefined when no `--set` gave it. */
function withOrigin(p: Problem, origins: SetOrigins): Problem | undefined {
  for (const [key, text] of origins) {
    if (p.path === key || p.path.startsWith(`${key}.`) || p.path.startsWith(`${key}[`)) {
      return { path: p.path, message: `${p.message} (from --set ${text})` };
    }
  }
  return undefined;
}

/**
 * A problem with where it stands: in the nearest document of the `extends` chain that gives its parameter
 * (a parameter comes whole from there), else that holds its path; a missing key at the object lacking it.
 * Nothing for a code plug-in (no text) or a value no document holds (`--set`, a default).
 */
function withPosition(p: Problem, files: readonly ModelFileText[]): Problem {
  const segments = [...p.path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[1] !== undefined ? Number(m[1]) : m[2]!));
  const param = PARAMS.find((q) => p.path === q.key || p.path.startsWith(`${q.key}.`) || p.path.startsWith(`${q.key}[`));
  const owner = param === undefined ? undefined : files.find((f) => holds(f.doc, param.key.split('.')));
  const shortest = p.message.startsWith('missing') ? 1 : segments.length;
  for (let n = segments.length; n >= shortest && n > 0; n--) {
    const f = owner ?? files.find((g) => holds(g.doc, segments.slice(0, n)));
    if (f === undefined || !holds(f.doc, segments.slice(0, n))) continue;
    const pos = f.text === undefined ? undefined : positionOf(f.text, segments.slice(0, n));
    return pos === undefined ? p : { ...p, at: `${f.display}:${pos.line}:${pos.column}` };
  }
  return p;
}

/** Whether a document has a value at `path`. */
function holds(doc: unknown, path: ReadonlyArray<string | number>): boolean {
  let node = doc;
  for (const s of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, s)) return false;
    node = (node as Record<string | number, unknown>)[s];
  }
  return true;
}
