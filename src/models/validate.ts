import type { ErrorObject, ValidateFunction } from 'ajv';
import { closest } from './closest.ts';
import { DOCUMENT_KEYS, GROUP_KEYS, MAX_MODEL_NUMBER, PARAMS, PARAM_BY_KEY, type ParamInfo } from './keys.ts';
import { childPath, type Problem } from './problems.ts';
import generatedValidator from './schema-validator.generated.ts';
import { COST_FORMS, PROVENANCE_KEYS, type CostForm, type Extrapolate, type Provenance, type ResolvedParam } from './spec.ts';

/**
 * Validation of a raw model document (after `extends` and `--set` are applied), collecting EVERY problem,
 * each with its JSON path, instead of stopping at the first.
 *
 * Shapes are the schema's (models/schema.json, built from the parameter table by schema.ts): unknown keys
 * (with the closest known key), wrong types, negative, non-finite or too large numbers, non-integers,
 * cost objects with no form or two. The schema is compiled ahead of time into schema-validator.generated.ts
 * (`npm run schema`), so no schema compiler runs when a model loads; this module turns its errors into
 * one line each. What a schema cannot say is checked here by hand: a missing parameter (files may give a
 * part of a model; the resolved model must give all), TLB geometry, increasing table points, uniform
 * min ≤ max, hook costs naming a plug-in's function, and — for shipped models (`requireSources`) — a value
 * without a `source`.
 */

/** Options of validateDocument. */
export interface ValidateOptions {
  /** Every parameter must cite a source (shipped models, `models validate --strict`). */
  readonly requireSources: boolean;
  /** Hook ids a plug-in supplied (cost objects of the form `{ hook, scale }` may name only these). */
  readonly hooks?: ReadonlySet<string>;
}

/** The result of validation: the parameters that validated, and the problems found. */
export interface ValidationResult {
  readonly params: ReadonlyMap<string, ResolvedParam>;
  readonly problems: readonly Problem[];
}

/** The compiled schema (ajv standalone code: allErrors, verbose, strictNumbers). */
const validateShape = generatedValidator as unknown as ValidateFunction;

/** Every key a document may contain, for "did you mean" suggestions. */
const KNOWN_KEYS: readonly string[] = [...DOCUMENT_KEYS, ...GROUP_KEYS, ...PARAMS.map((p) => p.key)];

/** Validates a whole document; see the module comment. */
export function validateDocument(doc: unknown, options: ValidateOptions): ValidationResult {
  const problems: Problem[] = [];
  const params = new Map<string, ResolvedParam>();
  if (!isPlainObject(doc)) {
    problems.push({ path: '$', message: `expected a JSON object, got ${typeName(doc)}` });
    return { params, problems };
  }
  if (!validateShape(doc)) problems.push(...shapeProblems(validateShape.errors ?? [], doc));
  const clean = (key: string): boolean =>
    !problems.some((q) => q.path === key || q.path.startsWith(`${key}.`) || q.path.startsWith(`${key}[`));
  for (const info of PARAMS) {
    const raw = valueAt(doc, info.key);
    if (raw === undefined || !clean(info.key)) continue;
    const resolved = resolveParam(problems, options, info, raw);
    if (resolved !== undefined) params.set(info.key, resolved);
  }
  for (const p of PARAMS) {
    if (!params.has(p.key) && clean(p.key)) problems.push({ path: p.key, message: `missing (${p.doc})` });
  }
  checkGeometry(problems, params);
  // Sort as a reader scans a file: by parameter order, then path.
  const indexOf = (path: string): number =>
    PARAMS.findIndex((p) => path === p.key || path.startsWith(`${p.key}.`) || path.startsWith(`${p.key}[`));
  // An unknown key sorts where the key it was probably meant to be sits.
  const order = (path: string): number => {
    const i = indexOf(path);
    if (i >= 0) return i;
    const near = suggestKey(path);
    return near === undefined ? -1 : indexOf(near);
  };
  const sorted = problems
    .map((p, i) => ({ p, i }))
    .sort((x, y) => order(x.p.path) - order(y.p.path) || x.i - y.i)
    .map((x) => x.p);
  return { params, problems: sorted };
}

/** The value at dotted `key` of a document (undefined when absent or under a non-object). */
function valueAt(doc: { [k: string]: unknown }, key: string): unknown {
  let node: unknown = doc;
  for (const s of key.split('.')) node = isPlainObject(node) && Object.hasOwn(node, s) ? node[s] : undefined;
  return node;
}

// ---------------------------------------------------------------------------------------------------
// Schema errors → problems

/** One problem per JSON path, from ajv's errors (all of them: allErrors). */
function shapeProblems(errors: readonly ErrorObject[], doc: unknown): Problem[] {
  const byPath = new Map<string, ErrorObject>();
  for (const e of errors) {
    // `if` only reports that its `then` failed (the failure is its own error); each branch of the
    // cost-form oneOf misses its form, which the oneOf error says once.
    if (e.keyword === 'if' || (e.keyword === 'required' && e.schemaPath.includes('/oneOf/'))) continue;
    const path = problemPath(e, doc);
    const prev = byPath.get(path);
    if (prev === undefined || rank(e) < rank(prev)) byPath.set(path, e);
  }
  return [...byPath].map(([path, e]) => ({ path, message: shapeMessage(e, path) }));
}

/** Which error to keep when a value breaks several rules: its type first, then the form count. */
function rank(e: ErrorObject): number {
  return e.keyword === 'type' ? 0 : e.keyword === 'oneOf' ? 1 : 2;
}

/** The path (`costs.copy.table.points[2][0]`) an error is about: the value's, or the missing or unknown key's. */
function problemPath(e: ErrorObject, doc: unknown): string {
  let path = '';
  let node: unknown = doc;
  for (const raw of e.instancePath === '' ? [] : e.instancePath.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path = childPath(path, Number(seg));
      node = node[Number(seg)];
    } else {
      path = childPath(path, seg);
      node = isPlainObject(node) ? node[seg] : undefined;
    }
  }
  const params = e.params as { additionalProperty?: string; missingProperty?: string };
  if (e.keyword === 'additionalProperties' && params.additionalProperty !== undefined) return childPath(path, params.additionalProperty);
  if ((e.keyword === 'required' || e.keyword === 'dependentRequired') && params.missingProperty !== undefined) {
    return childPath(path, params.missingProperty);
  }
  return path;
}

/** One line for an error: what was expected, and what was found. */
function shapeMessage(e: ErrorObject, path: string): string {
  const data: unknown = e.data;
  const params = e.params as Record<string, unknown>;
  const last = path.slice(path.lastIndexOf('.') + 1);
  const got = JSON.stringify(data) ?? typeName(data);
  switch (e.keyword) {
    case 'additionalProperties': {
      const dot = path.lastIndexOf('.');
      const parent = dot < 0 ? '' : path.slice(0, dot);
      if (parent === '' || GROUP_KEYS.has(parent)) return unknownGroupKeyMessage(path);
      const props = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return unknownKeyMessage(
        last,
        props.filter((k) => k !== 'hook' && k !== 'scale'),
      );
    }
    case 'required':
    case 'dependentRequired':
      return 'missing';
    case 'oneOf': {
      if (params['passingSchemas'] === null) return `no cost form (expected exactly one of ${COST_FORMS.join(', ')})`;
      const present = Object.keys(isPlainObject(data) ? data : {}).filter(
        (k) => (COST_FORMS as readonly string[]).includes(k) || k === 'hook',
      );
      return `more than one cost form (${present.join(', ')}); expected exactly one`;
    }
    case 'enum':
      return `expected one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    case 'pattern':
      return paramOf(path)?.kind === 'device' ? deviceMessage(got) : `expected a non-empty string, got ${got}`;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum': {
      const limit = params['limit'] as number;
      if (limit === MAX_MODEL_NUMBER || limit === -MAX_MODEL_NUMBER)
        return `must be at most ${MAX_MODEL_NUMBER} in size (so totals stay finite), got ${got}`;
      if (e.keyword === 'maximum') return `must be ≤ ${limit}, got ${got}`;
      if (limit !== 0) return `must be ≥ ${limit}, got ${got}`;
      return `${e.keyword === 'exclusiveMinimum' ? 'must be positive' : 'must not be negative'}, got ${got}`;
    }
    case 'minItems':
    case 'maxItems':
      return arrayMessage(last, data);
    case 'type':
      return typeMessage(path, String(params['type']).split(','), data);
    default:
      return `${e.message ?? 'does not match the model schema'} (${e.keyword})`;
  }
}

/** The parameter a path names, itself or through its `value` field. */
function paramOf(path: string): ParamInfo | undefined {
  return PARAM_BY_KEY.get(path) ?? (path.endsWith('.value') ? PARAM_BY_KEY.get(path.slice(0, -'.value'.length)) : undefined);
}

function typeMessage(path: string, types: readonly string[], data: unknown): string {
  const info = paramOf(path);
  const found = JSON.stringify(data) ?? typeName(data);
  if (typeof data === 'number' && !Number.isFinite(data)) return `must be finite, got ${data}`;
  if (GROUP_KEYS.has(path)) return `expected an object grouping ${path}.* parameters, got ${typeName(data)}`;
  if (DOCUMENT_KEYS.includes(path)) return `expected a string, got ${typeName(data)}`;
  if (info?.kind === 'cost' && info.key === path) {
    return `expected a number or a cost object with one of ${COST_FORMS.join(', ')}; got ${typeName(data)}`;
  }
  if (info?.kind === 'enum') return `expected one of ${(info.values ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${found}`;
  if (info?.kind === 'device') return deviceMessage(found);
  if (types.includes('integer') && typeof data === 'number') return `expected an integer, got ${data}`;
  if (types.includes('number') || types.includes('integer')) {
    return `expected a number, got ${typeName(data)}${typeof data === 'string' ? ` ${JSON.stringify(data)}` : ''}`;
  }
  if (types.includes('boolean')) return `expected true or false, got ${typeName(data)}`;
  if (types.includes('string')) return `expected a non-empty string, got ${typeName(data)}`;
  if (types.includes('array')) return arrayMessage(path.slice(path.lastIndexOf('.') + 1), data);
  return `expected an object, got ${typeName(data)}`;
}

function arrayMessage(last: string, data: unknown): string {
  const got = Array.isArray(data)
    ? data.length === 0
      ? 'an empty array'
      : `an array of ${data.length} item${data.length === 1 ? '' : 's'}`
    : typeName(data);
  if (last === 'points') return `expected a non-empty array of [n, cycles] pairs, got ${got}`;
  if (last === 'empirical') return `expected a non-empty array of sample costs, got ${got}`;
  return `expected an [n, cycles] pair, got ${got}`;
}

function deviceMessage(got: string): string {
  return `expected a device profile name (${DEVICE_NAMES_HINT}) or a path to a .json profile, got ${got}`;
}

function unknownKeyMessage(word: string, candidates: Iterable<string>): string {
  const near = closest(word, candidates);
  return near === undefined ? 'unknown key' : `unknown key (did you mean ${near}?)`;
}

/** An unknown key inside a group: suggest a sibling first (`costs.invlpgg`), else any key by full path. */
function unknownGroupKeyMessage(path: string): string {
  const near = suggestKey(path);
  return near === undefined ? 'unknown key' : `unknown key (did you mean ${near}?)`;
}

/**
 * The known key closest to an unknown dotted key: a sibling in the same group by its last segment
 * (`costs.invlpgg` → `costs.invlpg`), else any key by full path (`tlb.l1.entries` → `tlb.l1i.entries`),
 * else a key whose last segment is (close to) the whole of what was given, for a key written without
 * its group (`invlpg` → `costs.invlpg`).
 */
export function suggestKey(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  const prefix = dot < 0 ? '' : path.slice(0, dot + 1);
  const siblings = KNOWN_KEYS.filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.')).map((k) =>
    k.slice(prefix.length),
  );
  const near = closest(path.slice(prefix.length), siblings);
  if (near !== undefined) return `${prefix}${near}`;
  const whole = closest(path, KNOWN_KEYS);
  if (whole !== undefined) return whole;
  const leaves = KNOWN_KEYS.filter((k) => k.includes('.')).map((k) => k.slice(k.lastIndexOf('.') + 1));
  const leaf = closest(path, leaves);
  return leaf === undefined ? undefined : KNOWN_KEYS.find((k) => k.includes('.') && k.slice(k.lastIndexOf('.') + 1) === leaf);
}

// ---------------------------------------------------------------------------------------------------
// A parameter the schema passed → its resolved value (and the rules across its fields)

const missingSource = 'missing source (every value of a shipped model cites where it comes from: { "source": "…" })';

/** A parameter's value and provenance; undefined (with a problem) when a rule across its fields fails. */
function resolveParam(problems: Problem[], options: ValidateOptions, info: ParamInfo, raw: unknown): ResolvedParam | undefined {
  const path = info.key;
  if (!isPlainObject(raw)) {
    if (options.requireSources) problems.push({ path, message: missingSource });
    if (info.kind === 'cost') return { key: path, kind: 'cost', value: { constant: raw as number } };
    if (info.kind === 'enum' || info.kind === 'device') return { key: path, kind: info.kind, value: raw as string };
    return { key: path, kind: info.kind, value: raw as number };
  }
  if (options.requireSources && raw['source'] === undefined && !('hook' in raw)) {
    problems.push({ path: childPath(path, 'source'), message: missingSource });
  }
  const provenance: { source?: string; borrowedFrom?: string; note?: string; unverified?: boolean; within?: number } = {};
  for (const k of PROVENANCE_KEYS) if (raw[k] !== undefined) (provenance as Record<string, unknown>)[k] = raw[k];
  if (info.kind !== 'cost' && provenance.within !== undefined) {
    problems.push({ path: childPath(path, 'within'), message: 'applies to costs only (a cost known to within a factor)' });
    return undefined;
  }
  if (info.kind !== 'cost') {
    const v = raw['value'];
    if (info.kind === 'enum' || info.kind === 'device')
      return { key: path, kind: info.kind, value: v as string, ...(provenance as Provenance) };
    return { key: path, kind: info.kind, value: v as number, ...(provenance as Provenance) };
  }
  const form = costForm(problems, options, path, raw);
  return form === undefined ? undefined : { key: path, kind: 'cost', value: form, ...(provenance as Provenance) };
}

/** The form of a cost object the schema passed (exactly one form, each field in range). */
function costForm(problems: Problem[], options: ValidateOptions, path: string, obj: { [k: string]: unknown }): CostForm | undefined {
  type Pair = { readonly [k: string]: number };
  if (obj['constant'] !== undefined) return { constant: obj['constant'] as number };
  if (obj['linear'] !== undefined) {
    const { a, b } = obj['linear'] as Pair;
    return { linear: { a: a!, b: b! } };
  }
  if (obj['normal'] !== undefined || obj['lognormal'] !== undefined) {
    const { mean, sd } = (obj['normal'] ?? obj['lognormal']) as Pair;
    const params = { mean: mean!, sd: sd! };
    return obj['normal'] !== undefined ? { normal: params } : { lognormal: params };
  }
  if (obj['uniform'] !== undefined) {
    const { min, max } = obj['uniform'] as Pair;
    if (max! < min!) {
      problems.push({ path: childPath(path, 'uniform.max'), message: `must be ≥ min (${min}), got ${max}` });
      return undefined;
    }
    return { uniform: { min: min!, max: max! } };
  }
  if (obj['empirical'] !== undefined) return { empirical: obj['empirical'] as number[] };
  if (obj['table'] !== undefined) {
    const table = obj['table'] as { points: Array<[number, number]>; extrapolate?: Extrapolate };
    const at = childPath(path, 'table.points');
    let ok = true;
    const pairs: Array<readonly [number, number]> = [];
    table.points.forEach(([x, y], i) => {
      const prev = pairs[pairs.length - 1];
      if (prev !== undefined && x <= prev[0]) {
        problems.push({ path: childPath(childPath(at, i), 0), message: `n must increase strictly (previous point has n = ${prev[0]})` });
        ok = false;
      }
      pairs.push([x, y]);
    });
    return ok ? { table: { points: pairs, extrapolate: table.extrapolate ?? 'clamp' } } : undefined;
  }
  const hook = obj['hook'] as string;
  if (!(options.hooks ?? new Set<string>()).has(hook)) {
    problems.push({ path: childPath(path, 'hook'), message: 'hook cost objects come only from code plug-ins (a function in the module)' });
    return undefined;
  }
  return { hook, scale: obj['scale'] as number };
}

/** The shipped device profiles, for messages. */
const DEVICE_NAMES_HINT = 'hdd-7200, sata-ssd, nvme';

/**
 * Most entries of one TLB level: 65,536, 64 times the largest level of the shipped models (the 1,024-entry
 * STLB, cost-figures.md §6 G7). An engineering bound, not a hardware figure: it keeps a level's arrays
 * small (a typo such as 1e9 entries would take gigabytes).
 */
export const MAX_TLB_ENTRIES = 65_536;

/**
 * The cross-field rules. Storage: dirty ratios are percentages, highmemIsDirtyable is 0 or 1. TLB geometry,
 * the only such rules (the TLB constructors trust what passed here): a level has at most MAX_TLB_ENTRIES
 * entries; an L1 array has at least one entry; ways divide entries; tree pseudo-LRU needs a power-of-two number of ways
 * (its tree has ways − 1 bits, one per inner node of a complete binary tree).
 */
function checkGeometry(problems: Problem[], params: ReadonlyMap<string, ResolvedParam>): void {
  for (const key of ['vm.dirtyRatio', 'vm.dirtyBackgroundRatio']) {
    const v = params.get(key)?.value;
    if (typeof v === 'number' && v > 100) problems.push({ path: key, message: `a percentage must be ≤ 100, got ${v}` });
  }
  const dirtyable = params.get('vm.highmemIsDirtyable')?.value;
  if (typeof dirtyable === 'number' && dirtyable > 1)
    problems.push({ path: 'vm.highmemIsDirtyable', message: `expected 0 or 1, got ${dirtyable}` });
  const replacement = params.get('tlb.replacement')?.value;
  for (const level of ['l1i', 'l1d', 'stlb', 'large']) {
    const entries = params.get(`tlb.${level}.entries`)?.value;
    const ways = params.get(`tlb.${level}.ways`)?.value;
    if (typeof entries !== 'number' || typeof ways !== 'number') continue;
    if (entries > MAX_TLB_ENTRIES) {
      problems.push({ path: `tlb.${level}.entries`, message: `must be at most ${MAX_TLB_ENTRIES} entries, got ${entries}` });
    } else if ((level === 'l1i' || level === 'l1d') && entries === 0) {
      problems.push({ path: `tlb.${level}.entries`, message: 'an L1 TLB needs at least one entry' });
    } else if (entries > 0 && (ways > entries || entries % ways !== 0)) {
      problems.push({ path: `tlb.${level}.ways`, message: `must divide entries (${entries}); got ${ways}` });
    } else if (entries > 0 && replacement === 'plru' && (ways & (ways - 1)) !== 0) {
      problems.push({ path: `tlb.${level}.ways`, message: `tlb.replacement plru needs a power-of-two number of ways; got ${ways}` });
    }
  }
}

/** True for a non-null, non-array object. */
export function isPlainObject(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short name of a value's JSON type for messages. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'undefined') return 'nothing';
  return `a ${typeof v}`;
}
