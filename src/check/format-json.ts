import type { ScenarioOutcome } from './compare.ts';
import type { UpdateOutcome } from './runner.ts';

/**
 * `--json`: exactly one JSON object on one line. A check gives
 * `{ "pass": bool, "scenarios": [{ name, file, pass, problems, notes, metrics: [{ metric, rule, baseline,
 * now, change, verdict, reason }] }] }`; an update gives `{ "updated": [{ name, file, changes }] }`.
 * JSON has no Infinity or NaN: such numbers are written as the strings "Infinity", "-Infinity", "NaN".
 */
export function formatCheckJson(outcomes: readonly ScenarioOutcome[]): string {
  // The documented shape: the table's header of what was run (outcome.header) is not part of it.
  const scenarios = outcomes.map(({ header: _header, ...o }) => o);
  return stringify({ pass: outcomes.every((o) => o.pass), scenarios });
}

/** `--update --json`: one JSON object listing each baseline and its changes (empty: left untouched). */
export function formatUpdateJson(updates: readonly UpdateOutcome[]): string {
  return stringify({ updated: updates });
}

function stringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)) + '\n';
}
