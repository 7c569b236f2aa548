/**
 * Cycles by mechanism (src/report/mechanisms.ts) and `run --explain`. kmap carries the INVLPG of every
 * kmap_local/kmap_atomic unmap (one each: kunmap_local_indexed → flush_tlb_one_kernel) and the global
 * flushes of pkmap wraps; the mechanisms partition the total. Expected values are derived from the run's
 * counts and the model's constant costs (core2: costs.invlpg 232, costs.globalFlush 828).
 */
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/models/load.ts';
import { kmapInvlpgs, MECHANISM_LEGEND, mechanismCycles } from '../../src/report/mechanisms.ts';
import type { RunResult } from '../../src/result/run-result.ts';
import { PER_KILO_ACCESS_LEGEND } from '../../src/cli/run-summary.ts';
import { ROOT } from '../helpers/cli.ts';
import { runMain } from '../run/in-process.ts';

const STREAM = `${ROOT}traces/stream-small.hmt`;
const STORM = `${ROOT}traces/kmap-storm-small.hmt`;

async function run(args: string[]): Promise<RunResult> {
  const r = await runMain(['run', ...args, '--json', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RunResult;
}

describe('cycles by mechanism', () => {
  it('kmap_local unmaps: kmap is its PTE writes plus one INVLPG of 232 cycles per mapping; the mechanisms sum to the total', async () => {
    const r = await run(['--trace', STREAM, '--config', '3g1g-highmem']);
    const model = await loadModel('core2', []);
    expect(model.params?.['costs.invlpg']?.value).toEqual({ constant: 232 });
    const maps = r.counts.kmap.local + r.counts.kmap.atomic;
    // This trace unmaps no user memory: every INVLPG is a kmap unmap's.
    expect(maps).toBeGreaterThan(0);
    expect(r.counts.invlpg).toBe(maps);
    expect(r.cycles.breakdown.invlpg).toBe(maps * 232);
    expect(kmapInvlpgs(r)).toBe(maps);
    const m = Object.fromEntries(mechanismCycles(r).map((x) => [x.id, x]));
    expect(m['kmap']!.cycles).toBe(
      r.cycles.breakdown.kmap +
        r.cycles.breakdown.kmapLockSpin +
        r.cycles.breakdown.kmapSleep +
        maps * 232 +
        r.cycles.breakdown.globalFlush,
    );
    expect(m['userFlush']!.cycles).toBe(r.cycles.breakdown.localFlush);
    expect(mechanismCycles(r).reduce((s, x) => s + x.cycles, 0)).toBe(r.cycles.total);
    expect(mechanismCycles(r).map((x) => x.id)).toEqual(MECHANISM_LEGEND.map((l) => l.id));
  });

  it('pkmap wraps: their global flushes (one per CPU per wrap, 828 cycles each) are kmap cycles', async () => {
    const r = await run(['--trace', STORM, '--config', '2g2g']);
    expect(r.counts.pkmapFlushes).toBeGreaterThan(0);
    // flush_all_zero_pkmaps → flush_tlb_kernel_range: a global flush on each of the 4 CPUs.
    expect(r.counts.globalFlushes).toBe(r.counts.pkmapFlushes * r.config.cpus);
    expect(r.cycles.breakdown.globalFlush).toBe(r.counts.globalFlushes * 828);
    const kmap = mechanismCycles(r).find((x) => x.id === 'kmap')!;
    expect(kmap.parts.find((p) => p.what === 'global flushes of pkmap wraps')!.cycles).toBe(r.counts.globalFlushes * 828);
    expect(mechanismCycles(r).reduce((s, x) => s + x.cycles, 0)).toBe(r.cycles.total);
  });

  it('run prints the mechanism table with its legend; compare puts the INVLPGs under kmap', async () => {
    const r = await run(['--trace', STREAM, '--config', '3g1g-highmem']);
    const text = (await runMain(['run', '--trace', STREAM, '--config', '3g1g-highmem', '--quiet'])).stdout;
    const kmap = r.cycles.breakdown.kmap + r.cycles.breakdown.invlpg;
    const fmt = (x: number): string => x.toLocaleString('en-US');
    expect(text).toMatch(new RegExp(`^kmap +${fmt(kmap)} +${((100 * kmap) / r.cycles.total).toFixed(1)} %$`, 'm'));
    expect(text).toContain(
      '\n  kmap: mapping highmem pages: PTE writes, page_address lookups, pkmap scans, lock spin and ' +
        'sleep, the INVLPG of every kmap_local/kmap_atomic unmap, and the global flushes of pkmap wraps\n',
    );
    // Miss rates per 1000 of the trace's accesses (it counts accesses, not instructions).
    const c = r.counts;
    expect(text).toMatch(
      new RegExp(`^L1 TLB misses per 1000 accesses +${((1000 * (c.itlbMisses + c.dtlbMisses)) / c.accesses).toFixed(2)}$`, 'm'),
    );
    expect(text).toMatch(new RegExp(`^STLB misses per 1000 accesses +${((1000 * c.stlbMisses) / c.accesses).toFixed(2)}$`, 'm'));
    expect(text).toMatch(new RegExp(`^page walks per 1000 accesses +${((1000 * c.pageWalks) / c.accesses).toFixed(2)}$`, 'm'));
    // The rates count the kernel's own misses too, so they can pass 1000: the line under the table says so.
    expect(text).toContain(`\n  ${PER_KILO_ACCESS_LEGEND}\n`);
    expect(PER_KILO_ACCESS_LEGEND).toMatch(/^per 1000 accesses: TLB misses of user and kernel translations .* not a user-only miss ratio/);
    const cmp = (await runMain(['compare', '--trace', STREAM, '--configs', '3g1g-highmem,x86_64', '--quiet'])).stdout;
    const row = cmp.split('\n').find((l) => l.startsWith('3g1g-highmem '))!;
    expect(row.split(/ {2,}/)).toContain(fmt(kmap));
  });
});

describe('run --explain', () => {
  it('names every model key that prices each mechanism, with value, source and marks; an override shows as such', async () => {
    const r = await runMain(['run', '--trace', STREAM, '--config', '3g1g-highmem', '--set', 'costs.invlpg=300', '--explain', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const explain = r.stdout.slice(r.stdout.indexOf('where the cycles come from'));
    const res = await run(['--trace', STREAM, '--config', '3g1g-highmem', '--set', 'costs.invlpg=300']);
    const maps = res.counts.kmap.local + res.counts.kmap.atomic;
    expect(explain).toContain(
      `  part  INVLPG of ${maps.toLocaleString('en-US')} kmap_local/kmap_atomic unmaps: ${(maps * 300).toLocaleString('en-US')}\n`,
    );
    expect(explain).toContain(`  how   ${maps.toLocaleString('en-US')} kmap_local/kmap_atomic unmaps × 300 cycles per INVLPG`);
    expect(explain).toContain('  model costs.invlpg = 300 — --set costs.invlpg=300\n');
    expect(explain).toContain(
      '  model costs.globalFlush = 828 — cost-figures.md §2 F1 (Westmere ' +
        'CR4.PGE global flush 828 cycles), per §10.2 [borrowed from westmere]\n',
    );
    // Every key of every mechanism is printed once under it.
    const keys = MECHANISM_LEGEND.reduce((n, l) => n + l.keys.length, 0);
    expect(explain.match(/^ {2}model /gm)).toHaveLength(keys);
    expect(explain).not.toContain('not in model');
  });

  it('with --json: one line, exit 2', async () => {
    const r = await runMain(['run', '--trace', STREAM, '--explain', '--json', '--quiet']);
    expect([r.code, r.stdout, r.stderr]).toEqual([
      2,
      '',
      'hmsim: --explain: prints text; it cannot be combined with --json (the JSON result has every figure)\n',
    ]);
  });
});
