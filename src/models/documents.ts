import { realpathSync } from 'node:fs';
import { readJsonDocument } from '../io/json.ts';
import { basename, dirname, extname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, InputError } from '../errors.ts';
import { closest } from './closest.ts';
import { GROUP_KEYS } from './keys.ts';
import { loadPlugin } from './plugin.ts';
import { listModels, MODELS_DIR, shippedModelFile } from './registry.ts';
import type { CostFn } from './types.ts';
import { isPlainObject } from './validate.ts';

/**
 * Reading model documents: a shipped name, a .json file or a code plug-in, with its `extends` chain
 * merged (a parameter in the extending document replaces the inherited one whole; groups merge).
 */

/** A document with its `extends` chain merged, not yet validated. */
export interface MergedDocument {
  readonly doc: { [k: string]: unknown };
  /** Registry name (file name without extension, or the plug-in's `name`). */
  readonly name: string;
  /** How the user named it (name or path), for messages. */
  readonly origin: string;
  /** Shipped models must cite a source for every value. */
  readonly shipped: boolean;
  /** Names/paths of the models it extends, nearest first. */
  readonly chain: readonly string[];
  readonly hooks: ReadonlyMap<string, CostFn>;
  /** Source texts of the plug-ins involved (part of the model hash). */
  readonly pluginSources: readonly string[];
  /** The documents of the chain, nearest first, as read (for positions in messages). */
  readonly files: readonly ModelFileText[];
}

/** A document of a chain as read: its name in messages, its content, and the text of a JSON file. */
export interface ModelFileText {
  readonly display: string;
  readonly doc: { readonly [k: string]: unknown };
  /** Undefined for a code plug-in. */
  readonly text?: string;
}

const PLUGIN_EXT = new Set(['.ts', '.mts', '.js', '.mjs']);

/**
 * Reads and merges a model given by name or path; `cwd` resolves relative paths.
 *
 * Code runs only when the user asked for it: a plug-in (.ts/.mts/.js/.mjs) is imported only as the model
 * itself and only when `allowPlugin` (the caller named it: `--model ./x.ts` on the command line, or
 * `check --allow-plugins`). `extends` names only JSON models (a shipped name or a .json path), so reading
 * a .json never runs code, whoever wrote it.
 */
export async function readModelDocument(nameOrPath: string, cwd: string = process.cwd(), allowPlugin = true): Promise<MergedDocument> {
  return readRec(nameOrPath, cwd, new Set(), allowPlugin ? 'allowed' : 'refused');
}

/** Why a plug-in may or may not be loaded at this step of the chain. */
type PluginPolicy = 'allowed' | 'refused' | 'extends';

async function readRec(ref: string, cwd: string, seen: Set<string>, plugins: PluginPolicy): Promise<MergedDocument> {
  const ext = extname(ref).toLowerCase();
  if (PLUGIN_EXT.has(ext) && plugins !== 'allowed') {
    throw new ConfigError(
      plugins === 'extends'
        ? `extends '${ref}': a code plug-in cannot be extended (expected a shipped ` +
            `model name or a .json model; name a plug-in with --model on the command line)`
        : `model '${ref}' is a code plug-in: it runs only when named with --model on the ` +
            `command line, or with --allow-plugins (expected a shipped model name or a .json model)`,
    );
  }
  let file: string;
  let shipped = false;
  if (ext === '.json' || PLUGIN_EXT.has(ext)) {
    file = resolve(cwd, ref);
    shipped = dirname(file) === resolve(MODELS_DIR);
  } else {
    const found = shippedModelFile(ref);
    if (found === undefined) {
      const names = listModels().map((m) => m.name);
      const near = closest(ref, names);
      throw new ConfigError(
        `unknown model '${ref}'${near === undefined ? '' : ` (did you mean ${near}?)`}; ` +
          `expected one of ${names.join(', ')}, or a path to a .json, .ts, .js or .mjs model`,
      );
    }
    file = found;
    shipped = true;
  }
  const key = canonicalPath(file);
  if (seen.has(key))
    throw new InputError(`${ref}: 'extends' forms a cycle (${[...seen].map((f) => basename(f)).join(' → ')} → ${basename(file)})`);
  seen.add(key);

  let own: { [k: string]: unknown };
  let hooks = new Map<string, CostFn>();
  const pluginSources: string[] = [];
  const files: ModelFileText[] = [];
  if (PLUGIN_EXT.has(ext)) {
    const plugin = await loadPlugin(file, ref);
    own = plugin.doc;
    hooks = plugin.hooks;
    pluginSources.push(plugin.sourceText);
    files.push({ display: ref, doc: own });
  } else {
    const { value, text } = readJsonDocument(file, ref, 'a JSON model document');
    if (!isPlainObject(value)) throw new InputError(`${ref}: expected a JSON object at the top level`);
    own = value;
    // The file the user named is named as given; a file reached through `extends`, relative to here.
    files.push({ display: seen.size === 1 && ext === '.json' ? ref : displayPath(file), doc: own, text });
  }
  const name = typeof own['name'] === 'string' && PLUGIN_EXT.has(ext) ? own['name'] : basename(file, extname(file));
  const parentRef = own['extends'];
  if (parentRef === undefined) {
    return { doc: own, name, origin: ref, shipped, chain: [], hooks, pluginSources, files };
  }
  if (typeof parentRef !== 'string')
    throw new InputError(`${ref}: extends: expected a model name or path, got ${JSON.stringify(parentRef)}`);
  const parent = await readRec(parentRef, dirname(file), seen, 'extends');
  const merged = mergeDocuments(parent.doc, own);
  return {
    doc: merged,
    name,
    origin: ref,
    shipped,
    chain: [parentRef, ...parent.chain],
    hooks: new Map([...parent.hooks, ...hooks]),
    pluginSources: [...parent.pluginSources, ...pluginSources],
    files: [...files, ...parent.files],
  };
}

function canonicalPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/** A file's name in messages: relative to the current folder when inside it. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/**
 * Merges an extending document over its base: groups (`tlb`, `tlb.l1d`, `costs`, `lock`) merge key by
 * key, anything else (a parameter, `name`, `description`) is replaced whole. `extends` is dropped.
 */
export function mergeDocuments(base: { [k: string]: unknown }, over: { [k: string]: unknown }, prefix = ''): { [k: string]: unknown } {
  const out: { [k: string]: unknown } = { ...base };
  delete out['extends'];
  for (const [k, v] of Object.entries(over)) {
    if (prefix === '' && k === 'extends') continue;
    const path = prefix === '' ? k : `${prefix}.${k}`;
    const b = out[k];
    out[k] = GROUP_KEYS.has(path) && isPlainObject(b) && isPlainObject(v) ? mergeDocuments(b, v, path) : v;
  }
  return out;
}
