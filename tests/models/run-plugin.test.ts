import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-run-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunJson {
  model: { name: string; hash: string };
  cycles: { breakdown: { kmapLockSpin: number } };
}

describe('hmsim run --model PLUGIN (end to end)', () => {
  it('the degrading-lock plug-in multiplies kmap_lock spinning on 8 CPUs', () => {
    const trace = join(dir, 'kmap8.hmt');
    const gen = runCli(['gen', 'kmap-storm', '--seed', '1', '--param', 'cpus=8', '--param', 'maps=2000', '-o', trace]);
    expect(gen.code, gen.stderr).toBe(0);
    const run = (model: string): RunJson => {
      const r = runCli(['run', '--trace', trace, '--model', model, '--json', '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as RunJson;
    };
    const base = run('core2');
    const plugin = run('models/examples/degrading-lock.ts');
    expect(plugin.model.name).toBe('core2-degrading-lock');
    expect(plugin.model.hash).not.toBe(base.model.hash);
    // 8 waiting CPUs: 75 + 400·(8 − 4)² = 6475 cycles per hand-off vs core2's ticket 75 + 75·8/2 = 375
    expect(base.cycles.breakdown.kmapLockSpin).toBeGreaterThan(0);
    expect(plugin.cycles.breakdown.kmapLockSpin).toBeGreaterThan(5 * base.cycles.breakdown.kmapLockSpin);
  });
});
