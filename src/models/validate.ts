import { closest } from './closest.ts';
import { DOCUMENT_KEYS, GROUP_KEYS, PARAMS, PARAM_BY_KEY, type ParamInfo } from './keys.ts';
import { childPath, type Problem } from './problems.ts';
import { COST_FORMS, PROVENANCE_KEYS, type CostForm, type Extrapolate, type Provenance, type ResolvedParam } from './spec.ts';

/**
 * Validation of a raw model document (after `extends` and `--set` are applied): checks every key and
 * value and collects EVERY problem, each with its JSON path, instead of stopping at the first.
 *
 * Problems reported: unknown key (with the closest known key), wrong type, negative or non-finite cost,
 * an integer field that is not an integer, a missing parameter, inconsistent TLB geometry, and — for
 * shipped models (`requireSources`) — a value without a `source`.
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

/** Every key a document may contain, for "did you mean" suggestions. */
const KNOWN_KEYS: readonly string[] = [...DOCUMENT_KEYS, ...GROUP_KEYS, ...PARAMS.map((p) => p.key)];

/** Validates a whole document; see the module comment. */
export function validateDocument(doc: unknown, options: ValidateOptions): ValidationResult {
  const problems: Problem[] = [];
  const params = new Map<string, ResolvedParam>();
  const ctx: Ctx = { problems, options };
  if (!isPlainObject(doc)) {
    problems.push({ path: '$', message: `expected a JSON object, got ${typeName(doc)}` });
    return { params, problems };
  }
  walkGroup(ctx, doc, '', params);
  for (const p of PARAMS) {
    if (!params.has(p.key) && !problems.some((q) => q.path === p.key || q.path.startsWith(`${p.key}.`))) {
      problems.push({ path: p.key, message: `missing (${p.doc})` });
    }
  }
  checkGeometry(ctx, params);
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
  return { params: new Map(PARAMS.flatMap((p) => (params.has(p.key) ? [[p.key, params.get(p.key)!]] : []))), problems: sorted };
}

interface Ctx {
  readonly problems: Problem[];
  readonly options: ValidateOptions;
}

function walkGroup(ctx: Ctx, obj: { [k: string]: unknown }, prefix: string, out: Map<string, ResolvedParam>): void {
  for (const [key, value] of Object.entries(obj)) {
    const path = childPath(prefix, key);
    if (prefix === '' && DOCUMENT_KEYS.includes(key)) {
      if (typeof value !== 'string') ctx.problems.push({ path, message: `expected a string, got ${typeName(value)}` });
      continue;
    }
    const info = PARAM_BY_KEY.get(path);
    if (info !== undefined) {
      const resolved = info.kind === 'cost' ? validateCost(ctx, info, value) : validateScalar(ctx, info, value);
      if (resolved !== undefined) out.set(path, resolved);
    } else if (GROUP_KEYS.has(path)) {
      if (isPlainObject(value)) walkGroup(ctx, value, path, out);
      else ctx.problems.push({ path, message: `expected an object grouping ${path}.* parameters, got ${typeName(value)}` });
    } else {
      ctx.problems.push({ path, message: unknownGroupKeyMessage(prefix, key) });
    }
  }
}

function unknownKeyMessage(word: string, candidates: Iterable<string>): string {
  const near = closest(word, candidates);
  return near === undefined ? 'unknown key' : `unknown key (did you mean ${near}?)`;
}

/** An unknown key inside a group: suggest a sibling first (`costs.invlpgg`), else any key by full path. */
function unknownGroupKeyMessage(prefix: string, key: string): string {
  const near = suggestKey(childPath(prefix, key));
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
  const siblings = KNOWN_KEYS.filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.')).map((k) => k.slice(prefix.length));
  const near = closest(path.slice(prefix.length), siblings);
  if (near !== undefined) return `${prefix}${near}`;
  const whole = closest(path, KNOWN_KEYS);
  if (whole !== undefined) return whole;
  const leaves = KNOWN_KEYS.filter((k) => k.includes('.')).map((k) => k.slice(k.lastIndexOf('.') + 1));
  const leaf = closest(path, leaves);
  return leaf === undefined ? undefined : KNOWN_KEYS.find((k) => k.includes('.') && k.slice(k.lastIndexOf('.') + 1) === leaf);
}

// ---------------------------------------------------------------------------------------------------
// Costs

function validateCost(ctx: Ctx, info: ParamInfo, value: unknown): ResolvedParam | undefined {
  const path = info.key;
  if (typeof value === 'number') {
    if (ctx.options.requireSources) ctx.problems.push({ path, message: missingSource });
    return checkNumber(ctx, path, value, { min: 0 }) ? { key: path, kind: 'cost', value: { constant: value } } : undefined;
  }
  if (!isPlainObject(value)) {
    ctx.problems.push({ path, message: `expected a number or a cost object with one of ${COST_FORMS.join(', ')}; got ${typeName(value)}` });
    return undefined;
  }
  const formKeys = Object.keys(value).filter((k) => (COST_FORMS as readonly string[]).includes(k) || k === 'hook');
  const allowed = [...COST_FORMS, ...PROVENANCE_KEYS];
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k as (typeof allowed)[number]) && k !== 'hook' && k !== 'scale') {
      ctx.problems.push({ path: childPath(path, k), message: unknownKeyMessage(k, allowed) });
    }
  }
  const provenance = validateProvenance(ctx, path, value);
  if (formKeys.length !== 1) {
    ctx.problems.push({
      path,
      message: formKeys.length === 0
        ? `no cost form (expected exactly one of ${COST_FORMS.join(', ')})`
        : `more than one cost form (${formKeys.join(', ')}); expected exactly one`,
    });
    return undefined;
  }
  const form = validateForm(ctx, path, formKeys[0]!, value);
  return form === undefined || provenance === undefined ? undefined : { key: path, kind: 'cost', value: form, ...provenance };
}

const missingSource = 'missing source (every value of a shipped model cites where it comes from: { "source": "…" })';

function validateForm(ctx: Ctx, path: string, form: string, obj: { [k: string]: unknown }): CostForm | undefined {
  const body = obj[form];
  const at = childPath(path, form);
  switch (form) {
    case 'constant':
      return checkNumber(ctx, at, body, { min: 0 }) ? { constant: body as number } : undefined;
    case 'linear': {
      const o = checkFields(ctx, at, body, ['a', 'b'], []);
      if (o === undefined) return undefined;
      const okA = checkNumber(ctx, childPath(at, 'a'), o['a'], { min: 0 });
      const okB = checkNumber(ctx, childPath(at, 'b'), o['b'], { min: 0 });
      return okA && okB ? { linear: { a: o['a'] as number, b: o['b'] as number } } : undefined;
    }
    case 'table':
      return validateTable(ctx, at, body);
    case 'normal':
    case 'lognormal': {
      const o = checkFields(ctx, at, body, ['mean', 'sd'], []);
      if (o === undefined) return undefined;
      const okMean = checkNumber(ctx, childPath(at, 'mean'), o['mean'], form === 'normal' ? { min: 0 } : { min: 0, exclusive: true });
      const okSd = checkNumber(ctx, childPath(at, 'sd'), o['sd'], { min: 0 });
      if (!okMean || !okSd) return undefined;
      const params = { mean: o['mean'] as number, sd: o['sd'] as number };
      return form === 'normal' ? { normal: params } : { lognormal: params };
    }
    case 'uniform': {
      const o = checkFields(ctx, at, body, ['min', 'max'], []);
      if (o === undefined) return undefined;
      const okMin = checkNumber(ctx, childPath(at, 'min'), o['min'], { min: 0 });
      const okMax = checkNumber(ctx, childPath(at, 'max'), o['max'], { min: 0 });
      if (!okMin || !okMax) return undefined;
      if ((o['max'] as number) < (o['min'] as number)) {
        ctx.problems.push({ path: childPath(at, 'max'), message: `must be ≥ min (${String(o['min'])}), got ${String(o['max'])}` });
        return undefined;
      }
      return { uniform: { min: o['min'] as number, max: o['max'] as number } };
    }
    case 'empirical': {
      if (!Array.isArray(body) || body.length === 0) {
        ctx.problems.push({ path: at, message: `expected a non-empty array of sample costs, got ${typeName(body)}` });
        return undefined;
      }
      const ok = body.map((x, i) => checkNumber(ctx, childPath(at, i), x, { min: 0 })).every(Boolean);
      return ok ? { empirical: body as number[] } : undefined;
    }
    case 'hook': {
      const known = ctx.options.hooks ?? new Set<string>();
      if (typeof body !== 'string' || !known.has(body)) {
        ctx.problems.push({ path: at, message: 'hook cost objects come only from code plug-ins (a function in the module)' });
        return undefined;
      }
      if (!checkNumber(ctx, childPath(path, 'scale'), obj['scale'], { min: 0 })) return undefined;
      return { hook: body, scale: obj['scale'] as number };
    }
    default:
      throw new Error(`unhandled cost form ${form}`);
  }
}

function validateTable(ctx: Ctx, at: string, body: unknown): CostForm | undefined {
  const o = checkFields(ctx, at, body, ['points'], ['extrapolate']);
  if (o === undefined) return undefined;
  const points = o['points'];
  const pointsPath = childPath(at, 'points');
  let extrapolate: Extrapolate = 'clamp';
  let ok = true;
  if (o['extrapolate'] !== undefined) {
    if (o['extrapolate'] === 'clamp' || o['extrapolate'] === 'linear') extrapolate = o['extrapolate'];
    else {
      ctx.problems.push({ path: childPath(at, 'extrapolate'), message: `expected "clamp" or "linear", got ${JSON.stringify(o['extrapolate'])}` });
      ok = false;
    }
  }
  if (!Array.isArray(points) || points.length === 0) {
    ctx.problems.push({ path: pointsPath, message: `expected a non-empty array of [n, cycles] pairs, got ${typeName(points)}` });
    return undefined;
  }
  const pairs: Array<readonly [number, number]> = [];
  points.forEach((pt: unknown, i) => {
    const p = childPath(pointsPath, i);
    if (!Array.isArray(pt) || pt.length !== 2) {
      ctx.problems.push({ path: p, message: `expected an [n, cycles] pair, got ${typeName(pt)}` });
      ok = false;
      return;
    }
    const okX = checkNumber(ctx, childPath(p, 0), pt[0], {});
    const okY = checkNumber(ctx, childPath(p, 1), pt[1], { min: 0 });
    if (!okX || !okY) {
      ok = false;
      return;
    }
    const prev = pairs[pairs.length - 1];
    if (prev !== undefined && (pt[0] as number) <= prev[0]) {
      ctx.problems.push({ path: childPath(p, 0), message: `n must increase strictly (previous point has n = ${prev[0]})` });
      ok = false;
    }
    pairs.push([pt[0] as number, pt[1] as number]);
  });
  return ok ? { table: { points: pairs, extrapolate } } : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Scalars (geometry, clock, flush ceiling, lock kind)

function validateScalar(ctx: Ctx, info: ParamInfo, value: unknown): ResolvedParam | undefined {
  const path = info.key;
  let v = value;
  let provenance: Provenance | undefined = {};
  if (isPlainObject(value)) {
    for (const k of Object.keys(value)) {
      if (k !== 'value' && !(PROVENANCE_KEYS as readonly string[]).includes(k)) {
        ctx.problems.push({ path: childPath(path, k), message: unknownKeyMessage(k, ['value', ...PROVENANCE_KEYS]) });
      }
    }
    provenance = validateProvenance(ctx, path, value);
    if (!('value' in value)) {
      ctx.problems.push({ path: childPath(path, 'value'), message: 'missing' });
      return undefined;
    }
    v = value['value'];
  } else if (ctx.options.requireSources) {
    ctx.problems.push({ path, message: missingSource });
  }
  const at = isPlainObject(value) ? childPath(path, 'value') : path;
  if (info.kind === 'enum') {
    const values = info.values ?? [];
    if (typeof v !== 'string' || !values.includes(v)) {
      ctx.problems.push({ path: at, message: `expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v) ?? typeName(v)}` });
      return undefined;
    }
    return provenance === undefined ? undefined : { key: path, kind: 'enum', value: v, ...provenance };
  }
  if (info.kind === 'device') {
    if (typeof v !== 'string' || v.trim() === '') {
      ctx.problems.push({ path: at, message: `expected a device profile name (${DEVICE_NAMES_HINT}) or a path to a .json profile, got ${JSON.stringify(v) ?? typeName(v)}` });
      return undefined;
    }
    return provenance === undefined ? undefined : { key: path, kind: 'device', value: v, ...provenance };
  }
  const ok = checkNumber(ctx, at, v, {
    min: info.kind === 'positiveCount' ? 1 : 0,
    exclusive: info.kind === 'positive',
    integer: info.kind !== 'positive' && info.kind !== 'nonNegative',
  });
  if (!ok || provenance === undefined || info.kind === 'cost') return undefined;
  return { key: path, kind: info.kind, value: v as number, ...provenance };
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
 * Largest number any model parameter may hold: 1e12 (a cost of 10^12 cycles is over 15 minutes at 1 GHz
 * for one event). Totals then stay finite — even 2^53 events × 1e12 cycles is about 9e27 — so a result
 * never holds Infinity or NaN (JSON null) for a number. An engineering bound, not a measured figure.
 */
export const MAX_MODEL_NUMBER = 1e12;

/**
 * The cross-field rules. Storage: dirty ratios are percentages, highmemIsDirtyable is 0 or 1. TLB geometry,
 * the only such rules (the TLB constructors trust what passed here): a level has at most MAX_TLB_ENTRIES
 * entries; an L1 array has at least one entry; ways divide entries; tree pseudo-LRU needs a power-of-two number of ways
 * (its tree has ways − 1 bits, one per inner node of a complete binary tree).
 */
function checkGeometry(ctx: Ctx, params: ReadonlyMap<string, ResolvedParam>): void {
  for (const key of ['vm.dirtyRatio', 'vm.dirtyBackgroundRatio']) {
    const v = params.get(key)?.value;
    if (typeof v === 'number' && v > 100) ctx.problems.push({ path: key, message: `a percentage must be ≤ 100, got ${v}` });
  }
  const dirtyable = params.get('vm.highmemIsDirtyable')?.value;
  if (typeof dirtyable === 'number' && dirtyable > 1) ctx.problems.push({ path: 'vm.highmemIsDirtyable', message: `expected 0 or 1, got ${dirtyable}` });
  const replacement = params.get('tlb.replacement')?.value;
  for (const level of ['l1i', 'l1d', 'stlb', 'large']) {
    const entries = params.get(`tlb.${level}.entries`)?.value;
    const ways = params.get(`tlb.${level}.ways`)?.value;
    if (typeof entries !== 'number' || typeof ways !== 'number') continue;
    if (entries > MAX_TLB_ENTRIES) {
      ctx.problems.push({ path: `tlb.${level}.entries`, message: `must be at most ${MAX_TLB_ENTRIES} entries, got ${entries}` });
    } else if ((level === 'l1i' || level === 'l1d') && entries === 0) {
      ctx.problems.push({ path: `tlb.${level}.entries`, message: 'an L1 TLB needs at least one entry' });
    } else if (entries > 0 && (ways > entries || entries % ways !== 0)) {
      ctx.problems.push({ path: `tlb.${level}.ways`, message: `must divide entries (${entries}); got ${ways}` });
    } else if (entries > 0 && replacement === 'plru' && (ways & (ways - 1)) !== 0) {
      ctx.problems.push({ path: `tlb.${level}.ways`, message: `tlb.replacement plru needs a power-of-two number of ways; got ${ways}` });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Shared checks

function validateProvenance(ctx: Ctx, path: string, obj: { [k: string]: unknown }): Provenance | undefined {
  let ok = true;
  const out: { source?: string; borrowedFrom?: string; note?: string; unverified?: boolean } = {};
  for (const k of ['source', 'borrowedFrom', 'note'] as const) {
    const v = obj[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') {
      ctx.problems.push({ path: childPath(path, k), message: `expected a non-empty string, got ${typeName(v)}` });
      ok = false;
    } else out[k] = v;
  }
  if (obj['unverified'] !== undefined) {
    if (typeof obj['unverified'] !== 'boolean') {
      ctx.problems.push({ path: childPath(path, 'unverified'), message: `expected true or false, got ${typeName(obj['unverified'])}` });
      ok = false;
    } else out.unverified = obj['unverified'];
  }
  if (ctx.options.requireSources && obj['source'] === undefined && !('hook' in obj)) {
    ctx.problems.push({ path: childPath(path, 'source'), message: missingSource });
  }
  return ok ? out : undefined;
}

/** Checks that `body` is an object with exactly the required keys (plus optional ones). */
function checkFields(ctx: Ctx, at: string, body: unknown, required: readonly string[], optional: readonly string[]): { [k: string]: unknown } | undefined {
  if (!isPlainObject(body)) {
    ctx.problems.push({ path: at, message: `expected an object with ${required.join(', ')}, got ${typeName(body)}` });
    return undefined;
  }
  let ok = true;
  for (const k of Object.keys(body)) {
    if (!required.includes(k) && !optional.includes(k)) {
      ctx.problems.push({ path: childPath(at, k), message: unknownKeyMessage(k, [...required, ...optional]) });
      ok = false;
    }
  }
  for (const k of required) {
    if (!(k in body)) {
      ctx.problems.push({ path: childPath(at, k), message: 'missing' });
      ok = false;
    }
  }
  return ok ? body : undefined;
}

interface NumberRule {
  readonly min?: number;
  /** min itself is not allowed. */
  readonly exclusive?: boolean;
  readonly integer?: boolean;
}

function checkNumber(ctx: Ctx, path: string, v: unknown, rule: NumberRule): boolean {
  if (typeof v !== 'number') {
    ctx.problems.push({ path, message: `expected a number, got ${typeName(v)}${typeof v === 'string' ? ` ${JSON.stringify(v)}` : ''}` });
    return false;
  }
  if (!Number.isFinite(v)) {
    ctx.problems.push({ path, message: `must be finite, got ${v}` });
    return false;
  }
  if (Math.abs(v) > MAX_MODEL_NUMBER) {
    ctx.problems.push({ path, message: `must be at most ${MAX_MODEL_NUMBER} in size (so totals stay finite), got ${v}` });
    return false;
  }
  if (rule.integer === true && !Number.isInteger(v)) {
    ctx.problems.push({ path, message: `expected an integer, got ${v}` });
    return false;
  }
  if (rule.min !== undefined && (v < rule.min || (rule.exclusive === true && v === rule.min))) {
    const what = rule.min === 0 ? (rule.exclusive === true ? 'must be positive' : 'must not be negative') : `must be ≥ ${rule.min}`;
    ctx.problems.push({ path, message: `${what}, got ${v}` });
    return false;
  }
  return true;
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
