// run.json: everything needed to say what produced a run directory's results — harness and git
// commit, runtime and library versions, host, thread settings, models (with revisions, weight
// hashes and load status), suites (names, versions, content hashes), generation settings, seed,
// and one session entry per invocation (a resumed run has several).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import os from 'node:os';
import type { ModelProvenance } from '../providers/types.ts';
import type { Suite } from '../suite/types.ts';
import { harnessVersion } from '../util/version.ts';
import { writeFileAtomically } from './atomic-write.ts';
import { formatShard, shardCases, type Shard } from './shard.ts';

export const RUN_FILE = 'run.json';
export const RUN_SCHEMA = 'needle-bench/run@1';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Libraries whose versions change results or speed. */
const TRACKED_LIBRARIES = ['onnxruntime-node', '@huggingface/transformers', 'ajv'];

export type ModelStatus = 'ok' | 'load_failed' | 'not_present';

export interface ModelRunInfo {
  /** Model spec as given on the command line. */
  spec: string;
  status: ModelStatus;
  /** Why the model failed to load / is not present. */
  error?: string;
  /** What Provider.load() reported (ids, revision, weight hashes, dialect...). */
  provenance?: ModelProvenance;
  loadMs?: number;
  /** For a registered model id: its registry entry's source (pinned and pulled revisions). */
  registry?: RegistryFacts;
  /** Session (1-based) that last updated this entry. */
  session: number;
}

export interface RegistryFacts {
  file: string;
  provider: string;
  /** Hub repo and the revision models/<id>.json pins. */
  hubRepo?: string;
  pinnedRevision?: string;
  /** Revision `needle-bench pull` recorded in the cache, if any. */
  pulledRevision?: string;
  /** Weights shipped in the repository. */
  local?: string;
}

export interface SuiteRunInfo {
  name: string;
  version: string;
  source: string;
  licence: string;
  path: string;
  hash: string;
  /** Cases in the suite. */
  cases: number;
  /** In a sharded run (`--shard`): the cases of this suite that the shard runs. */
  shardCases?: number;
}

export interface GenerationSettings {
  seed: number | null;
  timeoutMs: number | null;
  concurrency: number;
  threads: number | null;
  /** Extra provider options (e.g. the oracle's delayMs), as given. */
  providerOptions: Record<string, unknown>;
}

export interface Environment {
  harness: { version: string; gitCommit: string; gitDirty: boolean | null };
  runtime: { node: string; libraries: Record<string, string> };
  host: { os: string; platform: string; release: string; arch: string; cpuModel: string; cores: number; memoryBytes: number };
  threads: { requested: number | null; ompNumThreads: string | null };
}

export interface RunSession extends Environment {
  startedAt: string;
  endedAt?: string;
  /** 'running' stays behind only if the process was killed. */
  status: 'running' | 'completed' | 'interrupted' | 'failed';
  models: string[];
  generation: GenerationSettings;
  /** Records written by this session. */
  casesWritten: number;
  argv: string[];
}

export interface RunInfo extends Environment {
  schema: typeof RUN_SCHEMA;
  suites: SuiteRunInfo[];
  models: ModelRunInfo[];
  generation: GenerationSettings;
  seed: number | null;
  /** Set when the run covers one slice of the suites (`--shard i/n`, src/run/shard.ts). */
  shard?: Shard;
  /** Set by `needle-bench merge`: the shard directories this run was merged from. */
  mergedFrom?: MergeSource[];
  startedAt: string;
  endedAt?: string;
  sessions: RunSession[];
}

export interface MergeSource {
  /** The directory as given to merge. */
  dir: string;
  shard: Shard | null;
  records: number;
}

export class RunDirError extends Error {
  override name = 'RunDirError';
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

function libraryVersion(name: string): string {
  const file = join(REPO_ROOT, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return 'not installed';
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function collectEnvironment(threads: number | null): Environment {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === undefined ? undefined : git(['status', '--porcelain', '--untracked-files=no']);
  const cpus = os.cpus();
  return {
    harness: { version: harnessVersion(), gitCommit: commit ?? 'unknown', gitDirty: status === undefined ? null : status !== '' },
    runtime: {
      node: process.version,
      libraries: Object.fromEntries(TRACKED_LIBRARIES.map((n) => [n, libraryVersion(n)])),
    },
    host: {
      os: `${os.type()} ${os.release()}`,
      platform: process.platform,
      release: os.release(),
      arch: process.arch,
      cpuModel: cpus[0]?.model?.trim() || 'unknown',
      cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
      memoryBytes: os.totalmem(),
    },
    threads: { requested: threads, ompNumThreads: process.env.OMP_NUM_THREADS ?? null },
  };
}

export function describeSuites(suites: Suite[], shard?: Shard): SuiteRunInfo[] {
  return suites.map((s) => ({
    name: s.manifest.name,
    version: s.manifest.version,
    source: s.manifest.source,
    licence: s.manifest.licence,
    path: resolve(s.path),
    hash: s.hash,
    cases: s.cases.length,
    ...(shard ? { shardCases: shardCases(s, shard).length } : {}),
  }));
}

/** Explains how two suite sets differ, or returns undefined when they are the same (order aside). */
export function suiteSetDifference(recorded: SuiteRunInfo[], current: SuiteRunInfo[]): string | undefined {
  const problems: string[] = [];
  const now = new Map(current.map((s) => [s.name, s]));
  const before = new Map(recorded.map((s) => [s.name, s]));
  for (const r of recorded) {
    const c = now.get(r.name);
    if (!c) problems.push(`suite "${r.name}" is in the run but not given now`);
    else if (c.hash !== r.hash) {
      problems.push(`suite "${r.name}" changed: run has version ${r.version} hash ${r.hash.slice(0, 12)}, now version ${c.version} hash ${c.hash.slice(0, 12)}`);
    }
  }
  for (const c of current) if (!before.has(c.name)) problems.push(`suite "${c.name}" is given now but not part of the run`);
  return problems.length ? problems.join('; ') : undefined;
}

export function runInfoPath(dir: string): string {
  return join(dir, RUN_FILE);
}

/** Reads run.json, or undefined when the directory has none. */
export function readRunInfo(dir: string): RunInfo | undefined {
  const path = runInfoPath(dir);
  if (!existsSync(path)) return undefined;
  let info: unknown;
  try {
    info = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RunDirError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const i = info as Partial<RunInfo>;
  if (i?.schema !== RUN_SCHEMA) throw new RunDirError(`${path}: schema: expected "${RUN_SCHEMA}", got ${JSON.stringify(i?.schema)}`);
  if (!Array.isArray(i.suites) || !Array.isArray(i.models) || !Array.isArray(i.sessions)) {
    throw new RunDirError(`${path}: suites/models/sessions: expected arrays`);
  }
  return info as RunInfo;
}

/**
 * A run directory is new (empty) or holds a run.json. Anything else — a folder of other files, or
 * results without provenance — is refused, so a mistyped --out never mixes into unrelated data.
 */
export function assertRunDirOrEmpty(dir: string): void {
  if (existsSync(runInfoPath(dir))) return;
  // Ours even without run.json: a stale lock or temp file of a run killed while starting.
  const foreign = readdirSync(dir).filter((f) => f !== 'run.lock' && !/^\.[\w.-]+\.\d+\.tmp$/.test(f));
  if (foreign.length > 0) {
    throw new RunDirError(
      `--out ${dir} is not a run directory (no ${RUN_FILE}) and is not empty (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}); use a new or empty directory`,
    );
  }
}

export function writeRunInfo(dir: string, info: RunInfo): void {
  writeFileAtomically(runInfoPath(dir), JSON.stringify(info, null, 2) + '\n');
}

export interface BeginRunOptions {
  suites: Suite[];
  models: string[];
  generation: GenerationSettings;
  argv?: string[];
  now?: Date;
  shard?: Shard;
}

/**
 * Starts a session in `dir`: creates run.json, or — when resuming — checks that the suite set and
 * seed are the same as before and appends a session. Refuses a directory from a different run.
 */
export function beginRun(dir: string, options: BeginRunOptions): RunInfo {
  const env = collectEnvironment(options.generation.threads);
  const startedAt = (options.now ?? new Date()).toISOString();
  const session: RunSession = {
    ...env,
    startedAt,
    status: 'running',
    models: options.models,
    generation: options.generation,
    casesWritten: 0,
    argv: options.argv ?? [],
  };
  const suites = describeSuites(options.suites, options.shard);
  const existing = readRunInfo(dir);
  if (!existing) {
    return {
      schema: RUN_SCHEMA,
      ...env,
      suites,
      models: [],
      generation: options.generation,
      seed: options.generation.seed,
      ...(options.shard ? { shard: options.shard } : {}),
      startedAt,
      sessions: [session],
    };
  }
  const diff = suiteSetDifference(existing.suites, suites);
  if (diff) {
    throw new RunDirError(
      `run directory ${dir} was created for a different suite set: ${diff}. Use a new --out or the same suites.`,
    );
  }
  if (existing.seed !== options.generation.seed) {
    throw new RunDirError(
      `run directory ${dir} was started with seed ${existing.seed ?? 'unset'}, now ${options.generation.seed ?? 'unset'}. Use a new --out or the same --seed.`,
    );
  }
  const was = existing.shard ? formatShard(existing.shard) : 'none';
  const now = options.shard ? formatShard(options.shard) : 'none';
  if (was !== now) {
    throw new RunDirError(
      existing.mergedFrom
        ? `run directory ${dir} was made by needle-bench merge and covers every case; run into it without --shard, or use a new --out.`
        : `run directory ${dir} was started with --shard ${was}, now ${now}. Use a new --out or the same --shard.`,
    );
  }
  // Paths may legitimately move (a fresh clone elsewhere); the hashes above guarantee the content.
  existing.suites = suites;
  delete existing.endedAt;
  existing.sessions.push(session);
  return existing;
}

/** Records a model's load outcome in the current session. */
export function setModelStatus(info: RunInfo, entry: Omit<ModelRunInfo, 'session'>): void {
  const record: ModelRunInfo = { ...entry, session: info.sessions.length };
  const i = info.models.findIndex((m) => m.spec === entry.spec);
  if (i < 0) info.models.push(record);
  else info.models[i] = record;
}

export function currentSession(info: RunInfo): RunSession {
  return info.sessions[info.sessions.length - 1];
}

export function endRun(info: RunInfo, status: RunSession['status'], now = new Date()): void {
  const session = currentSession(info);
  session.status = status;
  session.endedAt = now.toISOString();
  info.endedAt = session.endedAt;
}
