// Aggregation of result records into the figures of the leaderboard: per model × suite × category
// (plus "all"), and paired comparisons between every two models on the same suite.
import type { ResultRecord } from '../run/types.ts';
import { wilsonInterval } from '../stats/wilson.ts';
import { comparePaired, pairedCounts, type PairedComparison } from '../stats/paired-difference.ts';
import { spread, type Spread } from '../stats/percentiles.ts';
import { needleMetrics, sumNeedleCounts, type NeedleMetrics } from './needle-metrics.ts';
import { decodeTokensPerSecond, hasUsableTimings, prefillTokensPerSecond } from './throughput.ts';

/** The category label of the whole-suite row. */
export const ALL = 'all';

export interface GroupStats {
  model: string;
  suite: string;
  category: string;
  n: number;
  passed: number;
  passRate: number;
  /** 95% Wilson interval of passRate. */
  passCi: { lo: number; hi: number };
  schemaValidRate: number;
  parseRate: number;
  needle: NeedleMetrics;
  /** Failure taxonomy: error type → number of cases. Failing verdicts without a type count as "unclassified". */
  errors: Record<string, number>;
  latency: { totalMs: Spread | null; firstTokenMs: Spread | null };
  throughput: { prefillTokPerS: Spread | null; decodeTokPerS: Spread | null };
}

export interface PairwiseStats extends PairedComparison {
  suite: string;
  /** A case category, or "all" for the whole suite. */
  category: string;
  modelA: string;
  modelB: string;
  /** Cases only one of the two models has results for (excluded from the comparison). */
  unpairedA: number;
  unpairedB: number;
}

/** Stats of one group of records (all from one model and suite). */
export function groupStats(model: string, suite: string, category: string, records: readonly ResultRecord[]): GroupStats {
  const n = records.length;
  const passed = records.filter((r) => r.verdict.pass).length;
  const errors: Record<string, number> = {};
  for (const r of records) {
    if (r.verdict.pass) continue;
    const type = r.verdict.error ?? 'unclassified';
    errors[type] = (errors[type] ?? 0) + 1;
  }
  const timed = records.filter(hasUsableTimings);
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  return {
    model,
    suite,
    category,
    n,
    passed,
    passRate: n > 0 ? passed / n : NaN,
    passCi: wilsonInterval(passed, n),
    schemaValidRate: n > 0 ? records.filter((r) => r.verdict.schemaValid).length / n : NaN,
    parseRate: n > 0 ? records.filter((r) => r.verdict.needle.parsed).length / n : NaN,
    needle: needleMetrics(sumNeedleCounts(records.map((r) => r.verdict.needle))),
    errors,
    latency: {
      totalMs: spread(timed.map((r) => r.timings!.totalMs)),
      firstTokenMs: spread(defined(timed.map((r) => r.timings!.firstTokenMs))),
    },
    throughput: {
      prefillTokPerS: spread(defined(timed.map(prefillTokensPerSecond))),
      decodeTokPerS: spread(defined(timed.map(decodeTokensPerSecond))),
    },
  };
}

/** Every model × suite × category group, plus one "all" row per model × suite; sorted for stable output. */
export function aggregate(records: readonly ResultRecord[]): GroupStats[] {
  const groups = new Map<string, { model: string; suite: string; category: string; records: ResultRecord[] }>();
  const add = (model: string, suite: string, category: string, r: ResultRecord) => {
    const key = `${model}\u0000${suite}\u0000${category}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { model, suite, category, records: [] }));
    g.records.push(r);
  };
  for (const r of records) {
    add(r.model, r.suite, ALL, r);
    add(r.model, r.suite, r.category, r);
  }
  return [...groups.values()]
    .map((g) => groupStats(g.model, g.suite, g.category, g.records))
    .sort((a, b) => cmp(a.suite, b.suite) || cmp(a.model, b.model) || categoryOrder(a.category, b.category));
}

/**
 * Paired comparison of every two models on each suite — the whole suite ("all") and each category —
 * over the case ids both have. The category of a case is taken from the first model's record.
 */
export function pairwise(records: readonly ResultRecord[]): PairwiseStats[] {
  // suite → model → case id → record
  const bySuite = new Map<string, Map<string, Map<string, ResultRecord>>>();
  for (const r of records) {
    let models = bySuite.get(r.suite);
    if (!models) bySuite.set(r.suite, (models = new Map()));
    let cases = models.get(r.model);
    if (!cases) models.set(r.model, (cases = new Map()));
    cases.set(r.id, r);
  }
  const out: PairwiseStats[] = [];
  for (const suite of [...bySuite.keys()].sort(cmp)) {
    const models = bySuite.get(suite)!;
    const names = [...models.keys()].sort(cmp);
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const a = models.get(names[i])!;
        const b = models.get(names[j])!;
        const shared = [...a.keys()].filter((id) => b.has(id));
        const categories = [ALL, ...[...new Set(shared.map((id) => a.get(id)!.category))].sort(cmp)];
        for (const category of categories) {
          const ids = category === ALL ? shared : shared.filter((id) => a.get(id)!.category === category);
          const inCategory = (m: Map<string, ResultRecord>) => (category === ALL ? m.size : [...m.values()].filter((r) => r.category === category).length);
          const counts = pairedCounts(ids.map((id) => a.get(id)!.verdict.pass), ids.map((id) => b.get(id)!.verdict.pass));
          out.push({
            suite,
            category,
            modelA: names[i],
            modelB: names[j],
            unpairedA: inCategory(a) - ids.length,
            unpairedB: inCategory(b) - ids.length,
            ...comparePaired(counts),
          });
        }
      }
    }
  }
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const categoryOrder = (a: string, b: string) => (a === ALL ? -1 : b === ALL ? 1 : cmp(a, b));

/** A comparison as displayed: the model with the higher pass rate first, so differences read as "+x pp". */
export interface OrientedPair {
  first: string;
  second: string;
  /** rate(first) − rate(second), ≥ 0 unless undefined. */
  diff: number;
  lo: number;
  hi: number;
  /** Cases only `first` / only `second` passes. */
  firstOnly: number;
  secondOnly: number;
}

export function orientPair(p: PairwiseStats): OrientedPair {
  if (!(p.diff < 0)) return { first: p.modelB, second: p.modelA, diff: p.diff, lo: p.lo, hi: p.hi, firstOnly: p.bOnly, secondOnly: p.aOnly };
  return { first: p.modelA, second: p.modelB, diff: -p.diff, lo: -p.hi, hi: -p.lo, firstOnly: p.aOnly, secondOnly: p.bOnly };
}
