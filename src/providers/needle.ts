// The `needle` provider: Needle (or any checkpoint of its architecture) run as its authors run it —
// Needle's prompt, greedy decoding from [EOS], trie-constrained names and keys — on the ONNX Runtime
// engine. Specs: a registered id ("needle", "needle-tiny"), or "needle:<file.pkl | file.safetensors |
// converted dir>" with the tokenizer beside it (tokenizer/needle.model or tokenizer.model).
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ModelEntry } from '../models/registry.ts';
import { modelDir, presence } from '../models/registry.ts';
import { ToolCallConstraint } from '../needle/v1/constraints.ts';
import { findTokenizer, TOKENIZER_NAMES } from '../needle/v1/tokenizer-files.ts';
import { encoderInput, encoderInputFromParts, NEEDLE_IDS, parsePromptText, toFlatTool, type EncoderInput, type FlatTool } from '../needle/v1/prompt.ts';
import type { SuiteCase } from '../suite/types.ts';
import { ModelNotPresentError } from './not-present.ts';
import { sha256File } from '../util/sha256.ts';
import type { ForcedDecoding, ForcedRun, Generation, ModelProvenance, Provider, ProviderFactory, ProviderOptions } from './types.ts';

type Precision = 'fp32' | 'int8' | 'int4';

export interface NeedleFiles {
  checkpoint: string;
  tokenizer: string;
}

const CHECKPOINT_NAMES = ['model.safetensors', 'needle.pkl', 'checkpoint.pkl'];

/** Finds checkpoint and tokenizer for a path that is a checkpoint file or a folder holding one. */
export function resolveNeedleFiles(path: string): NeedleFiles {
  if (!existsSync(path)) throw new ModelNotPresentError(`${path} does not exist`);
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const checkpoint = statSync(path).isDirectory() ? CHECKPOINT_NAMES.map((n) => join(dir, n)).find(existsSync) : path;
  if (!checkpoint) throw new ModelNotPresentError(`${dir} holds no checkpoint (${CHECKPOINT_NAMES.join(', ')})`);
  const tokenizer = findTokenizer(checkpoint);
  if (!tokenizer) throw new ModelNotPresentError(`no SentencePiece tokenizer beside ${checkpoint} (looked for ${TOKENIZER_NAMES.join(', ')})`);
  return { checkpoint, tokenizer };
}

export interface NeedleSettings {
  precision: Precision;
  constrained: boolean;
  /** Generated tokens at most (EOS not counted). */
  maxNewTokens: number;
}

function settingsFrom(entry: ModelEntry | undefined, options: ProviderOptions): NeedleSettings {
  const g = (entry?.generation ?? {}) as Partial<NeedleSettings>;
  return {
    precision: (options.precision as Precision | undefined) ?? g.precision ?? 'fp32',
    constrained: (options.constrained as boolean | undefined) ?? g.constrained ?? true,
    maxNewTokens: (options.maxNewTokens as number | undefined) ?? g.maxNewTokens ?? 512,
  };
}

export interface NeedleGenerateOptions {
  /** Ends the generation at the next step (a client that went away). */
  signal?: AbortSignal;
  /** Lower cap on generated tokens than the model's own (never higher: outputs stay a local run's). */
  maxNewTokens?: number;
  /** Called after each generated token (not EOS) with every output id so far. */
  onToken?: (ids: number[]) => void;
  /** Decode past EOS to exactly maxNewTokens (forced decoding for the side-by-side profile). */
  ignoreEos?: boolean;
}

/** A /v1/completions prompt that is not Needle's prompt text (a client error, HTTP 400). */
export class NeedlePromptError extends Error {
  override name = 'NeedlePromptError';
}

export class NeedleProvider implements Provider, ForcedDecoding {
  readonly dialect = 'needle';
  private engine?: import('../needle/v1/engine.ts').NeedleEngine;
  private tokenizer?: import('../sentencepiece/index.ts').SentencePieceTokenizer;
  private texts: string[] = [];
  private byFirstChar = new Map<string, number[]>();
  readonly settings: NeedleSettings;
  /** Cases whose prompt was truncated to fit the encoder (also flagged per case). */
  truncatedCases = 0;

  constructor(readonly id: string, private readonly options: ProviderOptions) {
    this.settings = settingsFrom(options.model, options);
  }

  private files(): NeedleFiles {
    const entry = this.options.model;
    if (entry) {
      const p = presence(entry, this.options.cacheDir);
      if (!p.present) throw new ModelNotPresentError(`${entry.id} is not present (${p.missing.join(', ')} missing in ${p.dir}) — needle-bench pull ${entry.id}`);
      if (entry.architecture && entry.architecture !== 'needle-1') {
        // Present but not runnable: say so instead of feeding a Needle 2 checkpoint to v1's engine.
        throw new Error(`${entry.id}: architecture "${entry.architecture}" is not runnable by the needle provider (Needle v1 checkpoints only)${entry.architecture === 'needle-2' ? '; Needle 2 runs with the needle2 provider (set "provider": "needle2" in the entry)' : ''}`);
      }
      return resolveNeedleFiles(modelDir(entry, this.options.cacheDir));
    }
    const path = this.id.slice(this.id.indexOf(':') + 1);
    if (!this.id.includes(':') || !path) throw new Error(`"${this.id}": give a checkpoint as needle:<path>, or a registered model id`);
    return resolveNeedleFiles(path);
  }

  async load(): Promise<ModelProvenance> {
    const files = this.files();
    const [{ loadCheckpoint, parameterCount }, { loadSentencePiece }, { NeedleEngine }] = await Promise.all([
      import('../needle/v1/checkpoint.ts'),
      import('../sentencepiece/index.ts'),
      import('../needle/v1/engine.ts'),
    ]);
    const checkpoint = await loadCheckpoint(files.checkpoint);
    this.tokenizer = loadSentencePiece(files.tokenizer);
    if (this.tokenizer.vocabSize !== checkpoint.config.vocab_size) {
      throw new Error(`tokenizer ${files.tokenizer} has ${this.tokenizer.vocabSize} pieces but the checkpoint's vocab_size is ${checkpoint.config.vocab_size}`);
    }
    this.texts = this.tokenizer.tokenStrings();
    this.byFirstChar = ToolCallConstraint.indexTexts(this.texts);
    this.engine = await NeedleEngine.create(checkpoint, {
      precision: this.settings.precision,
      threads: this.options.threads,
      cacheDir: this.options.onnxCacheDir as string | undefined,
    });
    const entry = this.options.model;
    return {
      id: this.id,
      displayName: entry?.displayName ?? `Needle checkpoint ${basename(files.checkpoint)}`,
      revision: entry?.hub ? (presence(entry, this.options.cacheDir).revision ?? (entry.hub.revision ?? undefined)) : undefined,
      parameterCount: parameterCount(checkpoint),
      weightHashes: { [basename(files.checkpoint)]: checkpoint.source.sha256, [basename(files.tokenizer)]: sha256File(files.tokenizer) },
      dialect: this.dialect,
      generation: { ...this.settings, greedy: true, decoderStart: NEEDLE_IDS.eos, runtime: 'onnxruntime-node' },
      config: checkpoint.config,
      files,
    };
  }

  async generate(testCase: SuiteCase, signal?: AbortSignal): Promise<Generation> {
    return this.generateCase(testCase, { signal });
  }

  /** The case's prompt, decoding exactly the answer's tokens + 1 whatever the model emits (EOS ignored). */
  async forcedCase(testCase: SuiteCase, answer: string): Promise<Generation> {
    return this.generateCase(testCase, { maxNewTokens: this.requireTokenizer().encode(answer).length + 1, ignoreEos: true });
  }

  /** generate() with streaming and request options (`needle-bench serve`'s chat completions). */
  async generateCase(testCase: Pick<SuiteCase, 'query' | 'tools'>, options: NeedleGenerateOptions = {}): Promise<Generation> {
    const tok = this.requireTokenizer();
    return this.generateEncoded(encoderInput((s) => tok.encode(s), testCase), testCase.tools.map(toFlatTool), options);
  }

  /**
   * Generation from Needle's prompt text (promptText in src/needle/v1/prompt.ts), as
   * `needle-bench serve` receives it on /v1/completions: the same encoder ids and the same
   * constraints as generate() on the case the text was made from.
   */
  async generateFromPrompt(text: string, options: NeedleGenerateOptions = {}): Promise<Generation> {
    const parsed = parsePromptText(text);
    if ('error' in parsed) throw new NeedlePromptError(parsed.error);
    const tok = this.requireTokenizer();
    return this.generateEncoded(encoderInputFromParts((s) => tok.encode(s), parsed.query, parsed.toolsText), parsed.tools, options);
  }

  /** Decodes output ids to text (streaming servers decode prefixes as they grow). */
  decode(ids: number[]): string {
    return this.requireTokenizer().decode(ids);
  }

  private requireTokenizer(): import('../sentencepiece/index.ts').SentencePieceTokenizer {
    if (!this.engine || !this.tokenizer) throw new Error('needle provider: generate() before load()');
    return this.tokenizer;
  }

  /** Encoder ids + the flat tools shown to the model (names and keys constrain decoding) → Generation. */
  async generateEncoded(input: EncoderInput, tools: FlatTool[], options: NeedleGenerateOptions = {}): Promise<Generation> {
    const tok = this.requireTokenizer();
    const engine = this.engine!;
    const t0 = performance.now();
    const warnings: string[] = [];
    if (input.truncatedQueryTokens || input.truncatedTotalTokens) {
      this.truncatedCases++;
      warnings.push(`prompt truncated: ${input.truncatedQueryTokens} query and ${input.truncatedTotalTokens} further tokens dropped to fit 1024`);
    }
    const constraint = this.settings.constrained
      ? new ToolCallConstraint(
          tools.map((t) => ({ name: t.name, params: Object.keys(t.parameters) })),
          this.texts,
          this.byFirstChar,
        )
      : undefined;
    const { signal, onToken, ignoreEos = false } = options;
    // Forced decoding runs exactly the steps asked for; otherwise a request may only lower the cap,
    // so a served output stays the local run's.
    const cap = this.settings.maxNewTokens;
    const maxNewTokens = ignoreEos ? (options.maxNewTokens ?? cap) : Math.min(options.maxNewTokens ?? cap, cap);
    const out = await engine.generate(input.ids, {
      maxLen: maxNewTokens + 1,
      eos: NEEDLE_IDS.eos,
      ignoreEos,
      start: NEEDLE_IDS.eos,
      // The engine hands over the prefix; the token chosen at the previous step is its last id.
      // Throwing here (an aborted request) ends the generation at this step.
      logitsProcessor: (step, logits, prefix) => {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        if (step > 0) {
          constraint?.accept(prefix[prefix.length - 1]);
          onToken?.(prefix.slice(1));
        }
        constraint?.mask(logits);
      },
    });
    if (out.stoppedBy === 'max_len' && !ignoreEos) warnings.push(`stopped at the ${maxNewTokens}-token cap without EOS`);
    return {
      raw: tok.decode(out.ids),
      promptTokens: input.ids.length,
      generatedTokens: out.ids.length,
      timings: {
        totalMs: performance.now() - t0,
        prefillMs: out.timings.prefillMs,
        firstTokenMs: out.timings.firstTokenMs,
        decodeStepMs: out.timings.decodeStepMs,
      },
      info: {
        outputIds: out.ids,
        stoppedBy: out.stoppedBy,
        truncatedQueryTokens: input.truncatedQueryTokens,
        truncatedTotalTokens: input.truncatedTotalTokens,
        ...(constraint ? { constraintFallbacks: constraint.stats.fallbacks } : {}),
        ...(warnings.length ? { warnings } : {}),
      },
    };
  }

  /** The loaded engine's dimensions (for bytes-per-step accounting). */
  get dims(): import('../needle/v1/export-weights.ts').SanDims {
    if (!this.engine) throw new Error('needle provider: dims before load()');
    return this.engine.dims;
  }

  /** Encoder over `promptTokens` synthetic ids, then `steps` decoder steps from [EOS], EOS ignored. */
  async forcedRun(promptTokens: number, steps: number): Promise<ForcedRun> {
    if (!this.engine) throw new Error('needle provider: forcedRun() before load()');
    const { argmax } = await import('../needle/v1/engine.ts');
    const vocab = this.engine.dims.vocab;
    const prompt = Array.from({ length: promptTokens }, (_, i) => 6 + ((i * 7919 + 13) % (vocab - 6)));
    const t0 = performance.now();
    const state = await this.engine.encode(prompt);
    const prefillMs = performance.now() - t0;
    const times: number[] = [];
    let token: number = NEEDLE_IDS.eos;
    for (let step = 0; step < steps; step++) {
      token = argmax(await this.engine.step(state, token));
      times.push(performance.now());
    }
    return { prefillMs, firstTokenMs: times[0] - t0, stepMs: times.slice(1).map((t, i) => t - times[i]), totalMs: performance.now() - t0 };
  }

  async dispose(): Promise<void> {
    await this.engine?.dispose();
    this.engine = undefined;
  }
}

export const factory: ProviderFactory = {
  prefix: 'needle',
  description: 'Needle SAN on ONNX Runtime; needle:<checkpoint .pkl/.safetensors or converted dir>',
  create: (spec, options) => new NeedleProvider(spec, options),
};
