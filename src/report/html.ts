import type { ChartEntry } from './charts/chart.ts';
import { browserLibraries } from './assets.ts';
import type { Table } from './tables.ts';
import type { ThemeName } from './theme.ts';

/**
 * index.html: one self-contained, offline page — every chart interactive through vega-embed (SVG
 * renderer, tooltips), the tables and the provenance. vega, vega-lite and vega-embed are inlined, the
 * specs carry their data, and a Content-Security-Policy forbids every network request, so the page
 * works from a laptop on a plane and leaks nothing when opened. When all charts are drawn the body
 * gets `data-charts-rendered="<count>"` (tests and scripted screenshots wait for it).
 */

/** What the page shows. */
export interface HtmlReport {
  readonly title: string;
  /** Short paragraphs under the title (baseline, statistics note). */
  readonly intro: readonly string[];
  /** What was run (src/report/run-header.ts), shown under the title. */
  readonly header?: Table;
  readonly charts: readonly ChartEntry[];
  readonly tables: readonly Table[];
  readonly provenance: Table;
  /** The charts' theme: paper figures are shown at their print size (1 pt = 4/3 CSS px). */
  readonly theme?: ThemeName;
  /** Chart files written beside the page, linked under each chart (default: SVG, PNG and PDF). */
  readonly images?: readonly ('svg' | 'png' | 'pdf')[];
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Makes text safe inside a <script> element (no early `</script>`, no `<!--`). */
function scriptSafe(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function tableHtml(t: Table): string {
  const cell = (tag: 'td' | 'th', text: string, i: number) =>
    `<${tag}${t.align[i] === 'right' ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return [
    `<table id="table-${escapeHtml(t.id)}">`,
    `<caption>${escapeHtml(t.caption)}</caption>`,
    `<thead><tr>${t.header.map((h, i) => cell('th', h, i)).join('')}</tr></thead>`,
    `<tbody>${t.rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function chartHtml(c: ChartEntry, index: number, images: readonly ('svg' | 'png' | 'pdf')[]): string {
  const id = escapeHtml(c.id);
  const links = [
    ...(images.includes('svg') ? [`<a href="${id}.svg">SVG</a>`] : []),
    ...(images.includes('png') ? [`<a href="${id}.png">PNG (2×)</a>`] : []),
    ...(images.includes('pdf') ? [`<a href="${id}.pdf">PDF</a>`] : []),
    `<a href="${id}.vl.json">Vega-Lite spec</a>`,
  ];
  return [
    `<figure class="chart" id="chart-${id}">`,
    `<h2>${escapeHtml(c.title)}</h2>`,
    `<p class="description">${escapeHtml(c.description)}</p>`,
    `<div class="view" data-chart="${index}"></div>`,
    `<figcaption>Files: ${links.join(' · ')}</figcaption>`,
    '</figure>',
  ].join('\n');
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem 2rem 4rem; color: #222; }
h1 { margin-bottom: .2rem; } h2 { margin: 0 0 .2rem; font-size: 1.15rem; }
nav a { margin-right: .8rem; }
figure.chart { margin: 2rem 0; padding: 1rem; border: 1px solid #ddd; border-radius: 6px; overflow-x: auto; }
p.description { margin: 0 0 .6rem; color: #444; max-width: 75ch; }
figcaption { font-size: .85rem; color: #666; margin-top: .4rem; }
table { border-collapse: collapse; margin: 1.5rem 0; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
#provenance td { overflow-wrap: anywhere; font-family: ui-monospace, monospace; font-size: .8rem; }
.chart-error { color: #b00; }
`;

const BOOT = `
(async () => {
  const specs = JSON.parse(document.getElementById('hmsim-specs').textContent);
  const views = Array.from(document.querySelectorAll('.view'));
  const options = { renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } };
  const results = await Promise.allSettled(views.map((el, i) => vegaEmbed(el, specs[i], options)));
  // A paper figure is laid out in points (1 px = 1 pt, a 250 px plot = one journal column): shown at
  // print size, every length is 4/3 CSS px, so its 8 pt text reads as 8 pt text does on paper.
  if (document.body.dataset.theme === 'paper') {
    for (const svg of document.querySelectorAll('.view svg.marks')) {
      const w = Number(svg.getAttribute('width')), h = Number(svg.getAttribute('height'));
      if (w > 0 && h > 0) { svg.style.width = (w * 4 / 3) + 'px'; svg.style.height = (h * 4 / 3) + 'px'; }
    }
  }
  let drawn = 0;
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') { drawn++; return; }
    console.error('hmsim: chart ' + i + ' could not be drawn: ' + r.reason);
    views[i].className = 'view chart-error';
    views[i].textContent = 'This chart could not be drawn: ' + r.reason;
  });
  document.body.dataset.chartsRendered = String(drawn);
})();
`;

/** The complete page. Deterministic: the same report gives the same bytes. */
export function buildHtml(report: HtmlReport): string {
  const specs = JSON.stringify(report.charts.map((c) => c.spec)).replace(/</g, '\\u003c');
  const libs = browserLibraries();
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network: everything is inline. 'unsafe-eval' because vega compiles its expressions to functions.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ` +
      `'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:">`,
    `<title>${escapeHtml(report.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body data-theme="${escapeHtml(report.theme ?? 'default')}">`,
    '<header>',
    `<h1>${escapeHtml(report.title)}</h1>`,
    ...report.intro.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(report.header !== undefined ? [tableHtml(report.header)] : []),
    `<nav>${report.charts.map((c) => `<a href="#chart-${escapeHtml(c.id)}">${escapeHtml(c.title)}</a>`).join(' ')} ` +
      `<a href="#tables">Tables</a> <a href="#provenance">Provenance</a></nav>`,
    '</header>',
    '<main>',
    '<section id="charts">',
    ...report.charts.map((c, i) => chartHtml(c, i, report.images ?? ['svg', 'png', 'pdf'])),
    '</section>',
    '<section id="tables">',
    '<h2>Tables</h2>',
    ...report.tables.map(tableHtml),
    '</section>',
    '<section id="provenance">',
    tableHtml(report.provenance),
    '</section>',
    '</main>',
    `<script type="application/json" id="hmsim-specs">${specs}</script>`,
    ...libs.map((l) => `<script data-library="${l.name}">${scriptSafe(l.source)}</script>`),
    `<script>${BOOT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
