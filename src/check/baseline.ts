import { existsSync } from 'node:fs';
import { readDocument } from '../io/read-input.ts';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { parseJsonText } from '../io/json.ts';

/** Format version of baseline files; bumped when their meaning changes. */
export const BASELINE_FORMAT = 1;

/** Where a baseline's numbers came from. */
export interface BaselineProvenance {
  readonly hmsimVersion: string;
  readonly model: { readonly name: string; readonly hash: string };
  readonly config: string;
  readonly reference: string | null;
  /** Base seed of the replications. */
  readonly seed: number;
  readonly replications: number;
  /** The overrides that were in force (scenario's own, then the command line's). */
  readonly sets: readonly string[];
  /** One entry per distinct trace replayed: its sha256, record count and generator seed (null for a file). */
  readonly traces: ReadonlyArray<{ readonly sha256: string; readonly records: number; readonly seed: number | null }>;
}

/** A stored metric: the mean, and the replication samples when a statistical rule needs them. */
export interface BaselineMetric {
  readonly value: number;
  readonly samples?: readonly number[];
}

/** The content of baselines/<scenario>.json. */
export interface Baseline {
  readonly format: number;
  readonly scenario: string;
  readonly provenance: BaselineProvenance;
  /** Metric name (expanded, e.g. `cycles.breakdown.invlpg`) → stored value. */
  readonly metrics: Readonly<Record<string, BaselineMetric>>;
}

/** The baseline file of a scenario. */
export function baselinePath(dir: string, scenario: string): string {
  return join(dir, `${scenario}.json`);
}

/**
 * Reads a scenario's baseline; null when the file does not exist. A malformed file is a UserError naming
 * the file and the JSON path of the problem.
 */
export async function readBaseline(dir: string, scenario: string, display = baselinePath(dir, scenario)): Promise<Baseline | null> {
  const path = baselinePath(dir, scenario);
  if (!existsSync(path)) return null;
  const parsed = parseJsonText(readDocument(path, display, 'a JSON baseline'));
  if (!parsed.ok) throw new InputError(`${display}: ${parsed.message}`);
  return validateBaseline(parsed.value, display);
}

/** Writes a baseline atomically, with stable formatting (one sample list per line) for readable diffs. */
export async function writeBaseline(dir: string, baseline: Baseline): Promise<void> {
  await writeFileAtomic(baselinePath(dir, baseline.scenario), formatBaseline(baseline));
}

/** The text of a baseline file. Metric values are written with full precision so a re-read is exact. */
export function formatBaseline(b: Baseline): string {
  const lines: string[] = [];
  lines.push('{');
  lines.push(`  "format": ${b.format},`);
  lines.push(`  "scenario": ${JSON.stringify(b.scenario)},`);
  lines.push(`  "provenance": ${JSON.stringify(b.provenance, null, 2).replace(/\n/g, '\n  ')},`);
  const entries = Object.entries(b.metrics);
  if (entries.length === 0) {
    lines.push('  "metrics": {}');
  } else {
    lines.push('  "metrics": {');
    entries.forEach(([name, m], i) => {
      const comma = i === entries.length - 1 ? '' : ',';
      const samples = m.samples === undefined ? '' : `, "samples": [${m.samples.map(encodeNumber).join(', ')}]`;
      lines.push(`    ${JSON.stringify(name)}: { "value": ${encodeNumber(m.value)}${samples} }${comma}`);
    });
    lines.push('  }');
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function validateBaseline(v: unknown, file: string): Baseline {
  const fail = (path: string, what: string): never => {
    throw new InputError(`${file}: ${path}: ${what} (a baseline written by hmsim check --update was expected)`);
  };
  if (!isRecord(v)) return fail('$', 'not an object');
  if (v['format'] !== BASELINE_FORMAT) fail('$.format', `must be ${BASELINE_FORMAT}`);
  if (typeof v['scenario'] !== 'string') fail('$.scenario', 'must be a string');
  const prov = v['provenance'];
  if (!isRecord(prov)) return fail('$.provenance', 'must be an object');
  const model = prov['model'];
  if (!isRecord(model) || typeof model['name'] !== 'string' || typeof model['hash'] !== 'string')
    fail('$.provenance.model', 'must be {name, hash}');
  if (!Array.isArray(prov['traces'])) fail('$.provenance.traces', 'must be an array');
  const metrics = v['metrics'];
  if (!isRecord(metrics)) return fail('$.metrics', 'must be an object');
  const decoded: Record<string, BaselineMetric> = {};
  for (const [name, m] of Object.entries(metrics)) {
    const at = `$.metrics[${JSON.stringify(name)}]`;
    if (!isRecord(m)) return fail(at, 'must be an object');
    const value = decodeNumber(m['value']);
    if (value === undefined) return fail(`${at}.value`, 'must be a number');
    const s = m['samples'];
    if (s === undefined) {
      decoded[name] = { value };
      continue;
    }
    const samples = Array.isArray(s) ? s.map(decodeNumber) : [undefined];
    if (samples.some((x) => x === undefined)) return fail(`${at}.samples`, 'must be an array of numbers');
    decoded[name] = { value, samples: samples as number[] };
  }
  return { ...(v as unknown as Baseline), metrics: decoded };
}

/** JSON has no Infinity or NaN (a ratio over a zero denominator): those are stored as strings. */
function encodeNumber(x: number): string {
  return Number.isFinite(x) ? JSON.stringify(x) : JSON.stringify(String(x));
}

function decodeNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  if (x === 'Infinity' || x === '-Infinity' || x === 'NaN') return Number(x);
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
