/**
 * Cost models: the public surface of src/models/.
 *
 * - loadModel(nameOrPath, sets) → CostModel (compiled CostFns, hash, resolved params)
 * - DEFAULT_MODEL, listModels() — the shipped models in models/*.json
 * - splitSets(sets) — separate `--set` configuration keys from model keys
 * - PARAMS — the canonical dotted keys
 */
export { loadModel, resolveModel } from './load.ts';
export { DEFAULT_MODEL, listModels } from './registry.ts';
export { splitSets, parseSetOption } from './overrides.ts';
export { PARAMS } from './keys.ts';
