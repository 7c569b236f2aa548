import { InputError } from '../errors.ts';
import type { RunResult } from '../result/run-result.ts';
import { formatMetric, type MetricExpr } from './metric-expr.ts';
import { DYNAMIC_PATHS, runResultShape } from './run-result-shape.ts';

/** The runs one replication of a scenario produced. */
export interface ReplicationRuns {
  readonly main: RunResult;
  /** The run under the scenario's reference configuration (null when the scenario has none). */
  readonly reference: RunResult | null;
}

/** One concrete metric value: `name` is the expression with any `*` replaced by the key. */
export interface MetricValue {
  readonly name: string;
  readonly value: number;
}

/**
 * Evaluates a metric expression on one replication's runs. A `*` expands to every numeric (or boolean)
 * key at that place, in the RunResult's key order; objects under a `*` are skipped.
 * `where` names the watch in errors (`scenarios/a.json: $.watch[1].metric`).
 */
export function evaluateMetric(expr: MetricExpr, runs: ReplicationRuns, where: string): MetricValue[] {
  if (expr.kind === 'path') {
    const run = pick(runs, expr.run, where);
    return expandPath(run, expr.path, where).map((p) => ({ name: formatMetric(expr, p), value: readNumber(run, p, where) }));
  }
  const numRun = pick(runs, expr.num.run, where);
  const denRun = pick(runs, expr.den.run, where);
  return expandPath(numRun, expr.num.path, where).map((p) => {
    const denPath = expr.fn === 'overhead' ? p : expr.den.path;
    const value = divide(readNumber(numRun, p, where), readNumber(denRun, denPath, where));
    return { name: formatMetric(expr, p), value };
  });
}

/**
 * Checks at load time that a path can exist in a RunResult (fixed parts only; see DYNAMIC_PATHS).
 * Throws a UserError naming `where`, the bad segment and the keys that exist there.
 */
export function checkPathShape(path: readonly string[], where: string): void {
  let node: unknown = runResultShape();
  for (let i = 0; i < path.length; i++) {
    const prefix = path.slice(0, i).join('.');
    if (i > 0 && DYNAMIC_PATHS.includes(prefix)) return;
    const seg = path[i] ?? '';
    if (!isObject(node)) {
      throw new InputError(`${where}: '${path.join('.')}' goes below a number at '${path.slice(0, i).join('.')}'`);
    }
    if (seg === '*') {
      if (!Object.values(node).some((v) => typeof v === 'number' || typeof v === 'boolean') && i === path.length - 1) {
        throw new InputError(`${where}: '${path.join('.')}': '${prefix}' holds no numbers to expand`);
      }
      if (i === path.length - 1) return;
      node = Object.values(node).find(isObject);
      continue;
    }
    if (!(seg in node)) {
      throw new InputError(
        `${where}: '${path.join('.')}' is not in a RunResult: no ` +
          `'${seg}'${prefix ? ` in '${prefix}'` : ''} (expected one of ${Object.keys(node).join(', ')})`,
      );
    }
    node = node[seg];
  }
  if (isObject(node) && !DYNAMIC_PATHS.includes(path.join('.'))) {
    throw new InputError(
      `${where}: '${path.join('.')}' is an object, not a number (name one of ` +
        `its keys: ${Object.keys(node).join(', ')}, or use '${path.join('.')}.*')`,
    );
  }
}

function pick(runs: ReplicationRuns, role: 'main' | 'reference', where: string): RunResult {
  if (role === 'main') return runs.main;
  if (runs.reference === null)
    throw new InputError(`${where}: the metric reads the reference run but the scenario names no 'reference' configuration`);
  return runs.reference;
}

function expandPath(run: RunResult, path: readonly string[], where: string): string[][] {
  let prefixes: string[][] = [[]];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] ?? '';
    if (seg !== '*') {
      prefixes = prefixes.map((p) => [...p, seg]);
      continue;
    }
    const last = i === path.length - 1;
    const next: string[][] = [];
    for (const p of prefixes) {
      const node = walk(run, p, where);
      if (!isObject(node)) throw new InputError(`${where}: '${p.join('.')}' is not an object, so '*' cannot expand there`);
      for (const [k, v] of Object.entries(node)) {
        if (last ? typeof v === 'number' || typeof v === 'boolean' : isObject(v)) next.push([...p, k]);
      }
    }
    prefixes = next;
  }
  return prefixes;
}

function walk(run: RunResult, path: readonly string[], where: string): unknown {
  let node: unknown = run;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i] ?? '';
    if (!isObject(node) || !(seg in node)) {
      const here = path.slice(0, i).join('.');
      const known = isObject(node) ? ` (keys there: ${Object.keys(node).join(', ') || 'none'})` : '';
      throw new InputError(`${where}: '${path.join('.')}' is not in the RunResult: no '${seg}'${here ? ` in '${here}'` : ''}${known}`);
    }
    node = node[seg];
  }
  return node;
}

function readNumber(run: RunResult, path: readonly string[], where: string): number {
  const v = walk(run, path, where);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new InputError(
    `${where}: '${path.join('.')}' is not a number in the RunResult (it is ${Array.isArray(v) ? 'an array' : typeof v})`,
  );
}

function divide(num: number, den: number): number {
  if (den !== 0) return num / den;
  return num === 0 ? 0 : Infinity;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
