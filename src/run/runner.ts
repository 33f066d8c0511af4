// The benchmark loop: suites × models into a run directory. Per model: load (a model that fails is
// recorded and the others still run), then every unfinished case (model-run.ts), each with a
// timeout; a case that throws or times out becomes a generation_error verdict. Each finished case
// is written to results.jsonl at once, so a killed run resumes where it stopped. An abort of `signal` (Ctrl-C) stops taking cases, lets in-flight ones finish for
// `graceMs`, then aborts them; aborted cases are not recorded, so a resume runs them again.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getDialect } from '../dialects/registry.ts';
import type { Dialect } from '../dialects/types.ts';
import { modelCacheDir, modelRegistry, presence } from '../models/registry.ts';
import { isModelNotPresent, ModelNotPresentError } from '../providers/not-present.ts';
import { createProvider } from '../providers/registry.ts';
import type { ModelProvenance, Provider, ProviderOptions } from '../providers/types.ts';
import type { Suite } from '../suite/types.ts';
import { errorMessage, median, ModelRun, type CaseTask } from './model-run.ts';
import { createProgress, type ModelSummary, type ProgressMode, type ProgressReporter } from './progress.ts';
import {
  assertRunDirOrEmpty,
  beginRun,
  currentSession,
  endRun,
  RunDirError,
  setModelStatus,
  writeRunInfo,
  type GenerationSettings,
  type ModelRunInfo,
  type RegistryFacts,
  type RunInfo,
} from './provenance.ts';
import { readResults, RESULTS_FILE, ResultsStore, writeResultsAtomically } from './results-store.ts';
import { acquireRunLock } from './run-lock.ts';
import { shardCases, type Shard } from './shard.ts';

export interface RunOptions {
  suites: Suite[];
  /** Model specs: registered ids or "<prefix>[:<argument>]". */
  models: string[];
  outDir: string;
  /** Cases in flight at once per model. Default 1: throughput numbers want a single stream. */
  concurrency?: number;
  /** Per-case generation timeout; undefined = none. */
  timeoutMs?: number;
  seed?: number;
  threads?: number;
  /** Extra options for every provider (e.g. the oracle's delayMs). */
  providerOptions?: Record<string, unknown>;
  /** Model cache root; default $NEEDLE_BENCH_CACHE or ~/.cache/needle-bench/models. */
  cacheDir?: string;
  progress?: ProgressMode | ProgressReporter;
  /** Abort to interrupt (Ctrl-C): finished cases stay, in-flight ones get `graceMs` to finish. */
  signal?: AbortSignal;
  graceMs?: number;
  /** The command line, recorded in the session and used in the resume hint. */
  argv?: string[];
  /**
   * Run again the cases of the given models that ended in a generation error (a timeout on a busy
   * machine, a crashed runtime): their records are removed first, then they count as unfinished.
   */
  retryErrors?: boolean;
  /** Run only this slice of every suite (`--shard i/n`); merge the shards with `needle-bench merge`. */
  shard?: Shard;
}

export interface ModelOutcome extends ModelSummary {
  status: ModelRunInfo['status'] | 'skipped';
  error?: string;
}

export interface RunResult {
  outDir: string;
  interrupted: boolean;
  /** Cases × models over all given models. */
  totalCases: number;
  /** Of those, finished (this session or earlier). */
  finishedCases: number;
  /** Records written by this session. */
  written: number;
  models: ModelOutcome[];
  info: RunInfo;
}

export const DEFAULT_GRACE_MS = 2000;

/** Creates the run directory and proves it writable before any work is done. */
function prepareOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new RunDirError(`cannot write run directory --out ${dir}: ${e.code ? `${e.code} ${e.message}` : e.message}`);
  }
  assertRunDirOrEmpty(dir);
}

function validate(options: RunOptions): void {
  if (options.suites.length === 0) throw new RunDirError('no suites given');
  if (options.models.length === 0) throw new RunDirError('no models given');
  for (const s of options.suites) if (s.cases.length === 0) throw new RunDirError(`suite "${s.manifest.name}" (${s.path}) has zero cases`);
  const dup = options.models.find((m, i) => options.models.indexOf(m) !== i);
  if (dup) throw new RunDirError(`model "${dup}" is given twice`);
  const c = options.concurrency ?? 1;
  if (!Number.isInteger(c) || c < 1) throw new RunDirError(`concurrency must be a positive integer, got ${c}`);
  const t = options.timeoutMs;
  if (t !== undefined && !(Number.isFinite(t) && t > 0)) throw new RunDirError(`timeout must be a positive number of ms, got ${t}`);
}

/** Why a registered model cannot run here, before trying to load it (weights not pulled). */
function missingWeights(spec: string, cacheDir: string): string | undefined {
  const entry = modelRegistry().get(spec);
  // An endpoint entry has no weights here; its provider says what is missing (a URL variable).
  if (!entry || entry.endpoint) return undefined;
  const p = presence(entry, cacheDir);
  if (p.present) return undefined;
  return `weights not present in ${p.dir} (missing: ${p.missing.join(', ')}); fetch them with: needle-bench pull ${spec}`;
}

/** What the model registry says about a registered id (undefined for "<provider>:<arg>" specs). */
function registryFacts(spec: string, cacheDir: string): RegistryFacts | undefined {
  const entry = modelRegistry().get(spec);
  if (!entry) return undefined;
  const facts: RegistryFacts = { file: entry.file, provider: entry.provider };
  if (entry.hub) {
    facts.hubRepo = entry.hub.repo;
    if (entry.hub.revision) facts.pinnedRevision = entry.hub.revision;
    const pulled = presence(entry, cacheDir).revision;
    if (pulled) facts.pulledRevision = pulled;
  }
  if (entry.local) facts.local = entry.local;
  return facts;
}

/** Removes the generation-error records of `models` (atomic rewrite); returns how many. */
function dropGenerationErrors(dir: string, models: Set<string>): number {
  const path = join(dir, RESULTS_FILE);
  const { records } = readResults(path);
  const keep = records.filter((r) => r.generationError === undefined || !models.has(r.model));
  if (keep.length < records.length) writeResultsAtomically(path, keep);
  return records.length - keep.length;
}

type Loaded =
  | { ok: true; provenance: ModelProvenance; dialect: Dialect; loadMs: number }
  | { ok: false; status: 'load_failed' | 'not_present'; error: string };

/** Loads a model and its dialect; a failure is a value (the run goes on with the other models). */
async function loadModel(spec: string, provider: Provider, cacheDir: string): Promise<Loaded> {
  const started = performance.now();
  try {
    const missing = missingWeights(spec, cacheDir);
    if (missing) throw new ModelNotPresentError(missing);
    const provenance = await provider.load();
    const dialect = await getDialect(provider.dialect);
    return { ok: true, provenance, dialect, loadMs: performance.now() - started };
  } catch (err) {
    await provider.dispose().catch(() => {});
    return { ok: false, status: isModelNotPresent(err) ? 'not_present' : 'load_failed', error: errorMessage(err) };
  }
}

export async function runBenchmark(options: RunOptions): Promise<RunResult> {
  validate(options);
  const cacheDir = options.cacheDir ?? modelCacheDir();
  const providerOptions: ProviderOptions = {
    ...options.providerOptions,
    cacheDir,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
  // Unknown models fail here, before the run directory is touched.
  const providers = new Map<string, Provider>();
  for (const spec of options.models) providers.set(spec, await createProvider(spec, providerOptions));

  prepareOutDir(options.outDir);
  const lock = acquireRunLock(options.outDir);
  const progress = typeof options.progress === 'object' ? options.progress : createProgress(options.progress ?? 'none');
  let store: ResultsStore | undefined;
  let info: RunInfo | undefined;
  let status: 'completed' | 'interrupted' | 'failed' = 'failed';
  const outcomes: ModelOutcome[] = [];
  let interrupted = false;
  let current: ModelRun | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const onInterrupt = () => {
    interrupted = true;
    graceTimer = setTimeout(() => current?.abortInFlight(), options.graceMs ?? DEFAULT_GRACE_MS);
    graceTimer.unref();
  };
  if (options.signal?.aborted) interrupted = true;
  else options.signal?.addEventListener('abort', onInterrupt, { once: true });

  try {
    const generation: GenerationSettings = {
      seed: options.seed ?? null,
      timeoutMs: options.timeoutMs ?? null,
      concurrency: options.concurrency ?? 1,
      threads: options.threads ?? null,
      providerOptions: options.providerOptions ?? {},
    };
    info = beginRun(options.outDir, { suites: options.suites, models: options.models, generation, argv: options.argv, shard: options.shard });
    // run.json first: a directory holding results always says what produced them.
    writeRunInfo(options.outDir, info);
    if (options.retryErrors) {
      const dropped = dropGenerationErrors(options.outDir, new Set(options.models));
      if (dropped > 0) progress.message(`retrying ${dropped} case(s) that ended in a generation error`);
    }
    store = ResultsStore.open(options.outDir);
    if (store.repairedBytes > 0) progress.message(`results.jsonl: dropped a torn last line (${store.repairedBytes} bytes) left by a killed run`);
    const suiteNames = new Set(options.suites.map((s) => s.manifest.name));
    // The cases this run covers: every case, or the shard's slice of each suite.
    const selected = options.suites.map((suite) => ({ suite, cases: options.shard ? shardCases(suite, options.shard) : suite.cases }));
    const total = selected.reduce((n, s) => n + s.cases.length, 0);

    for (const spec of options.models) {
      const provider = providers.get(spec)!;
      const started = performance.now();
      const earlier = store.existing.filter((r) => r.model === spec && suiteNames.has(r.suite));
      const tasks: CaseTask[] = selected.flatMap(({ suite, cases }) =>
        cases.filter((c) => !store!.has(suite.manifest.name, spec, c.id)).map((testCase) => ({ suite, testCase })),
      );
      const summary = (run?: ModelRun): ModelSummary => ({
        model: spec,
        total,
        resumed: total - tasks.length,
        done: run?.written ?? 0,
        medianMs: run && run.latenciesMs.length > 0 ? median(run.latenciesMs) : undefined,
        passed: earlier.filter((r) => r.verdict.pass).length + (run?.passed ?? 0),
        generationErrors: earlier.filter((r) => r.generationError !== undefined).length + (run?.generationErrors ?? 0),
        seconds: (performance.now() - started) / 1000,
      });
      if (interrupted) {
        outcomes.push({ ...summary(), status: 'skipped' });
        continue;
      }
      if (tasks.length === 0) {
        progress.modelEnd(summary());
        outcomes.push({ ...summary(), status: 'ok' });
        continue;
      }

      const loaded = await loadModel(spec, provider, cacheDir);
      const registry = registryFacts(spec, cacheDir);
      if (!loaded.ok) {
        setModelStatus(info, { spec, status: loaded.status, error: loaded.error, ...(registry ? { registry } : {}) });
        writeRunInfo(options.outDir, info);
        // An absent model is named once, at the end of the run, with its pull command (the caller's note).
        if (loaded.status !== 'not_present') progress.message(`${spec}: failed to load: ${loaded.error}; continuing with the other models`);
        outcomes.push({ ...summary(), status: loaded.status, error: loaded.error });
        continue;
      }
      setModelStatus(info, { spec, status: 'ok', provenance: loaded.provenance, loadMs: loaded.loadMs, ...(registry ? { registry } : {}) });
      writeRunInfo(options.outDir, info);

      current = new ModelRun(spec, provider, loaded.dialect, store, options, progress, () => interrupted);
      progress.modelStart(spec, total, total - tasks.length, earlier.filter((r) => r.verdict.pass).length);
      try {
        await current.run(tasks);
      } finally {
        currentSession(info).casesWritten += current.written;
        await provider.dispose().catch(() => {});
      }
      progress.modelEnd(summary(current));
      outcomes.push({ ...summary(current), status: 'ok' });
      writeRunInfo(options.outDir, info);
    }
    status = interrupted ? 'interrupted' : 'completed';
  } finally {
    clearTimeout(graceTimer);
    options.signal?.removeEventListener('abort', onInterrupt);
    progress.stop();
    store?.close();
    if (info) {
      endRun(info, status);
      writeRunInfo(options.outDir, info);
    }
    lock.release();
  }

  const finishedCases = outcomes.reduce((n, o) => n + o.resumed + o.done, 0);
  return {
    outDir: options.outDir,
    interrupted,
    totalCases: outcomes.reduce((n, o) => n + o.total, 0),
    finishedCases,
    written: outcomes.reduce((n, o) => n + o.done, 0),
    models: outcomes,
    info: info!,
  };
}
