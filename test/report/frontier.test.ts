// `report --profile`: the accuracy-vs-latency and accuracy-vs-size frontiers from a side-by-side
// profile beside run dirs. Accuracy comes only from the runs: a model the profile measured on
// synthetic weights and no run scored gets no accuracy, and is drawn in the speed-only strip.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompareResult, ModelRow, Summary as Spread } from '../../src/profile/side-by-side.ts';
import { frontierPoints, loadProfile } from '../../src/report/frontier.ts';
import { loadRunDir, mergeRuns } from '../../src/report/run-dir.ts';
import { buildSummary } from '../../src/report/summary.ts';
import { writeReport } from '../../src/report/write-report.ts';
import { writeDemo } from './demo-run.ts';

const root = mkdtempSync(join(tmpdir(), 'nb-frontier-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const s = (median: number): Spread => ({ min: median, p25: median, median, p75: median, p90: median, max: median, iqr: 0, n: 1 });
const ok = (id: string, latency: number, bytes: number): ModelRow => ({
  id, status: 'ok', display_name: id, weights: 'synthetic', accuracy_meaningful: false, file_bytes: bytes, decode_tok_s: s(10),
  cases: { n: 1, cap_new_tokens: null, stop_rule: 'expected', latency_ms: s(latency), prompt_tokens: s(100), output_tokens: s(20), stopped_by: {}, per_case: [] },
});
const profile = {
  kind: 'needle-bench-profile-compare',
  version: 1,
  settings: { models: [], threads: 2, promptTokens: 8, genTokens: 4, repetitions: 1, warmups: 0, suite: 'suites/core', cases: 1, caseMaxNewTokens: 32, caseOutput: 'expected', ratioTo: ['needle'], rssProbe: false, cache_root: '/tmp' },
  models: [ok('needle', 90, 53e6), ok('lfm2.5-350m', 4000, 448e6), { id: 'functiongemma-270m', status: 'failed', failed_at: 'build', error: 'disk full' }],
  ratios: {},
  definitions: {},
  machine: { cpu: 'test CPU', cores: 2, node: 'v20' },
  kernel_rates: { before: { gemvGBs: 10, sgemmGflops: 50 }, after: { gemvGBs: 10, sgemmGflops: 50 }, gemv_gb_s: 10 },
  load_average: { before: [1, 1, 1], after: [1, 1, 1] },
  synthetic_cache_bytes: 501e6,
  wall_s: 60,
  timestamp: '2026-12-03T00:00:00.000Z',
} as unknown as CompareResult;

describe('report --profile frontiers', () => {
  it('takes accuracy only from runs, speed and size from the profile; a speed-only model has no accuracy', async () => {
    const demo = await writeDemo(join(root, 'a'));
    const summary = buildSummary(mergeRuns([loadRunDir(demo.runDir)]));
    const suite = summary.suites[0].name;
    const points = frontierPoints(summary, suite, profile);
    const by = (label: string) => points.find((p) => p.model === label)!;
    const needleRun = summary.groups.find((g) => g.model === 'needle' && g.suite === suite && g.category === 'all')!;
    expect(by('Needle')).toMatchObject({ passRate: needleRun.passRate, latencyMs: 90, latencySource: 'profile', sizeMb: 53 });
    expect(by('lfm2.5-350m')).toMatchObject({ passRate: null, latencyMs: 4000, weights: 'synthetic' });
    // Failed in the profile: keeps its run's own latency, no size.
    expect(by('FunctionGemma 270M').latencySource).toBe('run');
    expect(by('FunctionGemma 270M').sizeMb).toBeUndefined();
  });

  it('writes both frontier charts and the profile table next to the leaderboard', async () => {
    const demo = await writeDemo(join(root, 'b'));
    const file = join(root, 'profile.json');
    writeFileSync(file, JSON.stringify(profile));
    const { files } = await writeReport({ runDirs: [demo.runDir], outDir: join(root, 'b', 'out'), profile: file });
    const md = readFileSync(files.markdown, 'utf8');
    expect(md).toMatch(/## Side-by-side throughput profile/);
    expect(md).toMatch(/\| functiongemma-270m \| \*\*failed\*\* \(build\): disk full/);
    const svg = readFileSync(join(root, 'b', 'out', md.match(/\((charts\/[^)]*frontier-latency\.svg)\)/)![1]), 'utf8');
    expect(svg).toMatch(/speed only/);
    expect(svg).toMatch(/lfm2\.5-350m/);
    expect(readFileSync(files.html, 'utf8')).toMatch(/data-chart="frontier-size"/);
  });

  it('refuses a file that is not a side-by-side profile, naming it', () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ model: 'needle' }]));
    expect(() => loadProfile(bad)).toThrow(/bad\.json: kind: expected "needle-bench-profile-compare"/);
    writeFileSync(bad, '{');
    expect(() => loadProfile(bad)).toThrow(/bad\.json/);
  });
});
