import { InputError } from '../errors.ts';

/**
 * Metric expressions: which number of a RunResult a scenario watches.
 *
 *   PATH                 a dotted path into the RunResult: `cycles.total`, `cycles.breakdown.invlpg`,
 *                        `counts.kmap.pkmap`, `cycles.perCpu.0`; a `*` segment expands to every key there
 *                        (`cycles.breakdown.*` = every cycle category)
 *   share(PATH)          PATH / cycles.total of the same run (a category's share of all cycles)
 *   overhead(PATH)       PATH / the same PATH in the reference run (same trace, model and seed under the
 *                        scenario's `reference` configuration), e.g. overhead(cycles.total)
 *   ratio(PATH, PATH)    first / second, both from the same run; prefix a path with `reference.` to read it
 *                        from the reference run
 *
 * Booleans read as 0/1. A ratio with a zero denominator is 0 when the numerator is 0 too, else Infinity.
 */
export type MetricExpr =
  | { readonly kind: 'path'; readonly path: readonly string[]; readonly run: RunRole }
  | {
      readonly kind: 'ratio';
      readonly fn: 'share' | 'overhead' | 'ratio';
      readonly num: MetricExpr & { kind: 'path' };
      readonly den: MetricExpr & { kind: 'path' };
    };

/** Which run of a scenario a path reads: the scenario's own run or the reference-configuration run. */
export type RunRole = 'main' | 'reference';

const SEGMENT = /^(?:[A-Za-z_][A-Za-z0-9_]*|\d+|\*)$/;

/**
 * Parses a metric expression; `where` names it in errors (e.g. `scenarios/a.json: $.watch[1].metric`).
 * @example parseMetricExpr('share(cycles.breakdown.invlpg)', 'x').kind // 'ratio'
 */
export function parseMetricExpr(text: string, where: string): MetricExpr {
  const t = text.trim();
  const call = /^(share|overhead|ratio)\s*\((.*)\)$/.exec(t);
  if (!call) return parsePath(t, where, true);
  const fn = call[1] as 'share' | 'overhead' | 'ratio';
  const args = (call[2] ?? '').split(',').map((a) => a.trim());
  if (fn === 'ratio') {
    if (args.length !== 2)
      throw new InputError(`${where}: ratio() takes two paths, got '${text}' (expected e.g. ratio(counts.invlpg, counts.accesses))`);
    return { kind: 'ratio', fn, num: parsePath(args[0] ?? '', where, true), den: parsePath(args[1] ?? '', where, true) };
  }
  if (args.length !== 1) throw new InputError(`${where}: ${fn}() takes one path, got '${text}'`);
  const num = parsePath(args[0] ?? '', where, false);
  if (num.run === 'reference') throw new InputError(`${where}: ${fn}() takes a path of the scenario's own run, got '${text}'`);
  const den: MetricExpr & { kind: 'path' } =
    fn === 'share' ? { kind: 'path', path: ['cycles', 'total'], run: 'main' } : { kind: 'path', path: num.path, run: 'reference' };
  return { kind: 'ratio', fn, num, den };
}

function parsePath(text: string, where: string, allowReference: boolean): MetricExpr & { kind: 'path' } {
  const parts = text.split('.');
  let run: RunRole = 'main';
  if (parts[0] === 'reference' && allowReference) {
    run = 'reference';
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => !SEGMENT.test(p))) {
    throw new InputError(
      `${where}: '${text}' is not a metric (expected a RunResult path like ` +
        `cycles.breakdown.invlpg, or share(PATH), overhead(PATH), ratio(PATH, PATH))`,
    );
  }
  return { kind: 'path', path: parts, run };
}

/** True when the expression reads the reference run (so the scenario needs a `reference` configuration). */
export function usesReference(expr: MetricExpr): boolean {
  return expr.kind === 'path' ? expr.run === 'reference' : usesReference(expr.num) || usesReference(expr.den);
}

/** The expression's text with a concrete path substituted for `*` (the name of one expanded metric). */
export function formatMetric(expr: MetricExpr, num: readonly string[], den?: readonly string[]): string {
  if (expr.kind === 'path') return (expr.run === 'reference' ? 'reference.' : '') + num.join('.');
  if (expr.fn === 'ratio') {
    const d = (expr.den.run === 'reference' ? 'reference.' : '') + (den ?? expr.den.path).join('.');
    return `ratio(${(expr.num.run === 'reference' ? 'reference.' : '') + num.join('.')}, ${d})`;
  }
  return `${expr.fn}(${num.join('.')})`;
}
