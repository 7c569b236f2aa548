/**
 * Parsing `--grid KEY=V1,V2,...` at the edge. Keys are classified once:
 * - `workload.NAME`: a parameter of the `--workload` generator (`hmsim gen WORKLOAD --help`);
 * - a configuration key (`ram`, `cpus`, `kernel`, `split`, `highmem`, `pae`, `pti`, `nrCpus`, `vmalloc`,
 *   `highpte`; the same keys `--set` sends to the configuration);
 * - anything else: a cost-model key, exactly as `--set` takes it (`tlb.l1d.entries`, `costs.invlpg`).
 * Values are split on commas outside brackets and quotes, so JSON values (`{"a":1,"b":2}`) survive.
 * Every mistake is one line naming `--grid` and the key.
 */
import { UsageError } from '../errors.ts';
import { CONFIG_KEYS } from '../models/keys.ts';
import type { AxisKind, SweepAxis } from './spec.ts';

/** Prefix of workload-parameter keys. */
export const WORKLOAD_PREFIX = 'workload.';

/** Splits `a,b,{"c":1,"d":2}` on top-level commas (brackets and double quotes nest). */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

/** What a grid key changes. */
export function axisKind(key: string): AxisKind {
  if (key.startsWith(WORKLOAD_PREFIX)) return 'workload';
  if (CONFIG_KEYS.includes(key)) return 'config';
  return 'model';
}

/** Parses one `--grid` text into an axis. */
export function parseGridOption(text: string): SweepAxis {
  const eq = text.indexOf('=');
  const key = eq < 0 ? '' : text.slice(0, eq).trim();
  if (eq < 0 || key === '') throw new UsageError(`--grid '${text}': expected KEY=V1,V2,... (e.g. --grid ram=1G,2G,4G)`);
  if (key === 'config' || key === 'configs') throw new UsageError(`--grid ${key}: give the configurations with --configs A,B,...`);
  if (key === WORKLOAD_PREFIX) throw new UsageError(`--grid ${key}: expected workload.PARAMETER (see hmsim gen WORKLOAD --help)`);
  const values = splitValues(text.slice(eq + 1));
  if (values.some((v) => v === ''))
    throw new UsageError(`--grid ${key}: empty value in '${text.slice(eq + 1)}' (expected ${key}=V1,V2,...)`);
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new UsageError(`--grid ${key}: value '${v}' is listed twice`);
    seen.add(v);
  }
  return { key, kind: axisKind(key), values };
}

/** Parses every `--grid` option; a key given twice is an error. */
export function parseGrid(texts: readonly string[]): SweepAxis[] {
  const axes = texts.map(parseGridOption);
  const keys = new Set<string>();
  for (const a of axes) {
    if (keys.has(a.key)) throw new UsageError(`--grid ${a.key}: given twice (list all its values in one --grid ${a.key}=V1,V2,...)`);
    keys.add(a.key);
  }
  return axes;
}

/** Parses `--configs A,B,...` (empty list: the flags' one configuration). */
export function parseConfigs(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new UsageError(`--configs '${text}': expected a comma-separated list of configuration names`);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new UsageError(`--configs: '${n}' is listed twice`);
    seen.add(n);
  }
  return names;
}
