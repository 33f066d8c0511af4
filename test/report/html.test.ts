// Opens leaderboard.html in Debian's headless Chromium (driven by playwright-core): charts and tables
// render, filters change the visible rows as the data says they should, nothing errors, nothing
// from the (hostile) query text becomes markup. Saves test-artifacts/leaderboard.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/write-report.ts';
import { DEMO_MODELS, HOSTILE_QUERY, writeDemo } from './demo-run.ts';
import type { ResultRecord } from '../../src/run/types.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
/** Drill-down page size, below the demo's 72 results so paging is exercised. */
const PAGE = 50;

describe('leaderboard.html in headless Chromium', () => {
  let root: string, browser: BrowserContext, page: Page, records: ResultRecord[];
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    // No silent skip: the report's promise is that this page works in a real browser.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium)`);
    root = mkdtempSync(join(tmpdir(), 'nb-html-'));
    const demo = await writeDemo(root);
    records = demo.records;
    const { files } = await writeReport({ runDirs: [demo.runDir], outDir: join(root, 'out'), drillPageSize: PAGE });
    // A persistent context is how playwright takes a (fresh) user-data dir.
    browser = await chromium.launchPersistentContext(join(root, 'profile'), {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1360, height: 900 },
    });
    page = await browser.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('dialog', (d) => { consoleErrors.push(`unexpected dialog: ${d.message()}`); void d.dismiss(); });
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(pathToFileURL(files.html).href);
  });

  afterAll(async () => {
    await browser?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const visibleRows = () => page.locator('#cases tbody tr.case').count();
  const choose = (id: string, value: string) => page.selectOption(`#${id}`, value);

  it('renders the four charts as SVG with marks', async () => {
    for (const id of ['accuracy-vs-params', 'category-bars', 'accuracy-vs-latency', 'failure-taxonomy']) {
      const marks = await page.locator(`figure[data-chart="${id}"] svg .mark-symbol path, figure[data-chart="${id}"] svg .mark-rect path`).count();
      expect(marks, id).toBeGreaterThan(0);
    }
  });

  it('renders the leaderboard, ranks models and lists absent ones', async () => {
    const names = await page.locator('table.leaderboard tbody th').allTextContents();
    expect(names).toHaveLength(DEMO_MODELS.length);
    expect(await page.locator('li.absent[data-model="lfm2.5-350m"]').textContent()).toContain('not present — needle-bench pull lfm2.5-350m');
    expect(await page.locator('li.absent[data-model="granite-350m"]').textContent()).toContain('failed to load');
  });

  it('filters the case table by model and by error type', async () => {
    const total = records.length;
    expect(await visibleRows()).toBe(PAGE);
    expect(await page.locator('#case-count').textContent()).toBe(`${total} of ${total} results match · showing the first ${PAGE}`);
    await page.click('#case-more');
    expect(await visibleRows()).toBe(total);
    expect(await page.locator('#case-more').isHidden()).toBe(true);
    await choose('f-model', 'Needle');
    expect(await page.locator('#case-count').textContent()).toBe(`${records.filter((r) => r.model === 'needle').length} of ${total} results match`);
    expect(await visibleRows()).toBe(records.filter((r) => r.model === 'needle').length);
    await choose('f-error', 'parse_error');
    expect(await visibleRows()).toBe(records.filter((r) => r.model === 'needle' && r.verdict.error === 'parse_error').length);
    await choose('f-model', '');
    const parseErrors = records.filter((r) => r.verdict.error === 'parse_error').length;
    expect(parseErrors).toBeGreaterThan(1);
    expect(await visibleRows()).toBe(parseErrors);
    await choose('f-error', 'fail');
    await choose('f-category', 'simple');
    expect(await visibleRows()).toBe(records.filter((r) => !r.verdict.pass && r.category === 'simple').length);
    await page.click('#f-reset');
    expect(await visibleRows()).toBe(PAGE);
  });

  it('shows the hostile query as text in the drill-down, never as markup', async () => {
    await page.locator('#cases tbody tr.case').first().click();
    const detail = page.locator('#cases tr.detail').first();
    expect(await detail.locator('pre').first().textContent()).toBe(HOSTILE_QUERY);
    expect(await detail.textContent()).toContain('schema: valid');
    expect(await page.locator('#cases b').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2); // the data block and the drill-down script only
  });

  it('loads nothing from the network and logs no errors; saves a screenshot', async () => {
    await page.click('#f-reset');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'leaderboard.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
