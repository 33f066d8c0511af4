// The per-case drill-down data embedded in leaderboard.html: one row per result, the suite cases
// (query, tools, expected answer) stored once and referenced by key.
import type { ResultRecord } from '../run/types.ts';
import type { SuiteCase } from '../suite/types.ts';

export interface DrillRow {
  /** Model label. */
  m: string;
  s: string;
  id: string;
  c: string;
  pass: boolean;
  /** Error type, or "" when passing. */
  e: string;
  reason: string;
  /** Why the output is not schema-valid ("" when it is). */
  schema: string;
  raw: string;
  calls: unknown;
  ms?: number;
  /** Key into `cases`. */
  k: string;
}

export interface DrillCase {
  query: SuiteCase['query'];
  tools: SuiteCase['tools'];
  expected: SuiteCase['expected'];
}

export interface DrillData {
  rows: DrillRow[];
  cases: Record<string, DrillCase>;
  /** Rows rendered per "show more" step (default 500). */
  pageSize?: number;
}

/** Finds the suite case behind a result, when its suite could be loaded. */
export type CaseLookup = (suite: string, id: string) => SuiteCase | undefined;

export const caseKey = (suite: string, id: string) => `${suite}\u0000${id}`;

export function drillData(records: readonly ResultRecord[], label: (model: string) => string, lookup: CaseLookup): DrillData {
  const cases: Record<string, DrillCase> = {};
  const rows = records.map((r): DrillRow => {
    const k = caseKey(r.suite, r.id);
    if (!(k in cases)) {
      const c = lookup(r.suite, r.id);
      if (c) cases[k] = { query: c.query, tools: c.tools, expected: c.expected };
    }
    const reason = r.verdict.reason ?? r.generationError ?? r.parseError ?? '';
    const row: DrillRow = { m: label(r.model), s: r.suite, id: r.id, c: r.category, pass: r.verdict.pass, e: r.verdict.pass ? '' : (r.verdict.error ?? 'unclassified'), reason, schema: r.verdict.schemaValid ? '' : (r.verdict.schemaReason ?? 'not schema-valid'), raw: r.raw, calls: r.calls, k };
    if (r.timings && Number.isFinite(r.timings.totalMs)) row.ms = r.timings.totalMs;
    return row;
  });
  return { rows, cases };
}
