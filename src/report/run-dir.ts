// Reading run directories (results.jsonl + run.json) for reports and the gate. run.json is written by
// the runner and its shape may grow, so it is read defensively: only the fields used here are
// checked, anything else is kept as opaque provenance.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResultRecord } from '../run/types.ts';
import { isObject } from '../util/objects.ts';

export const RESULTS_FILE = 'results.jsonl';
export const PROVENANCE_FILE = 'run.json';

/** A model as listed in run.json. `status` other than 'ok' means it produced no results. */
export interface RunModel {
  id: string;
  status: 'ok' | 'load_failed' | 'not_present' | string;
  error?: string;
  displayName?: string;
  parameterCount?: number;
}

export interface RunSuite {
  name: string;
  version?: string;
  hash?: string;
  /** Where the suite was loaded from, when the runner recorded it (used for the drill-down). */
  path?: string;
}

export interface LoadedRun {
  /** The directory as given by the user. */
  dir: string;
  records: ResultRecord[];
  models: RunModel[];
  suites: RunSuite[];
  /** The whole run.json, or null when absent. */
  provenance: Record<string, unknown> | null;
  warnings: string[];
}

/** Load one run directory. Throws with file:line on malformed content. */
export function loadRunDir(dir: string): LoadedRun {
  const abs = resolve(dir);
  const resultsPath = join(abs, RESULTS_FILE);
  const provenancePath = join(abs, PROVENANCE_FILE);
  if (!existsSync(resultsPath) && !existsSync(provenancePath)) {
    throw new Error(`${dir}: not a run directory (no ${RESULTS_FILE} or ${PROVENANCE_FILE}); create one with \`needle-bench run --out ${dir}\``);
  }
  const warnings: string[] = [];
  const records = existsSync(resultsPath) ? parseResults(resultsPath, readFileSync(resultsPath, 'utf8'), warnings) : [];
  const provenance = existsSync(provenancePath) ? parseJsonObject(provenancePath) : null;
  const models = provenance ? readModels(provenancePath, provenance.models) : [];
  const suites = provenance ? readSuites(provenancePath, provenance.suites) : [];
  // Models that produced records but are missing from run.json (e.g. run.json not yet written).
  for (const r of records) {
    if (!models.some((m) => m.id === r.model)) models.push({ id: r.model, status: 'ok' });
  }
  for (const r of records) {
    if (!suites.some((s) => s.name === r.suite)) suites.push({ name: r.suite });
  }
  // Keep the path as given: reports stay the same wherever the checkout lives.
  return { dir, records, models, suites, provenance, warnings };
}

/** Parse results.jsonl. A torn LAST line (a run killed mid-write) is skipped with a warning; a bad line elsewhere is an error. */
export function parseResults(file: string, text: string, warnings: string[] = []): ResultRecord[] {
  const lines = text.split('\n');
  const records: ResultRecord[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      const isLast = lines.slice(i + 1).every((l) => l.trim() === '');
      if (isLast) {
        warnings.push(`${where}: ignoring incomplete last line (interrupted run?)`);
        return;
      }
      throw new Error(`${where}: invalid JSON: ${(err as Error).message}`);
    }
    records.push(checkRecord(where, value));
  });
  return records;
}

function checkRecord(where: string, v: unknown): ResultRecord {
  if (!isObject(v)) throw new Error(`${where}: a result record must be a JSON object`);
  for (const field of ['id', 'suite', 'model'] as const) {
    if (typeof v[field] !== 'string' || v[field] === '') throw new Error(`${where}: ${field}: expected a non-empty string`);
  }
  if (typeof v.category !== 'string') throw new Error(`${where}: category: expected a string`);
  const verdict = v.verdict;
  if (!isObject(verdict) || typeof verdict.pass !== 'boolean') throw new Error(`${where}: verdict.pass: expected a boolean`);
  if (typeof verdict.schemaValid !== 'boolean') throw new Error(`${where}: verdict.schemaValid: expected a boolean`);
  if (!isObject(verdict.needle)) throw new Error(`${where}: verdict.needle: expected an object of Needle counts`);
  return v as unknown as ResultRecord;
}

function parseJsonObject(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new Error(`${file}: expected a JSON object`);
  return value;
}

function readModels(file: string, raw: unknown): RunModel[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${file}: models: expected an array`);
  return raw.map((m, i) => {
    // The runner writes `spec` (the model spec as given) and nests what load() reported under
    // `provenance`; flat `id`/`parameterCount` are accepted too.
    const id = isObject(m) ? (typeof m.spec === 'string' ? m.spec : m.id) : undefined;
    if (!isObject(m) || typeof id !== 'string') throw new Error(`${file}: models[${i}].spec: expected a string`);
    const loaded = isObject(m.provenance) ? m.provenance : {};
    const model: RunModel = { id, status: typeof m.status === 'string' ? m.status : 'ok' };
    if (typeof m.error === 'string') model.error = m.error;
    const displayName = m.displayName ?? loaded.displayName;
    if (typeof displayName === 'string' && displayName !== '') model.displayName = displayName;
    const parameterCount = m.parameterCount ?? loaded.parameterCount;
    if (typeof parameterCount === 'number' && parameterCount > 0) model.parameterCount = parameterCount;
    return model;
  });
}

function readSuites(file: string, raw: unknown): RunSuite[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error(`${file}: suites: expected an array`);
  return raw.map((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string') throw new Error(`${file}: suites[${i}].name: expected a string`);
    const suite: RunSuite = { name: s.name };
    if (typeof s.version === 'string') suite.version = s.version;
    if (typeof s.hash === 'string') suite.hash = s.hash;
    if (typeof s.path === 'string') suite.path = s.path;
    return suite;
  });
}


/** Several runs merged: same case ids from different runs of different models line up. */
export interface MergedRuns {
  dirs: string[];
  records: ResultRecord[];
  models: RunModel[];
  suites: RunSuite[];
  provenance: { dir: string; provenance: Record<string, unknown> | null }[];
  warnings: string[];
}

const recordKey = (r: ResultRecord) => `${r.suite}\u0000${r.model}\u0000${r.id}`;

/**
 * Merge runs in order. A (suite, model, case) present in several runs keeps the LAST one, with a
 * warning; a model that loaded in any run counts as present; suites with the same name but
 * different content hashes are reported, since their case ids would not mean the same thing.
 */
export function mergeRuns(runs: LoadedRun[]): MergedRuns {
  const byKey = new Map<string, ResultRecord>();
  const warnings: string[] = [];
  const models = new Map<string, RunModel>();
  const suites = new Map<string, RunSuite>();
  for (const run of runs) {
    warnings.push(...run.warnings);
    let replaced = 0;
    for (const r of run.records) {
      const key = recordKey(r);
      if (byKey.has(key)) {
        replaced++;
        byKey.delete(key); // re-insert so order follows the latest run
      }
      byKey.set(key, r);
    }
    if (replaced > 0) warnings.push(`${run.dir}: ${replaced} result(s) replace earlier ones for the same suite, model and case`);
    for (const m of run.models) {
      const prev = models.get(m.id);
      if (!prev || (prev.status !== 'ok' && m.status === 'ok')) models.set(m.id, { ...prev, ...m });
      else models.set(m.id, { ...m, ...prev });
    }
    for (const s of run.suites) {
      const prev = suites.get(s.name);
      if (prev?.hash && s.hash && prev.hash !== s.hash) {
        warnings.push(`suite "${s.name}" has different content in ${run.dir} (hash ${s.hash.slice(0, 12)} vs ${prev.hash.slice(0, 12)}): comparisons across these runs pair cases by id only`);
      }
      suites.set(s.name, { ...s, ...prev });
    }
  }
  return {
    dirs: runs.map((r) => r.dir),
    records: [...byKey.values()],
    models: [...models.values()],
    suites: [...suites.values()],
    provenance: runs.map((r) => ({ dir: r.dir, provenance: r.provenance })),
    warnings,
  };
}
