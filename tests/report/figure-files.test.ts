import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { figureMetadata, figureSource, pngWithText, readPngText, svgWithMetadata } from '../../src/report/figure-files.ts';
import { renderPdf, renderPng } from '../../src/report/figure-images.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { renderSvg } from '../../src/report/render.ts';
import { loadVega } from '../../src/report/vega.ts';
import { overheadChart } from '../../src/report/charts/overhead.ts';
import { aggregate } from '../../src/stats/aggregate.ts';
import { theme } from '../../src/report/theme.ts';
import { HMSIM_VERSION } from '../../src/version.ts';
import { fixtureRuns } from './fixtures.ts';

const runs = fixtureRuns(['3g1g-highmem', '2g2g-highmem'], 3, 2);
const provenance = collectProvenance(runs, {
  command: ['hmsim', 'compare', '--seed', '3', '--out', 'r <&>'],
  seed: 3,
  replications: 2,
  gitCommit: null,
});
const meta = figureMetadata('Overhead <&> "quoted"', 'What is drawn & why', provenance);

/** `pdfinfo` (poppler-utils) when the machine has it. */
function pdfinfo(): string | null {
  try {
    execFileSync('pdfinfo', ['-v'], { stdio: 'ignore' });
    return 'pdfinfo';
  } catch {
    return null;
  }
}

describe('figure files carry their provenance', () => {
  let svg = '';
  beforeAll(async () => {
    await loadVega();
    svg = await renderSvg(overheadChart(aggregate(runs, { baseline: '3g1g-highmem' }), theme('paper')).spec);
  });

  it('the source line names the command, each trace digest and model hash, the seed and replications', () => {
    const t = provenance.traces[0]!;
    const m = provenance.models[0]!;
    expect(figureSource(provenance)).toBe(
      `hmsim compare --seed 3 --out 'r <&>'; trace ${t.path} sha256:${t.sha256.slice(0, 16)}; ` +
        `model ${m.name} ${m.hash.slice(0, 16)}; seed 3; replications 2; hmsim ${HMSIM_VERSION}`,
    );
  });

  it('SVG: title, desc and Dublin Core metadata, XML-escaped, first inside the root element', () => {
    const out = svgWithMetadata(svg, meta);
    const root = out.slice(0, out.indexOf('>') + 1);
    expect(root).toBe(svg.slice(0, svg.indexOf('>') + 1));
    expect(out.slice(root.length)).toMatch(
      /^<title>Overhead &lt;&amp;&gt; &quot;quoted&quot;<\/title><desc>What is drawn &amp; why<\/desc><metadata>/,
    );
    expect(out).toContain(`<dc:creator>hmsim ${HMSIM_VERSION}</dc:creator>`);
    expect(out).toContain('--out &apos;r &lt;&amp;&gt;&apos;');
    // the provenance survives an XML round trip (escaped JSON)
    const json = /<hmsim:provenance[^>]*>([^<]*)<\/hmsim:provenance>/.exec(out)![1]!;
    const unescaped = json
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    expect(JSON.parse(unescaped)).toEqual(JSON.parse(JSON.stringify(provenance)));
    expect(out.length - svg.length).toBeGreaterThan(0);
  });

  it('PNG: tEXt chunks with valid CRCs before IEND; the image itself is unchanged', () => {
    const png = renderPng(svg, 2);
    const out = pngWithText(png, meta);
    const text = readPngText(out);
    expect([...text.keys()]).toEqual(['Title', 'Description', 'Software', 'Source', 'Comment']);
    expect(text.get('Title')).toBe('Overhead <&> "quoted"');
    expect(text.get('Software')).toBe(`hmsim ${HMSIM_VERSION}`);
    expect(text.get('Source')).toBe(figureSource(provenance));
    expect(JSON.parse(text.get('Comment')!)).toEqual(JSON.parse(JSON.stringify(provenance)));
    // Same bytes as the original except the inserted chunks: prefix up to IEND and the IEND chunk itself.
    expect(Buffer.from(out.subarray(0, png.length - 12)).equals(Buffer.from(png.subarray(0, png.length - 12)))).toBe(true);
    expect(Buffer.from(out.subarray(out.length - 12)).equals(Buffer.from(png.subarray(png.length - 12)))).toBe(true);
  });

  it('PDF: one page the size of the SVG in points, deterministic, with the information dictionary', async () => {
    const a = await renderPdf(svg, meta);
    const b = await renderPdf(svg, meta);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const tool = pdfinfo();
    if (!tool) return; // the byte checks above still ran; pdfinfo (poppler-utils) adds a parse by a real reader
    const dir = mkdtempSync(join(tmpdir(), 'hmsim-pdf-'));
    try {
      const file = join(dir, 'f.pdf');
      writeFileSync(file, a);
      const info = execFileSync(tool, [file], { encoding: 'utf8' });
      const width = Number(/ width="([\d.]+)"/.exec(svg)![1]);
      const height = Number(/ height="([\d.]+)"/.exec(svg)![1]);
      expect(info).toMatch(/^Pages:\s+1$/m);
      expect(info).toMatch(new RegExp(`^Page size:\\s+${width} x ${height} pts$`, 'm'));
      expect(info).toMatch(/^Title:\s+Overhead <&> "quoted"$/m);
      expect(info).toMatch(new RegExp(`^Creator:\\s+hmsim ${HMSIM_VERSION.replace(/\./g, '\\.')}$`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
