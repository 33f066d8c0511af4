// `needle-bench merge`: joins the run directories of shards (`run --shard i/n`, or runs split by
// model) into one run directory that `report`, `gate` and `score` read like any other. Refused, with
// the reason, unless the inputs are parts of one run: same harness version and commit, same suites
// (content hashes), seed and provider options, the same configuration of every model they share,
// no (suite, model, case) in two inputs, and every case of every suite present for every model
// that ran. run.json of the result keeps every input's sessions (each with its own host) and
// lists the inputs under `mergedFrom`.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Suite } from '../suite/types.ts';
import {
  readRunInfo,
  RunDirError,
  writeRunInfo,
  type MergeSource,
  type ModelRunInfo,
  type RunInfo,
} from './provenance.ts';
import { loadRunSuites } from './rescore.ts';
import { readResults, recordKey, RESULTS_FILE, writeResultsAtomically } from './results-store.ts';
import { liveLockHolder } from './run-lock.ts';
import { formatShard } from './shard.ts';
import type { ResultRecord } from './types.ts';

export class MergeError extends RunDirError {
  override name = 'MergeError';
}

export interface MergeOptions {
  /** Where suites live now when they moved since the shards ran (matched by name, checked by hash). */
  suitePaths?: string[];
  now?: Date;
}

export interface MergeResult {
  outDir: string;
  records: number;
  sources: MergeSource[];
  models: string[];
}

interface Input {
  dir: string;
  info: RunInfo;
  records: ResultRecord[];
}

const LIST_AT_MOST = 5;

function listed(items: string[]): string {
  return items.length <= LIST_AT_MOST ? items.join(', ') : `${items.slice(0, LIST_AT_MOST).join(', ')}, … (${items.length} in all)`;
}

/** Canonical JSON (sorted keys), so equal configurations compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What must agree about a model between shards: its load status and what its provider reported
 * (weights, revision, dialect, generation settings, server facts) — not where the files lay on
 * each machine, how long loading took, or which session wrote the entry.
 */
function modelConfig(m: ModelRunInfo): string {
  const { files: _files, ...provenance } = (m.provenance ?? {}) as Record<string, unknown>;
  return canonical({ status: m.status, provenance, registry: m.registry ? { ...m.registry, local: undefined } : undefined });
}

function readInput(dir: string): Input {
  const holder = liveLockHolder(dir);
  if (holder !== undefined) throw new MergeError(`${dir} is still being written by needle-bench (pid ${holder}); merge once that run has finished`);
  const info = readRunInfo(dir);
  if (!info) throw new MergeError(`${dir}: not a run directory (no run.json); give the --out directories of the shard runs`);
  const read = readResults(join(dir, RESULTS_FILE));
  if (read.tornBytes > 0) throw new MergeError(`${dir}: results.jsonl ends in a torn line (a killed run); resume that run before merging`);
  return { dir, info, records: read.records };
}

function sameEverywhere(inputs: Input[], what: string, value: (i: Input) => string): void {
  const groups = new Map<string, string[]>();
  for (const i of inputs) {
    const v = value(i);
    groups.set(v, [...(groups.get(v) ?? []), i.dir]);
  }
  if (groups.size > 1) {
    throw new MergeError(`the runs differ in ${what}: ${[...groups].map(([v, dirs]) => `${listed(dirs)}: ${v}`).join('; ')}`);
  }
}

function checkShards(inputs: Input[]): void {
  const sharded = inputs.filter((i) => i.info.shard);
  if (sharded.length === 0) return;
  if (sharded.length < inputs.length) {
    throw new MergeError(`${listed(inputs.filter((i) => !i.info.shard).map((i) => i.dir))} ran without --shard but ${listed(sharded.map((i) => i.dir))} are shards: merge the shards of one run`);
  }
  sameEverywhere(inputs, 'shard count (--shard i/n: n)', (i) => String(i.info.shard!.count));
  const n = inputs[0].info.shard!.count;
  const byIndex = new Map<number, string[]>();
  for (const i of inputs) byIndex.set(i.info.shard!.index, [...(byIndex.get(i.info.shard!.index) ?? []), i.dir]);
  for (const [index, dirs] of byIndex) {
    if (dirs.length > 1) throw new MergeError(`overlap: shard ${index}/${n} is given twice (${dirs.join(', ')})`);
  }
  const missing = Array.from({ length: n }, (_, k) => k + 1).filter((k) => !byIndex.has(k));
  if (missing.length) throw new MergeError(`incomplete: shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing`);
}

/** Models in order of first appearance; refuses one configured differently in two runs. */
function mergeModels(inputs: Input[], sessionOffset: Map<string, number>): ModelRunInfo[] {
  const merged = new Map<string, { entry: ModelRunInfo; config: string; dir: string }>();
  for (const i of inputs) {
    for (const m of i.info.models) {
      const config = modelConfig(m);
      const seen = merged.get(m.spec);
      if (!seen) {
        merged.set(m.spec, { entry: { ...m, session: m.session + sessionOffset.get(i.dir)! }, config, dir: i.dir });
      } else if (seen.config !== config) {
        const why = seen.entry.status !== m.status ? `status ${seen.entry.status} in ${seen.dir}, ${m.status} in ${i.dir}` : `its configuration (weights, revision, generation settings or server) differs between ${seen.dir} and ${i.dir}`;
        throw new MergeError(`model "${m.spec}": ${why}; shards must run the same models the same way`);
      }
    }
  }
  return [...merged.values()].map((v) => v.entry);
}

function mergeRecords(inputs: Input[], suites: Map<string, Suite>, models: ModelRunInfo[]): ResultRecord[] {
  const byKey = new Map<string, { record: ResultRecord; dir: string }>();
  const overlaps: string[] = [];
  for (const i of inputs) {
    for (const r of i.records) {
      const suite = suites.get(r.suite);
      if (!suite) throw new MergeError(`${i.dir}: a record of suite "${r.suite}" (case ${r.id}), which is not one of the run's suites`);
      const key = recordKey(r.suite, r.model, r.id);
      const prior = byKey.get(key);
      if (prior) overlaps.push(`${r.suite}/${r.id} of ${r.model} (${prior.dir} and ${i.dir})`);
      else byKey.set(key, { record: r, dir: i.dir });
    }
  }
  if (overlaps.length) throw new MergeError(`overlap: ${overlaps.length} case(s) are in more than one run: ${listed(overlaps)}`);

  const out: ResultRecord[] = [];
  const missing: string[] = [];
  const modelIds = new Set(models.map((m) => m.spec));
  for (const { record } of byKey.values()) {
    if (!modelIds.has(record.model)) throw new MergeError(`a record of model "${record.model}" (case ${record.id}) whose model is not listed in any run.json`);
  }
  for (const m of models) {
    for (const suite of suites.values()) {
      const lacking: string[] = [];
      for (const c of suite.cases) {
        const hit = byKey.get(recordKey(suite.manifest.name, m.spec, c.id));
        if (hit) out.push(hit.record);
        else lacking.push(c.id);
      }
      if (m.status !== 'ok') continue; // a model that did not load has no records anywhere
      if (lacking.length) {
        const holders = inputs.map((i) => {
          const n = i.records.filter((r) => r.model === m.spec && r.suite === suite.manifest.name).length;
          const expected = i.info.shard ? i.info.suites.find((s) => s.name === suite.manifest.name)?.shardCases : undefined;
          return `${i.dir}${i.info.shard ? ` (shard ${formatShard(i.info.shard)})` : ''} holds ${n}${expected !== undefined ? ` of its ${expected}` : ''}`;
        });
        missing.push(`model ${m.spec}, suite ${suite.manifest.name}: ${lacking.length} of ${suite.cases.length} cases have no record (${listed(lacking)}); ${holders.join(', ')}`);
      }
    }
  }
  if (missing.length) throw new MergeError(`incomplete: ${missing.join('; ')}. Resume the unfinished shard (the same needle-bench run command) before merging.`);
  return out;
}

export async function mergeRunDirs(dirs: string[], outDir: string, options: MergeOptions = {}): Promise<MergeResult> {
  if (dirs.length < 2) throw new MergeError('merge needs at least two run directories');
  const dup = dirs.find((d, i) => dirs.indexOf(d) !== i);
  if (dup) throw new MergeError(`overlap: ${dup} is given twice`);
  const inputs = dirs.map(readInput);
  const merged = inputs.filter((i) => i.info.mergedFrom);
  if (merged.length) throw new MergeError(`${listed(merged.map((i) => i.dir))} is already a merge; merge the shard directories themselves`);

  sameEverywhere(inputs, 'harness version', (i) => `${i.info.harness.version} (commit ${i.info.harness.gitCommit})`);
  sameEverywhere(inputs, 'seed', (i) => String(i.info.seed));
  sameEverywhere(inputs, 'provider options', (i) => canonical(i.info.generation.providerOptions));
  sameEverywhere(inputs, 'suites (name@content hash)', (i) => i.info.suites.map((x) => `${x.name}@${x.hash.slice(0, 12)}`).sort().join(', '));
  checkShards(inputs);

  const sessionOffset = new Map<string, number>();
  let sessions = 0;
  for (const i of inputs) {
    sessionOffset.set(i.dir, sessions);
    sessions += i.info.sessions.length;
  }
  const models = mergeModels(inputs, sessionOffset);
  const suites = await loadRunSuites(inputs[0].dir, inputs[0].info.suites, options.suitePaths);
  const records = mergeRecords(inputs, suites, models);

  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new MergeError(`--out ${outDir} exists and is not empty; merge into a new directory`);
  mkdirSync(outDir, { recursive: true });
  const first = inputs[0].info;
  const sources: MergeSource[] = inputs.map((i) => ({ dir: i.dir, shard: i.info.shard ?? null, records: i.records.length }));
  const times = (pick: (i: RunInfo) => string | undefined) => inputs.map((i) => pick(i.info)).filter((t): t is string => !!t).sort();
  const info: RunInfo = {
    schema: first.schema,
    harness: first.harness,
    runtime: first.runtime,
    host: first.host,
    threads: first.threads,
    suites: first.suites.map(({ shardCases: _shardCases, ...s }) => s),
    models,
    generation: first.generation,
    seed: first.seed,
    mergedFrom: sources,
    startedAt: times((i) => i.startedAt)[0] ?? (options.now ?? new Date()).toISOString(),
    ...(times((i) => i.endedAt).length ? { endedAt: times((i) => i.endedAt).at(-1) } : {}),
    sessions: inputs.flatMap((i) => i.info.sessions),
  };
  // results first, run.json last: a directory with run.json is a finished merge.
  writeResultsAtomically(join(outDir, RESULTS_FILE), records);
  writeRunInfo(outDir, info);
  return { outDir, records: records.length, sources, models: models.map((m) => m.spec) };
}
