import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createRng } from '../../src/random/rng.ts';
import { CYCLE_CATEGORIES, type CycleBreakdown, type CycleCategory, type RunResult } from '../../src/result/run-result.ts';
import type { CheckBackend, GenerateRequest, RunRequest } from '../../src/check/backend.ts';
import { runResultShape } from '../../src/check/run-result-shape.ts';

/**
 * A stand-in for generators + replay, exact and cheap: a "trace" is a file holding its seed; a run
 * counts events of each cycle category from the trace seed (a workload that varies by ±2% between seeds)
 * and multiplies them by a per-category cost that `--set costs.<category>=±P%` scales. A config named
 * `x86_64` has no kmap costs, so overhead() has something to divide by.
 */
export function fakeBackend(): CheckBackend & { runs: RunRequest[] } {
  const runs: RunRequest[] = [];
  return {
    runs,
    async generate(req: GenerateRequest): Promise<void> {
      await writeFile(req.outPath, JSON.stringify({ workload: req.workload, params: req.params, seed: req.seed }));
    },
    async run(req: RunRequest): Promise<RunResult> {
      runs.push(req);
      const text = await readFile(req.tracePath, 'utf8');
      const trace = JSON.parse(text) as { seed: number };
      const events = createRng(trace.seed);
      const breakdown = Object.fromEntries(CYCLE_CATEGORIES.map((c) => [c, 0])) as CycleBreakdown;
      const costs = costTable(req.sets);
      for (const c of CYCLE_CATEGORIES) {
        const count = req.config.preset === 'x86_64' && c.startsWith('kmap') ? 0 : 1000 + Math.floor(events.next() * 40);
        breakdown[c] = count * (costs.get(c) ?? 1);
      }
      const total = CYCLE_CATEGORIES.reduce((s, c) => s + breakdown[c], 0);
      const shape = runResultShape();
      return {
        ...shape,
        hmsimVersion: '0.0.0-test',
        configName: req.config.preset,
        model: { name: req.model, hash: `hash-of-${req.model}-${req.sets.join(',')}` },
        trace: {
          path: req.tracePath,
          records: 100,
          sha256: createHash('sha256').update(text).digest('hex'),
          digest: 'file',
          source: 'fake',
        },
        seed: req.seed,
        cycles: { total, perCpu: [total / 2, total / 2], breakdown },
        counts: { ...shape.counts, invlpg: breakdown.invlpg / 100, pkmapFlushes: 3 },
      };
    },
  };
}

/** Cost per category: 100 cycles, except as scaled by `costs.<category>=±P%` options. */
function costTable(sets: readonly string[]): Map<CycleCategory, number> {
  const m = new Map<CycleCategory, number>(CYCLE_CATEGORIES.map((c) => [c, 100]));
  for (const s of sets) {
    const r = /^costs\.(\w+)=([+-]\d+(?:\.\d+)?)%$/.exec(s);
    if (r === null) continue;
    const c = r[1] as CycleCategory;
    if (m.has(c)) m.set(c, (m.get(c) ?? 0) * (1 + Number(r[2]) / 100));
  }
  return m;
}
