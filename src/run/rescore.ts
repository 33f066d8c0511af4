// Re-scoring a finished run: scoring rules and dialect parsers evolve, generations are expensive.
// Every stored raw output is parsed again with its recorded dialect and scored with the current
// rules against the suite the run used (verified by content hash), then results.jsonl is replaced
// atomically. Generation errors stay generation errors.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { getDialect } from '../dialects/registry.ts';
import { scoreCase } from '../score/score.ts';
import { loadSuite } from '../suite/load.ts';
import type { Suite, SuiteCase } from '../suite/types.ts';
import { readRunInfo, RunDirError, type SuiteRunInfo } from './provenance.ts';
import { readResults, RESULTS_FILE, writeResultsAtomically } from './results-store.ts';
import { acquireRunLock } from './run-lock.ts';
import type { ResultRecord } from './types.ts';

export interface RescoreRow {
  model: string;
  suite: string;
  cases: number;
  passed: number;
  /** Records whose pass/fail or error type changed. */
  changed: number;
}

export interface RescoreResult {
  records: ResultRecord[];
  rows: RescoreRow[];
  changed: number;
  /** Bytes of a torn last line that was left out (a run killed mid-write, not yet resumed). */
  droppedTornBytes: number;
}

/** Re-scores one stored record against its case. Pure apart from dialect lookup. */
export async function rescoreRecord(record: ResultRecord, testCase: SuiteCase): Promise<ResultRecord> {
  const next: ResultRecord = { ...record };
  delete next.parseError;
  if (record.generationError !== undefined) {
    next.calls = null;
    next.verdict = scoreCase(testCase, { kind: 'generation_error', error: record.generationError });
    return next;
  }
  const parsed = (await getDialect(record.dialect)).parse(record.raw, testCase.tools);
  next.calls = parsed.ok ? parsed.calls : null;
  if (!parsed.ok) next.parseError = parsed.error;
  next.verdict = scoreCase(testCase, parsed.ok ? { kind: 'parsed', calls: parsed.calls } : { kind: 'parse_error', error: parsed.error });
  return next;
}

/**
 * Loads the suites a run used: from `overrides` (matched by name) or the recorded paths. A suite
 * whose content changed since the run is refused: scores against other answers are not re-scores.
 */
export async function loadRunSuites(dir: string, recorded: SuiteRunInfo[], overrides: string[] = []): Promise<Map<string, Suite>> {
  const given = new Map<string, Suite>();
  for (const path of overrides) {
    const s = await loadSuite(path);
    given.set(s.manifest.name, s);
  }
  const suites = new Map<string, Suite>();
  for (const r of recorded) {
    let suite = given.get(r.name);
    if (!suite) {
      if (!existsSync(r.path)) {
        throw new RunDirError(`suite "${r.name}" of run ${dir} is no longer at ${r.path}; pass its current location with --suite <path>`);
      }
      suite = await loadSuite(r.path);
    }
    if (suite.hash !== r.hash) {
      throw new RunDirError(
        `suite "${r.name}" changed since run ${dir} (hash ${r.hash.slice(0, 12)} then, ${suite.hash.slice(0, 12)} now at ${suite.path}); ` +
          're-scoring needs the same cases: run the changed suite into a new --out',
      );
    }
    suites.set(r.name, suite);
  }
  return suites;
}

export async function rescoreRun(dir: string, options: { suitePaths?: string[]; write?: boolean } = {}): Promise<RescoreResult> {
  const info = readRunInfo(dir);
  if (!info) throw new RunDirError(`${dir} is not a run directory (no run.json)`);
  const suites = await loadRunSuites(dir, info.suites, options.suitePaths);
  const path = join(dir, RESULTS_FILE);
  const read = readResults(path);
  const caseIndex = new Map<string, Map<string, SuiteCase>>();
  for (const [name, s] of suites) caseIndex.set(name, new Map(s.cases.map((c) => [c.id, c])));

  const records: ResultRecord[] = [];
  const rows = new Map<string, RescoreRow>();
  let changed = 0;
  for (const [i, record] of read.records.entries()) {
    const testCase = caseIndex.get(record.suite)?.get(record.id);
    if (!testCase) throw new RunDirError(`${path}:${i + 1}: case ${record.id} of suite "${record.suite}" is not in the run's suites`);
    const next = await rescoreRecord(record, testCase);
    const differs = next.verdict.pass !== record.verdict.pass || next.verdict.error !== record.verdict.error;
    if (differs) changed++;
    records.push(next);
    const key = `${record.model}\u0000${record.suite}`;
    const row = rows.get(key) ?? { model: record.model, suite: record.suite, cases: 0, passed: 0, changed: 0 };
    row.cases++;
    if (next.verdict.pass) row.passed++;
    if (differs) row.changed++;
    rows.set(key, row);
  }
  if (options.write !== false) {
    // A run appending to the same file meanwhile would lose its appends to our rename.
    const lock = acquireRunLock(dir);
    try {
      writeResultsAtomically(path, records);
    } finally {
      lock.release();
    }
  }
  return { records, rows: [...rows.values()], changed, droppedTornBytes: read.tornBytes };
}

/** A plain-text table, columns padded to width. */
export function formatRescoreTable(rows: RescoreRow[]): string {
  const header = ['model', 'suite', 'cases', 'passed', 'pass rate', 'changed'];
  const body = rows.map((r) => [r.model, r.suite, String(r.cases), String(r.passed), `${((100 * r.passed) / r.cases).toFixed(1)}%`, String(r.changed)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
