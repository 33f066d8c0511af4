// Runs the Needle 2 ONNX graph (export.ts) for one sequence: keeps the KV cache (kv-cache.ts: the
// engine's own buffers, bounded to the sinks and the window) and the token history, and computes the
// host-side inputs — positions, the sliding-window/sink attention bias over the cached and the new keys,
// the engram hash rows and their validity — exactly as the reference decoder (reference.ts) defines them.
import * as ort from 'onnxruntime-node';
import { cpuSessionOptions } from '../v1/engine.ts';
import { ENGRAM_CONV_TAPS, engramGeometry, headDim, type Needle2Config } from './config.ts';
import { buildNeedle2Graph, type Needle2ExportOptions } from './export.ts';
import { Needle2KvCache } from './kv-cache.ts';
import { engramIndices } from './reference.ts';
import type { Needle2Weights } from './weights.ts';

export interface OnnxDecoderOptions {
  window?: number;
  sinkLen?: number;
  /** Longest run per session call; longer feeds (a prompt) go in chunks of it. Default PREFILL_CHUNK. */
  chunk?: number;
}

/**
 * A prompt is fed 128 positions per session call: each chunk attends to the bounded cache plus itself,
 * so a prefill costs S × (sinks + window + 128) in attention instead of S², and the dense products
 * still run with 128 rows. Same results (the chunked-prefill parity tests). Measured at the 45M base
 * preset, 2 threads, window 256, 300 sinks, CPU per prefill against main's one call: 512 tokens fp32
 * 1.48 → 1.35 s, int4 1.87 → 1.39 s; 1,536 tokens fp32 7.7 → 4.8 s, int4 8.1 → 5.1 s (64 and 256 were
 * slower than 128; docs/needle2.md).
 */
export const PREFILL_CHUNK = 128;

/** The exported graph in an onnxruntime session; one per weights, any number of decoders on it. */
export class Needle2OnnxModel {
  private constructor(
    readonly config: Needle2Config,
    readonly session: ort.InferenceSession,
  ) {}

  /** Export the graph from the weights and open a session on it (in memory). */
  static async create(weights: Needle2Weights, opts: { threads?: number } & Needle2ExportOptions = {}): Promise<Needle2OnnxModel> {
    const model = buildNeedle2Graph(weights, opts).encode();
    return Needle2OnnxModel.open(model, weights.config, opts.threads);
  }

  /** Open an exported graph (a file of the export cache, or its bytes); `config` is the weights' config. */
  static async open(model: string | Uint8Array, config: Needle2Config, threads?: number): Promise<Needle2OnnxModel> {
    const options = cpuSessionOptions(threads);
    const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
    return new Needle2OnnxModel(config, session);
  }

  decoder(opts: OnnxDecoderOptions = {}): Needle2OnnxDecoder {
    return new Needle2OnnxDecoder(this.config, this.session, opts.window ?? 0, opts.sinkLen ?? 0, opts.chunk ?? PREFILL_CHUNK);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** One sequence on a Needle2OnnxModel: its KV cache and token history. */
export class Needle2OnnxDecoder {
  readonly history: number[] = [];
  private readonly cache: Needle2KvCache;

  constructor(
    readonly config: Needle2Config,
    private readonly session: ort.InferenceSession,
    readonly window: number,
    readonly sinkLen: number,
    readonly chunk = PREFILL_CHUNK,
  ) {
    if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`Needle 2 decoder: chunk ${chunk} must be a positive integer`);
    const c = config;
    this.cache = new Needle2KvCache({ layers: c.num_layers, kvHeads: c.num_kv_heads, headDim: headDim(c), maxPositions: c.max_seq_len }, window, sinkLen);
  }

  get position(): number {
    return this.history.length;
  }

  /** Cached key slots the next feed attends over (bounded: sinks + window − 1, rounded up to 64, at most). */
  get cacheSlots(): number {
    return this.cache.slots;
  }

  /** Feed tokens (prompt or one generated token); returns the logits at each new position. */
  async feed(tokens: number[]): Promise<Float32Array[]> {
    const c = this.config;
    for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= c.vocab_size) throw new RangeError(`Needle 2 decoder: token ${t} is outside the vocabulary (${c.vocab_size})`);
    const T = this.position + tokens.length;
    if (T > c.max_seq_len) throw new RangeError(`Needle 2 decoder: ${T} positions exceed max_seq_len ${c.max_seq_len}`);
    const out: Float32Array[] = [];
    for (let i = 0; i < tokens.length; i += this.chunk) out.push(...(await this.run(tokens.slice(i, i + this.chunk))));
    return out;
  }

  /** One session call over positions P..P+S-1. */
  private async run(tokens: number[]): Promise<Float32Array[]> {
    const c = this.config;
    const P = this.position;
    const S = tokens.length;
    this.history.push(...tokens);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [S]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: S }, (_, i) => BigInt(P + i)), [S]),
      attn_bias: new ort.Tensor('float32', this.cache.bias(P, S), [S, this.cache.slots + S]),
      ...this.cache.feeds(),
    };
    if (c.engram_layers.length) {
      const eg = engramGeometry(c);
      const dil = Math.max(...eg.orders);
      const W = ENGRAM_CONV_TAPS * dil;
      const rows = new BigInt64Array((W + S) * eg.tables);
      const ok = new Float32Array((W + S) * eg.tables);
      for (let r = 0; r < W + S; r++) {
        const t = P - W + r;
        if (t < 0) continue;
        const idx = engramIndices(this.history, t, eg.orders, eg.heads, c.engram_slots);
        for (let ti = 0; ti < eg.tables; ti++) {
          rows[r * eg.tables + ti] = BigInt(ti * c.engram_slots + idx[ti]);
          ok[r * eg.tables + ti] = t - (eg.orders[Math.floor(ti / eg.heads)] - 1) >= 0 ? 1 : 0;
        }
      }
      const tapOk = new Float32Array(ENGRAM_CONV_TAPS * S);
      for (let j = 0; j < ENGRAM_CONV_TAPS; j++) for (let s = 0; s < S; s++) tapOk[j * S + s] = P + s - j * dil >= 0 ? 1 : 0;
      feeds.engram_idx = new ort.Tensor('int64', rows, [W + S, eg.tables]);
      feeds.engram_ok = new ort.Tensor('float32', ok, [W + S, eg.tables]);
      feeds.tap_ok = new ort.Tensor('float32', tapOk, [ENGRAM_CONV_TAPS, S, 1]);
    }
    const out = await this.session.run(feeds);
    this.cache.write(out, P, S);
    const logits = out.logits.data as Float32Array;
    const V = c.vocab_size;
    return Array.from({ length: S }, (_, s) => logits.slice(s * V, (s + 1) * V));
  }
}
