// The `transformers` provider: a registered chat baseline (FunctionGemma, Qwen3, Granite, LFM2.5) run
// through transformers.js on onnxruntime-node, each in its own native format — prompt rendered with the
// model's own chat template (src/prompts/chat-template.ts), greedy decoding, output decoded with special
// tokens kept (LFM2's tool-call markers are special tokens; a pipeline would delete them) and parsed by
// the entry's dialect. Offline by default: files come from the model cache (`needle-bench pull <id>`).
// Specs: a registered id whose entry names provider "transformers", or "transformers:<model folder>"
// with a registry id to borrow prompt settings from: "transformers:<dir>#<id>".
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { modelCacheDir, modelDir, modelRegistry, presence, type ModelEntry } from '../models/registry.ts';
import { renderPrompt } from '../prompts/chat-template.ts';
import type { SuiteCase } from '../suite/types.ts';
import { ModelNotPresentError } from './not-present.ts';
import type { ForcedDecoding, ForcedRun, Generation, ModelProvenance, Provider, ProviderFactory, ProviderOptions } from './types.ts';

type Transformers = typeof import('@huggingface/transformers');
type CausalLM = Awaited<ReturnType<Transformers['AutoModelForCausalLM']['from_pretrained']>>;
type Tokenizer = Awaited<ReturnType<Transformers['AutoTokenizer']['from_pretrained']>>;

export interface TransformersSettings {
  dtype: string;
  maxNewTokens: number;
  /** Extra tokens that end generation besides generation_config's eos ids (FunctionGemma's <start_function_response>). */
  stopTokens: string[];
}

function settingsFrom(entry: ModelEntry, options: ProviderOptions): TransformersSettings {
  const g = entry.generation as { maxNewTokens?: number; stopTokens?: string[] };
  return {
    dtype: (options.dtype as string | undefined) ?? entry.dtype ?? 'fp32',
    maxNewTokens: (options.maxNewTokens as number | undefined) ?? g.maxNewTokens ?? 512,
    stopTokens: g.stopTokens ?? [],
  };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The ONNX file transformers.js loads for a dtype, and its external-data chunks on disk. */
export function onnxFiles(dir: string, dtype: string): { model: string; data: string[] } {
  const suffix: Record<string, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4' };
  if (!(dtype in suffix)) throw new Error(`unsupported dtype "${dtype}" (one of ${Object.keys(suffix).join(', ')})`);
  const model = join(dir, 'onnx', `model${suffix[dtype]}.onnx`);
  const data = existsSync(dirname(model))
    ? readdirSync(dirname(model))
        .filter((f) => f === `${basename(model)}_data` || f.startsWith(`${basename(model)}_data_`))
        .sort()
        .map((f) => join(dirname(model), f))
    : [];
  return { model, data };
}

/**
 * The new tokens as text with special tokens kept: LFM2's <|tool_call_start|>/<|tool_call_end|> and
 * FunctionGemma's <start_function_call> are special tokens, and the dialects need them.
 */
export function decodeKeepingSpecial(tokenizer: { decode(ids: number[], o: { skip_special_tokens: boolean }): string }, ids: number[]): string {
  return tokenizer.decode(ids, { skip_special_tokens: false });
}

/** Timestamps the tokens generate() pushes: the prompt first, then one token per step. */
class TimingStreamer {
  readonly times: number[] = [];
  put(): void {
    this.times.push(performance.now());
  }
  end(): void {}
}

export class TransformersProvider implements Provider, ForcedDecoding {
  readonly dialect: string;
  readonly settings: TransformersSettings;
  private readonly entry: ModelEntry;
  private readonly dir: string;
  private tf?: Transformers;
  private model?: CausalLM;
  private tokenizer?: Tokenizer;
  private eosIds: number[] = [];

  constructor(readonly id: string, private readonly options: ProviderOptions) {
    const { entry, dir } = TransformersProvider.locate(id, options);
    this.entry = entry;
    this.dir = dir;
    this.dialect = entry.dialect;
    this.settings = settingsFrom(entry, options);
  }

  private static locate(spec: string, options: ProviderOptions): { entry: ModelEntry; dir: string } {
    if (options.model) return { entry: options.model, dir: modelDir(options.model, options.cacheDir || modelCacheDir()) };
    const arg = spec.slice(spec.indexOf(':') + 1);
    const hash = arg.lastIndexOf('#');
    if (!spec.includes(':') || hash < 1) throw new Error(`"${spec}": give a registered model id, or transformers:<model folder>#<registered id whose prompt settings apply>`);
    const entry = modelRegistry().get(arg.slice(hash + 1));
    if (!entry) throw new Error(`"${spec}": unknown registered model "${arg.slice(hash + 1)}"`);
    return { entry, dir: resolve(arg.slice(0, hash)) };
  }

  /** Files that must be on disk; a registered entry lists them, a folder spec needs the basics. */
  private missing(): string[] {
    if (this.options.model) return presence(this.entry, this.options.cacheDir || modelCacheDir()).missing;
    const need = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
    const { model } = onnxFiles(this.dir, this.settings.dtype);
    return [...need.filter((f) => !existsSync(join(this.dir, f))), ...(existsSync(model) ? [] : [model])];
  }

  async load(): Promise<ModelProvenance> {
    const missing = this.missing();
    if (missing.length) {
      throw new ModelNotPresentError(`${this.entry.id} is not present (${missing.join(', ')} missing in ${this.dir}) — needle-bench pull ${this.entry.id}`);
    }
    const { model: modelFile, data } = onnxFiles(this.dir, this.settings.dtype);
    if (!existsSync(modelFile)) throw new ModelNotPresentError(`${modelFile} missing (dtype ${this.settings.dtype})`);
    const tf = (this.tf = await import('@huggingface/transformers'));
    // Offline, from the folder itself: transformers.js resolves "<localModelPath>/<name>"; its default
    // paths point inside node_modules, so both are set (cacheDir is unused offline but kept out of it).
    tf.env.allowRemoteModels = false;
    tf.env.allowLocalModels = true;
    tf.env.localModelPath = dirname(this.dir) + '/';
    tf.env.cacheDir = join(this.options.cacheDir || modelCacheDir(), '.transformers-js');
    const name = basename(this.dir);
    const threads = this.options.threads;
    this.tokenizer = await tf.AutoTokenizer.from_pretrained(name, { local_files_only: true });
    this.model = await tf.AutoModelForCausalLM.from_pretrained(name, {
      local_files_only: true,
      dtype: this.settings.dtype as 'fp32',
      device: 'cpu',
      use_external_data_format: data.length === 0 ? false : data.length === 1 ? true : data.length,
      // Same session policy as the Needle engine, so throughput comparisons are like for like: one
      // inter-op thread, no spin-waiting (on a loaded machine spinning threads steal the working cores).
      session_options: {
        interOpNumThreads: 1,
        ...(threads ? { intraOpNumThreads: threads } : {}),
        extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
      } as Record<string, unknown>,
    });
    const genEos = (this.model as unknown as { generation_config?: { eos_token_id?: number | number[] | null } }).generation_config?.eos_token_id;
    const configEos = Array.isArray(genEos) ? genEos : genEos != null ? [genEos] : [];
    const tokEos = this.tokenizer.eos_token_id;
    // A stop token this tokenizer does not have as one token is left out (and recorded), not guessed.
    const extra: number[] = [];
    const ignoredStopTokens: string[] = [];
    for (const t of this.settings.stopTokens) {
      const ids = this.tokenizer.encode(t, { add_special_tokens: false });
      if (ids.length === 1) extra.push(ids[0]);
      else ignoredStopTokens.push(t);
    }
    this.eosIds = [...new Set([...configEos, ...(tokEos != null ? [tokEos] : []), ...extra])];

    const weightHashes: Record<string, string> = {};
    for (const f of [modelFile, ...data]) weightHashes[`onnx/${basename(f)}`] = await sha256File(f);
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'config.json', 'chat_template.jinja']) {
      if (existsSync(join(this.dir, f))) weightHashes[f] = await sha256File(join(this.dir, f));
    }
    const config = (this.model as unknown as { config: { model_type?: string } }).config;
    // A folder spec only borrows the entry's prompt format: its name, size and revision are not the entry's.
    const registered = this.options.model !== undefined;
    const pulled = registered ? presence(this.entry, this.options.cacheDir || modelCacheDir()).revision : undefined;
    return {
      id: this.id,
      displayName: registered ? this.entry.displayName : `${basename(this.dir)} (folder, ${this.entry.id} prompt format)`,
      revision: registered ? (pulled ?? this.entry.hub?.revision ?? undefined) : undefined,
      parameterCount: registered ? this.entry.parameterCount : undefined,
      promptFormatOf: this.entry.id,
      weightHashes,
      dialect: this.dialect,
      generation: {
        greedy: true,
        doSample: false,
        maxNewTokens: this.settings.maxNewTokens,
        eosTokenIds: this.eosIds,
        stopTokens: this.settings.stopTokens,
        ...(ignoredStopTokens.length ? { ignoredStopTokens } : {}),
        dtype: this.settings.dtype,
        runtime: 'transformers.js + onnxruntime-node',
        sessionOptions: { threads: threads ?? 'default', interOpThreads: 1, spinning: false },
        transformersJs: tf.env.version,
        prompt: this.entry.prompt ?? {},
        chatTemplateFallback: this.entry.chatTemplate,
      },
      modelType: config.model_type,
      dir: this.dir,
      onnxBytes: statSync(modelFile).size + data.reduce((n, f) => n + statSync(f).size, 0),
    };
  }

  async generate(testCase: SuiteCase): Promise<Generation> {
    return this.run(testCase, this.settings.maxNewTokens, false);
  }

  async forcedCase(testCase: SuiteCase, answer: string): Promise<Generation> {
    if (!this.tokenizer) throw new Error('transformers provider: forcedCase() before load()');
    return this.run(testCase, this.tokenizer.encode(answer, { add_special_tokens: false }).length + 1, true);
  }

  private async run(testCase: SuiteCase, maxNewTokens: number, force: boolean): Promise<Generation> {
    if (!this.model || !this.tokenizer || !this.tf) throw new Error('transformers provider: generate() before load()');
    const t0 = performance.now();
    const rendered = renderPrompt(this.entry, testCase, this.dir);
    // The template already wrote every special token (BOS included): no more may be added.
    const enc = this.tokenizer(rendered.prompt, { add_special_tokens: false, return_tensor: true }) as {
      input_ids: import('@huggingface/transformers').Tensor;
      attention_mask: import('@huggingface/transformers').Tensor;
    };
    const promptTokens = enc.input_ids.dims.at(-1)!;
    const streamer = new TimingStreamer();
    const tGen = performance.now();
    const out = (await this.model.generate({
      input_ids: enc.input_ids,
      attention_mask: enc.attention_mask,
      max_new_tokens: maxNewTokens,
      ...(force ? { min_new_tokens: maxNewTokens } : {}),
      do_sample: false,
      eos_token_id: this.eosIds,
      streamer: streamer as unknown as import('@huggingface/transformers').BaseStreamer,
    } as unknown as Parameters<CausalLM['generate']>[0])) as import('@huggingface/transformers').Tensor;
    const all = (out.tolist() as bigint[][])[0].map(Number);
    const outputIds = all.slice(promptTokens);
    const stoppedBy = outputIds.length > 0 && this.eosIds.includes(outputIds[outputIds.length - 1]) ? 'eos' : 'max_new_tokens';
    const textIds = stoppedBy === 'eos' ? outputIds.slice(0, -1) : outputIds;
    const raw = decodeKeepingSpecial(this.tokenizer, textIds);
    // times[0]: the prompt pushed before the first forward; times[i]: token i generated.
    const times = streamer.times;
    const decodeStepMs = times.slice(2).map((t, i) => t - times[i + 1]);
    return {
      raw,
      promptTokens,
      generatedTokens: outputIds.length,
      timings: {
        totalMs: performance.now() - t0,
        prefillMs: times.length > 1 ? times[1] - times[0] : undefined,
        firstTokenMs: times.length > 1 ? times[1] - tGen : undefined,
        decodeStepMs,
      },
      info: {
        templateSha256: rendered.template.sha256,
        templateSource: rendered.template.source,
        promptSha256: rendered.promptSha256,
        outputIds,
        stoppedBy,
        ...(stoppedBy === 'max_new_tokens' && !force ? { warnings: [`stopped at the ${maxNewTokens}-token cap without an end token`] } : {}),
      },
    };
  }

  /**
   * generate() on `promptTokens` synthetic ids with min_new_tokens = max_new_tokens = `steps` (the end
   * tokens' logits are masked, so every run produces exactly `steps` tokens): the same generate() loop,
   * cache handling and sessions as a suite case.
   */
  async forcedRun(promptTokens: number, steps: number): Promise<ForcedRun> {
    if (!this.model || !this.tf) throw new Error('transformers provider: forcedRun() before load()');
    const vocab = (this.model as unknown as { config: { vocab_size: number } }).config.vocab_size;
    const ids = BigInt64Array.from({ length: promptTokens }, (_, i) => BigInt(3 + ((i * 7919 + 13) % (vocab - 3))));
    const inputIds = new this.tf.Tensor('int64', ids, [1, promptTokens]);
    const mask = new this.tf.Tensor('int64', new BigInt64Array(promptTokens).fill(1n), [1, promptTokens]);
    const streamer = new TimingStreamer();
    const t0 = performance.now();
    const out = (await this.model.generate({
      input_ids: inputIds,
      attention_mask: mask,
      max_new_tokens: steps,
      min_new_tokens: steps,
      do_sample: false,
      eos_token_id: this.eosIds,
      streamer: streamer as unknown as import('@huggingface/transformers').BaseStreamer,
    } as unknown as Parameters<CausalLM['generate']>[0])) as import('@huggingface/transformers').Tensor;
    const totalMs = performance.now() - t0;
    const generated = out.dims.at(-1)! - promptTokens;
    if (generated !== steps) throw new Error(`forced run: generate() produced ${generated} tokens, asked for exactly ${steps}`);
    const times = streamer.times;
    return { prefillMs: times[1] - times[0], firstTokenMs: times[1] - t0, stepMs: times.slice(2).map((t, i) => t - times[i + 1]), totalMs };
  }

  async dispose(): Promise<void> {
    await (this.model as unknown as { dispose?: () => Promise<unknown> } | undefined)?.dispose?.();
    this.model = undefined;
  }
}

export const factory: ProviderFactory = {
  prefix: 'transformers',
  description: 'chat baselines on transformers.js (own chat template, greedy); a registered id, or transformers:<dir>#<id>',
  create: (spec, options) => new TransformersProvider(spec, options),
};
