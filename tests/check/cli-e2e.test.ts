import { emptyCounts } from '../../src/machine/accounting.ts';
import { CYCLE_CATEGORIES } from '../../src/result/run-result.ts';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheckCommand, type CheckCliOptions } from '../../src/cli/check.ts';
import { createDefaultBackend } from '../../src/check/default-backend.ts';
import { ROOT } from '../helpers/cli.ts';
import { parseXml } from './xml.ts';
import { scratchDirs } from './scratch.ts';

const tmp = scratchDirs();
afterAll(() => tmp.cleanup());

/**
 * `hmsim check` as the CLI runs it, in-process (the command function behind commander; exit codes and
 * the one-line error path through the real CLI are covered by cli.test.ts and project.test.ts).
 */
async function runCheck(args: string[], opts: Partial<CheckCliOptions>): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runCheckCommand(args, { baseline: 'baselines', format: 'table', set: [], ...opts }, createDefaultBackend(), (t) => {
    stdout += t;
  });
  return { code, stdout };
}

/** A scratch copy of shipped scenarios (generated traces: nothing else to copy) and an empty baseline folder. */
function scratch(names: readonly string[]): { dir: string; files: string[]; baselines: string } {
  const dir = tmp.make('e2e');
  const files = names.map((n) => {
    const to = join(dir, `${n}.json`);
    copyFileSync(join(ROOT, 'scenarios', `${n}.json`), to);
    return to;
  });
  return { dir, files, baselines: join(dir, 'baselines') };
}

describe('hmsim check end to end', () => {
  it('--update then check passes; +10% in a cost exits 1 naming the metric (table, JUnit, GitHub); --update reports changes', async () => {
    const s = scratch(['2g2g-nohighmem-stream', '3g1g-highmem-prefault-tlb']);
    // 1. create the baselines
    const up = await runCheck(s.files, { baseline: s.baselines, update: true });
    expect(up.code).toBe(0);
    // Its watch list: cycles.total, cycles.breakdown.* (one per category), counts.* (the top-level counters).
    const metrics = 1 + CYCLE_CATEGORIES.length + Object.values(emptyCounts()).filter((v) => typeof v === 'number').length;
    expect(up.stdout).toContain(`updated   ${join(s.baselines, '2g2g-nohighmem-stream.json')}\n  new baseline (${metrics} metrics)\n`);
    expect(up.stdout.trimEnd().split('\n').at(-1)).toBe('2 baselines: 2 updated, 0 unchanged');

    // 2. check against them: everything passes
    const passed = await runCheck(s.files, { baseline: s.baselines });
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/^PASS {2}2g2g-nohighmem-stream {2}\(/m);
    // 3g1g-highmem-prefault-tlb watches 18 metrics.
    expect(passed.stdout.trimEnd().split('\n').at(-1)).toBe(`2 scenarios, ${metrics + 18} metrics: all pass`);

    // 3. a +10% syscall cost: exit 1, the metric named in the table, the JUnit XML and an annotation
    const junit = join(s.dir, 'reports', 'check.xml');
    const r = await runCheck(s.files, { baseline: s.baselines, set: ['costs.syscall=+10%'], junit, format: 'github' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::group::FAIL 2g2g-nohighmem-stream$/m);
    // syscall cycles are the syscall cost plus what rides on entry (CR3 switches on PTI/4G4G): close to +10%
    expect(r.stdout).toMatch(/^ {2}cycles\.breakdown\.syscall +\d+ +[\d.]+ +\+(\d\.\d+|10)% +FAIL {2}\|Δ\| (\d\.\d+|10)% > 0\.1%$/m);
    expect(r.stdout).toMatch(
      new RegExp(
        String.raw`^::error file=.*2g2g-nohighmem-stream\.json,title=hmsim check 2g2g-nohighmem-stream%3A cycles\.breakdown\.syscall::` +
          String.raw`cycles\.breakdown\.syscall: baseline \d+, now [\d.]+ \(\+[\d.]+%25\): \|Δ\| [\d.]+%25 > 0\.1%25$`,
        'm',
      ),
    );
    const xml = parseXml(readFileSync(junit, 'utf8'));
    expect(xml.children.map((c) => c.attributes['name'])).toEqual(['2g2g-nohighmem-stream', '3g1g-highmem-prefault-tlb']);
    const failing = xml.children[0]?.children.filter((t) => t.children.some((c) => c.name === 'failure')).map((t) => t.attributes['name']);
    expect(failing).toEqual(['cycles.total', 'cycles.breakdown.syscall']);
    expect(xml.attributes['failures']).toBe('2');
    expect(xml.children[1]?.attributes['failures']).toBe('0'); // a pure TLB replay has no syscalls

    // --json: exactly one JSON object on one line, with the same verdicts
    const json = await runCheck(s.files, { baseline: s.baselines, set: ['costs.syscall=+10%'], json: true });
    expect(json.code).toBe(1);
    expect(json.stdout.trimEnd().split('\n')).toHaveLength(1);
    const parsed = JSON.parse(json.stdout) as {
      pass: boolean;
      scenarios: Array<{ name: string; metrics: Array<{ metric: string; verdict: string }> }>;
    };
    expect(parsed.pass).toBe(false);
    expect(parsed.scenarios[0]?.metrics.filter((m) => m.verdict === 'fail').map((m) => m.metric)).toEqual([
      'cycles.total',
      'cycles.breakdown.syscall',
    ]);

    // 4. accepting the change: --update prints what changed, metric by metric
    const again = await runCheck(s.files, { baseline: s.baselines, update: true, set: ['costs.syscall=+10%'] });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^ {2}~ cycles\.breakdown\.syscall: \d+ → [\d.]+ \(\+[\d.]+%\)$/m);
    // the pure TLB replay has no syscalls: only its provenance records the override (which explains the
    // model's new hash: no "model changed" line beside it)
    expect(again.stdout).toMatch(
      /^updated {3}.*3g1g-highmem-prefault-tlb\.json\n {2}~ provenance: overrides: baseline \[\], now \[costs\.syscall=\+10%\]$/m,
    );
    expect(again.stdout).not.toMatch(/changed since the baseline/);
    expect(again.stdout.trimEnd().split('\n').at(-1)).toBe('2 baselines: 2 updated, 0 unchanged');
  });

  it('a change of seed alone passes the statistical rules of the shipped statistical scenario', async () => {
    const s = scratch(['3g1g-highmem-vs-x86_64']);
    const file = s.files[0] ?? '';
    const scenario = JSON.parse(readFileSync(file, 'utf8')) as { seed: number; watch: Array<{ rule: { kind: string } }> };
    expect(scenario.watch.every((w) => w.rule.kind === 'statistical')).toBe(true);
    writeFileSync(file, JSON.stringify({ ...scenario, seed: scenario.seed + 1 }));
    const r = await runCheck([file], { baseline: join(ROOT, 'baselines'), verbose: true });
    expect(r.stdout).toMatch(/note: seed\/replications changed: 1×5 → 2×5/);
    // What was run heads the scenario's table: the reference configuration (what overhead() divides by) is the baseline.
    expect(r.stdout).toMatch(
      new RegExp(
        String.raw`^ {2}configurations {2}x86_64 \(baseline\): x86_64 \(4-level paging, all RAM direct-mapped\)\n` +
          ' {18}3g1g-highmem: split 3G, HIGHMEM4G, 2-level paging, no PTI, HIGHPTE$',
        'm',
      ),
    );
    expect(r.stdout).toMatch(/^ {2}seed {12}2 \(replication seeds derived from it\), 5 replications$/m);
    expect(r.stdout).toMatch(/^ {2}cycles\.total +\d+ +\d+ +[+-][\d.]+% +pass {2}Welch p=/m); // other traces, other values: not a 0% change
    expect(r.code).toBe(0);
  });
});
