import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectProvenance, commandLine, gitCommit, provenanceTable, shellQuote } from '../../src/report/provenance.ts';
import { theme, viridisPalette } from '../../src/report/theme.ts';
import { fixtureRuns } from './fixtures.ts';
import { loadVega } from '../../src/report/vega.ts';

// Charts and palettes use Vega, which the report code loads on first need.
beforeAll(async () => {
  await loadVega();
});

describe('provenance', () => {
  it('lists each trace, model and configuration once, in run order', () => {
    const runs = fixtureRuns(['3g1g-highmem', '4g4g'], 1, 3);
    const p = collectProvenance(runs, {
      command: ['hmsim', 'compare', '--seed', '1'],
      seed: 1,
      replications: 3,
      gitCommit: 'a'.repeat(40),
    });
    expect(p.traces).toEqual([{ path: 'traces/fixture.hmt', sha256: 'ab'.repeat(32), records: 250_000 }]);
    expect(p.models).toEqual([{ name: 'fixture-model', hash: 'f1x7ure0' }]);
    expect(p.configurations.map((c) => c.name)).toEqual(['3g1g-highmem', '4g4g']);
    expect(p.hmsimVersion).toBe('0.1.0');
    const rows = provenanceTable(p).rows;
    expect(rows).toContainEqual(['command', 'hmsim compare --seed 1']);
    expect(rows).toContainEqual(['git commit', 'a'.repeat(40)]);
  });

  it('has no git commit outside a git checkout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hmsim-nogit-'));
    try {
      expect(gitCommit(dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records the command line as hmsim plus the arguments, quoted for a shell when shown', () => {
    expect(commandLine(['/usr/bin/node', '/opt/hmsim/bin/hmsim.js', 'compare', '--set', 'tlb.l1d.entries=16'])).toEqual([
      'hmsim',
      'compare',
      '--set',
      'tlb.l1d.entries=16',
    ]);
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
    expect(shellQuote('--out=reports/a')).toBe('--out=reports/a');
  });
});

/** Relative luminance (WCAG) of an "rgb(r, g, b)" or "#rrggbb" colour. */
function luminance(colour: string): number {
  const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(colour);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  const parts = m ? m.slice(1).map(Number) : hex ? hex.slice(1).map((h) => Number.parseInt(h, 16)) : null;
  if (!parts) throw new Error(`colour ${colour}`);
  const [r, g, b] = parts.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

describe('paper theme', () => {
  it('uses a serif font and single-column width', () => {
    const t = theme('paper');
    expect(t.config.font).toMatch(/serif$/);
    expect(t.width).toBeLessThanOrEqual(260);
  });

  it('has a palette whose colours stay distinct in grayscale (strictly increasing luminance)', () => {
    for (const n of [4, 8, 13]) {
      const l = viridisPalette(n).map(luminance);
      for (let i = 1; i < l.length; i++) expect(l[i]! - l[i - 1]!).toBeGreaterThan(0.01);
    }
  });
});
