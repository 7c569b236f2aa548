import { relative } from 'node:path';
import { baselinePath, readBaseline, writeBaseline } from './baseline.ts';
import { compareScenario, type ScenarioOutcome } from './compare.ts';
import { measureScenario, type MeasureContext } from './measure.ts';
import type { Scenario } from './scenario.ts';
import { baselineFromMeasurement, describeBaselineChange } from './update.ts';

/**
 * The check pipeline, per scenario:
 *
 *   scenario ──(1) measure: traces + replays + metrics──► measurement
 *            ──(2) read baseline──► compare (rules) ──► outcome            (check)
 *            ──(2') baseline from measurement ──► diff + write             (--update)
 */

/** A loaded scenario with the file name to show in reports. */
export interface CheckItem {
  readonly scenario: Scenario;
  readonly display: string;
}

/** What an update did to one scenario's baseline. */
export interface UpdateOutcome {
  readonly name: string;
  /** The baseline file written, as shown to the user. */
  readonly file: string;
  /** One line per change (empty: the baseline was already up to date and was left untouched). */
  readonly changes: readonly string[];
}

/** Options of a check run. */
export interface CheckOptions {
  readonly context: MeasureContext;
  readonly baselineDir: string;
  /**
   * Stop at the first failing scenario (the remaining ones are not run). For callers that only need to
   * know whether anything fails; the CLI always runs everything.
   */
  readonly stopAtFirstFailure?: boolean;
}

/** Checks scenarios against their baselines; the outcomes are in scenario order. */
export async function checkScenarios(items: readonly CheckItem[], options: CheckOptions): Promise<ScenarioOutcome[]> {
  const outcomes: ScenarioOutcome[] = [];
  for (const { scenario, display } of items) {
    // (2) first: a malformed baseline is bad input, reported before spending time on replays.
    const baseline = await readBaseline(options.baselineDir, scenario.name, shown(baselinePath(options.baselineDir, scenario.name)));
    // (1)
    const measurement = await measureScenario(scenario, options.context, display);
    const outcome = compareScenario(measurement, baseline, display);
    outcomes.push(outcome);
    if (!outcome.pass && options.stopAtFirstFailure === true) break;
  }
  return outcomes;
}

/**
 * Re-measures scenarios and rewrites their baselines (atomically, one file each). A baseline whose
 * content would not change is not rewritten.
 */
export async function updateBaselines(items: readonly CheckItem[], options: CheckOptions): Promise<UpdateOutcome[]> {
  const out: UpdateOutcome[] = [];
  for (const { scenario, display } of items) {
    const file = baselinePath(options.baselineDir, scenario.name);
    // A malformed old baseline is simply replaced: that is what --update is for.
    const old = await readBaseline(options.baselineDir, scenario.name).catch(() => null);
    const next = baselineFromMeasurement(await measureScenario(scenario, options.context, display));
    const changes = describeBaselineChange(old, next);
    if (changes.length > 0) await writeBaseline(options.baselineDir, next);
    out.push({ name: scenario.name, file: shown(file), changes });
  }
  return out;
}

/** A path as users read it: relative to the working directory when below it. */
function shown(path: string): string {
  const r = relative(process.cwd(), path);
  return r.startsWith('..') || r === '' ? path : r;
}
