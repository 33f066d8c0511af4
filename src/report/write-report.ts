// `needle-bench report`: run dirs in, summary.json + leaderboard.md + leaderboard.html out.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { loadSuite } from '../suite/load.ts';
import type { SuiteCase } from '../suite/types.ts';
import { compareMarkdown } from '../profile/compare-markdown.ts';
import { suiteCharts, type Chart } from './charts.ts';
import { frontierCharts, loadProfile } from './frontier.ts';
import { caseKey, drillData, type CaseLookup } from './drilldown.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown, type ChartFiles } from './markdown.ts';
import { loadRunDir, mergeRuns, type MergedRuns } from './run-dir.ts';
import { buildSummary, modelLabel, summaryJson, type Summary } from './summary.ts';

export interface ReportOptions {
  runDirs: string[];
  outDir: string;
  /** Extra suite paths for the drill-down (by default the paths recorded in run.json are tried). */
  suitePaths?: string[];
  now?: Date;
  /** Drill-down rows per page in the HTML (default 500). */
  drillPageSize?: number;
  /** A side-by-side profile JSON: adds the accuracy-vs-latency / -size frontiers and its table. */
  profile?: string;
}

export interface ReportResult {
  summary: Summary;
  files: { summary: string; markdown: string; html: string };
}

export async function writeReport(opts: ReportOptions): Promise<ReportResult> {
  if (opts.runDirs.length === 0) throw new Error('report: give at least one run directory');
  const merged = mergeRuns(opts.runDirs.map(loadRunDir));
  const lookup = await suiteLookup(merged, opts.suitePaths ?? [], opts.runDirs);
  const summary = buildSummary(merged, opts.now);

  const profile = opts.profile ? loadProfile(opts.profile) : undefined;
  const charts = new Map<string, Chart[]>();
  for (const s of summary.suites) charts.set(s.name, [...(await suiteCharts(summary, s.name)), ...(profile ? await frontierCharts(summary, s.name, profile) : [])]);
  const labels = new Map(summary.models.map((m) => [m.id, modelLabel(m)]));
  const drill = drillData(merged.records, (id) => labels.get(id) ?? id, lookup);
  if (opts.drillPageSize !== undefined) drill.pageSize = opts.drillPageSize;

  const out = resolve(opts.outDir);
  try {
    mkdirSync(out, { recursive: true });
  } catch (err) {
    throw new Error(`report: cannot create output directory ${opts.outDir}: ${(err as Error).message}`);
  }
  const files = { summary: join(out, 'summary.json'), markdown: join(out, 'leaderboard.md'), html: join(out, 'leaderboard.html') };
  writeFileSync(files.summary, summaryJson(summary));
  // The charts also go next to leaderboard.md as SVG files, so the markdown shows them on GitHub.
  const chartFiles: ChartFiles = new Map();
  for (const [suite, list] of charts) {
    const drawn = list.filter((c) => c.svg);
    if (drawn.length === 0) continue;
    mkdirSync(join(out, 'charts'), { recursive: true });
    chartFiles.set(suite, drawn.map((c) => {
      const path = `charts/${fileSafe(suite)}-${c.id}.svg`;
      writeFileSync(join(out, path), c.svg!);
      return { title: c.title, path };
    }));
  }
  const profileSection = profile ? `\n## Side-by-side throughput profile (${opts.profile})\n\n${compareMarkdown(profile)}\n` : '';
  writeFileSync(files.markdown, renderMarkdown(summary, chartFiles) + profileSection);
  writeFileSync(files.html, renderHtml({ summary, charts, drill }));
  return { summary, files };
}

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/**
 * Index suite cases for the drill-down. Suites are optional here: a report from results alone is
 * still correct, it just cannot show queries and expected answers. Problems become warnings.
 */
async function suiteLookup(merged: MergedRuns, extraPaths: string[], runDirs: string[]): Promise<CaseLookup> {
  const cases = new Map<string, SuiteCase>();
  const tried = new Set<string>();
  // Only suites with results need their cases (a run of models that all failed to load has none).
  const wanted = new Set(merged.records.map((r) => r.suite));
  const candidates: { path: string; explicit: boolean }[] = [
    ...extraPaths.map((path) => ({ path: resolve(path), explicit: true })),
    ...merged.suites.filter((s) => s.path).flatMap((s) => {
      const p = s.path!;
      // Recorded paths may be relative to where `run` was started; try cwd, then each run dir.
      return isAbsolute(p) ? [{ path: p, explicit: false }] : [resolve(p), ...runDirs.map((d) => resolve(d, p))].map((path) => ({ path, explicit: false }));
    }),
  ];
  const loaded = new Set<string>();
  for (const { path, explicit } of candidates) {
    if (tried.has(path)) continue;
    tried.add(path);
    if (!existsSync(path)) {
      if (explicit) throw new Error(`report: --suite ${path} does not exist`);
      continue;
    }
    const suite = await loadSuite(path).catch((err: Error) => {
      if (explicit) throw err;
      merged.warnings.push(`drill-down: could not load suite ${path}: ${err.message}`);
      return undefined;
    });
    if (!suite || loaded.has(suite.manifest.name)) continue;
    if (!wanted.has(suite.manifest.name)) {
      if (explicit) merged.warnings.push(`drill-down: suite ${suite.manifest.name} (${path}) is not in these runs`);
      continue;
    }
    const recorded = merged.suites.find((s) => s.name === suite.manifest.name)?.hash;
    if (recorded && recorded !== suite.hash) {
      merged.warnings.push(`drill-down: suite ${suite.manifest.name} at ${path} has changed since the run (hash ${suite.hash.slice(0, 12)}, run has ${recorded.slice(0, 12)}); cases shown as they are now`);
    }
    loaded.add(suite.manifest.name);
    for (const c of suite.cases) cases.set(caseKey(suite.manifest.name, c.id), c);
  }
  for (const name of wanted) {
    if (!loaded.has(name)) merged.warnings.push(`drill-down: suite ${name} not found; queries, tools and expected answers are omitted (pass --suite <path>)`);
  }
  return (suite, id) => cases.get(caseKey(suite, id));
}
