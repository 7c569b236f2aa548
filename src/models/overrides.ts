import { CONFIG_KEYS, GROUP_KEYS, PARAMS, PARAM_BY_KEY } from './keys.ts';
import { FORBIDDEN_KEYS, forbiddenKeyIn, jsonDepth, MAX_JSON_DEPTH } from '../io/json.ts';
import type { Problem } from './problems.ts';
import { isPlainObject, suggestKey, typeName } from './validate.ts';

/**
 * `--set key=value` overrides of model parameters, applied to the raw document before validation so a
 * value set on the command line is checked exactly like one read from a file.
 *
 * - `key` is a canonical dotted key (`costs.invlpg`, `tlb.l1d.entries`, `lock.kind`), a path inside one
 *   (`costs.ipi.linear.b`, `costs.invlpg.normal.sd`), or a group given a JSON object
 *   (`tlb.large={"entries":0,"ways":1}`).
 * - `value` is JSON when it parses as JSON (`500`, `{"linear":{"a":800,"b":100}}`, `"lru"`), otherwise
 *   the text itself (`ticket`). A number replaces the whole parameter by a constant.
 * - `+20%` / `-10%` scale a numeric parameter: a constant, every coefficient of a linear function, every
 *   cost of a table, the mean and sd of a distribution, every empirical sample, a plug-in hook's result.
 *   Integer parameters (TLB entries, ways, flush ceiling) are rounded to the nearest integer.
 */

/** One parsed `--set` option. */
export interface SetOption {
  /** The option as typed, for messages: `costs.invlpg=+20%`. */
  readonly text: string;
  readonly key: string;
  /** A factor for `±P%`, else the new value. */
  readonly change: { readonly scale: number } | { readonly value: unknown };
}

const PERCENT = /^([+-])(\d+(?:\.\d+)?)%$/;

/** Parses `key=value`; returns a Problem for text that is not of that shape. */
export function parseSetOption(text: string): SetOption | Problem {
  const eq = text.indexOf('=');
  const key = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || key === '') return { path: `--set ${text}`, message: 'expected key=value, e.g. --set costs.invlpg=500' };
  const bad = key.split('.').find((s) => FORBIDDEN_KEYS.has(s));
  if (bad !== undefined) return { path: `--set ${text}`, message: `'${bad}' is not a model key (expected a key such as costs.invlpg)` };
  const raw = text.slice(eq + 1).trim();
  const pct = PERCENT.exec(raw);
  if (pct !== null) {
    const p = Number(pct[2]) / 100;
    return { text, key, change: { scale: pct[1] === '+' ? 1 + p : 1 - p } };
  }
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // not JSON: keep the text (lock.kind=ticket)
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH) return { path: `--set ${text}`, message: `the value nests deeper than ${MAX_JSON_DEPTH} levels` };
  const inValue = forbiddenKeyIn(value);
  if (inValue !== undefined) return { path: `--set ${text}`, message: `the value names '${inValue}', which is not a model key` };
  return { text, key, change: { value } };
}

/**
 * Separates machine-configuration keys (`ram`, `cpus`, `split`, …; see CONFIG_KEYS) from model keys.
 * Config keys go to the layout's configuration resolver as text; model keys stay `--set` texts for
 * loadModel. Text without `=` stays with the model so that loadModel reports it.
 * @example splitSets(['ram=3G', 'costs.invlpg=500']) → { model: ['costs.invlpg=500'], config: { ram: '3G' } }
 */
export function splitSets(sets: readonly string[]): { model: string[]; config: Record<string, string> } {
  const model: string[] = [];
  const config: Record<string, string> = {};
  for (const text of sets) {
    const eq = text.indexOf('=');
    const key = eq < 0 ? '' : text.slice(0, eq).trim();
    if (CONFIG_KEYS.includes(key)) config[key] = text.slice(eq + 1).trim();
    else model.push(text);
  }
  return { model, config };
}

/** Where each applied override landed (parameter key → option text), for messages. */
export type SetOrigins = Map<string, string>;

/**
 * Applies `--set` options in order to `doc` (mutated; pass a copy). Returns the problems with options
 * that could not be applied (unknown key with a suggestion, scaling a non-number, a path that does not
 * exist); value problems are left to validation. Records in `origins` which parameter each option touched.
 */
export function applySets(doc: { [k: string]: unknown }, sets: readonly string[], origins: SetOrigins): Problem[] {
  const problems: Problem[] = [];
  for (const text of sets) {
    const opt = parseSetOption(text);
    if ('path' in opt) {
      problems.push(opt);
      continue;
    }
    const where = `--set ${text}`;
    if (GROUP_KEYS.has(opt.key)) {
      const problem = setGroup(doc, opt, text, origins);
      if (problem !== undefined) problems.push({ path: where, message: problem });
      continue;
    }
    const param = PARAMS.find((p) => opt.key === p.key || opt.key.startsWith(`${p.key}.`));
    if (param === undefined) {
      const message = CONFIG_KEYS.includes(opt.key.split('.')[0] ?? '')
        ? `${opt.key} is a machine-configuration key, not a cost-model key`
        : unknownKey(opt.key);
      problems.push({ path: where, message });
      continue;
    }
    origins.set(param.key, text);
    const problem = opt.key === param.key ? setParam(doc, param.key, opt, text) : setInside(doc, param.key, opt);
    if (problem !== undefined) problems.push({ path: where, message: problem });
  }
  return problems;
}

function unknownKey(key: string): string {
  const near = suggestKey(key);
  const hint = near === undefined ? '' : ` (did you mean ${near}?)`;
  return `unknown model key ${key}${hint}`;
}

/** Replaces or scales a whole parameter. Returns a message when it cannot. */
function setParam(doc: { [k: string]: unknown }, key: string, opt: SetOption, text: string): string | undefined {
  const info = PARAM_BY_KEY.get(key)!;
  const segments = key.split('.');
  const parent = ensureParent(doc, segments);
  const leaf = segments[segments.length - 1]!;
  const source = `--set ${text}`;
  if ('value' in opt.change) {
    const v = opt.change.value;
    if (info.kind === 'cost') {
      parent[leaf] = typeof v === 'number' ? { constant: v, source } : isPlainObject(v) ? { source, ...v } : { constant: v, source };
    } else {
      parent[leaf] = isPlainObject(v) ? { source, ...v } : { value: v, source };
    }
    return undefined;
  }
  const f = opt.change.scale;
  const node = parent[leaf];
  const round = info.kind === 'count' || info.kind === 'positiveCount';
  const label = `scaled ${text.slice(text.indexOf('=') + 1).trim()} by --set`;
  if (typeof node === 'number') {
    parent[leaf] = info.kind === 'cost' ? { constant: node * f, source: label } : { value: scaleNumber(node, f, round), source: label };
    return undefined;
  }
  if (!isPlainObject(node)) return `cannot scale ${key}: it is ${typeName(node)}, not a number`;
  const copy = structuredCloneRaw(node);
  const scaled = info.kind === 'cost' ? scaleCostObject(copy, f) : scaleScalarObject(copy, f, round);
  if (!scaled) return `cannot scale ${key}: it has no numeric value`;
  copy['source'] = typeof copy['source'] === 'string' ? `${copy['source']}; ${label}` : label;
  parent[leaf] = copy;
  return undefined;
}

/** Merges a JSON object into a group (`--set tlb.large={"entries":0,"ways":1}`). */
function setGroup(doc: { [k: string]: unknown }, opt: SetOption, text: string, origins: SetOrigins): string | undefined {
  if (!('value' in opt.change) || !isPlainObject(opt.change.value)) {
    return `${opt.key} groups several parameters: give a JSON object such as ${opt.key}={"…": …}, or set ${opt.key}.<name>`;
  }
  const parent = ensureParent(doc, [...opt.key.split('.'), '']);
  for (const [k, v] of Object.entries(opt.change.value)) {
    const key = `${opt.key}.${k}`;
    if (PARAM_BY_KEY.has(key)) {
      origins.set(key, text);
      setParam(doc, key, { text, key, change: { value: v } }, text);
    } else {
      parent[k] = v; // validation names it (unknown key, or a nested group)
    }
  }
  return undefined;
}

/** Sets or scales a value inside a parameter object (`costs.ipi.linear.b`). */
function setInside(doc: { [k: string]: unknown }, paramKey: string, opt: SetOption): string | undefined {
  const segments = opt.key.split('.');
  let node: unknown = doc;
  for (const s of segments.slice(0, -1)) {
    if (!isPlainObject(node) || !Object.hasOwn(node, s)) {
      return `${opt.key} does not exist in this model (${paramKey} has no ${opt.key.slice(paramKey.length + 1)})`;
    }
    node = node[s];
  }
  const leaf = segments[segments.length - 1]!;
  if (!isPlainObject(node) || !Object.hasOwn(node, leaf)) {
    return `${opt.key} does not exist in this model (${paramKey} has no ${opt.key.slice(paramKey.length + 1)})`;
  }
  if ('value' in opt.change) node[leaf] = opt.change.value;
  else {
    const v = node[leaf];
    if (typeof v !== 'number') return `cannot scale ${opt.key}: it is ${typeName(v)}, not a number`;
    node[leaf] = v * opt.change.scale;
  }
  return undefined;
}

function ensureParent(doc: { [k: string]: unknown }, segments: readonly string[]): { [k: string]: unknown } {
  let node = doc;
  for (const s of segments.slice(0, -1)) {
    const next = node[s];
    if (isPlainObject(next)) node = next;
    else {
      const fresh: { [k: string]: unknown } = {};
      node[s] = fresh;
      node = fresh;
    }
  }
  return node;
}

function scaleNumber(v: number, f: number, round: boolean): number {
  return round ? Math.round(v * f) : v * f;
}

/** Scales every numeric cost of a raw cost object in place; false when nothing numeric was found. */
export function scaleCostObject(o: { [k: string]: unknown }, f: number): boolean {
  let any = false;
  const mul = (holder: unknown, k: string | number): void => {
    if (holder !== null && typeof holder === 'object') {
      const h = holder as Record<string | number, unknown>;
      const v = h[k];
      if (typeof v === 'number') {
        h[k] = v * f;
        any = true;
      }
    }
  };
  mul(o, 'constant');
  mul(o['linear'], 'a');
  mul(o['linear'], 'b');
  const table = o['table'];
  if (isPlainObject(table) && Array.isArray(table['points'])) for (const p of table['points']) mul(p, 1);
  for (const d of ['normal', 'lognormal']) {
    mul(o[d], 'mean');
    mul(o[d], 'sd');
  }
  mul(o['uniform'], 'min');
  mul(o['uniform'], 'max');
  const emp = o['empirical'];
  if (Array.isArray(emp)) {
    emp.forEach((_, i) => {
      mul(emp, i);
    });
  }
  if ('hook' in o) mul(o, 'scale');
  return any;
}

function scaleScalarObject(o: { [k: string]: unknown }, f: number, round: boolean): boolean {
  const v = o['value'];
  if (typeof v !== 'number') return false;
  o['value'] = scaleNumber(v, f, round);
  return true;
}

/** A deep copy of a JSON-like tree (functions kept by reference). */
export function structuredCloneRaw<T>(v: T): T {
  if (Array.isArray(v)) return v.map(structuredCloneRaw) as T;
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, structuredCloneRaw(x)])) as T;
  return v;
}
