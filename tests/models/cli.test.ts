import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('hmsim models', () => {
  it('list --json prints one JSON object naming the shipped models and the default', () => {
    const r = runCli(['models', 'list', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { models: Array<{ name: string; default: boolean }> };
    expect(out.models.map((m) => m.name)).toEqual(['atom-n270', 'core2', 'haswell', 'p4-prescott', 'pentium-m']);
    expect(out.models.filter((m) => m.default).map((m) => m.name)).toEqual(['core2']);
  });

  it('show prints resolved values with their sources, after --set', () => {
    const r = runCli(['models', 'show', 'core2', '--set', 'costs.invlpg=+20%', '--set', 'lock.kind=queued']);
    expect(r.code).toBe(0);
    const line = (key: string): string | undefined => r.stdout.split('\n').find((l) => l.startsWith(`${key} `));
    expect(line('costs.invlpg')).toMatch(
      /^costs\.invlpg +278\.4 +cost-figures\.md §1 I3 .*; scaled \+20% by --set \[borrowed from westmere\]$/,
    );
    expect(line('lock.kind')).toMatch(/^lock\.kind +queued +--set lock\.kind=queued$/);
  });

  it('validate reports every problem of every file at once on stderr and exits 2', () => {
    const r = runCli(['models', 'validate', 'models/core2.json', 'tests/models/fixtures/invalid.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('ok models/core2.json\n');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('hmsim: 1 of 2 model files invalid');
    expect(lines[1]).toBe('  model tests/models/fixtures/invalid.json: 12 problems');
    expect(lines).toHaveLength(14);
    // each problem names where it stands: file:line:column of the key (line 10: `    "invlpgg": 232,`)
    expect(lines).toContain('    tests/models/fixtures/invalid.json:10:5: costs.invlpgg: unknown key (did you mean costs.invlpg?)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unknown model or --set key is one user error (exit 2, no stack trace)', () => {
    const r = runCli(['models', 'show', 'core2', '--set', 'costs.invlpgg=5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hmsim: model core2: --set costs.invlpgg=5: unknown model key costs.invlpgg (did you mean costs.invlpg?)\n');
  });

  it('run with a PLRU geometry that has no tree (3 ways) is one user error line, exit 2', () => {
    const r = runCli([
      'run',
      '--trace',
      'traces/kmap-storm-small.hmt',
      '--set',
      'tlb.replacement=plru',
      '--set',
      'tlb.l1d.entries=12',
      '--set',
      'tlb.l1d.ways=3',
    ]);
    expect(r.stderr).toBe(
      'hmsim: model core2: tlb.l1d.ways: tlb.replacement plru needs a power-of-two number of ways; got 3 (from --set tlb.l1d.ways=3)\n',
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});
