// A provider turns one suite case into raw model text. Everything model-specific (prompt format,
// runtime, tokenizer) lives behind this interface; parsing is the dialect's job.
import type { SuiteCase } from '../suite/types.ts';

export interface GenerationTimings {
  /** Total wall time of generate(), ms. */
  totalMs: number;
  /** Encoder / prompt processing time, ms. */
  prefillMs?: number;
  /** Time to first generated token, ms. */
  firstTokenMs?: number;
  /** Wall time of each decode step after the first, ms. */
  decodeStepMs?: number[];
}

export interface Generation {
  raw: string;
  promptTokens?: number;
  generatedTokens?: number;
  timings: GenerationTimings;
  /** Anything worth keeping per case: prompt sha256, truncation flags, warnings. */
  info?: Record<string, unknown>;
  /**
   * Dialect of this output when it differs from the provider's `dialect` (replay of recordings that
   * mix model families). The runner parses `raw` with it.
   */
  dialect?: string;
  /**
   * False when `timings` are not measurements of this model (a replay without recorded timings):
   * the runner then leaves them out of the result so latency statistics ignore the case.
   */
  timingsMeasured?: boolean;
}

/**
 * One forced run for throughput profiles: a prompt of `promptTokens` synthetic ids, then exactly `steps`
 * greedy tokens with end tokens ignored, so every repetition does the same work.
 */
export interface ForcedRun {
  /** Prompt processing (encoder, or the decoder-only prompt forward that also yields token 1), ms. */
  prefillMs: number;
  /** Call → first generated token, ms. */
  firstTokenMs: number;
  /** Interval before each token after the first (steps − 1 values), ms. */
  stepMs: number[];
  totalMs: number;
}

/** Providers that can be profiled with forced decode steps (src/profile/side-by-side.ts). */
export interface ForcedDecoding {
  forcedRun(promptTokens: number, steps: number): Promise<ForcedRun>;
  /**
   * generate() on a suite case, but producing exactly as many tokens as `answer` takes in this model's
   * tokenizer plus one end token, end tokens ignored: what a model that answers correctly in its own
   * syntax costs, whatever its (synthetic) weights would have said.
   */
  forcedCase(testCase: SuiteCase, answer: string): Promise<Generation>;
}

export function canForceDecode(p: object): p is ForcedDecoding {
  return typeof (p as Partial<ForcedDecoding>).forcedRun === 'function';
}

/** Facts about the loaded model recorded in run.json provenance. */
export interface ModelProvenance {
  id: string;
  displayName?: string;
  revision?: string;
  parameterCount?: number;
  /** sha256 of each weight file, by file name. */
  weightHashes?: Record<string, string>;
  dialect: string;
  generation?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Provider {
  readonly id: string;
  /** Dialect id used to parse this provider's raw output. */
  readonly dialect: string;
  load(): Promise<ModelProvenance>;
  generate(testCase: SuiteCase, signal?: AbortSignal): Promise<Generation>;
  dispose(): Promise<void>;
}

/** Creates a provider from a model spec such as "oracle", "replay:path" or "needle:path". */
export interface ProviderFactory {
  /** The spec prefix this factory answers to ("oracle", "replay", "needle", ...). */
  prefix: string;
  description: string;
  create(spec: string, options: ProviderOptions): Provider;
}

export interface ProviderOptions {
  /** Root of the local model cache. */
  cacheDir: string;
  threads?: number;
  seed?: number;
  /** The registry entry when the spec is a registered model id (models/*.json). */
  model?: import('../models/registry.ts').ModelEntry;
  [key: string]: unknown;
}
