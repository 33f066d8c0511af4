// summary.json: the machine-readable report. Versioned — bump SUMMARY_SCHEMA_VERSION and
// summary.schema.json together whenever a field changes meaning or is removed.
import { modelRegistry } from '../models/registry.ts';
import { harnessVersion } from '../util/version.ts';
import { aggregate, pairwise, ALL, type GroupStats, type PairwiseStats } from './aggregate.ts';
import type { MergedRuns, RunModel, RunSuite } from './run-dir.ts';

export const SUMMARY_SCHEMA_VERSION = 1;

export interface SummaryModel extends RunModel {
  /** Number of result records of this model across all suites. */
  results: number;
  /** What a user can do about a model that produced nothing (e.g. "needle-bench pull <id>"). */
  hint?: string;
}

export interface Summary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  generator: { name: 'needle-bench'; version: string };
  generatedAt: string;
  runs: { dir: string; provenance: Record<string, unknown> | null }[];
  suites: RunSuite[];
  models: SummaryModel[];
  /** Per model × suite × category; category "all" is the whole suite. */
  groups: GroupStats[];
  /** Every two models on the same suite (whole suite and per category), paired on shared case ids. */
  pairwise: PairwiseStats[];
  warnings: string[];
}

export function buildSummary(merged: MergedRuns, now: Date = new Date()): Summary {
  const counts = new Map<string, number>();
  for (const r of merged.records) counts.set(r.model, (counts.get(r.model) ?? 0) + 1);
  const models: SummaryModel[] = merged.models.map((m) => {
    const out: SummaryModel = { ...m, results: counts.get(m.id) ?? 0 };
    const hint = modelHint(out);
    if (hint) out.hint = hint;
    return out;
  });
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    generator: { name: 'needle-bench', version: harnessVersion() },
    generatedAt: now.toISOString(),
    runs: merged.provenance,
    suites: merged.suites,
    models,
    groups: aggregate(merged.records),
    pairwise: pairwise(merged.records),
    warnings: merged.warnings,
  };
}

function modelHint(m: SummaryModel): string | undefined {
  if (m.status === 'not_present') {
    // A model a pull cannot bring (served by an endpoint: its URL variable unset, or the server does
    // not serve it) says its own remedy.
    if (m.error && isEndpointModel(m.id)) return `not present — ${m.error}`;
    return `not present — \`needle-bench pull ${m.id}\``;
  }
  if (m.status === 'load_failed') return `failed to load${m.error ? `: ${m.error}` : ''}`;
  if (m.results === 0) return 'no results';
  return undefined;
}

function isEndpointModel(id: string): boolean {
  if (id.startsWith('openai:')) return true;
  const entry = modelRegistry().get(id);
  return entry?.endpoint !== undefined && !entry.hub && !entry.local;
}

/** A model's label for tables and charts. */
export const modelLabel = (m: Pick<RunModel, 'id' | 'displayName'>) => m.displayName ?? m.id;

/** The whole-suite rows, one per model × suite. */
export const suiteRows = (s: Summary) => s.groups.filter((g) => g.category === ALL);

/** JSON text of a summary: non-finite numbers (undefined rates) become null, as the schema says. */
export function summaryJson(s: Summary): string {
  return JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}
