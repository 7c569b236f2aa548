/**
 * Cost models: the public surface of src/models/.
 *
 * - loadModel(nameOrPath, sets) → CostModel (compiled CostFns, hash, resolved params)
 * - DEFAULT_MODEL, listModels() — the shipped models in models/*.json
 * - splitSets(sets) — separate `--set` configuration keys from model keys
 * - PARAMS — the canonical dotted keys
 */
export { loadModel, resolveModel, type LoadOptions, type ResolvedModelBundle } from './load.ts';
export { DEFAULT_MODEL, listModels, MODELS_DIR, type ModelInfo } from './registry.ts';
export { splitSets, parseSetOption, type SetOption } from './overrides.ts';
export { PARAMS, PARAM_BY_KEY, CONFIG_KEYS, type ParamInfo, type ParamKind } from './keys.ts';
export { definePlugin, type ModelPlugin } from './plugin.ts';
export type { CostForm, ResolvedModel, ResolvedParam, Provenance } from './spec.ts';
