// Baseline files (baselines/<name>.json): per model × suite the metrics, throughput medians and
// every case's verdict, so a later run can be compared case by case (paired), not just by averages.
import { readFileSync } from 'node:fs';
import type { ResultRecord } from '../run/types.ts';
import { ALL, groupStats } from '../report/aggregate.ts';
import type { LoadedRun } from '../report/run-dir.ts';
import type { NeedleMetrics } from '../report/needle-metrics.ts';
import { harnessVersion } from '../util/version.ts';
import type { AccuracyMetric, SpeedMetric } from './metrics.ts';
import { checkWeights, weightsByModel, type WeightsIdentity } from './weights.ts';

export const BASELINE_SCHEMA_VERSION = 1;
export const BASELINE_KIND = 'needle-bench-baseline';

/** One case's outcome, with each accuracy metric as a boolean so it can be paired. */
export interface CaseOutcome {
  pass: boolean;
  error?: string;
  schemaValid: boolean;
  parsed: boolean;
  exactMatch: boolean;
}

export interface BaselineEntry {
  model: string;
  suite: string;
  suiteVersion?: string;
  /** Suite content hash from run.json; a run over different content is refused. */
  suiteHash?: string;
  n: number;
  /** Rates over all n cases (the gate recomputes them over the matched cases). */
  metrics: Record<AccuracyMetric, number> & Omit<NeedleMetrics, 'exactMatch'>;
  /** Medians; null when the provider reported no timings / token counts. */
  throughput: Record<SpeedMetric, number | null>;
  cases: Record<string, CaseOutcome>;
  /** The weights the entry was measured on (from run.json); absent in baselines saved before it was kept. */
  weights?: WeightsIdentity;
}

export interface Baseline {
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  kind: typeof BASELINE_KIND;
  createdAt: string;
  harnessVersion: string;
  /** The run it was saved from: directory and provenance facts worth keeping. */
  source: { run: string; gitCommit?: string; cpuModel?: string };
  entries: BaselineEntry[];
}

export const caseOutcome = (r: ResultRecord): CaseOutcome => {
  const error = !r.verdict.pass && r.verdict.error ? { error: r.verdict.error } : {};
  return { pass: r.verdict.pass, ...error, schemaValid: r.verdict.schemaValid, parsed: r.verdict.needle.parsed, exactMatch: r.verdict.needle.exactMatch };
};

/** Throughput medians of a group of records (same definitions as the report). */
export function speedOf(model: string, suite: string, records: readonly ResultRecord[]): Record<SpeedMetric, number | null> {
  const g = groupStats(model, suite, ALL, records);
  return {
    decodeTokPerS: g.throughput.decodeTokPerS?.p50 ?? null,
    prefillTokPerS: g.throughput.prefillTokPerS?.p50 ?? null,
    medianLatencyMs: g.latency.totalMs?.p50 ?? null,
  };
}

/** Group records by model and suite, in first-seen order. */
export function byModelAndSuite(records: readonly ResultRecord[]): Map<string, { model: string; suite: string; records: ResultRecord[] }> {
  const out = new Map<string, { model: string; suite: string; records: ResultRecord[] }>();
  for (const r of records) {
    const key = `${r.model}\u0000${r.suite}`;
    let g = out.get(key);
    if (!g) out.set(key, (g = { model: r.model, suite: r.suite, records: [] }));
    g.records.push(r);
  }
  return out;
}

export function buildBaseline(run: LoadedRun, now: Date = new Date()): Baseline {
  if (run.records.length === 0) throw new Error(`${run.dir}: the run has no results to save as a baseline`);
  const entries: BaselineEntry[] = [];
  const weights = weightsByModel(run.provenance);
  for (const { model, suite, records } of byModelAndSuite(run.records).values()) {
    const g = groupStats(model, suite, ALL, records);
    const info = run.suites.find((s) => s.name === suite);
    const { exactMatch, ...needle } = g.needle;
    const entry: BaselineEntry = {
      model,
      suite,
      ...(info?.version ? { suiteVersion: info.version } : {}),
      ...(info?.hash ? { suiteHash: info.hash } : {}),
      n: g.n,
      metrics: { passRate: g.passRate, schemaValidRate: g.schemaValidRate, parseRate: g.parseRate, exactMatch: exactMatch ?? 0, ...needle },
      throughput: speedOf(model, suite, records),
      cases: Object.fromEntries(records.map((r) => [r.id, caseOutcome(r)])),
      ...(weights.has(model) ? { weights: weights.get(model) } : {}),
    };
    entries.push(entry);
  }
  const at = (path: string): string | undefined => {
    const v = path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), run.provenance);
    return typeof v === 'string' ? v : undefined;
  };
  const source: Baseline['source'] = { run: run.dir };
  const commit = at('harness.gitCommit');
  const cpu = at('host.cpuModel');
  if (commit) source.gitCommit = commit;
  if (cpu) source.cpuModel = cpu;
  return { schemaVersion: BASELINE_SCHEMA_VERSION, kind: BASELINE_KIND, createdAt: now.toISOString(), harnessVersion: harnessVersion(), source, entries };
}

/** Read and check a baseline file; errors name the file and the field. */
export function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`baseline ${file}: cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`baseline ${file}: invalid JSON: ${(err as Error).message}`);
  }
  const b = raw as Partial<Baseline>;
  if (typeof raw !== 'object' || raw === null || b.kind !== BASELINE_KIND) throw new Error(`baseline ${file}: not a needle-bench baseline (kind must be "${BASELINE_KIND}"); create one with \`needle-bench baseline save\``);
  if (b.schemaVersion !== BASELINE_SCHEMA_VERSION) throw new Error(`baseline ${file}: schemaVersion ${String(b.schemaVersion)} is not supported (expected ${BASELINE_SCHEMA_VERSION})`);
  if (!Array.isArray(b.entries)) throw new Error(`baseline ${file}: entries: expected an array`);
  b.entries.forEach((e, i) => {
    const where = `baseline ${file}: entries[${i}]`;
    if (typeof e?.model !== 'string' || typeof e.suite !== 'string') throw new Error(`${where}: model and suite must be strings`);
    if (typeof e.cases !== 'object' || e.cases === null) throw new Error(`${where}.cases: expected an object of case id → outcome`);
    for (const [id, o] of Object.entries(e.cases)) {
      if (typeof o?.pass !== 'boolean' || typeof o.schemaValid !== 'boolean' || typeof o.parsed !== 'boolean' || typeof o.exactMatch !== 'boolean') {
        throw new Error(`${where}.cases["${id}"]: expected {pass, schemaValid, parsed, exactMatch} booleans`);
      }
    }
    if (typeof e.throughput !== 'object' || e.throughput === null) throw new Error(`${where}.throughput: expected an object`);
    if (e.weights !== undefined) checkWeights(e.weights, where);
  });
  return b as Baseline;
}

/**
 * Baseline file text: indented, but one line per case so a re-saved baseline diffs case by case in
 * code review.
 */
export function baselineJson(b: Baseline): string {
  const placeholders: string[] = [];
  const shallow = {
    ...b,
    entries: b.entries.map((e) => {
      const lines = Object.entries(e.cases).map(([id, o]) => `    ${JSON.stringify(id)}: ${JSON.stringify(o)}`);
      placeholders.push(lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n   }`);
      return { ...e, cases: `\u0000cases${placeholders.length - 1}\u0000` };
    }),
  };
  return JSON.stringify(shallow, null, 1).replace(/"\\u0000cases(\d+)\\u0000"/g, (_m, i: string) => placeholders[Number(i)]) + '\n';
}
