// The gate and baseline-save commands' work, separated from argument parsing so tests call it directly.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadRunDir, mergeRuns } from '../report/run-dir.ts';
import { baselineJson, buildBaseline, readBaseline, type Baseline } from './baseline.ts';
import { evaluateGate, type GateResult, type GateRun } from './gate.ts';
import { gateMarkdown } from './gate-markdown.ts';
import { gateJunit } from './junit.ts';
import { applyToleranceFlags, DEFAULT_GATE_CONFIG, parseGateConfig } from './metrics.ts';
import { weightsByModel, type WeightsIdentity } from './weights.ts';

export interface SaveBaselineOptions {
  run: string;
  out: string;
  /** Keep only these models. */
  models?: string[];
}

export function saveBaseline(opts: SaveBaselineOptions): Baseline {
  const run = loadRunDir(opts.run);
  const baseline = buildBaseline(run);
  if (opts.models && opts.models.length > 0) {
    const have = new Set(baseline.entries.map((e) => e.model));
    for (const m of opts.models) if (!have.has(m)) throw new Error(`model ${m} is not in run ${opts.run} (the run has: ${[...have].join(', ')})`);
    baseline.entries = baseline.entries.filter((e) => opts.models!.includes(e.model));
  }
  const out = resolve(opts.out);
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, baselineJson(baseline));
  } catch (err) {
    throw new Error(`cannot write baseline ${opts.out}: ${(err as Error).message}`);
  }
  return baseline;
}

export interface GateCommandOptions {
  baseline: string;
  /** One run directory, or several (merged, e.g. models run in separate CI jobs). */
  run: string | string[];
  model?: string;
  /** Gate only the baseline's entries for this suite. */
  suite?: string;
  tolerance?: string[];
  config?: string;
  junit?: string;
  allowSuiteChange?: boolean;
  /** Gate the baseline's model against this model of the run (another id, e.g. a tuned .cact vs the base .pkl). */
  runModel?: string;
  /** `category`: also gate each case category of every model × suite (see GateOptions.by). */
  by?: string;
  /** Where to append the markdown summary (default: $GITHUB_STEP_SUMMARY when set). */
  stepSummary?: string;
}

export interface GateCommandResult {
  result: GateResult;
  markdown: string;
  exitCode: 0 | 1;
}

export function runGate(opts: GateCommandOptions): GateCommandResult {
  const summaryFile = opts.stepSummary ?? process.env.GITHUB_STEP_SUMMARY;
  try {
    return gateAndReport(opts, summaryFile);
  } catch (err) {
    // Bad input fails the CI step too (exit 2); say why on the job page, not only in the log.
    if (summaryFile) appendFileSync(summaryFile, `## needle-bench gate: ⚠️ error\n\n${(err as Error).message}\n\n`);
    throw err;
  }
}

function gateAndReport(opts: GateCommandOptions, summaryFile: string | undefined): GateCommandResult {
  const baseline = readBaseline(opts.baseline);
  let config = DEFAULT_GATE_CONFIG;
  if (opts.config) {
    let text: string;
    try {
      text = readFileSync(opts.config, 'utf8');
    } catch (err) {
      throw new Error(`gate config ${opts.config}: cannot read: ${(err as Error).message}`);
    }
    config = parseGateConfig(text, opts.config);
  }
  config = applyToleranceFlags(config, opts.tolerance ?? []);
  const run = loadGateRun(opts.run);
  const by = opts.by ?? 'suite';
  if (by !== 'suite' && by !== 'category') throw new Error(`gate: --by takes suite or category, got ${JSON.stringify(opts.by)}`);
  const result = evaluateGate(baseline, run, { config, model: opts.model, suite: opts.suite, allowSuiteChange: opts.allowSuiteChange, runModel: opts.runModel, by });
  const markdown = gateMarkdown(result, opts.baseline, baseline, run.dir);
  if (opts.junit) {
    try {
      mkdirSync(dirname(resolve(opts.junit)), { recursive: true });
      writeFileSync(opts.junit, gateJunit(result));
    } catch (err) {
      throw new Error(`cannot write JUnit XML ${opts.junit}: ${(err as Error).message}`);
    }
  }
  if (summaryFile) appendFileSync(summaryFile, markdown + '\n');
  return { result, markdown, exitCode: result.passed ? 0 : 1 };
}

function loadGateRun(dirs: string | string[]): GateRun {
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  if (list.length === 0) throw new Error('gate: give a run directory (--run)');
  if (list.length === 1) {
    const run = loadRunDir(list[0]);
    return { ...run, weights: weightsByModel(run.provenance) };
  }
  const runs = list.map(loadRunDir);
  const merged = mergeRuns(runs);
  for (const w of merged.warnings) console.error(`warning: ${w}`);
  // A model in several runs: the last run's load wins, as its records do in the merge.
  const weights = new Map<string, WeightsIdentity>();
  for (const r of runs) for (const [model, w] of weightsByModel(r.provenance)) weights.set(model, w);
  return { dir: list.join(', '), records: merged.records, models: merged.models, suites: merged.suites, weights };
}
