import { UsageError } from '../../errors.ts';
import { parseSize } from '../../units/size.ts';

/**
 * Workload parameters (`--param k=v`): declared once per generator with name, meaning, unit and default,
 * parsed and validated at the edge into a readonly `ParamValues`.
 */

/** How a parameter's text is read. */
export type ParamKind =
  /** A non-negative integer (decimal or 0x hex). */
  | 'int'
  /** Bytes: plain, hex, or with a K/M/G suffix (powers of 1024). */
  | 'size'
  /** A decimal number. */
  | 'number'
  /** One of `choices`. */
  | 'choice';

/** One declared parameter. */
export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  /** What it means, one line. */
  readonly description: string;
  /** Unit shown in help: "processes", "bytes", "cycles", ... */
  readonly unit: string;
  readonly default: number | string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** Other names accepted for it on input (`procs` for `processes`); help and provenance use `name`. */
  readonly aliases?: readonly string[];
}

/** The record budget every generator accepts: benchmark-size traces without tuning the work parameters. */
export const RECORDS_PARAM: ParamSpec = {
  name: 'records',
  kind: 'int',
  description: 'stop starting new work once this many records are written (0: the work parameters decide)',
  unit: 'records',
  default: 0,
  min: 0,
};

/** Resolved parameter values of one run. */
export class ParamValues {
  constructor(
    readonly generator: string,
    private readonly values: ReadonlyMap<string, number | string>,
  ) {}

  /** A numeric parameter. */
  num(name: string): number {
    const v = this.values.get(name);
    if (typeof v !== 'number') throw new Error(`generator ${this.generator}: no numeric parameter '${name}'`);
    return v;
  }

  /** A choice parameter. */
  str(name: string): string {
    const v = this.values.get(name);
    if (typeof v !== 'string') throw new Error(`generator ${this.generator}: no choice parameter '${name}'`);
    return v;
  }

  /** All values, in declaration order (for provenance). */
  toJSON(): Record<string, number | string> {
    return Object.fromEntries(this.values);
  }
}

/**
 * Parses `k=v` texts against the specs; every parameter not given takes its default.
 * Unknown names and bad values are UserErrors naming the parameter and what was expected.
 */
export function parseParams(generator: string, specs: readonly ParamSpec[], texts: readonly string[]): ParamValues {
  const given = new Map<string, string>();
  for (const t of texts) {
    const eq = t.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--param '${t}': expected NAME=VALUE (parameters of ${generator}: ${specs.map((s) => s.name).join(', ')})`);
    const written = t.slice(0, eq).trim();
    const spec = specs.find((s) => s.name === written || (s.aliases ?? []).includes(written));
    if (!spec) {
      throw new UsageError(
        `--param ${written}: ${generator} has no parameter '${written}' (known: ${specs.map((s) => s.name).join(', ')})`,
      );
    }
    given.set(spec.name, t.slice(eq + 1).trim());
  }
  const values = new Map<string, number | string>();
  for (const spec of specs) {
    const text = given.get(spec.name);
    values.set(spec.name, text === undefined ? spec.default : parseValue(generator, spec, text));
  }
  return new ParamValues(generator, values);
}

function parseValue(generator: string, spec: ParamSpec, text: string): number | string {
  const what = `--param ${spec.name}`;
  if (spec.kind === 'choice') {
    if (!spec.choices!.includes(text)) throw new UsageError(`${what}: '${text}' is not one of ${spec.choices!.join(', ')} (${generator})`);
    return text;
  }
  let n: number;
  if (spec.kind === 'size') n = parseSize(what, text);
  else if (spec.kind === 'int') {
    n = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new UsageError(`${what}: '${text}' is not a non-negative integer (${spec.unit})`);
  } else {
    n = /^-?\d+(?:\.\d+)?(?:e-?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
    if (!Number.isFinite(n)) throw new UsageError(`${what}: '${text}' is not a number (${spec.unit})`);
  }
  if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
    throw new UsageError(`${what}: ${text} is out of range (expected ${spec.min ?? '-∞'}..${spec.max ?? '∞'} ${spec.unit})`);
  }
  return n;
}

/** Help text for a generator's parameters: one line per parameter (name, meaning, unit, default). */
export function describeParams(specs: readonly ParamSpec[]): string[] {
  const width = Math.max(...specs.map((s) => s.name.length));
  return specs.map((s) => {
    const range =
      s.kind === 'choice'
        ? ` (one of ${s.choices!.join('|')})`
        : s.min !== undefined || s.max !== undefined
          ? ` (${s.min ?? ''}..${s.max ?? ''})`
          : '';
    const also = s.aliases && s.aliases.length > 0 ? `; also --param ${s.aliases.join(', ')}` : '';
    return `  ${s.name.padEnd(width)}  ${s.description}${range}; unit: ${s.unit}; default: ${formatDefault(s)}${also}`;
  });
}

function formatDefault(s: ParamSpec): string {
  if (typeof s.default === 'string') return s.default;
  if (s.kind === 'size' && s.default >= 1024 && s.default % 1024 === 0) {
    const units = ['K', 'M', 'G', 'T'];
    let v = s.default / 1024;
    let i = 0;
    while (v >= 1024 && v % 1024 === 0 && i < units.length - 1) {
      v /= 1024;
      i++;
    }
    return `${v}${units[i]}`;
  }
  return String(s.default);
}
