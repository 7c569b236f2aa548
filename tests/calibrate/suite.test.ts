/**
 * The calibration suite (calibration/*.json): every shipped model it applies to must land within the
 * published range of each experiment, or be a known miss that says why — and a known miss that starts
 * landing within its range fails too, so the experiment file is updated with the model.
 */
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../src/calibrate/experiment.ts';
import { runSuite, type CalibrationResult } from '../../src/calibrate/run.ts';
import { asExpected, calibrationChart } from '../../src/calibrate/report.ts';
import { compileSpec } from '../../src/report/render.ts';
import { loadVega } from '../../src/report/vega.ts';
import { listModels } from '../../src/models/registry.ts';
import { runCli } from '../helpers/cli.ts';

const suite = loadSuite();
let results: CalibrationResult[] = [];

describe('calibration suite', () => {
  it('has the experiments of the reference, each citing a cost-figures.md row or a message, for shipped models', () => {
    const ids = suite.map((e) => e.id);
    for (const id of [
      'molnar-4g4g-null-syscall',
      'molnar-4g4g-workload-range',
      'bligh-kernbench-elapsed',
      'bligh-kernbench-system',
      'gregg-pti-50k',
      'gregg-pti-working-set',
      'hansen-flush-per-page',
      'hansen-ceiling-crossover',
      'ivb-walk',
      'pratt-lmbench-pagefault',
      'pratt-lmbench-fork',
    ]) {
      expect(ids).toContain(id);
    }
    const shipped = listModels().map((m) => m.name);
    for (const e of suite) {
      // A row of the reference, or a published message named by its Message-Id (lmbench rows on linux-kernel).
      expect(e.source, e.id).toMatch(/cost-figures\.md §\d+ [A-Z]\d+|cost-figures\.md §\d+ |Message-Id <[^>]+@[^>]+>/);
      for (const m of e.models) expect(shipped, e.id).toContain(m);
      for (const [m, want] of Object.entries(e.expect ?? {})) {
        expect(e.models, e.id).toContain(m);
        if (want === 'miss') expect(e.missReason, `${e.id}: a known miss says why`).toBeTruthy();
      }
    }
  });

  it('every shipped model is within each published range, or a known miss that says why', async () => {
    results = await runSuite(suite);
    const off = results
      .filter((r) => r.within !== (r.expected === 'pass'))
      .map((r) => `${r.id} ${r.model}: ${r.value} vs ${r.low}–${r.high} (expected ${r.expected})`);
    expect(off).toEqual([]);
    expect(asExpected(results)).toBe(true);
    expect(results.length).toBe(suite.reduce((n, e) => n + e.models.length, 0));
  }, 300_000);

  it('reproduces the figures the models are derived from exactly (the dependent experiments)', () => {
    const walk = results.find((r) => r.id === 'ivb-walk' && r.model === 'haswell')!;
    expect(walk.value).toBe(45); // haswell costs.walk = 11.25 per reference, 4 references (F7: 45)
    // p4-prescott cr3Write = (6,000 − 120) / 2: the 4G/4G extra per call is 6,000 plus the few cycles of
    // timer ticks the 4G/4G run takes more often (its calls are longer).
    const molnar = results.find((r) => r.id === 'molnar-4g4g-null-syscall')!;
    expect(Math.round(molnar.value / 100) * 100).toBe(6000);
  });

  it('charts model ÷ published with each published range (a valid Vega-Lite spec)', async () => {
    await loadVega();
    const spec = calibrationChart(results) as { data: { values: Array<{ ratio: number; low: number; high: number }> } };
    expect(spec.data.values).toHaveLength(results.length);
    compileSpec(spec as never);
  });

  it('hmsim calibrate: one experiment; an unknown id is one line on stderr and exit 2', () => {
    const ok = runCli(['calibrate', '--only', 'ivb-walk']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /^ivb-walk\s+haswell\s+45\.0 \(30\.0–68\.0\) cycles per walk\s+45\.0\s+\+0\.0 %\s+within \[not independent\]$/m,
    );
    const bad = runCli(['calibrate', '--only', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/unknown experiment nope/);
  });
});
