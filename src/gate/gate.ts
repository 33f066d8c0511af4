// The regression gate: a run against a baseline, model × suite by model × suite, case by case.
import type { ResultRecord } from '../run/types.ts';
import type { LoadedRun } from '../report/run-dir.ts';

import { comparePaired, pairedCounts } from '../stats/paired-difference.ts';
import { caseOutcome, speedOf, type Baseline, type BaselineEntry, type CaseOutcome } from './baseline.ts';
import { compareWeights, type WeightsComparison, type WeightsIdentity } from './weights.ts';

/** What the gate reads of a run: one run directory, or several merged (label lists them), and each model's weights from run.json. */
export type GateRun = Pick<LoadedRun, 'dir' | 'records' | 'models' | 'suites'> & { weights?: ReadonlyMap<string, WeightsIdentity> };
import { ACCURACY_METRICS, LATENCY_NOISE_FLOOR_MS, LOWER_IS_BETTER, SPEED_METRICS, type AccuracyMetric, type GateConfig, type GateMetric, type SpeedMetric } from './metrics.ts';

export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface Check {
  metric: GateMetric;
  status: CheckStatus;
  baseline: number | null;
  run: number | null;
  /** Accuracy: run − baseline (rate). Speed: relative change (run / baseline − 1). */
  change: number | null;
  tolerance: number | null;
  /** Accuracy only: exact McNemar p on the matched cases, and the 95% interval of the change. */
  pValue?: number;
  ci?: { lo: number; hi: number };
  /** Accuracy only: matched cases that got worse / better on this metric. */
  worse?: number;
  better?: number;
  /** One-line explanation. */
  message: string;
}

export interface EntryResult {
  model: string;
  /** Set when the run's model has another id than the baseline's (`--run-model`, e.g. a tuned .cact vs the base .pkl). */
  runModel?: string;
  suite: string;
  /** Set on the per-category entries of `--by category`: the case category they cover. */
  category?: string;
  /** Case ids present on both sides. */
  matched: number;
  onlyInBaseline: number;
  onlyInRun: number;
  checks: Check[];
  /** Matched cases that passed in the baseline and fail now (id → error type). */
  newlyFailing: { id: string; error?: string }[];
  newlyPassing: string[];
  /** Which weights were compared, with notes (identical weights, precision or settings changed). */
  weights: WeightsComparison;
}

export interface GateResult {
  passed: boolean;
  config: GateConfig;
  entries: EntryResult[];
  /** Model × suite pairs of the run that the baseline does not cover (not gated; listed so nobody assumes they were). */
  notInBaseline: { model: string; suite: string }[];
}

export interface GateOptions {
  config: GateConfig;
  /** Only gate this model (a model id as in the run / baseline). */
  model?: string;
  /** Gate only the baseline's entries for this suite (a baseline may hold several suites). */
  suite?: string;
  /** Compare even when the suite's content hash changed (pairs whatever case ids still match). */
  allowSuiteChange?: boolean;
  /**
   * Gate the baseline's model (`model`, or the baseline's only model) against this model of the run,
   * when the two have different ids: a tuned `.cact` against the base `.pkl`'s baseline.
   */
  runModel?: string;
  /**
   * `category`: besides each model × suite, gate each case category within it (e.g. BFCL's simple,
   * parallel, ...) with the same paired test, so a regression confined to one category is caught
   * even when another category's gains hide it in the suite total. Default `suite`.
   */
  by?: GateGrouping;
}

export type GateGrouping = 'suite' | 'category';

export class GateInputError extends Error {
  override name = 'GateInputError';
}

export function evaluateGate(baseline: Baseline, run: GateRun, opts: GateOptions): GateResult {
  const runModels = [...new Set(run.records.map((r) => r.model))].sort();
  let entries = baseline.entries;
  if (opts.model !== undefined) {
    entries = entries.filter((e) => e.model === opts.model);
    if (entries.length === 0) {
      throw new GateInputError(`model ${opts.model} is not in the baseline (baseline has: ${[...new Set(baseline.entries.map((e) => e.model))].join(', ') || 'none'})`);
    }
  }
  if (opts.suite !== undefined) {
    entries = entries.filter((e) => e.suite === opts.suite);
    if (entries.length === 0) {
      throw new GateInputError(`suite ${opts.suite} is not in the baseline (baseline has: ${[...new Set(baseline.entries.map((e) => e.suite))].join(', ') || 'none'})`);
    }
  }
  if (opts.runModel !== undefined) {
    const models = [...new Set(entries.map((e) => e.model))];
    if (models.length !== 1) throw new GateInputError(`--run-model ${opts.runModel} is gated against one baseline model: pick it with --model (the baseline has: ${models.join(', ')})`);
  }
  const results = entries.map((entry) => {
    const model = opts.runModel ?? entry.model;
    const records = run.records.filter((r) => r.model === model && r.suite === entry.suite);
    if (records.length === 0) {
      if (!runModels.includes(model)) {
        const status = run.models.find((m) => m.id === model);
        const why = status && status.status !== 'ok' ? ` (${status.status}${status.error ? `: ${status.error}` : ''})` : '';
        const hint = opts.runModel === undefined && runModels.length > 0 ? ' (to gate another model of the run against this baseline model, pass --run-model)' : '';
        throw new GateInputError(`model ${model} is not in run ${run.dir}${why}; the run has: ${runModels.join(', ') || 'no results'}${hint}`);
      }
      const suites = [...new Set(run.records.filter((r) => r.model === model).map((r) => r.suite))];
      throw new GateInputError(`suite ${entry.suite} is not in run ${run.dir} for model ${model}; the run has suite(s): ${suites.join(', ')}. Is the baseline for a different suite?`);
    }
    const runHash = run.suites.find((s) => s.name === entry.suite)?.hash;
    if (entry.suiteHash && runHash && entry.suiteHash !== runHash && !opts.allowSuiteChange) {
      throw new GateInputError(`suite ${entry.suite} differs from the baseline's (content hash ${runHash.slice(0, 12)} in the run, ${entry.suiteHash.slice(0, 12)} in the baseline): save a new baseline, or pass --allow-suite-change to compare the case ids both still have`);
    }
    const weights = compareWeights(entry.weights, run.weights?.get(model));
    const side = { weights, ...(model !== entry.model ? { runModel: model } : {}) };
    const whole = { ...evaluateEntry(entry, records, opts.config), ...side };
    return opts.by === 'category' ? [whole, ...evaluateCategories(entry, records, opts.config).map((e) => ({ ...e, ...side }))] : [whole];
  }).flat();
  const covered = new Set([...baseline.entries, ...entries.map((e) => ({ ...e, model: opts.runModel ?? e.model }))].map((e) => `${e.model}\u0000${e.suite}`));
  const notInBaseline = [...new Map(run.records.map((r) => [`${r.model}\u0000${r.suite}`, { model: r.model, suite: r.suite }])).entries()]
    .filter(([key, v]) => !covered.has(key) && (opts.model === undefined || v.model === opts.model) && (opts.suite === undefined || v.suite === opts.suite))
    .map(([, v]) => v);
  return { passed: results.every((e) => e.checks.every((c) => c.status !== 'fail')), config: opts.config, entries: results, notInBaseline };
}

function evaluateEntry(entry: BaselineEntry, records: ResultRecord[], config: GateConfig): Omit<EntryResult, 'weights'> {
  const now = new Map(records.map((r) => [r.id, caseOutcome(r)]));
  const ids = Object.keys(entry.cases).filter((id) => now.has(id));
  if (ids.length === 0) {
    throw new GateInputError(`model ${entry.model}, suite ${entry.suite}: no case id of the baseline is in the run (baseline e.g. ${Object.keys(entry.cases).slice(0, 3).join(', ')}; run e.g. ${[...now.keys()].slice(0, 3).join(', ')}): the baseline is for a different suite`);
  }
  const before = ids.map((id) => entry.cases[id]);
  const after = ids.map((id) => now.get(id)!);
  const checks: Check[] = [
    ...ACCURACY_METRICS.map((m) => accuracyCheck(m, before, after, config)),
    ...SPEED_METRICS.map((m) => speedCheck(m, entry.throughput[m] ?? null, speedOf(entry.model, entry.suite, records)[m], config)),
  ];
  return {
    model: entry.model,
    suite: entry.suite,
    matched: ids.length,
    onlyInBaseline: Object.keys(entry.cases).length - ids.length,
    onlyInRun: now.size - ids.length,
    checks,
    newlyFailing: ids.filter((id) => entry.cases[id].pass && !now.get(id)!.pass).map((id) => ({ id, ...(now.get(id)!.error ? { error: now.get(id)!.error } : {}) })),
    newlyPassing: ids.filter((id) => !entry.cases[id].pass && now.get(id)!.pass),
  };
}

const FIELD: Record<AccuracyMetric, keyof CaseOutcome> = { passRate: 'pass', schemaValidRate: 'schemaValid', parseRate: 'parsed', exactMatch: 'exactMatch' };

type Comparison = ReturnType<typeof comparePaired>;

function compareMetric(metric: AccuracyMetric, before: CaseOutcome[], after: CaseOutcome[]): Comparison {
  const field = FIELD[metric];
  return comparePaired(pairedCounts(before.map((o) => Boolean(o[field])), after.map((o) => Boolean(o[field]))));
}

/** How a check decides significance: its p-value against alpha, or a family-wise (Holm) decision. */
interface Significance {
  significant: boolean;
  /** The threshold the p-value was held to, e.g. "0.05" or "0.0125, Holm over 4 categories". */
  threshold: string;
}

function accuracyCheck(metric: AccuracyMetric, before: CaseOutcome[], after: CaseOutcome[], config: GateConfig): Check {
  const cmp = compareMetric(metric, before, after);
  return checkFromComparison(metric, cmp, config, { significant: cmp.pValue < config.alpha, threshold: String(config.alpha) });
}

function checkFromComparison(metric: AccuracyMetric, cmp: Comparison, config: GateConfig, sig: Significance): Check {
  const tolerance = config.tolerances[metric];
  const base = { metric, baseline: cmp.rateA, run: cmp.rateB, change: cmp.diff, tolerance, pValue: cmp.pValue, ci: { lo: cmp.lo, hi: cmp.hi }, worse: cmp.aOnly, better: cmp.bOnly };
  const figures = `${pctText(cmp.rateA)} → ${pctText(cmp.rateB)} (${ppText(cmp.diff)}; ${cmp.aOnly} worse, ${cmp.bOnly} better of ${cmp.n}; McNemar p=${cmp.pValue < 0.001 ? '<0.001' : cmp.pValue.toFixed(3)})`;
  if (tolerance === null) return { ...base, status: 'skipped', message: `${figures}; check disabled` };
  const drop = -cmp.diff;
  const tooBig = drop > tolerance + 1e-12;
  if (tooBig && sig.significant) return { ...base, status: 'fail', message: `${figures}: drop exceeds the tolerance of ${ppText(tolerance, false)} and is significant (p < ${sig.threshold})` };
  const why = !tooBig ? `within the tolerance of ${ppText(tolerance, false)}` : `exceeds the tolerance of ${ppText(tolerance, false)} but is not significant (p ≥ ${sig.threshold})`;
  return { ...base, status: 'pass', message: `${figures}: ${why}` };
}

/**
 * `--by category`: one entry per case category of a model × suite, accuracy checks only (speed
 * is a property of the model on the machine, gated on the whole suite). Each category gets the same
 * paired McNemar test as a suite; since k categories are k tests, significance is decided per
 * metric by Holm's step-down procedure at the gate's alpha, which keeps the chance that noise
 * fails any category at most alpha, as for a single suite.
 */
function evaluateCategories(entry: BaselineEntry, records: ResultRecord[], config: GateConfig): Omit<EntryResult, 'weights'>[] {
  const byCategory = new Map<string, ResultRecord[]>();
  for (const r of records) {
    if (!Object.hasOwn(entry.cases, r.id)) continue;
    const list = byCategory.get(r.category);
    if (list) list.push(r);
    else byCategory.set(r.category, [r]);
  }
  const categories = [...byCategory.keys()].sort();
  const sides = categories.map((category) => {
    const recs = byCategory.get(category)!;
    return { category, recs, before: recs.map((r) => entry.cases[r.id]), after: recs.map(caseOutcome) };
  });
  const checks: Check[][] = sides.map(() => []);
  for (const metric of ACCURACY_METRICS) {
    const cmps = sides.map((s) => compareMetric(metric, s.before, s.after));
    const decisions = holm(cmps.map((c) => c.pValue), config.alpha);
    cmps.forEach((cmp, i) => checks[i].push(checkFromComparison(metric, cmp, config, decisions[i])));
  }
  return sides.map((s, i) => ({
    model: entry.model,
    suite: entry.suite,
    category: s.category,
    matched: s.recs.length,
    onlyInBaseline: 0,
    onlyInRun: 0,
    checks: checks[i],
    newlyFailing: s.recs.filter((r) => entry.cases[r.id].pass && !r.verdict.pass).map((r) => ({ id: r.id, ...(r.verdict.error ? { error: r.verdict.error } : {}) })),
    newlyPassing: s.recs.filter((r) => !entry.cases[r.id].pass && r.verdict.pass).map((r) => r.id),
  }));
}

/** Holm's step-down: the i-th smallest of m p-values is held to alpha / (m − i); rejection stops at the first that is not below. */
export function holm(pValues: number[], alpha: number): Significance[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out: Significance[] = new Array(m);
  let stopped = false;
  order.forEach(({ p, i }, rank) => {
    const level = alpha / (m - rank);
    stopped ||= !(p < level);
    out[i] = { significant: !stopped, threshold: m === 1 ? String(alpha) : `${Number(level.toPrecision(3))}, Holm over ${m} categories` };
  });
  return out;
}

function speedCheck(metric: SpeedMetric, before: number | null, after: number | null, config: GateConfig): Check {
  const tolerance = config.tolerances[metric];
  const base = { metric, baseline: before, run: after, tolerance };
  if (before === null || after === null || !(before > 0)) {
    return { ...base, change: null, status: 'skipped', message: `not reported by ${before === null ? 'the baseline' : 'the run'}` };
  }
  const change = after / before - 1;
  const figures = `${fmt(before)} → ${fmt(after)} (${change >= 0 ? '+' : '−'}${Math.abs(change * 100).toFixed(1)}%)`;
  if (tolerance === null) return { ...base, change, status: 'skipped', message: `${figures}; check disabled` };
  const worse = LOWER_IS_BETTER.has(metric) ? change : -change;
  if (metric === 'medianLatencyMs' && after - before < LATENCY_NOISE_FLOOR_MS) {
    return { ...base, change, status: 'pass', message: `${figures}: less than ${LATENCY_NOISE_FLOOR_MS} ms slower (below timing noise)` };
  }
  if (worse > tolerance + 1e-12) return { ...base, change, status: 'fail', message: `${figures}: ${LOWER_IS_BETTER.has(metric) ? 'slower' : 'drop'} beyond the tolerance of ${(tolerance * 100).toFixed(0)}%` };
  return { ...base, change, status: 'pass', message: `${figures}: within the tolerance of ${(tolerance * 100).toFixed(0)}%` };
}

const pctText = (x: number) => `${(x * 100).toFixed(1)}%`;
const ppText = (x: number, signed = true) => `${signed ? (x >= 0 ? '+' : '−') : ''}${Math.abs(x * 100).toFixed(1)} pp`;
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
