// Shared pieces of the tiny decoder-only causal LMs built for transformers.js end-to-end tests
// (gemma3.ts, qwen3.ts, granite.ts, lfm2.ts). Every graph follows the I/O contract transformers.js v4
// drives for a decoder-only `model.onnx` (models/modeling_utils.js decoder_forward / addPastKeyValues,
// configs.js getCacheNames):
//   in : input_ids int64 [batch_size, sequence_length]
//        attention_mask int64 [batch_size, total_sequence_length]   (past + new tokens)
//        position_ids int64 [batch_size, sequence_length]           (transformers.js builds them from the
//                                                                    mask because the graph declares them;
//                                                                    from 1 for gemma3_text — RoPE scores
//                                                                    depend only on relative positions)
//        past_key_values.{i}.key / .value f32 [batch_size, kv_heads, past_sequence_length, head_dim]
//   out: logits f32 [batch_size, sequence_length, vocab]
//        present.{i}.key / .value f32 [batch_size, kv_heads, total_sequence_length, head_dim]
// transformers.js creates the first (empty) cache from the graph's input metadata: symbolic dims other
// than batch_size become 0, numeric dims are kept — so the symbolic names above matter.
//
// By default everything is written in plain ai.onnx ops (opset 17) in float32: slow but exact, and easy
// to check against the Hugging Face modeling code it mirrors. The attention mask is built in-graph from
// attention_mask (key padding), the causal order of cache slots and, for sliding-window layers, the
// window: key slot j is visible to query slot i iff j ≤ i and i − j < window and mask[j] = 1.
//
// `fused: true` writes the same model in the com.microsoft ops the real q4 exports use (LiquidAI's
// LFM2 builder, onnxruntime-genai's model builder; docs/baselines.md "What the real q4 files hold"):
// SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization for residual add + norm,
// RotaryEmbedding on q/k (at transformers.js's position_ids, cos/sin tables [max_positions, hd/2]) and
// GroupQueryAttention with the KV cache (seqlens_k = Σ attention_mask − 1, local_window_size for
// sliding layers). GroupQueryAttention is causal over the cache and ignores key padding inside it, as
// the real exports do: right for one unpadded sequence, which is all transformers.js runs here.
import { attr, DataType, GraphBuilder, MS_DOMAIN, type Value } from '../builder.ts';
import type { InitializerSink } from '../external-data.ts';
import * as op from '../ops.ts';
import { dequantizeKernel, quantizeKernel } from '../quantize.ts';
import { uniform } from '../../util/prng.ts';

const recorded = new WeakMap<GraphBuilder, Map<string, Float32Array>>();
const quantized = new WeakSet<GraphBuilder>();
const synthetic = new WeakSet<GraphBuilder>();
const fusedGraphs = new WeakSet<GraphBuilder>();
const ACCURACY = new WeakMap<GraphBuilder, number>();
const Q4_TABLE = new WeakSet<GraphBuilder>();
/** Source of a synthetic graph's q4 codes (the builders' own Rng does not reach linear()). */
const SYNTHETIC_RNG = new WeakMap<GraphBuilder, FastRng>();

export interface BuildOptions {
  /**
   * Linear layers as com.microsoft MatMulNBits with 4-bit block-32 symmetric weights — the operator
   * HF's q4 ONNX exports (model_q4.onnx) use; norms stay float32, and so do the embedding and the tied
   * output layer unless `q4Table`.
   */
  q4?: boolean;
  /**
   * A true-size synthetic build (throughput profiles, where values do not matter): weights from a
   * cheap PRNG fill (uniform with the normal draw's mean and std), q4 kernels as random 4-bit codes
   * with one scale per tensor (not quantized from the float kernel), nothing kept in `weights`, and
   * every large initializer streamed to `sink` as it is made.
   */
  synthetic?: { sink?: InitializerSink };
  /** The graph in com.microsoft fused ops (norms, RoPE, GroupQueryAttention) instead of plain ops; see the header. */
  fused?: boolean;
  /**
   * MatMulNBits accuracy_level (q4 only): 4 = int8 activations (MLAS's fast path, what LiquidAI's and
   * onnxruntime-genai's CPU int4 exports set); absent = no attribute (level 0, fp32 compute).
   */
  accuracyLevel?: number;
  /**
   * q4 only: the tied token table as one int4 table (block 32, symmetric) shared by the embedding
   * (com.microsoft GatherBlockQuantized) and the output layer (MatMulNBits), as LiquidAI's later q4
   * recipe writes it (`tie_embedding_int4`); otherwise the table stays float32.
   */
  q4Table?: boolean;
}

export function newGraph(name: string, options: BuildOptions = {}): GraphBuilder {
  const g = new GraphBuilder(`${name}${options.q4 ? '-q4' : ''}${options.fused ? '-fused' : ''}`, { sink: options.synthetic?.sink });
  if (options.q4) quantized.add(g);
  if (options.fused) fusedGraphs.add(g);
  if (options.accuracyLevel !== undefined) ACCURACY.set(g, options.accuracyLevel);
  if (options.q4Table) {
    if (!options.q4) throw new Error('BuildOptions.q4Table needs q4');
    Q4_TABLE.add(g);
  }
  if (options.synthetic) {
    synthetic.add(g);
    SYNTHETIC_RNG.set(g, new FastRng(0x5eed));
  }
  return g;
}

/** The weight generator a builder uses: Box–Muller draws, or the cheap fill of a synthetic build. */
export function rngFor(seed: number, options: BuildOptions = {}): Rng {
  return options.synthetic ? new FastRng(seed) : new Rng(seed);
}

/** A float32 weight initializer, also recorded by name (TinyModel.weights) for reference checks. */
export function param(g: GraphBuilder, name: string, data: Float32Array, dims: number[]): Value {
  if (!synthetic.has(g)) weightsOf(g).set(name, data);
  return g.weight(name, data, dims);
}

/** Every weight `param` recorded for `g`, by initializer name (HF parameter names). */
export function weightsOf(g: GraphBuilder): Map<string, Float32Array> {
  let map = recorded.get(g);
  if (!map) recorded.set(g, (map = new Map()));
  return map;
}

/** Deterministic weights: mulberry32 + Box–Muller. */
export class Rng {
  readonly uniform: () => number;
  constructor(seed: number) {
    this.uniform = uniform(seed);
  }
  normal(): number {
    const u = Math.max(this.uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
  normals(n: number, std: number, mean = 0): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }
  /** Random bytes (q4 codes of a synthetic build). */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (this.uniform() * 256) | 0;
    return out;
  }
}

/**
 * xorshift32 fills: ~1 ns per value instead of a Box–Muller pair, so the ~600M weights of a true-size
 * baseline take seconds. Uniform on mean ± √3·std (same mean and variance as the normal draw).
 */
export class FastRng extends Rng {
  private state: number;
  constructor(seed: number) {
    super(seed);
    this.state = (seed * 2654435761) >>> 0 || 0x9e3779b9;
  }
  override normals(n: number, std: number, mean = 0): Float32Array {
    const out = new Float32Array(n);
    const a = (2 * Math.sqrt(3) * std) / 4294967296;
    const b = mean - Math.sqrt(3) * std;
    let s = this.state;
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = (s >>> 0) * a + b;
    }
    this.state = s;
    return out;
  }
  override bytes(n: number): Uint8Array {
    const out = new Uint8Array(Math.ceil(n / 4) * 4);
    const words = new Uint32Array(out.buffer);
    let s = this.state;
    for (let i = 0; i < words.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      words[i] = s;
    }
    this.state = s;
    return out.subarray(0, n);
  }
}

/**
 * Output projections (attention o_proj, FFN down) draw with this gain so each block moves the residual
 * stream as much as the token embedding does: with tied embeddings and unit gain, a random model just
 * repeats its input token and the cache path would hardly be exercised.
 */
export const OUT_GAIN = 4;

export interface AttentionDims {
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
}

/** The graph inputs every family shares; cache inputs are declared per layer by the family. */
export interface DecoderInputs {
  inputIds: Value;
  attentionMask: Value;
  positionIds: Value;
}

export function declareDecoderInputs(g: GraphBuilder): DecoderInputs {
  return {
    inputIds: g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']),
    attentionMask: g.input('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']),
    positionIds: g.input('position_ids', DataType.INT64, ['batch_size', 'sequence_length']),
  };
}

export function declarePastKv(g: GraphBuilder, layer: number, d: AttentionDims): { key: Value; value: Value } {
  const shape = ['batch_size', d.kvHeads, 'past_sequence_length', d.headDim];
  return {
    key: g.input(`past_key_values.${layer}.key`, DataType.FLOAT, shape),
    value: g.input(`past_key_values.${layer}.value`, DataType.FLOAT, shape),
  };
}

/** Scalar int64 dim `axis` of `x`'s shape. */
export function dimOf(g: GraphBuilder, x: Value, axis: number): Value {
  return op.gather(g, op.shape(g, x), g.constI64([axis], []), 0);
}

/**
 * Additive attention bias [batch, 1, seq, total] (0 or −1e9) for queries at cache slots
 * past..total−1 over key slots 0..total−1; `window` limits how far back a query looks (sliding window).
 */
export function attentionBias(g: GraphBuilder, inputs: DecoderInputs, window?: number): Value {
  const total = dimOf(g, inputs.attentionMask, 1);
  const seq = dimOf(g, inputs.inputIds, 1);
  const past = op.sub(g, total, seq);
  const one = g.constI64([1], []);
  const keySlots = g.op('Range', [g.constI64([0], []), total, one]); // [T]
  const querySlots = op.unsqueeze(g, g.op('Range', [past, total, one]), [1]); // [S,1]
  let visible = g.op('LessOrEqual', [keySlots, querySlots]); // [S,T]
  if (window !== undefined) {
    // i − j < window  ⇔  j > i − window
    const lowest = op.sub(g, querySlots, g.constI64([window], []));
    visible = g.op('And', [visible, g.op('Greater', [keySlots, lowest])]);
  }
  const keep = op.unsqueeze(g, op.cast(g, inputs.attentionMask, DataType.BOOL), [1, 2]); // [B,1,1,T]
  const allowed = g.op('And', [keep, visible]); // [B,1,S,T]
  return op.where(g, allowed, g.constF32([0], []), g.constF32([-1e9], []));
}

/** cos/sin [batch, 1, seq, headDim/2] of the half-split RoPE for `base` at position_ids. */
export function ropeTables(g: GraphBuilder, positionIds: Value, headDim: number, base: number): { cos: Value; sin: Value } {
  const half = headDim / 2;
  const invFreq = Array.from({ length: half }, (_, i) => 1 / Math.pow(base, (2 * i) / headDim));
  const pos = op.unsqueeze(g, op.cast(g, positionIds, DataType.FLOAT), [1, 3]); // [B,1,S,1]
  const freqs = op.mul(g, pos, g.constF32(invFreq, [half])); // [B,1,S,half]
  return { cos: g.op('Cos', [freqs]), sin: g.op('Sin', [freqs]) };
}

/**
 * What a self-attention layer needs besides its weights. Plain graphs: the additive bias and cos/sin
 * at position_ids. Fused graphs: GroupQueryAttention's lengths, cos/sin tables [maxPositions, hd/2]
 * for RotaryEmbedding, and the sliding window.
 */
export interface AttentionContext {
  cos: Value;
  sin: Value;
  bias?: Value;
  gqa?: { seqlensK: Value; totalSeqLen: Value; positionIds: Value; window?: number };
}

export function attentionContext(
  g: GraphBuilder,
  inputs: DecoderInputs,
  o: { headDim: number; base: number; window?: number; maxPositions: number },
): AttentionContext {
  if (!isFused(g)) return { bias: attentionBias(g, inputs, o.window), ...ropeTables(g, inputs.positionIds, o.headDim, o.base) };
  const one = g.constI64([1], []);
  const seqlensK = op.cast(g, op.sub(g, g.op('ReduceSum', [inputs.attentionMask, g.constI64([1])], { keepdims: attr.int(0) }), one), DataType.INT32);
  const totalSeqLen = op.cast(g, dimOf(g, inputs.attentionMask, 1), DataType.INT32);
  // Tables computed in-graph from constants: onnxruntime folds them once at session creation, and
  // they stay out of the external data (whose size the roofline counts as bytes read per step).
  const half = o.headDim / 2;
  const invFreq = Array.from({ length: half }, (_, i) => 1 / Math.pow(o.base, (2 * i) / o.headDim));
  const pos = op.unsqueeze(g, op.cast(g, g.op('Range', [g.constI64([0], []), g.constI64([o.maxPositions], []), one]), DataType.FLOAT), [1]); // [P,1]
  const freqs = op.mul(g, pos, g.constF32(invFreq, [half])); // [P,half]
  return { cos: g.op('Cos', [freqs]), sin: g.op('Sin', [freqs]), gqa: { seqlensK, totalSeqLen, positionIds: inputs.positionIds, window: o.window } };
}

/** Whether `g` is written in fused ops (BuildOptions.fused). */
export function isFused(g: GraphBuilder): boolean {
  return fusedGraphs.has(g);
}

/** x / sqrt(mean(x²) + eps) · gamma over the last axis (gamma already holds 1+w for Gemma). */
export function rmsNorm(g: GraphBuilder, x: Value, gamma: Float32Array, eps: number, name: string): Value {
  const w = param(g, name, gamma, [gamma.length]);
  return isFused(g) ? op.rmsNorm(g, x, w, eps) : op.rmsNormPlain(g, x, w, eps);
}

/**
 * The residual add followed by the next RMSNorm: [norm(h + delta), h + delta]. One
 * SkipSimplifiedLayerNormalization in a fused graph (as the real exports fuse it), Add + norm otherwise.
 */
export function residualNorm(g: GraphBuilder, h: Value, delta: Value, gamma: Float32Array, eps: number, name: string): [normed: Value, sum: Value] {
  if (!isFused(g)) {
    const sum = op.add(g, h, delta);
    return [rmsNorm(g, sum, gamma, eps, name), sum];
  }
  return op.skipRmsNorm(g, delta, h, param(g, name, gamma, [gamma.length]), eps);
}

/**
 * A pre-norm decoder's residual stream h. A block's output waits (`add`) until the next norm, which
 * adds it to h and normalises in one step (residualNorm: one fused op in a fused graph).
 */
export class ResidualStream {
  private pending: Value | undefined;

  constructor(
    private readonly g: GraphBuilder,
    private h: Value,
    private readonly eps: number,
  ) {}

  /** The block output to add to h before the next norm. */
  add(blockOutput: Value): void {
    this.pending = blockOutput;
  }

  /** norm(h), after adding the pending block output to h. */
  norm(gamma: Float32Array, name: string): Value {
    if (!this.pending) return rmsNorm(this.g, this.h, gamma, this.eps, name);
    const [normed, sum] = residualNorm(this.g, this.h, this.pending, gamma, this.eps, name);
    this.h = sum;
    this.pending = undefined;
    return normed;
  }
}

/** x [.., in] · W [in, out] (MatMulNBits for a q4 graph; `weights` keeps the float kernel). */
export function linear(g: GraphBuilder, x: Value, w: Float32Array, inDim: number, outDim: number, name: string): Value {
  if (!quantized.has(g)) return op.matMul(g, x, param(g, name, w, [inDim, outDim]));
  if (inDim % 32 !== 0) throw new Error(`${name}: q4 (MatMulNBits, block 32) needs an input size that is a multiple of 32, got ${inDim}`);
  const blocks = inDim / 32;
  if (synthetic.has(g)) {
    // Random codes (zero point 8 ⇒ values (u − 8)·scale with std ≈ 4.6·scale) at the kernel's rms.
    let sq = 0;
    for (let i = 0; i < w.length; i++) sq += w[i] * w[i];
    const scale = Math.sqrt(sq / w.length) / 4.6;
    const packed = g.initializer(`${name}.q4`, DataType.UINT8, [outDim, blocks, 16], SYNTHETIC_RNG.get(g)!.bytes(outDim * blocks * 16));
    const scales = g.weight(`${name}.scales`, new Float32Array(outDim * blocks).fill(scale), [outDim * blocks]);
    return op.matMulNBits(g, x, packed, scales, { K: inDim, N: outDim, bits: 4, blockSize: 32, accuracyLevel: ACCURACY.get(g) });
  }
  weightsOf(g).set(name, w);
  const q = quantizeKernel(w, inDim, outDim, 4, 32);
  const packed = g.initializer(`${name}.q4`, DataType.UINT8, [outDim, inDim / 32, 16], q.packed);
  const scales = g.weight(`${name}.scales`, q.scales, [q.scales.length]);
  return op.matMulNBits(g, x, packed, scales, { K: inDim, N: outDim, bits: 4, blockSize: 32, accuracyLevel: ACCURACY.get(g) });
}

export interface AttentionWeightsF32 {
  q: Float32Array; // [hidden, heads·hd]
  k: Float32Array; // [hidden, kvHeads·hd]
  v: Float32Array;
  o: Float32Array; // [heads·hd, hidden]
  qNorm?: Float32Array; // [hd] per-head RMSNorm gamma
  kNorm?: Float32Array;
}

export function randomAttention(rng: Rng, d: AttentionDims, qkNorm: boolean, normMean = 1): AttentionWeightsF32 {
  const std = 1 / Math.sqrt(d.hidden);
  const w: AttentionWeightsF32 = {
    q: rng.normals(d.hidden * d.heads * d.headDim, std),
    k: rng.normals(d.hidden * d.kvHeads * d.headDim, std),
    v: rng.normals(d.hidden * d.kvHeads * d.headDim, std),
    o: rng.normals(d.heads * d.headDim * d.hidden, OUT_GAIN / Math.sqrt(d.heads * d.headDim)),
  };
  if (qkNorm) {
    w.qNorm = rng.normals(d.headDim, 0.1, normMean);
    w.kNorm = rng.normals(d.headDim, 0.1, normMean);
  }
  return w;
}

/**
 * Causal GQA self-attention with a growing KV cache, HF layout: q/k/v projections, optional per-head
 * q/k RMSNorm, half-split RoPE, present = concat(past, new) on the sequence axis, softmax(q·kᵀ·scale +
 * bias)·v, output projection. Writes present.{layer}.key/value as graph outputs.
 */
export function selfAttention(
  g: GraphBuilder,
  x: Value,
  w: AttentionWeightsF32,
  io: { layer: number; past: { key: Value; value: Value }; ctx: AttentionContext },
  d: AttentionDims & { scale: number; normEps: number; prefix: string; names?: Partial<Record<'q_norm' | 'k_norm' | 'o_proj', string>> },
): Value {
  const name = (k: 'q_norm' | 'k_norm' | 'o_proj') => `${d.prefix}.${d.names?.[k] ?? k}`;
  const { heads, kvHeads, headDim: hd } = d;
  const rep = heads / kvHeads;
  const p = d.prefix;
  const cacheShape = ['batch_size', kvHeads, 'total_sequence_length', hd];
  if (io.ctx.gqa) {
    // Fused: q/k/v stay [B,S,h·hd]; per-head norms over a [B,S,h,hd] view; RotaryEmbedding at
    // position_ids; GroupQueryAttention appends to the cache and writes present in [B,kvH,T,hd].
    const { gqa, cos, sin } = io.ctx;
    const headNorm = (y: Value, h: number, gamma: Float32Array | undefined, key: 'q_norm' | 'k_norm'): Value =>
      gamma ? op.reshape(g, rmsNorm(g, op.reshape(g, y, [0, 0, h, hd]), gamma, d.normEps, name(key)), [0, 0, h * hd]) : y;
    let q = headNorm(linear(g, x, w.q, d.hidden, heads * hd, `${p}.q_proj`), heads, w.qNorm, 'q_norm');
    let k = headNorm(linear(g, x, w.k, d.hidden, kvHeads * hd, `${p}.k_proj`), kvHeads, w.kNorm, 'k_norm');
    const v = linear(g, x, w.v, d.hidden, kvHeads * hd, `${p}.v_proj`);
    q = op.rotaryEmbedding(g, q, gqa.positionIds, cos, sin, heads);
    k = op.rotaryEmbedding(g, k, gqa.positionIds, cos, sin, kvHeads);
    const [ctx, presentK, presentV] = op.groupQueryAttention(
      g,
      { query: q, key: k, value: v, pastKey: io.past.key, pastValue: io.past.value, seqlensK: gqa.seqlensK, totalSeqLen: gqa.totalSeqLen },
      // local_window_size = sliding_window: a query sees itself and the window − 1 keys before it, as
      // in HF (checked against the reference in test/onnx/fused-architectures.test.ts).
      { numHeads: heads, kvNumHeads: kvHeads, scale: d.scale, localWindowSize: gqa.window, presentNames: [`present.${io.layer}.key`, `present.${io.layer}.value`] },
    );
    g.output(presentK, presentK, DataType.FLOAT, cacheShape);
    g.output(presentV, presentV, DataType.FLOAT, cacheShape);
    return linear(g, ctx, w.o, heads * hd, d.hidden, name('o_proj'));
  }
  const { bias, cos, sin } = io.ctx as Required<Pick<AttentionContext, 'bias' | 'cos' | 'sin'>>;
  const split = (y: Value, h: number): Value => op.transpose(g, op.reshape(g, y, [0, 0, h, hd]), [0, 2, 1, 3]); // [B,h,S,hd]
  let q = split(linear(g, x, w.q, d.hidden, heads * hd, `${p}.q_proj`), heads);
  let k = split(linear(g, x, w.k, d.hidden, kvHeads * hd, `${p}.k_proj`), kvHeads);
  const v = split(linear(g, x, w.v, d.hidden, kvHeads * hd, `${p}.v_proj`), kvHeads);
  if (w.qNorm) q = rmsNorm(g, q, w.qNorm, d.normEps, name('q_norm'));
  if (w.kNorm) k = rmsNorm(g, k, w.kNorm, d.normEps, name('k_norm'));
  q = op.ropePlain(g, q, cos, sin, hd);
  k = op.ropePlain(g, k, cos, sin, hd);
  const presentK = op.concat(g, 2, io.past.key, k);
  const presentV = op.concat(g, 2, io.past.value, v);
  g.output(presentK, `present.${io.layer}.key`, DataType.FLOAT, cacheShape);
  g.output(presentV, `present.${io.layer}.value`, DataType.FLOAT, cacheShape);
  // Grouped heads: q [B,kvH,rep,S,hd] against k/v [B,kvH,1,T,hd] (query head h uses kv head h / rep).
  const q5 = op.reshape(g, q, [0, kvHeads, rep, -1, hd]);
  const kT5 = op.unsqueeze(g, op.transpose(g, presentK, [0, 1, 3, 2]), [2]);
  const v5 = op.unsqueeze(g, presentV, [2]);
  const scores = op.add(g, op.mul(g, op.matMul(g, q5, kT5), g.constF32([d.scale], [])), op.unsqueeze(g, bias, [2]));
  const ctx = op.matMul(g, op.softmax(g, scores, -1), v5); // [B,kvH,rep,S,hd]
  const merged = op.reshape(g, op.transpose(g, op.reshape(g, ctx, [0, heads, -1, hd]), [0, 2, 1, 3]), [0, 0, heads * hd]);
  return linear(g, merged, w.o, heads * hd, d.hidden, name('o_proj'));
}

/** Gated FFN down(act(gate(x)) · up(x)); act = SiLU (SwiGLU) or tanh-approximated GELU (GeGLU). */
export function gatedMlp(
  g: GraphBuilder,
  x: Value,
  w: { gate: Float32Array; up: Float32Array; down: Float32Array },
  d: { hidden: number; ffn: number; act: 'silu' | 'gelu_tanh'; prefix: string; names?: [gate: string, up: string, down: string] },
): Value {
  const [gName, uName, dName] = d.names ?? ['gate_proj', 'up_proj', 'down_proj'];
  const gate = linear(g, x, w.gate, d.hidden, d.ffn, `${d.prefix}.${gName}`);
  const up = linear(g, x, w.up, d.hidden, d.ffn, `${d.prefix}.${uName}`);
  const act = d.act === 'silu' ? op.mul(g, gate, op.sigmoid(g, gate)) : geluTanh(g, gate);
  return linear(g, op.mul(g, act, up), w.down, d.ffn, d.hidden, `${d.prefix}.${dName}`);
}

export function randomMlp(rng: Rng, hidden: number, ffn: number): { gate: Float32Array; up: Float32Array; down: Float32Array } {
  return {
    gate: rng.normals(hidden * ffn, 1 / Math.sqrt(hidden)),
    up: rng.normals(hidden * ffn, 1 / Math.sqrt(hidden)),
    down: rng.normals(ffn * hidden, OUT_GAIN / Math.sqrt(ffn)),
  };
}

/** gelu_pytorch_tanh: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluTanh(g: GraphBuilder, x: Value): Value {
  const inner = op.mul(g, op.add(g, x, op.mul(g, op.mul(g, op.mul(g, x, x), x), g.constF32([0.044715], []))), g.constF32([Math.sqrt(2 / Math.PI)], []));
  return op.mul(g, op.mul(g, x, g.constF32([0.5], [])), op.add(g, g.op('Tanh', [inner]), g.constF32([1], [])));
}

/** The tied token table E [vocab, hidden]: a float32 initializer, or (BuildOptions.q4Table) int4 codes + scales. */
export type TokenTable = Value | { q4: Value; scales: Value; vocab: number; hidden: number };

/**
 * The tied table `name` [vocab, hidden] from `data`. As int4 it is stored once, [vocab, hidden/32, 16]
 * codes and [vocab, hidden/32] scales (MatMulNBits' B layout with N = vocab, K = hidden, which is E's
 * own row order); `weights` then records the dequantized table, what the graph computes with.
 */
export function tokenTable(g: GraphBuilder, name: string, data: Float32Array, vocab: number, hidden: number): TokenTable {
  if (!Q4_TABLE.has(g)) return param(g, name, data, [vocab, hidden]);
  if (hidden % 32 !== 0) throw new Error(`${name}: an int4 table needs a hidden size that is a multiple of 32, got ${hidden}`);
  const blocks = hidden / 32;
  if (synthetic.has(g)) {
    let sq = 0;
    for (let i = 0; i < data.length; i++) sq += data[i] * data[i];
    const q4 = g.initializer(`${name}.q4`, DataType.UINT8, [vocab, blocks, 16], SYNTHETIC_RNG.get(g)!.bytes(vocab * blocks * 16));
    const scales = g.weight(`${name}.scales`, new Float32Array(vocab * blocks).fill(Math.sqrt(sq / data.length) / 4.6), [vocab, blocks]);
    return { q4, scales, vocab, hidden };
  }
  // quantizeKernel takes [K, N] = Eᵀ and packs per output column n, i.e. per token row of E.
  const t = new Float32Array(data.length);
  for (let v = 0; v < vocab; v++) for (let h = 0; h < hidden; h++) t[h * vocab + v] = data[v * hidden + h];
  const q = quantizeKernel(t, hidden, vocab, 4, 32);
  const deq = dequantizeKernel(q); // [hidden, vocab]
  const table = new Float32Array(data.length);
  for (let v = 0; v < vocab; v++) for (let h = 0; h < hidden; h++) table[v * hidden + h] = deq[h * vocab + v];
  weightsOf(g).set(name, table);
  return { q4: g.initializer(`${name}.q4`, DataType.UINT8, [vocab, blocks, 16], q.packed), scales: g.weight(`${name}.scales`, q.scales, [vocab, blocks]), vocab, hidden };
}

/** Token embedding lookup: E [vocab, hidden] gathered at input_ids → [B,S,hidden]. */
export function embed(g: GraphBuilder, inputIds: Value, table: TokenTable): Value {
  if (typeof table === 'string') return op.gather(g, table, inputIds, 0);
  // GatherBlockQuantized reads uint8 codes as [vocab, hidden/2] (zero point 8 when none is given, as MatMulNBits).
  const codes = op.reshape(g, table.q4, [table.vocab, table.hidden / 2]);
  return g.op('GatherBlockQuantized', [codes, inputIds, table.scales], { bits: attr.int(4), block_size: attr.int(32), gather_axis: attr.int(0), quantize_axis: attr.int(1) }, MS_DOMAIN);
}

/** Tied output layer: h [B,S,hidden] · Eᵀ → logits [B,S,vocab], declared as the `logits` output. */
export function tiedLogits(g: GraphBuilder, h: Value, table: TokenTable, vocab: number, scale?: number): Value {
  let logits =
    typeof table === 'string'
      ? op.matMul(g, h, op.transpose(g, table, [1, 0]))
      : op.matMulNBits(g, h, table.q4, table.scales, { K: table.hidden, N: table.vocab, bits: 4, blockSize: 32, accuracyLevel: ACCURACY.get(g) });
  if (scale !== undefined) logits = op.mul(g, logits, g.constF32([scale], []));
  return g.output(logits, 'logits', DataType.FLOAT, ['batch_size', 'sequence_length', vocab]);
}

/** A built tiny model: the graph bytes and the config.json it goes with. */
/** The finished model: the encoded graph, its HF config and its weights (as recorded, or `weights`). */
export function tinyModel(g: GraphBuilder, config: Record<string, unknown>, weights: Map<string, Float32Array> = weightsOf(g)): TinyModel {
  return { onnx: g.encode(), builder: g, config, weights };
}

export interface TinyModel {
  onnx: Uint8Array;
  /** The graph itself, e.g. for `encodeWithExternalData`. */
  builder: GraphBuilder;
  config: Record<string, unknown>;
  /** The weights by HF parameter name; linear kernels stored [in, out] (transposed from torch). */
  weights: Map<string, Float32Array>;
}
