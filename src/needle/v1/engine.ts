// NeedleEngine: Needle's SAN in onnxruntime-node — exported graphs (src/needle/v1/export.ts), greedy
// decoding with a self-attention KV cache, per-phase timings. Deterministic: same inputs, same ids.
//
// API
//   const engine = await NeedleEngine.create(checkpoint, { precision: 'fp32'|'int8'|'int4', threads?, cacheDir? })
//   const state  = await engine.encode(srcIds)           // encoder + every decoder layer's cross K/V, once
//   const logits = await engine.step(state, tokenId)     // one decoder step (decoder_step.onnx); Float32Array [vocab]; advances the cache
//   const out    = await engine.generate(srcIds, { maxLen, eos, logitsProcessor })
//                  // → { ids, stoppedBy, timings: { prefillMs, firstTokenMs, decodeStepMs[] } }
//   const tf     = await engine.logits(srcRows, tgtRows) // teacher-forced, batched: encoderOut + logits (parity)
//   await engine.dispose()
//
// Decoding follows run.py with constraints off: the decoder buffer starts with [start] (EOS id 1), each
// step takes the argmax (first index on ties) of the last position; EOS stops and is not emitted; at
// most maxLen − 1 tokens (maxLen is run.py's buffer length, 512 by default). `logitsProcessor` may
// rewrite the logits in place before the argmax (constrained decoding masks disallowed tokens).
import * as ort from 'onnxruntime-node';
import { exportToCache, DEFAULT_ONNX_CACHE_DIR, type CachedExport } from './export-cache.ts';
import { sanDims, type SanDims } from './export-weights.ts';
import type { Precision } from './export.ts';
import type { NeedleCheckpoint } from './types.ts';

export type { Precision } from './export.ts';

export interface EngineOptions {
  precision?: Precision;
  /** Intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
  /** Export cache directory (default <repo>/.cache/onnx). */
  cacheDir?: string;
  /** int8/int4: also quantize the tied output layer (faster decode, not part of Needle's QAT). */
  quantizeLogits?: boolean;
  /** Longest supported encoder input / decoder sequence (RoPE table length), default 2048. */
  maxPositions?: number;
  /**
   * Let idle intra-op threads spin-wait (onnxruntime's default). Off by default: on a shared or
   * oversubscribed machine spinning threads steal the cores the working thread needs (measured 2.5x
   * slower decode with 2 threads at load average 18).
   */
  spinning?: boolean;
  /** onnxruntime per-node profiling of a session, written as `<prefix>_<time>.json` (see src/profile/op-profile.ts). */
  profile?: { graph: 'encoder' | 'decoder'; prefix: string };
}

/**
 * onnxruntime CPU session options for one stream: full graph optimisation, sequential execution,
 * `threads` intra-op threads (default: onnxruntime's choice), spinning off unless asked for (see
 * EngineOptions.spinning). Shared by everything that times onnxruntime, so all figures mean the same.
 */
export function cpuSessionOptions(threads?: number, spinning = false): ort.InferenceSession.SessionOptions {
  const spin = spinning ? '1' : '0';
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(threads ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
}

/**
 * Self-attention KV cache of one prompt, kept by the engine: one buffer per layer and K/V,
 * [batch, kvH, capacity, hd], the first `pastLen` positions valid, fed to the step graph as past_* (with
 * seqlens_k giving the valid length). The step graph outputs only the new token's rotated key and value
 * ([batch, 1, kvH·hd]), which the engine writes in at position pastLen; the present K/V stay inside
 * onnxruntime. Measured reason: onnxruntime-node 1.30 hands every fetched output back as a fresh copy,
 * even a preallocated one (the returned tensor does not alias the tensor passed in fetches), so
 * fetching present_* copied the whole cache out of the session every step and fed V8's
 * external-memory GC. Grows by CACHE_POSITIONS_STEP positions.
 */
interface SelfAttentionCache {
  capacity: number;
  /** past_key_<l>, past_value_<l> by name. */
  feeds: Record<string, ort.Tensor>;
}

/** Cache capacity increment (positions), up to maxPositions. */
const CACHE_POSITIONS_STEP = 64;

/** Per-prompt state: cross-attention K/V (fixed) and the growing self-attention cache. */
export interface EncoderState {
  batch: number;
  srcLen: number;
  encoderOut: ort.Tensor;
  /** cross_k_<l>, cross_vt_<l> by name. */
  cross: Record<string, ort.Tensor>;
  cache: SelfAttentionCache;
  /** Positions already in the self-attention cache. */
  pastLen: number;
  prefillMs: number;
}

export type LogitsProcessor = (step: number, logits: Float32Array, prefixIds: readonly number[]) => void;

export interface GenerateOptions {
  /** run.py's buffer length: at most maxLen − 1 generated tokens. Default 512. */
  maxLen?: number;
  eos?: number;
  /** First decoder token (Needle: EOS = 1). */
  start?: number;
  logitsProcessor?: LogitsProcessor;
  /** Keep decoding through EOS (benchmarks: a fixed number of forced steps). */
  ignoreEos?: boolean;
}

export interface GenerateTimings {
  /** Encoder + cross K/V. */
  prefillMs: number;
  /** From the call to the first chosen token (prefill + first step). */
  firstTokenMs: number;
  /** Wall time of every decode step (graph run + logits processing + argmax). */
  decodeStepMs: number[];
}

export interface GenerateResult {
  ids: number[];
  stoppedBy: 'eos' | 'max_len';
  timings: GenerateTimings;
}

export function argmax(x: Float32Array, offset = 0, length = x.length - offset): number {
  let best = offset;
  for (let i = offset + 1; i < offset + length; i++) if (x[i] > x[best]) best = i;
  return best - offset;
}

function i64(values: number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

function rows(src: number[] | number[][]): number[][] {
  const r = Array.isArray(src[0]) ? (src as number[][]) : [src as number[]];
  if (r.length === 0 || r[0].length === 0) throw new Error('needle engine: empty input ids');
  if (r.some((row) => row.length !== r[0].length)) throw new Error('needle engine: batch rows must have equal length (right-pad with the pad id)');
  return r;
}

export class NeedleEngine {
  private constructor(
    readonly dims: SanDims,
    readonly precision: Precision,
    readonly exported: CachedExport,
    /** RoPE table length baked into the export: longest encoder input / decoder sequence. */
    readonly maxPositions: number,
    private readonly encoder: ort.InferenceSession,
    /** decoder_step.onnx: every run with one new token per row (decode steps). */
    private readonly decoderStep: ort.InferenceSession,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
  ) {}

  /** decoder.onnx, for runs over several new tokens (teacher forcing, the no-cache scheme): loaded on first use. */
  private decoder?: Promise<ort.InferenceSession>;

  static async create(checkpoint: NeedleCheckpoint, options: EngineOptions = {}): Promise<NeedleEngine> {
    const precision = options.precision ?? 'fp32';
    const maxPositions = options.maxPositions ?? 2048;
    const exported = exportToCache(
      checkpoint,
      { precision, quantizeLogits: options.quantizeLogits ?? false, maxPositions },
      options.cacheDir ?? DEFAULT_ONNX_CACHE_DIR,
    );
    const sessionOptions = cpuSessionOptions(options.threads, options.spinning);
    const profiled = (graph: 'encoder' | 'decoder') => (options.profile?.graph === graph ? { ...sessionOptions, enableProfiling: true, profileFilePrefix: options.profile.prefix } : sessionOptions);
    const [encoder, decoderStep] = await Promise.all([
      ort.InferenceSession.create(exported.encoderPath, profiled('encoder')),
      ort.InferenceSession.create(exported.decoderStepPath, profiled('decoder')),
    ]);
    return new NeedleEngine(sanDims(checkpoint), precision, exported, maxPositions, encoder, decoderStep, sessionOptions);
  }

  async encode(srcIds: number[] | number[][]): Promise<EncoderState> {
    const started = performance.now();
    const src = rows(srcIds);
    const batch = src.length;
    const srcLen = src[0].length;
    if (srcLen > this.maxPositions) throw new Error(`needle engine: ${srcLen} source tokens exceed maxPositions ${this.maxPositions} (EngineOptions.maxPositions)`);
    const out = await this.encoder.run({ src_ids: i64(src.flat(), [batch, srcLen]) });
    const cross: Record<string, ort.Tensor> = {};
    for (let l = 0; l < this.dims.decLayers; l++) {
      cross[`cross_k_${l}`] = out[`cross_k_${l}`];
      cross[`cross_vt_${l}`] = out[`cross_vt_${l}`];
    }
    const cache = this.growCache(undefined, batch, 0, Math.min(CACHE_POSITIONS_STEP, this.maxPositions));
    return { batch, srcLen, encoderOut: out.encoder_out, cross, cache, pastLen: 0, prefillMs: performance.now() - started };
  }

  /** A cache of `capacity` positions holding the first `keep` positions of `old` (if any). */
  private growCache(old: SelfAttentionCache | undefined, batch: number, keep: number, capacity: number): SelfAttentionCache {
    const { kvHeads, headDim } = this.dims;
    const cache: SelfAttentionCache = { capacity, feeds: {} };
    for (let l = 0; l < this.dims.decLayers; l++) {
      for (const kind of ['key', 'value']) {
        const data = new Float32Array(batch * kvHeads * capacity * headDim);
        if (old) {
          const prev = old.feeds[`past_${kind}_${l}`].data as Float32Array;
          for (let row = 0; row < batch * kvHeads; row++) data.set(prev.subarray(row * old.capacity * headDim, (row * old.capacity + keep) * headDim), row * capacity * headDim);
        }
        cache.feeds[`past_${kind}_${l}`] = new ort.Tensor('float32', data, [batch, kvHeads, capacity, headDim]);
      }
    }
    return cache;
  }

  /** Writes the step's new key/value ([batch, 1, kvH·hd] per layer) into the cache at `position`. */
  private appendToCache(cache: SelfAttentionCache, out: ort.InferenceSession.OnnxValueMapType, batch: number, position: number): void {
    const { kvHeads, headDim } = this.dims;
    for (let l = 0; l < this.dims.decLayers; l++) {
      for (const kind of ['key', 'value']) {
        const fresh = out[`new_${kind}_${l}`].data as Float32Array;
        const buffer = cache.feeds[`past_${kind}_${l}`].data as Float32Array;
        for (let row = 0; row < batch * kvHeads; row++) buffer.set(fresh.subarray(row * headDim, (row + 1) * headDim), (row * cache.capacity + position) * headDim);
      }
    }
  }

  private emptyPast(batch: number): Record<string, ort.Tensor> {
    const past: Record<string, ort.Tensor> = {};
    const { kvHeads, headDim } = this.dims;
    for (let l = 0; l < this.dims.decLayers; l++) {
      past[`past_key_${l}`] = new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
      past[`past_value_${l}`] = new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
    }
    return past;
  }

  private checkLength(total: number): void {
    if (total > this.maxPositions) throw new Error(`needle engine: decoder sequence of ${total} tokens exceeds maxPositions ${this.maxPositions} (EngineOptions.maxPositions)`);
  }

  private positions(batch: number, total: number): { seqlens_k: ort.Tensor; total_seq_len: ort.Tensor } {
    return {
      seqlens_k: new ort.Tensor('int32', new Int32Array(batch).fill(total - 1), [batch]),
      total_seq_len: new ort.Tensor('int32', Int32Array.of(total), []),
    };
  }

  /** The full decoder over `tgt` (one row per batch entry) from an empty cache; returns all logits. */
  private async runFull(state: EncoderState, tgt: number[][]): Promise<Float32Array> {
    const len = tgt[0].length;
    this.checkLength(len);
    const feeds = { tgt_ids: i64(tgt.flat(), [state.batch, len]), ...this.positions(state.batch, len), ...state.cross, ...this.emptyPast(state.batch) };
    const session = await (this.decoder ??= ort.InferenceSession.create(this.exported.decoderPath, this.sessionOptions));
    const out = await session.run(feeds);
    return out.logits.data as Float32Array;
  }

  /** One decode step for batch 1 (or the same token for every row): logits of the new position. */
  async step(state: EncoderState, tokenId: number | number[]): Promise<Float32Array> {
    const tokens = Array.isArray(tokenId) ? tokenId : new Array(state.batch).fill(tokenId);
    if (tokens.length !== state.batch) throw new Error(`needle engine: ${tokens.length} step tokens for a batch of ${state.batch}`);
    const total = state.pastLen + 1;
    this.checkLength(total);
    if (total > state.cache.capacity) state.cache = this.growCache(state.cache, state.batch, state.pastLen, Math.min(state.cache.capacity + CACHE_POSITIONS_STEP, this.maxPositions));
    const feeds = { tgt_ids: i64(tokens, [state.batch, 1]), ...this.positions(state.batch, total), ...state.cross, ...state.cache.feeds };
    const out = await this.decoderStep.run(feeds);
    this.appendToCache(state.cache, out, state.batch, state.pastLen);
    state.pastLen = total;
    return out.logits.data as Float32Array;
  }

  /**
   * run.py's own scheme, no KV cache: the whole decoder over a fixed buffer (e.g. 512 slots) every
   * step; returns the logits at `position`. For timing comparisons only.
   */
  async stepWithoutCache(state: EncoderState, buffer: number[], position: number): Promise<Float32Array> {
    const all = await this.runFull(state, [buffer]);
    const V = this.dims.vocab;
    return all.subarray(position * V, (position + 1) * V);
  }

  async generate(srcIds: number[], options: GenerateOptions = {}): Promise<GenerateResult> {
    const maxLen = options.maxLen ?? 512;
    const eos = options.eos ?? 1;
    const started = performance.now();
    const state = await this.encode(srcIds);
    const prefix = [options.start ?? eos];
    const ids: number[] = [];
    const decodeStepMs: number[] = [];
    let firstTokenMs = 0;
    let stoppedBy: GenerateResult['stoppedBy'] = 'max_len';
    for (let step = 0; step < maxLen - 1; step++) {
      const t0 = performance.now();
      const logits = await this.step(state, prefix[prefix.length - 1]);
      options.logitsProcessor?.(step, logits, prefix);
      const next = argmax(logits);
      const t1 = performance.now();
      decodeStepMs.push(t1 - t0);
      if (step === 0) firstTokenMs = t1 - started;
      if (next === eos && !options.ignoreEos) {
        stoppedBy = 'eos';
        break;
      }
      ids.push(next);
      prefix.push(next);
    }
    return { ids, stoppedBy, timings: { prefillMs: state.prefillMs, firstTokenMs, decodeStepMs } };
  }

  /** Teacher-forced forward (parity checks): encoder_out [B,S,d] and logits [B,T,V], row-major. */
  async logits(srcIds: number[] | number[][], tgtIds: number[] | number[][]): Promise<{ encoderOut: Float32Array; logits: Float32Array; batch: number; srcLen: number; tgtLen: number }> {
    const state = await this.encode(srcIds);
    const tgt = rows(tgtIds);
    if (tgt.length !== state.batch) throw new Error(`needle engine: ${state.batch} source rows but ${tgt.length} target rows`);
    const logits = await this.runFull(state, tgt);
    return { encoderOut: state.encoderOut.data as Float32Array, logits, batch: state.batch, srcLen: state.srcLen, tgtLen: tgt[0].length };
  }

  /** Ends profiling (EngineOptions.profile) so onnxruntime writes its file. */
  endProfiling(): void {
    this.encoder.endProfiling();
    this.decoderStep.endProfiling();
  }

  async dispose(): Promise<void> {
    const decoder = this.decoder;
    this.decoder = undefined;
    await Promise.all([this.encoder.release(), this.decoderStep.release(), decoder?.then((d) => d.release())]);
  }
}
