import { readFileSync, realpathSync } from 'node:fs';
import { rootPath } from '../package-root.ts';
import { pathToFileURL } from 'node:url';
import { readDocument } from '../io/read-input.ts';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { UserError, InputError } from '../errors.ts';
import { parseJsonText, pointerToJsonPath } from '../io/json.ts';
import { checkPathShape } from './metric-eval.ts';
import { parseMetricExpr, usesReference, type MetricExpr } from './metric-expr.ts';
import type { Rule, Scenario, TraceSpec, Watch } from './scenario.ts';

/** The JSON Schema of scenario files (scenarios/schema.json in the repository). */
export const SCENARIO_SCHEMA_URL = pathToFileURL(rootPath('scenarios', 'schema.json'));

/** Compiles the scenario schema (once per loading batch). */
export function compileScenarioSchema(): ValidateFunction {
  const schema = JSON.parse(readFileSync(SCENARIO_SCHEMA_URL, 'utf8')) as object;
  const ajv = new Ajv({ allErrors: false, discriminator: true, strict: false });
  return ajv.compile(schema);
}

/** Raw scenario JSON after schema validation (defaults not yet applied). */
interface ScenarioJson {
  description?: string;
  trace: { path?: string; generator?: string; params?: Record<string, string | number | boolean>; seed?: number };
  config: string;
  kernel?: string;
  ram?: string | number;
  cpus?: number;
  reference?: string;
  model: string;
  set?: string[];
  seed?: number;
  replications?: number;
  prefault?: boolean;
  watch: Array<{ metric: string; rule: RuleJson }>;
}
type RuleJson =
  | { kind: 'exact' }
  | { kind: 'relative' | 'absolute'; tolerance: number }
  | { kind: 'statistical'; test?: 'welch' | 'permutation'; alpha?: number; minEffect?: number };

/** Defaults of a statistical rule (also documented in scenarios/schema.json). */
export const STATISTICAL_DEFAULTS = { test: 'welch', alpha: 0.01, minEffect: 0.02 } as const;

/**
 * Reads and validates one scenario file. Every problem is a UserError of one line naming the file and
 * the JSON path (`scenarios/a.json: $.watch[1].rule.tolerance: must be >= 0`).
 * `displayPath` is how the file is named in messages (as the user gave it).
 */
/**
 * Where a scenario may reach. A scenario file is repository content: `hmsim check` in CI must not read
 * files outside the project through it, nor run its code.
 */
export interface ScenarioBounds {
  /**
   * The folder `trace.path` and a `model` path must stay inside (symbolic links resolved); `hmsim check`
   * passes the current folder or `--root`. Undefined: not confined (library use, tests).
   */
  readonly root?: string;
  /** Whether `model` may name a code plug-in (.ts/.mts/.js/.mjs): `check --allow-plugins`. Default false. */
  readonly allowPlugins?: boolean;
}

export async function loadScenario(
  path: string,
  validate: ValidateFunction,
  displayPath = path,
  bounds: ScenarioBounds = {},
): Promise<Scenario> {
  let text: string;
  try {
    text = readDocument(path, displayPath, 'a JSON scenario');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${displayPath}: cannot read scenario (${code === 'ENOENT' ? 'no such file' : (code ?? String(err))})`);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new InputError(`${displayPath}: ${parsed.message}`);
  if (!validate(parsed.value)) {
    throw new InputError(`${displayPath}: ${describeSchemaError(validate.errors?.[0])}`);
  }
  const json = parsed.value as ScenarioJson;
  const file = resolve(path);
  const where = (jsonPath: string): string => `${displayPath}: ${jsonPath}`;

  const trace = toTraceSpec(json.trace, dirname(file), where);
  if (trace.kind === 'file' && bounds.root !== undefined) confine(trace.path, json.trace.path ?? '', bounds.root, where('$.trace.path'));
  const model = looksLikePath(json.model) ? resolve(dirname(file), json.model) : json.model;
  if (model !== json.model) {
    if (PLUGIN_FILE.test(json.model) && bounds.allowPlugins !== true) {
      throw new InputError(
        `${where('$.model')}: '${json.model}' is a code plug-in, which check runs ` +
          `only with --allow-plugins (expected a shipped model name or a .json model)`,
      );
    }
    if (bounds.root !== undefined) confine(model, json.model, bounds.root, where('$.model'));
  }
  const replications = json.replications ?? 1;
  const watch: Watch[] = json.watch.map((w, i) => {
    const at = `$.watch[${i}]`;
    const metric = parseMetricExpr(w.metric, where(`${at}.metric`));
    for (const p of pathsOf(metric)) checkPathShape(p, where(`${at}.metric`));
    if (usesReference(metric) && json.reference === undefined) {
      throw new InputError(
        `${where(`${at}.metric`)}: '${w.metric}' reads the reference run; add "reference": "<config preset>" to the scenario`,
      );
    }
    if (metric.kind === 'ratio' && metric.fn === 'ratio' && metric.den.path.includes('*')) {
      throw new InputError(`${where(`${at}.metric`)}: '*' is allowed in the first path of ratio() only`);
    }
    const rule = toRule(w.rule);
    if (rule.kind === 'statistical' && replications < 2) {
      throw new InputError(
        `${where(`${at}.rule`)}: a statistical rule needs "replications" of at least 2 (the scenario has ${replications})`,
      );
    }
    return { text: w.metric, metric, rule, at };
  });

  return {
    file,
    name: basename(file).replace(/\.json$/i, ''),
    description: json.description ?? '',
    trace,
    config: {
      preset: json.config,
      kernel: json.kernel ?? null,
      ram: json.ram === undefined ? null : String(json.ram),
      cpus: json.cpus ?? null,
    },
    reference: json.reference ?? null,
    model,
    sets: json.set ?? [],
    seed: json.seed ?? 1,
    replications,
    prefault: json.prefault ?? false,
    watch,
  };
}

/**
 * Loads several scenarios; refuses two with the same name (they would share a baseline file).
 */
export async function loadScenarios(paths: readonly { path: string; display: string }[], bounds: ScenarioBounds = {}): Promise<Scenario[]> {
  const validate = compileScenarioSchema();
  const out: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const p of paths) {
    const s = await loadScenario(p.path, validate, p.display, bounds);
    const other = seen.get(s.name);
    if (other !== undefined)
      throw new InputError(
        `${p.display}: scenario name '${s.name}' is also the name of ${other} (names must be unique: each has one baseline file)`,
      );
    seen.set(s.name, p.display);
    out.push(s);
  }
  return out;
}

function toTraceSpec(t: ScenarioJson['trace'], dir: string, where: (p: string) => string): TraceSpec {
  if ((t.path === undefined) === (t.generator === undefined)) {
    throw new InputError(`${where('$.trace')}: give exactly one of "path" (an HMT file) and "generator" (a workload name)`);
  }
  if (t.path !== undefined) {
    if (t.params !== undefined || t.seed !== undefined) {
      throw new InputError(`${where('$.trace')}: "params" and "seed" belong to a generator, not to a trace file`);
    }
    return { kind: 'file', path: resolve(dir, t.path) };
  }
  return { kind: 'generator', workload: t.generator ?? '', params: t.params ?? {}, seed: t.seed ?? null };
}

function toRule(r: RuleJson): Rule {
  switch (r.kind) {
    case 'exact':
      return { kind: 'exact' };
    case 'relative':
    case 'absolute':
      return { kind: r.kind, tolerance: r.tolerance };
    case 'statistical':
      return {
        kind: 'statistical',
        test: r.test ?? STATISTICAL_DEFAULTS.test,
        alpha: r.alpha ?? STATISTICAL_DEFAULTS.alpha,
        minEffect: r.minEffect ?? STATISTICAL_DEFAULTS.minEffect,
      };
  }
}

const PLUGIN_FILE = /\.(ts|mts|js|mjs)$/i;

/** The real path of `path` (symbolic links resolved), or `path` itself when it does not exist yet. */
function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Refuses `path` (as written: `given`) when it is not inside `root`. */
function confine(path: string, given: string, root: string, where: string): void {
  const rel = relative(realOrSelf(root), realOrSelf(path));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return;
  throw new InputError(
    `${where}: '${given}' is outside the project folder ${root} (expected a path inside it; check --root DIR sets another project folder)`,
  );
}

/** A model given as a file (plug-in or JSON) rather than a shipped name: resolved against the scenario. */
function looksLikePath(model: string): boolean {
  return model.includes('/') || model.includes('\\') || /\.(json|ts|mts|js|mjs)$/i.test(model);
}

function pathsOf(expr: MetricExpr): Array<readonly string[]> {
  return expr.kind === 'path' ? [expr.path] : [expr.num.path, expr.den.path];
}

/** One line for the first schema violation: JSON path, then what was expected. */
export function describeSchemaError(e: ErrorObject | undefined): string {
  if (e === undefined) return '$: does not match the scenario schema';
  const at = pointerToJsonPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties':
      return `${at}: unknown property '${String(params['additionalProperty'])}'`;
    case 'required':
      return `${at}: missing property '${String(params['missingProperty'])}'`;
    case 'enum':
      return `${at}: must be one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(params['allowedValue'])}`;
    case 'discriminator': {
      const tag = String(params['tag']);
      if (params['error'] === 'tag')
        return `${at}.${tag}: missing or not a string (expected one of "exact", "relative", "absolute", "statistical")`;
      return (
        `${at}.${tag}: ${JSON.stringify(params['tagValue'])} is not a rule ` +
        `kind (expected one of "exact", "relative", "absolute", "statistical")`
      );
    }
    case 'type':
      return `${at}: must be ${String(params['type'])}`;
    default:
      return `${at}: ${e.message ?? 'is invalid'}`;
  }
}
