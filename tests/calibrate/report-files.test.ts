/**
 * `hmsim calibrate --out DIR [--theme paper]`: the figure is written as SVG, PNG and PDF like every other
 * hmsim figure, each carrying where it came from (the command and each model's name and hash) inside it,
 * and `--theme paper` gives it the print style; `--theme` without `--out` is a one-line usage error.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../src/report/figure-files.ts';
import { loadModel } from '../../src/models/load.ts';
import { runCaptured } from '../helpers/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'hmsim-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('calibrate --out', () => {
  it('writes SVG, PNG and PDF with the provenance inside; --theme paper styles the chart', async () => {
    const out = join(dir, 'paper');
    const r = await runCaptured(['calibrate', '--only', 'ivb-walk', '--out', out, '--theme', 'paper']);
    expect(r.code, r.stderr).toBe(0);
    const hash = (await loadModel('haswell')).hash;
    const svg = readFileSync(join(out, 'calibration.svg'), 'utf8');
    expect(svg).toMatch(/<title>Cost models against published experiments<\/title><desc>For every experiment and model/);
    expect(svg).toContain(`model haswell ${hash.slice(0, 16)}`);
    const png = readPngText(readFileSync(join(out, 'calibration.png')));
    expect(png.get('Title')).toBe('Cost models against published experiments');
    // The command line is the process's own (in this test, the test runner's): the model part is checked.
    expect(png.get('Source')).toMatch(new RegExp(`^hmsim.*; model haswell ${hash.slice(0, 16)}; seed none; replications 1; hmsim `));
    expect(JSON.parse(png.get('Comment')!).models).toEqual([{ name: 'haswell', hash }]);
    const pdf = readFileSync(join(out, 'calibration.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('Cost models against published experiments');
    const spec = JSON.parse(readFileSync(join(out, 'calibration.vl.json'), 'utf8'));
    expect(spec.width).toBe(250);
    expect(spec.config.font).toMatch(/^Times New Roman/);
    const plain = join(dir, 'default');
    expect((await runCaptured(['calibrate', '--only', 'ivb-walk', '--out', plain])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(plain, 'calibration.vl.json'), 'utf8')).width).toBe(420);
  });

  it('--theme without --out: one line, exit 2', async () => {
    const r = await runCaptured(['calibrate', '--only', 'ivb-walk', '--theme', 'paper']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hmsim: calibrate --theme: it styles the --out figure (expected --out DIR with it)\n');
  });
});
