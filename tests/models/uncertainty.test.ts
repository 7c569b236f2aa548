/**
 * Model uncertainty (--model-uncertainty): costs known only to within a factor are drawn once per
 * replication, log-uniform in [1/within, within], the same draw for every configuration of a replication.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/index.ts';
import { drawModel, scaleCostForm, uncertainCosts } from '../../src/models/uncertainty.ts';
import { resolveModel } from '../../src/models/load.ts';
import { validateDocument } from '../../src/models/validate.ts';
import { createRng } from '../../src/random/rng.ts';
import { canonicalCommand, type SweepSpec } from '../../src/sweep/spec.ts';
import { ROOT, runCli } from '../helpers/cli.ts';

/** The costs core2's file gives `within` (read from the file itself: every one has the factor 2). */
const CORE2_UNCERTAIN = (() => {
  const doc = JSON.parse(readFileSync(`${ROOT}models/core2.json`, 'utf8')) as Record<string, Record<string, { within?: number }>>;
  const keys = new Map<string, number>();
  for (const section of ['costs', 'lock'])
    for (const [k, v] of Object.entries(doc[section]!))
      if (typeof v === 'object' && v.within !== undefined) keys.set(`${section}.${k}`, v.within);
  return keys;
})();

describe('model uncertainty', () => {
  it('scales every cycle figure of each cost form', () => {
    expect(scaleCostForm({ constant: 100 }, 1.5)).toEqual({ constant: 150 });
    expect(scaleCostForm({ linear: { a: 10, b: 2 } }, 0.5)).toEqual({ linear: { a: 5, b: 1 } });
    expect(
      scaleCostForm(
        {
          table: {
            points: [
              [1, 10],
              [33, 40],
            ],
            extrapolate: 'linear',
          },
        },
        2,
      ),
    ).toEqual({
      table: {
        points: [
          [1, 20],
          [33, 80],
        ],
        extrapolate: 'linear',
      },
    });
    expect(scaleCostForm({ normal: { mean: 100, sd: 10 } }, 2)).toEqual({ normal: { mean: 200, sd: 20 } });
    expect(scaleCostForm({ lognormal: { mean: 100, sd: 10 } }, 0.5)).toEqual({ lognormal: { mean: 50, sd: 5 } });
    expect(scaleCostForm({ uniform: { min: 4, max: 8 } }, 0.25)).toEqual({ uniform: { min: 1, max: 2 } });
    expect(scaleCostForm({ empirical: [2, 4] }, 3)).toEqual({ empirical: [6, 12] });
    expect(scaleCostForm({ hook: 'f', scale: 2 }, 3)).toEqual({ hook: 'f', scale: 6 });
  });

  it('draws a factor in [1/within, within] for exactly the costs with one, the same for the same seed', async () => {
    const { model, hash } = await resolveModel('core2');
    expect(
      uncertainCosts(model)
        .map(([k]) => k)
        .sort(),
    ).toEqual([...CORE2_UNCERTAIN.keys()].sort());
    // Twelve ±2× estimates (reclaimPage and shrinkObject among them), the two ±4× lmbench-derived call
    // bodies (pathLookup, fileClose), ioCall (±2×) and forkExit (±3×).
    expect(CORE2_UNCERTAIN.size).toBe(16);
    expect(CORE2_UNCERTAIN.get('costs.pathLookup')).toBe(4);
    const a = drawModel(model, hash, 7);
    const b = drawModel(model, hash, 7);
    const c = drawModel(model, hash, 8);
    expect(a.draw).toEqual(b.draw);
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(hash);
    expect(c.draw.factors).not.toEqual(a.draw.factors);
    expect(Object.keys(a.draw.factors).sort()).toEqual([...CORE2_UNCERTAIN.keys()].sort());
    for (const [k, f] of Object.entries(a.draw.factors)) {
      const within = CORE2_UNCERTAIN.get(k)!;
      expect(f >= 1 / within && f <= within, k).toBe(true);
    }
    // Costs without a factor keep their value; a drawn constant is the written one times its factor, exactly.
    const drawn = await loadModel('core2', [], { uncertaintySeed: 7 });
    expect(drawn.draw).toEqual(a.draw);
    const rng = createRng(1);
    expect(drawn.costs.invlpg(0, rng)).toBe(232);
    expect(drawn.costs.pageFault(0, rng)).toBe(784 * a.draw.factors['costs.pageFault']!);
    expect(drawn.costs.ipi(3, rng)).toBe((540 + 100 * 3) * a.draw.factors['costs.ipi']!);
  });

  it('over many draws the factors are log-uniform: as many below 1 as above, none outside the range', async () => {
    const { model, hash } = await resolveModel('core2');
    const logs: number[] = [];
    for (let seed = 0; seed < 400; seed++) logs.push(Math.log2(drawModel(model, hash, seed).draw.factors['costs.pageFault']!));
    expect(Math.min(...logs)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...logs)).toBeLessThanOrEqual(1);
    const below = logs.filter((l) => l < 0).length;
    expect(Math.abs(below - 200)).toBeLessThan(40); // binomial(400, 1/2): sd 10, so 4 sd
    expect(logs.filter((l) => l < -0.5).length).toBeGreaterThan(60); // a quarter of the range holds ~100
  });

  it('within is for costs only and is 1 to 100', () => {
    const { problems } = validateDocument(
      { clockGHz: { value: 2, within: 2 }, costs: { invlpg: { constant: 1, within: 0.5 }, cr3Write: { constant: 1, within: 500 } } },
      { requireSources: false },
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath['costs.invlpg.within']).toBe('must be ≥ 1, got 0.5');
    expect(byPath['costs.cr3Write.within']).toBe('must be ≤ 100, got 500');
    const scalar = validateDocument({ clockGHz: { value: 2, within: 2 } }, { requireSources: false }).problems;
    expect(scalar.map((p) => [p.path, p.message])).toContainEqual([
      'clockGHz.within',
      'applies to costs only (a cost known to within a factor)',
    ]);
  });

  it('sweep: --model-uncertainty is part of the reproducing command', () => {
    const spec: SweepSpec = {
      configs: [],
      configOptions: {},
      axes: [],
      model: 'core2',
      modelSets: [],
      replications: 2,
      seed: 1,
      prefault: false,
      modelUncertainty: true,
      trace: { kind: 'file', path: 't.hmt' },
    };
    expect(canonicalCommand(spec)).toContain('--model-uncertainty');
    const { modelUncertainty: _, ...plain } = spec;
    expect(canonicalCommand(plain)).not.toContain('--model-uncertainty');
  });

  it('compare --replications 3 --model-uncertainty: each replication one draw shared by the configurations; intervals appear', () => {
    const args = ['compare', '--trace', 'traces/stream-small.hmt', '--configs', '3g1g-highmem,3g1g-pae', '--replications', '3', '--json'];
    const fixed = JSON.parse(runCli(args).stdout) as { runs: Array<{ model: { draw?: unknown } }>; configs: Array<{ cyclesCi: unknown }> };
    expect(fixed.runs.every((r) => r.model.draw === undefined)).toBe(true);
    expect(fixed.configs.every((c) => c.cyclesCi === null)).toBe(true);
    const run = runCli([...args, '--model-uncertainty']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      runs: Array<{ configName: string; seed: number; model: { hash: string; draw: { seed: number; factors: Record<string, number> } } }>;
      configs: Array<{ cyclesCi: [number, number] | null }>;
    };
    expect(out.runs).toHaveLength(6);
    const bySeed = new Map<number, string[]>();
    for (const r of out.runs) {
      expect(r.model.draw.seed).toBe(r.seed);
      bySeed.set(r.seed, [...(bySeed.get(r.seed) ?? []), JSON.stringify(r.model.draw.factors)]);
    }
    expect(bySeed.size).toBe(3);
    for (const draws of bySeed.values()) expect(new Set(draws).size).toBe(1);
    expect(new Set([...bySeed.values()].map((d) => d[0])).size).toBe(3);
    expect(out.configs.every((c) => c.cyclesCi !== null && c.cyclesCi[1] > c.cyclesCi[0])).toBe(true);
  }, 60_000);
});
