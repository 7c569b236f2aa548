import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { writeCompareReport } from '../../src/report/write.ts';
import { collectProvenance } from '../../src/report/provenance.ts';
import { findChromium } from './chromium.ts';
import { fixtureLayout, fixtureRuns } from './fixtures.ts';

const CHROMIUM = findChromium();
if (!CHROMIUM) {
  console.warn(
    "SKIPPED: the HTML report browser test needs Chromium and none was found (install Debian's `chromium` " +
      'package, or set HMSIM_CHROMIUM to its path); .ci/run installs it.',
  );
}

/** What happened while a page loaded: console errors/warnings, and every non-file request (aborted). */
interface PageLog {
  readonly errors: string[];
  readonly network: string[];
}

async function open(browser: Browser, file: string): Promise<{ page: Page; log: PageLog }> {
  const page = await browser.newPage();
  const log: PageLog = { errors: [], network: [] };
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    log.network.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href);
  return { page, log };
}

describe('index.html in headless Chromium', () => {
  const configs = ['3g1g-highmem', '2g2g-highmem', '4g4g'];
  let dir = '';
  let index = '';
  let paperIndex = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!CHROMIUM) return;
    dir = mkdtempSync(join(tmpdir(), 'hmsim-report-browser-'));
    const runs = fixtureRuns(configs, 3, 2);
    await writeCompareReport(join(dir, 'out'), {
      baseline: '3g1g-highmem',
      runs,
      layouts: configs.map(fixtureLayout),
      provenance: collectProvenance(runs, { command: ['hmsim', 'compare'], seed: 3, replications: 2, gitCommit: null }),
    });
    index = join(dir, 'out', 'index.html');
    // A paper-theme report of one replication: no interval anywhere (the case that once logged
    // "Infinite extent" warnings), figures shown at print size.
    const one = fixtureRuns(configs, 3, 1);
    await writeCompareReport(
      join(dir, 'paper'),
      {
        baseline: '3g1g-highmem',
        runs: one,
        layouts: configs.map(fixtureLayout),
        provenance: collectProvenance(one, {
          command: ['hmsim', 'compare', '--theme', 'paper'],
          seed: 3,
          replications: 1,
          gitCommit: null,
        }),
      },
      { theme: 'paper' },
    );
    paperIndex = join(dir, 'paper', 'index.html');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!CHROMIUM)('draws every chart with tooltips, logs no error and makes no network request', async () => {
    const { page, log } = await open(browser!, index);
    await page.waitForSelector('body[data-charts-rendered]', { timeout: 20_000 });
    expect(await page.locator('figure.chart').count()).toBe(6);
    expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('6');
    expect(await page.locator('.view svg.marks').count()).toBe(6);
    expect(await page.locator('table').count()).toBe(5); // what was run, totals, categories, counts, provenance
    expect(await page.locator('header table caption').innerText()).toBe('What was run');
    await page.locator('#chart-1-cycles-by-category .view svg .mark-rect path').first().hover();
    await page.waitForSelector('#vg-tooltip-element.visible', { timeout: 5_000 });
    expect(await page.locator('#vg-tooltip-element').innerText()).toContain('configuration');
    expect(log.errors).toEqual([]);
    expect(log.network).toEqual([]);
    await page.close();
  });

  it.skipIf(!CHROMIUM)('no text is cut by its chart: every label lies inside its SVG (both themes)', async () => {
    for (const file of [index, paperIndex]) {
      const { page, log } = await open(browser!, file);
      await page.waitForSelector('body[data-charts-rendered]', { timeout: 20_000 });
      // The page's own code, as text: the tests are compiled without the DOM library.
      const outside = (await page.evaluate(`(() => {
        const bad = [];
        for (const svg of document.querySelectorAll('.view svg.marks')) {
          const box = svg.getBoundingClientRect();
          for (const t of svg.querySelectorAll('text')) {
            if (!t.textContent) continue;
            const r = t.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
              bad.push((svg.closest('figure') || {}).id + ': "' + t.textContent + '"');
            }
          }
        }
        return bad;
      })()`)) as string[];
      expect(outside, file).toEqual([]);
      expect(log.errors, file).toEqual([]);
      await page.close();
    }
  });

  it.skipIf(!CHROMIUM)(
    'a caption describes only what its chart draws: confidence intervals drawn (3 replications) or said to be absent (1)',
    async () => {
      for (const [file, drawn] of [
        [index, true],
        [paperIndex, false],
      ] as const) {
        const { page, log } = await open(browser!, file);
        await page.waitForSelector('body[data-charts-rendered]', { timeout: 20_000 });
        for (const id of ['chart-1-cycles-by-category', 'chart-2-overhead']) {
          const caption = await page.locator(`#${id} p.description`).innerText();
          // Data rules as rendered (axis ticks are not role-mark): the error bars, plus chart 2's 0 % reference rule.
          const rules = await page
            .locator(`#${id} .view svg .mark-rule.role-mark path, #${id} .view svg .mark-rule.role-mark line`)
            .count();
          const reference = id === 'chart-2-overhead' ? 1 : 0;
          if (drawn) {
            expect(rules, `${file} ${id}`).toBeGreaterThan(reference);
            expect(caption, `${file} ${id}`).toMatch(/95% confidence interval/);
            expect(caption).not.toMatch(/No confidence interval is drawn/);
          } else {
            expect(rules, `${file} ${id}`).toBe(reference);
            expect(caption, `${file} ${id}`).toMatch(/No confidence interval is drawn: one replication\./);
            expect(caption).not.toMatch(/Error bars are|black rule at the end of a bar/);
          }
        }
        expect(log.errors, file).toEqual([]);
        await page.close();
      }
    },
  );

  it.skipIf(!CHROMIUM)('paper figures are shown at print size (1 pt = 4/3 CSS px), without a console warning', async () => {
    const { page, log } = await open(browser!, paperIndex);
    await page.waitForSelector('body[data-charts-rendered]', { timeout: 20_000 });
    expect(await page.getAttribute('body', 'data-charts-rendered')).toBe('6');
    const sizes = (await page.evaluate(`Array.from(document.querySelectorAll('.view svg.marks')).map((svg) => ({
      attr: Number(svg.getAttribute('width')),
      shown: svg.getBoundingClientRect().width,
    }))`)) as Array<{ attr: number; shown: number }>;
    expect(sizes).toHaveLength(6);
    for (const s of sizes) expect(s.shown).toBeCloseTo((s.attr * 4) / 3, 0);
    expect(log.errors).toEqual([]);
    await page.close();
  });

  it.skipIf(!CHROMIUM)('would notice a network request (control: the same page with a fetch injected)', async () => {
    // With the page's Content-Security-Policy the fetch is refused (a console error); without it the
    // request reaches the route interceptor. Either way the checks above would fail.
    const html = readFileSync(index, 'utf8');
    const probe = `<script>fetch('https://example.com/probe').catch(() => {});</script>`;
    const inject = (text: string) => text.slice(0, text.lastIndexOf('</body>')) + probe + text.slice(text.lastIndexOf('</body>'));
    const withCsp = join(dir, 'probe-csp.html');
    const withoutCsp = join(dir, 'probe-open.html');
    writeFileSync(withCsp, inject(html));
    writeFileSync(withoutCsp, inject(html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '')));
    const a = await open(browser!, withCsp);
    await a.page.waitForSelector('body[data-charts-rendered]', { timeout: 20_000 });
    expect(a.log.errors.join('\n')).toMatch(/Content Security Policy/);
    await a.page.close();
    const b = await open(browser!, withoutCsp);
    await b.page.waitForSelector('body[data-charts-rendered]', { timeout: 20_000 });
    await expect.poll(() => b.log.network).toEqual(['https://example.com/probe']);
    await b.page.close();
  });
});
