// Needle2Engine: Needle 2 in onnxruntime-node — the cached ONNX export (export-cache.ts), one prefill
// over the prompt, then KV-cached decode steps with the sliding window and the tools pinned as KV sinks
// (onnx-decoder.ts computes the attention bias), greedy with an optional logits processor (the v2
// grammar), per-phase timings. Deterministic: same inputs, same ids.
//
//   const engine = await Needle2Engine.create(checkpoint, { precision, threads, cacheDir })
//   const out = await engine.generate(promptIds, { maxNewTokens, sinkLen, logitsProcessor })
//               // → { ids, stoppedBy, timings: { prefillMs, firstTokenMs, decodeStepMs[] } }
import { argmax } from '../v1/engine.ts';
import type { Needle2Checkpoint } from './checkpoint.ts';
import { effectiveKvWindow, type Needle2Config } from './config.ts';
import { DEFAULT_NEEDLE2_CACHE_DIR, needle2ExportToCache, type Needle2CachedExport } from './export-cache.ts';
import type { Needle2Precision } from './export.ts';
import { NEEDLE2_SPECIAL_IDS } from './markers.ts';
import { Needle2OnnxModel, type Needle2OnnxDecoder } from './onnx-decoder.ts';

export interface Needle2EngineOptions {
  precision?: Needle2Precision;
  threads?: number;
  /** Export cache directory (default <repo>/.cache/onnx-needle2). */
  cacheDir?: string;
  /** Attention window; default: the .cact header's kv_window, else effective_kv_window(config). */
  window?: number;
}

/** step 0 is the prefill's last position; `ids` are the tokens chosen so far. May rewrite logits in place. */
export type Needle2LogitsProcessor = (step: number, logits: Float32Array, ids: readonly number[]) => void;

export interface Needle2GenerateOptions {
  maxNewTokens: number;
  /** Keys pinned visible past the window (the prompt through </tools>); default 0. */
  sinkLen?: number;
  eos?: number;
  logitsProcessor?: Needle2LogitsProcessor;
  /** Keep decoding through EOS (benchmarks: a fixed number of forced steps). */
  ignoreEos?: boolean;
}

export interface Needle2GenerateResult {
  ids: number[];
  stoppedBy: 'eos' | 'max_new_tokens' | 'max_len';
  /** decodeStepMs: per generated token, its pick (processor + argmax) and the step that feeds it back. */
  timings: { prefillMs: number; firstTokenMs: number; decodeStepMs: number[] };
}

/** The window a checkpoint runs with: a .cact says it in its header, a pickle's config implies it. */
export function windowOf(ckpt: Needle2Checkpoint): number {
  const w = ckpt.meta.kv_window;
  return typeof w === 'number' ? w : effectiveKvWindow(ckpt.config);
}

export class Needle2Engine {
  private constructor(
    readonly config: Needle2Config,
    readonly precision: Needle2Precision,
    readonly window: number,
    readonly exported: Needle2CachedExport,
    readonly model: Needle2OnnxModel,
  ) {}

  static async create(ckpt: Needle2Checkpoint, o: Needle2EngineOptions = {}): Promise<Needle2Engine> {
    const precision = o.precision ?? 'fp32';
    const exported = needle2ExportToCache(ckpt, { precision }, o.cacheDir ?? DEFAULT_NEEDLE2_CACHE_DIR);
    const model = await Needle2OnnxModel.open(exported.decoderPath, ckpt.config, o.threads);
    return new Needle2Engine(ckpt.config, precision, o.window ?? windowOf(ckpt), exported, model);
  }

  decoder(sinkLen = 0): Needle2OnnxDecoder {
    return this.model.decoder({ window: this.window, sinkLen });
  }

  async generate(promptIds: number[], o: Needle2GenerateOptions): Promise<Needle2GenerateResult> {
    const eos = o.eos ?? NEEDLE2_SPECIAL_IDS.eos;
    const maxLen = Math.min(this.config.max_seq_len, promptIds.length + o.maxNewTokens);
    const started = performance.now();
    const dec = this.decoder(o.sinkLen ?? 0);
    const prefill = await dec.feed(promptIds);
    const prefillMs = performance.now() - started;
    let logits = prefill[prefill.length - 1];
    const ids: number[] = [];
    const decodeStepMs: number[] = [];
    let firstTokenMs = 0;
    let stoppedBy: Needle2GenerateResult['stoppedBy'] = 'max_new_tokens';
    for (let step = 0; step < o.maxNewTokens; step++) {
      const t0 = performance.now();
      o.logitsProcessor?.(step, logits, ids);
      const next = argmax(logits);
      if (step === 0) firstTokenMs = performance.now() - started;
      if (next === eos && !o.ignoreEos) {
        stoppedBy = 'eos';
        break;
      }
      if (dec.position >= maxLen) {
        stoppedBy = 'max_len';
        break;
      }
      ids.push(next);
      // The last allowed token is not fed back: nothing would read its logits.
      if (step + 1 < o.maxNewTokens) logits = (await dec.feed([next]))[0];
      decodeStepMs.push(performance.now() - t0);
    }
    return { ids, stoppedBy, timings: { prefillMs, firstTokenMs, decodeStepMs } };
  }

  async dispose(): Promise<void> {
    await this.model.release();
  }
}
