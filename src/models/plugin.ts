import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { ConfigError, InputError } from '../errors.ts';
import { PARAMS } from './keys.ts';
import type { CostFn, LockKind, Replacement } from './types.ts';
import { isPlainObject } from './validate.ts';

/**
 * Code plug-ins: a TypeScript/JavaScript module, loaded by path at run time (`--model ./my-model.ts`),
 * whose default export (or export named `model`) is a model document in which any cost may be a
 * function `(n, rng) => cycles` instead of data:
 *
 *     export default definePlugin({ extends: 'core2', costs: { invlpg: (n, rng) => 500 } });
 *
 * Data parts are validated like a model file; each function becomes a hook that replaces that cost's
 * CostFn. A hook's result is checked on every call (finite, ≥ 0) because a plug-in is user input.
 */

/** A number, a cost object (constant/linear/table/distribution + provenance), or a function. */
export type PluginCost = number | CostFn | { readonly [form: string]: unknown };
/** A scalar parameter: the value, or `{ value, source, … }`. */
export type PluginScalar<T> = T | { readonly value: T; readonly source?: string; readonly borrowedFrom?: string; readonly note?: string };
interface PluginTlbLevel {
  readonly entries?: PluginScalar<number>;
  readonly ways?: PluginScalar<number>;
}

/** What a plug-in module exports (every part optional when it `extends` a model). */
export interface ModelPlugin {
  /** A shipped model name or a path (relative to the plug-in) to start from. */
  readonly extends?: string;
  readonly name?: string;
  readonly description?: string;
  readonly clockGHz?: PluginScalar<number>;
  readonly flushCeiling?: PluginScalar<number>;
  readonly tlb?: {
    readonly l1i?: PluginTlbLevel;
    readonly l1d?: PluginTlbLevel;
    readonly stlb?: PluginTlbLevel;
    readonly large?: PluginTlbLevel;
    readonly replacement?: PluginScalar<Replacement>;
  };
  readonly costs?: { readonly [key: string]: PluginCost };
  readonly lock?: {
    readonly kind?: PluginScalar<LockKind>;
    readonly handoff?: PluginCost;
    readonly perWaiter?: PluginCost;
  };
}

/**
 * Identity function that gives a plug-in's export its type (and editor completion).
 * @public for plug-in authors
 */
export function definePlugin(plugin: ModelPlugin): ModelPlugin {
  return plugin;
}

/** A loaded plug-in: its document (functions replaced by hook placeholders), hooks and source text. */
export interface LoadedPlugin {
  readonly doc: { [k: string]: unknown };
  readonly hooks: Map<string, CostFn>;
  readonly sourceText: string;
}

/** Imports a plug-in module and separates its data from its hooks. */
export async function loadPlugin(file: string, label: string): Promise<LoadedPlugin> {
  let sourceText: string;
  try {
    sourceText = await readFile(file, 'utf8');
  } catch {
    throw new InputError(`--model ${label}: cannot read the plug-in file (expected a .ts, .js or .mjs module)`);
  }
  let mod: { default?: unknown; model?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown; model?: unknown };
  } catch (err) {
    throw new InputError(`--model ${label}: the plug-in failed to load: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  const exported = mod.default ?? mod.model;
  if (!isPlainObject(exported)) {
    throw new InputError(`--model ${label}: expected the module to export a model object as default (or as "model")`);
  }
  const doc = cloneWithHooks(exported);
  const hooks = new Map<string, CostFn>();
  for (const p of PARAMS) {
    if (p.kind !== 'cost') continue;
    const segments = p.key.split('.');
    let parent: unknown = doc;
    for (const s of segments.slice(0, -1)) parent = isPlainObject(parent) ? parent[s] : undefined;
    const leaf = segments[segments.length - 1]!;
    if (!isPlainObject(parent) || typeof parent[leaf] !== 'function') continue;
    // The id names the parameter only, so the model hash does not depend on how the path was typed.
    const id = `plug-in:${p.key}`;
    hooks.set(id, checkedHook(parent[leaf] as CostFn, label, p.key));
    parent[leaf] = { hook: id, scale: 1, source: `code plug-in ${label}` };
  }
  return { doc, hooks, sourceText };
}

function checkedHook(fn: CostFn, label: string, key: string): CostFn {
  return (n, rng) => {
    const c = fn(n, rng);
    if (typeof c !== 'number' || !(c >= 0) || c === Infinity) {
      throw new ConfigError(`--model ${label}: ${key}(${n}) returned ${String(c)} (expected a finite, non-negative number of cycles)`);
    }
    return c;
  };
}

function cloneWithHooks(v: unknown): { [k: string]: unknown } {
  const clone = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(clone);
    if (isPlainObject(x)) return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, clone(y)]));
    return x;
  };
  return clone(v) as { [k: string]: unknown };
}
