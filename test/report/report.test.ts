import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { writeReport } from '../../src/report/write-report.ts';
import { loadRunDir, mergeRuns, parseResults } from '../../src/report/run-dir.ts';
import { escapeHtml, jsonForScript } from '../../src/report/html-escape.ts';
import { renderHtml } from '../../src/report/html.ts';
import { paretoFront, suiteCharts } from '../../src/report/charts.ts';
import { buildSummary, SUMMARY_SCHEMA_VERSION, type Summary } from '../../src/report/summary.ts';
import { DEMO_MODELS, demoRecords, demoCases, HOSTILE_QUERY, writeDemo } from './demo-run.ts';
import { record, writeRun } from './records.ts';

let root: string;
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'nb-report-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

function validator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile(JSON.parse(readFileSync(new URL('../../src/report/summary.schema.json', import.meta.url), 'utf8')));
}

describe('needle-bench report', () => {
  it('writes a schema-valid summary.json, a markdown leaderboard and an HTML page', async () => {
    const demo = await writeDemo(join(root, 'a'));
    const { files } = await writeReport({ runDirs: [demo.runDir], outDir: join(root, 'a', 'out') });
    const summary = JSON.parse(readFileSync(files.summary, 'utf8')) as Summary;
    const validate = validator();
    expect(validate(summary), JSON.stringify(validate.errors)).toBe(true);
    expect(summary.schemaVersion).toBe(SUMMARY_SCHEMA_VERSION);
    expect(summary.warnings).toEqual([]);

    // Figures in the summary are those of the records.
    for (const m of DEMO_MODELS) {
      const mine = demo.records.filter((r) => r.model === m.id);
      const all = summary.groups.find((g) => g.model === m.id && g.category === 'all')!;
      expect(all.n).toBe(mine.length);
      expect(all.passed).toBe(mine.filter((r) => r.verdict.pass).length);
    }
    expect(summary.pairwise.filter((p) => p.category === 'all')).toHaveLength(3);
    expect(summary.pairwise).toHaveLength(3 * 5); // all + 4 categories per pair
    expect(summary.models.find((m) => m.id === 'lfm2.5-350m')).toMatchObject({ status: 'not_present', results: 0, hint: 'not present — `needle-bench pull lfm2.5-350m`' });
    expect(summary.models.find((m) => m.id === 'needle')).toMatchObject({ displayName: 'Needle', parameterCount: 26_315_421 });

    const md = readFileSync(files.markdown, 'utf8');
    const needle = summary.groups.find((g) => g.model === 'needle' && g.category === 'all')!;
    expect(md).toContain(`| 1 | Needle | 26.3M | ${(needle.passRate * 100).toFixed(1)}% [`);
    expect(md).toContain('- **lfm2.5-350m**: not present — `needle-bench pull lfm2.5-350m`');
    expect(md).toContain('- **granite-350m**: failed to load: ONNX model file is truncated');
    expect(md).toMatch(/\| Needle vs FunctionGemma 270M \| 24 \| \d+ \| \d+ \| \+/);
    expect(md).toMatch(/\| Needle vs Qwen3 0\.6B \| 24 \| \d+ \| \d+ \| \+/); // alphabetically Qwen3 is B, but Needle is better: shown first
    expect(md).toContain('![Pass rate by category](charts/demo-category-bars.svg)');
    expect(readFileSync(join(root, 'a', 'out', 'charts', 'demo-category-bars.svg'), 'utf8')).toMatch(/^<svg/);

    const html = readFileSync(files.html, 'utf8');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|https?:\/\/(?!www\.w3\.org|vega\.github\.io)/); // self-contained
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain(HOSTILE_QUERY);
    expect((html.match(/<svg/g) ?? []).length).toBe(4);
  });

  it('merges run dirs of different models on the same cases', async () => {
    const cases = demoCases();
    const [needle, gemma] = DEMO_MODELS;
    await writeRun(join(root, 'r1'), demoRecords(cases, 'demo', [needle]), { models: [{ spec: 'needle', status: 'ok' }] });
    await writeRun(join(root, 'r2'), demoRecords(cases, 'demo', [gemma]), { models: [{ spec: gemma.id, status: 'ok' }, { spec: 'needle', status: 'not_present' }] });
    const { summary } = await writeReport({ runDirs: [join(root, 'r1'), join(root, 'r2')], outDir: join(root, 'merged') });
    expect(summary.models.map((m) => [m.id, m.status, m.results])).toEqual([['needle', 'ok', 24], [gemma.id, 'ok', 24]]);
    expect(summary.pairwise.filter((p) => p.category === 'all').map((p) => p.n)).toEqual([24]);
    expect(summary.warnings.some((w) => w.includes('suite demo not found'))).toBe(true);
  });

  it('takes suites for the drill-down from --suite, and says when it cannot write', async () => {
    const demo = await writeDemo(join(root, 'b'));
    const cases = demoCases();
    await writeRun(join(root, 'b', 'bare'), demoRecords(cases, 'demo', [DEMO_MODELS[0]]), {}); // no suite paths recorded
    const { summary, files } = await writeReport({ runDirs: [join(root, 'b', 'bare')], outDir: join(root, 'b', 'out'), suitePaths: [demo.suiteDir] });
    expect(summary.warnings).toEqual([]);
    expect(readFileSync(files.html, 'utf8')).toContain('Demo request number 5'); // query text reached the embedded data
    await expect(writeReport({ runDirs: [join(root, 'b', 'bare')], outDir: join(root, 'b', 'out'), suitePaths: [join(root, 'missing')] })).rejects.toThrow(/--suite .*missing does not exist/);
    writeFileSync(join(root, 'b', 'a-file'), '');
    await expect(writeReport({ runDirs: [join(root, 'b', 'bare')], outDir: join(root, 'b', 'a-file', 'out') })).rejects.toThrow(/cannot create output directory/);
  });

  it('is byte-for-byte reproducible for the same runs and time', async () => {
    const demo = await writeDemo(join(root, 'c'));
    const now = new Date('2026-02-03T04:05:06Z');
    const one = await writeReport({ runDirs: [demo.runDir], outDir: join(root, 'c', 'one'), now });
    const two = await writeReport({ runDirs: [demo.runDir], outDir: join(root, 'c', 'two'), now });
    for (const k of ['summary', 'markdown', 'html'] as const) {
      expect(readFileSync(two.files[k], 'utf8'), k).toBe(readFileSync(one.files[k], 'utf8'));
    }
    expect(one.summary.generatedAt).toBe('2026-02-03T04:05:06.000Z');
  });

  it('warns when runs hold different content under one suite name', () => {
    const run = (dir: string, hash: string) => ({ dir, records: [], models: [], suites: [{ name: 'core', hash }], provenance: null, warnings: [] });
    expect(mergeRuns([run('a', '1'.repeat(64)), run('b', '2'.repeat(64))]).warnings[0]).toMatch(/suite "core" has different content in b/);
  });

  it('keeps the last of duplicate results and says so', () => {
    const a = { dir: 'a', records: [record({ id: 'x', model: 'm', pass: false })], models: [], suites: [], provenance: null, warnings: [] };
    const b = { ...a, dir: 'b', records: [record({ id: 'x', model: 'm', pass: true })] };
    const merged = mergeRuns([a, b]);
    expect(merged.records.map((r) => r.verdict.pass)).toEqual([true]);
    expect(merged.warnings[0]).toMatch(/b: 1 result\(s\) replace earlier ones/);
  });

  it('reports bad input with file and line', () => {
    const good = JSON.stringify(record({ id: 'x', model: 'm', pass: true }));
    expect(() => parseResults('r.jsonl', `${good}\n{oops\n${good}\n`)).toThrow(/^r\.jsonl:2: invalid JSON/);
    expect(() => parseResults('r.jsonl', `${good}\n{"id":"y","suite":"s","model":"m","category":"c"}\n`)).toThrow(/r\.jsonl:2: verdict\.pass/);
    const warnings: string[] = [];
    expect(parseResults('r.jsonl', `${good}\n{"id":"torn`, warnings)).toHaveLength(1);
    expect(warnings[0]).toMatch(/r\.jsonl:2: ignoring incomplete last line/);
    expect(() => loadRunDir(join(root, 'nowhere'))).toThrow(/not a run directory/);
  });
});

describe('report helpers', () => {
  it('escapes HTML and script-embedded JSON', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const json = jsonForScript({ q: '</script><!-- \u2028' });
    expect(json).not.toMatch(/<|\u2028/);
    expect(JSON.parse(json)).toEqual({ q: '</script><!-- \u2028' });
  });

  it('says which models the parameter chart leaves out', async () => {
    const summary = buildSummary(mergeRuns([{ dir: 'r', records: demoRecords(demoCases(8), 'demo'), provenance: null, warnings: [], suites: [],
      models: [{ id: 'needle', status: 'ok', parameterCount: 26e6 }, { id: 'functiongemma-270m', status: 'ok', parameterCount: 268e6 }, { id: 'qwen3-0.6b', status: 'ok' }] }]));
    const [params] = await suiteCharts(summary, 'demo');
    expect(params.svg).toContain('not shown (no parameter count): qwen3-0.6b');
    const count = (label: string) => params.svg!.split(`>${label}<`).length - 1;
    expect([count('needle'), count('qwen3-0.6b')]).toEqual([2, 1]); // legend + point label; legend only
  });

  it('escapes model and suite names everywhere, charts included', async () => {
    const evil = 'Evil <img src=x onerror=alert(1)> & "co"';
    const suite = 'de<mo>"&';
    const records = demoRecords(demoCases(8), suite, [{ id: 'm<script>1', displayName: evil, parameterCount: 1e6, accuracy: 0.5, msPerCase: 10, seed: 3 }]);
    const summary = buildSummary(mergeRuns([{ dir: 'r<x>', records, provenance: null, warnings: [], suites: [{ name: suite }], models: [{ id: 'm<script>1', status: 'ok', displayName: evil, parameterCount: 1e6 }] }]));
    const html = renderHtml({ summary, charts: new Map([[suite, await suiteCharts(summary, suite)]]), drill: { rows: [], cases: {} } });
    expect(html).not.toMatch(/<img|<script>1|<mo>|<x>/);
    expect(html).toContain('Evil &lt;img src=x onerror=alert(1)&gt; &amp; &quot;co&quot;');
    expect((html.match(/Evil &lt;img/g) ?? []).length).toBeGreaterThan(5); // tables and SVG text
  });

  it('finds the Pareto front (faster or more accurate, not dominated)', () => {
    const pts = [{ x: 10, y: 0.5, id: 'a' }, { x: 20, y: 0.7, id: 'b' }, { x: 30, y: 0.6, id: 'c' }, { x: 5, y: 0.4, id: 'd' }, { x: 20, y: 0.7, id: 'e' }];
    expect(paretoFront(pts).map((p) => p.id)).toEqual(['d', 'a', 'b', 'e']);
  });
});
