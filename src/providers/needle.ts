// The `needle` provider: Needle (or any checkpoint of its architecture) run as its authors run it —
// Needle's prompt, greedy decoding from [EOS], trie-constrained names and keys — on the ONNX Runtime
// engine. Specs: a registered id ("needle", "needle-tiny"), or "needle:<file.pkl | file.safetensors |
// converted dir>" with the tokenizer beside it (tokenizer/needle.model or tokenizer.model).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ModelEntry } from '../models/registry.ts';
import { modelDir, presence } from '../models/registry.ts';
import { ToolCallConstraint } from '../needle/v1/constraints.ts';
import { findTokenizer, TOKENIZER_NAMES } from '../needle/v1/tokenizer-files.ts';
import { encoderInput, NEEDLE_IDS, toFlatTool } from '../needle/v1/prompt.ts';
import type { SuiteCase } from '../suite/types.ts';
import { ModelNotPresentError } from './not-present.ts';
import type { Generation, ModelProvenance, Provider, ProviderFactory, ProviderOptions } from './types.ts';

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

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
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

export class NeedleProvider implements Provider {
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
        throw new Error(`${entry.id}: architecture "${entry.architecture}" is not runnable by this build of the needle provider (only Needle v1 checkpoints are); the Needle 2 runtime (ONNX export of src/needle/v2) is not built yet`);
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

  async generate(testCase: SuiteCase): Promise<Generation> {
    if (!this.engine || !this.tokenizer) throw new Error('needle provider: generate() before load()');
    const t0 = performance.now();
    const tok = this.tokenizer;
    const input = encoderInput((s) => tok.encode(s), testCase);
    const warnings: string[] = [];
    if (input.truncatedQueryTokens || input.truncatedTotalTokens) {
      this.truncatedCases++;
      warnings.push(`prompt truncated: ${input.truncatedQueryTokens} query and ${input.truncatedTotalTokens} further tokens dropped to fit 1024`);
    }
    const constraint = this.settings.constrained
      ? new ToolCallConstraint(
          testCase.tools.map((t) => {
            const flat = toFlatTool(t);
            return { name: flat.name, params: Object.keys(flat.parameters) };
          }),
          this.texts,
          this.byFirstChar,
        )
      : undefined;
    const out = await this.engine.generate(input.ids, {
      maxLen: this.settings.maxNewTokens + 1,
      eos: NEEDLE_IDS.eos,
      start: NEEDLE_IDS.eos,
      // The engine hands over the prefix; the token chosen at the previous step is its last id.
      logitsProcessor: constraint
        ? (step, logits, prefix) => {
            if (step > 0) constraint.accept(prefix[prefix.length - 1]);
            constraint.mask(logits);
          }
        : undefined,
    });
    if (out.stoppedBy === 'max_len') warnings.push(`stopped at the ${this.settings.maxNewTokens}-token cap without EOS`);
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
