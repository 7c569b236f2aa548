import { UserError, ConfigError } from '../errors.ts';

/** One thing wrong with a model: where (JSON path such as `costs.ipi.linear.b`, or a `--set` option) and what. */
export interface Problem {
  readonly path: string;
  readonly message: string;
  /** Where in which file (`FILE:LINE:COLUMN`), when the problem is a value of a file. */
  readonly at?: string;
}

/**
 * Turns a list of problems into one UserError (exit code 2). One problem is one line, `ORIGIN: [AT: ]PATH:
 * MESSAGE`; several are a summary line naming the model, then one line per problem, `  [AT: ]PATH: MESSAGE`,
 * AT being `FILE:LINE:COLUMN` where the problem stands in a file.
 * @example problemsError('models/x.json', [{ path: 'costs.ipi', message: 'missing' }]).message ===
 *   'models/x.json: costs.ipi: missing'
 */
export function problemsError(origin: string, problems: readonly Problem[]): UserError {
  const only = problems.length === 1 ? problems[0] : undefined;
  const line = (p: Problem): string => `${p.at === undefined ? '' : `${p.at}: `}${p.path}: ${p.message}`;
  if (only !== undefined) return new ConfigError(`${origin}: ${line(only)}`);
  const head = `${origin}: ${problems.length} problems`;
  return new ConfigError([head, ...problems.map((p) => `  ${line(p)}`)].join('\n'));
}

/** Appends `.key` (or `[i]` for an array index) to a JSON path. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}
