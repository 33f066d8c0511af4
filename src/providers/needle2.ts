// The `needle2` provider: Needle 2 (cactus-needle 2.0.x, decoder-only SAN) run as its package runs
// it — render_example's prompt, one prefill, greedy KV-cached decoding with the sliding window and the
// tools pinned as KV sinks, the byte-level schema grammar constraining every token — on onnxruntime
// (src/needle/v2/engine.ts, cached export). Output is parsed by the `needle2` dialect.
//
// Specs: the registered id `needle-2`, or `needle2:<path>` with <path> a needle2.pkl (tokenizer
// beside it: tokenizer/tokenizer.model or tokenizer.model), a converted directory, a .safetensors
// file, or a `.cact` engine file (weights dequantized at load; its own tokenizer blob).
// Provider options: lora=<adapter.pkl> (merged as `needle build --lora` merges it), precision
// fp32|int8|int4, constrained true|false, maxNewTokens, window (attention window override).
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ModelEntry } from '../models/registry.ts';
import { modelDir, presence } from '../models/registry.ts';
import type { Needle2Checkpoint } from '../needle/v2/checkpoint.ts';
import type { Needle2Engine } from '../needle/v2/engine.ts';
import type { Needle2Precision } from '../needle/v2/export.ts';
import { MARKER_IDS, NEEDLE2_SPECIAL_IDS, TOOLS_END } from '../needle/v2/markers.ts';
import type { TokenUnit } from '../needle/v2/tokenizer.ts';
import type { SuiteCase } from '../suite/types.ts';
import { ModelNotPresentError } from './not-present.ts';
import { sha256File } from '../util/sha256.ts';
import type { ForcedDecoding, ForcedRun, Generation, ModelProvenance, Provider, ProviderFactory, ProviderOptions } from './types.ts';

const PRECISIONS: Needle2Precision[] = ['fp32', 'int8', 'int4'];

export interface Needle2Settings {
  precision: Needle2Precision;
  constrained: boolean;
  maxNewTokens: number;
  lora?: string;
  window?: number;
}

interface Needle2Tokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  readonly vocabSize: number;
}

function bool(v: unknown, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new Error(`needle2: option ${name}: expected true or false, got ${JSON.stringify(v)}`);
}

function positive(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new Error(`needle2: option ${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

export function needle2Settings(entry: ModelEntry | undefined, options: ProviderOptions): Needle2Settings {
  const g = (entry?.generation ?? {}) as Partial<Needle2Settings>;
  const precision = (options.precision as Needle2Precision | undefined) ?? g.precision ?? 'fp32';
  if (!PRECISIONS.includes(precision)) throw new Error(`needle2: option precision: expected ${PRECISIONS.join('|')}, got ${JSON.stringify(precision)}`);
  const lora = options.lora;
  if (lora !== undefined && typeof lora !== 'string') throw new Error('needle2: option lora: expected the path of an adapter .pkl');
  return {
    precision,
    constrained: bool(options.constrained, 'constrained') ?? g.constrained ?? true,
    maxNewTokens: positive(options.maxNewTokens, 'maxNewTokens') ?? g.maxNewTokens ?? 256,
    ...(lora ? { lora } : {}),
    ...(options.window !== undefined ? { window: positive(options.window, 'window') } : {}),
  };
}

/** The checkpoint in a registry entry's folder (the hub layout): the .pkl (trainable, exact) before the .cact. */
function entryFiles(dir: string): { path: string; tokenizer?: string } {
  const tokenizer = join(dir, 'tokenizer/tokenizer.model');
  for (const name of ['checkpoints/needle2.pkl', 'needle2.pkl']) if (existsSync(join(dir, name))) return { path: join(dir, name), ...(existsSync(tokenizer) ? { tokenizer } : {}) };
  if (existsSync(join(dir, 'needle2.cact'))) return { path: join(dir, 'needle2.cact') };
  throw new ModelNotPresentError(`${dir} holds no Needle 2 checkpoint (checkpoints/needle2.pkl, needle2.pkl or needle2.cact)`);
}

/** Keys through `</tools>` (BOS included) are pinned as sinks: the engine keeps the tools visible. */
export function toolsSinkLen(promptIds: readonly number[]): number {
  const end = promptIds.indexOf(MARKER_IDS[TOOLS_END]);
  return end < 0 ? 0 : end + 1;
}

export interface Needle2GenerateCaseOptions {
  signal?: AbortSignal;
  /** Lower cap on generated tokens than the model's own. */
  maxNewTokens?: number;
  /** Generate exactly this many tokens, EOS ignored (the side-by-side profile's forced cases). */
  forcedTokens?: number;
}

export class Needle2Provider implements Provider, ForcedDecoding {
  readonly dialect = 'needle2';
  readonly settings: Needle2Settings;
  engine?: Needle2Engine;
  private tokenizer?: Needle2Tokenizer;
  private units: TokenUnit[] = [];
  private checkpoint?: Needle2Checkpoint;
  /** Cases whose prompt was cut to max_seq_len − 1 (also flagged per case). */
  truncatedCases = 0;

  constructor(readonly id: string, private readonly options: ProviderOptions) {
    this.settings = needle2Settings(options.model, options);
  }

  private files(): { path: string; tokenizer?: string } {
    const entry = this.options.model;
    if (entry) {
      const p = presence(entry, this.options.cacheDir);
      if (!p.present) throw new ModelNotPresentError(`${entry.id} is not present (${p.missing.join(', ')} missing in ${p.dir}) — needle-bench pull ${entry.id}`);
      return entryFiles(modelDir(entry, this.options.cacheDir));
    }
    const path = this.id.slice(this.id.indexOf(':') + 1);
    if (!this.id.includes(':') || !path) throw new Error(`"${this.id}": give a checkpoint as needle2:<needle2.pkl | converted dir | .safetensors | .cact>, or a registered model id`);
    if (!existsSync(path)) throw new ModelNotPresentError(`${path} does not exist`);
    return { path };
  }

  async load(): Promise<ModelProvenance> {
    const { path, tokenizer: tokenizerPath } = this.files();
    const isCact = !statSync(path).isDirectory() && path.endsWith('.cact');
    const [{ loadNeedle2Checkpoint, findNeedle2Tokenizer, needle2ParameterCount, needle2ConfigToJson }, { loadCactCheckpoint }, { loadLoraAdapter, mergeLora }, tokenizerMod, blobMod, { Needle2Engine }] = await Promise.all([
      import('../needle/v2/checkpoint.ts'),
      import('../needle/v2/cact-checkpoint.ts'),
      import('../needle/v2/lora.ts'),
      import('../needle/v2/tokenizer.ts'),
      import('../needle/v2/tokenizer-blob.ts'),
      import('../needle/v2/engine.ts'),
    ]);
    let ckpt: Needle2Checkpoint;
    const weightHashes: Record<string, string> = {};
    let tokenizerNote: string;
    if (isCact) {
      const cact = await loadCactCheckpoint(path);
      const blob = cact.cact.tensors.at(-1);
      if (!blob || blob.kind !== 'raw') throw new Error(`${path}: this .cact carries no tokenizer blob`);
      const tok = new blobMod.BlobTokenizer(blobMod.parseTokenizerBlob(blob.bytes, `${path} tokenizer`));
      this.tokenizer = tok;
      this.units = tok.tokenUnits();
      tokenizerNote = 'the .cact tokenizer blob (RefTokenizer semantics)';
      ckpt = cact;
      if (this.settings.lora) throw new Error(`${path}: a .cact already ships merged weights; build it with the adapter (needle build --lora) or give the base .pkl with lora=`);
    } else {
      ckpt = await loadNeedle2Checkpoint(path);
      const tokPath = tokenizerPath ?? findNeedle2Tokenizer(path);
      if (!tokPath) throw new ModelNotPresentError(`no Needle 2 tokenizer beside ${path} (looked for tokenizer/tokenizer.model, tokenizer.model)`);
      const tok = tokenizerMod.loadNeedle2Tokenizer(tokPath, ckpt.config.vocab_size);
      this.tokenizer = tok;
      this.units = tokenizerMod.tokenUnits(tok);
      tokenizerNote = tokPath;
      weightHashes[basename(tokPath)] = sha256File(tokPath);
      if (this.settings.lora) {
        const adapter = await loadLoraAdapter(this.settings.lora);
        ckpt = mergeLora(ckpt, adapter);
        weightHashes[basename(this.settings.lora)] = adapter.source.sha256;
      }
    }
    weightHashes[basename(path)] = ckpt.source.sha256;
    if (this.tokenizer.vocabSize !== ckpt.config.vocab_size) throw new Error(`tokenizer (${tokenizerNote}) has ${this.tokenizer.vocabSize} pieces but the checkpoint's vocab_size is ${ckpt.config.vocab_size}`);
    this.checkpoint = ckpt;
    this.engine = await Needle2Engine.create(ckpt, {
      precision: this.settings.precision,
      threads: this.options.threads,
      cacheDir: this.options.onnxCacheDir as string | undefined,
      ...(this.settings.window ? { window: this.settings.window } : {}),
    });
    const entry = this.options.model;
    return {
      id: this.id,
      displayName: entry?.displayName ?? `Needle 2 checkpoint ${basename(path)}${this.settings.lora ? ` + ${basename(this.settings.lora)}` : ''}`,
      revision: entry?.hub ? (presence(entry, this.options.cacheDir).revision ?? (entry.hub.revision ?? undefined)) : undefined,
      parameterCount: needle2ParameterCount(ckpt),
      weightHashes,
      dialect: this.dialect,
      generation: {
        ...this.settings,
        greedy: true,
        runtime: 'onnxruntime-node',
        window: this.engine.window,
        sinks: 'prompt through </tools>',
        tokenizer: tokenizerNote,
        exportCache: { key: this.engine.exported.key, hit: this.engine.exported.hit, exportMs: Math.round(this.engine.exported.exportMs) },
      },
      config: needle2ConfigToJson(ckpt.config),
      architecture: 'needle-2',
      checkpoint: { path, format: ckpt.source.format, ...(ckpt.warnings ? { warnings: ckpt.warnings } : {}) },
    };
  }

  async generate(testCase: SuiteCase, signal?: AbortSignal): Promise<Generation> {
    return this.generateCase(testCase, { signal });
  }

  /** The prompt ids of a case: [BOS] + encode(render_example's prompt), cut to max_seq_len − 1. */
  async promptIds(testCase: Pick<SuiteCase, 'query' | 'tools'>): Promise<{ ids: number[]; truncatedTokens: number }> {
    const { promptInput, turnOf } = await import('../needle/v2/prompt.ts');
    const tok = this.requireTokenizer();
    return promptInput((s) => tok.encode(s), turnOf(testCase), this.checkpoint!.config.max_seq_len);
  }

  /** The case's prompt, decoding exactly the answer's tokens + 1 whatever the model emits (EOS ignored). */
  async forcedCase(testCase: SuiteCase, answer: string): Promise<Generation> {
    return this.generateCase(testCase, { forcedTokens: this.requireTokenizer().encode(answer).length + 1 });
  }

  /**
   * Prefill over `promptTokens` ids ([BOS] + synthetic ids past the markers), all of them pinned as
   * KV sinks as a real prompt's tools are (a case's prompt is mostly its tools), then `steps` greedy
   * tokens with EOS ignored; the prompt forward yields the first token.
   */
  async forcedRun(promptTokens: number, steps: number): Promise<ForcedRun> {
    const engine = this.engine;
    if (!engine) throw new Error('needle2 provider: forcedRun() before load()');
    if (!Number.isInteger(promptTokens) || promptTokens < 1 || !Number.isInteger(steps) || steps < 1) throw new RangeError(`needle2 forcedRun: promptTokens and steps must be positive integers, got ${promptTokens} and ${steps}`);
    const { argmax } = await import('../needle/v1/engine.ts');
    const { needle2SyntheticPrompt } = await import('../needle/v2/synthetic.ts');
    const prompt = needle2SyntheticPrompt(promptTokens, engine.config.vocab_size);
    const dec = engine.decoder(prompt.length);
    const t0 = performance.now();
    let logits = (await dec.feed(prompt)).at(-1)!;
    const prefillMs = performance.now() - t0;
    const times: number[] = [];
    for (let step = 0; step < steps; step++) {
      const token = argmax(logits);
      times.push(performance.now());
      // The last token is not fed back: nothing would read its logits (as generate() does).
      if (step + 1 < steps) logits = (await dec.feed([token]))[0];
    }
    return { prefillMs, firstTokenMs: times[0] - t0, stepMs: times.slice(1).map((t, i) => t - times[i]), totalMs: performance.now() - t0 };
  }

  async generateCase(testCase: Pick<SuiteCase, 'query' | 'tools'>, options: Needle2GenerateCaseOptions = {}): Promise<Generation> {
    const tok = this.requireTokenizer();
    const engine = this.engine!;
    const { Needle2Constraint, Needle2Grammar } = await import('../needle/v2/grammar.ts');
    const t0 = performance.now();
    const input = await this.promptIds(testCase);
    const warnings: string[] = [];
    if (input.truncatedTokens) {
      this.truncatedCases++;
      warnings.push(`prompt truncated: ${input.truncatedTokens} tokens cut to fit max_seq_len − 1`);
    }
    const constraint = this.settings.constrained ? new Needle2Constraint(new Needle2Grammar(testCase.tools, this.units, NEEDLE2_SPECIAL_IDS.eos)) : undefined;
    const sinkLen = toolsSinkLen(input.ids);
    // Forced decoding runs exactly the steps asked for; otherwise a request may only lower the cap.
    const forced = options.forcedTokens;
    const maxNewTokens = forced ?? Math.min(options.maxNewTokens ?? this.settings.maxNewTokens, this.settings.maxNewTokens);
    const { signal } = options;
    const out = await engine.generate(input.ids, {
      maxNewTokens,
      sinkLen,
      ...(forced !== undefined ? { ignoreEos: true } : {}),
      logitsProcessor: (step, logits, ids) => {
        if (signal?.aborted) throw signal.reason ?? new Error('aborted');
        if (step > 0) constraint?.accept(ids[ids.length - 1]);
        constraint?.mask(logits);
      },
    });
    if (out.stoppedBy !== 'eos' && forced === undefined) warnings.push(`stopped at ${out.stoppedBy === 'max_len' ? 'max_seq_len' : `the ${maxNewTokens}-token cap`} without EOS`);
    return {
      raw: tok.decode(out.ids),
      promptTokens: input.ids.length,
      generatedTokens: out.ids.length,
      timings: { totalMs: performance.now() - t0, prefillMs: out.timings.prefillMs, firstTokenMs: out.timings.firstTokenMs, decodeStepMs: out.timings.decodeStepMs },
      info: {
        outputIds: out.ids,
        stoppedBy: out.stoppedBy,
        sinkLen,
        window: engine.window,
        truncatedTokens: input.truncatedTokens,
        ...(constraint ? { grammarDeadEnds: constraint.stats.deadEnds, grammarComplete: constraint.complete } : {}),
        ...(warnings.length ? { warnings } : {}),
      },
    };
  }

  private requireTokenizer(): Needle2Tokenizer {
    if (!this.engine || !this.tokenizer) throw new Error('needle2 provider: generate() before load()');
    return this.tokenizer;
  }

  async dispose(): Promise<void> {
    await this.engine?.dispose();
    this.engine = undefined;
  }
}

export const factory: ProviderFactory = {
  prefix: 'needle2',
  description: 'Needle 2 on ONNX Runtime; needle2:<needle2.pkl | converted dir | .safetensors | .cact> (option lora=<adapter.pkl>)',
  create: (spec, options) => new Needle2Provider(spec, options),
};
