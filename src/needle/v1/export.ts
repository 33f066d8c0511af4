// Needle's Simple Attention Network as three ONNX graphs for onnxruntime's CPU execution provider.
//
// encoder.onnx  — runs once per prompt.
//   in : src_ids int64 [batch, src_len]
//   out: encoder_out f32 [batch, src_len, d_model]
//        cross_k_<l> f32 [batch, kv_heads, 1, src_len, head_dim + 1], cross_vt_<l> [batch, kv_heads, 1,
//        head_dim, src_len] for every decoder layer l: the cross-attention K (k_norm applied) with the
//        key-padding bias as an extra last column (0 = real token, −1e9 = pad id), and Vᵀ, computed
//        once per prompt instead of every step. The unit axis lets the step graph broadcast them over
//        the query heads of each kv head.
// decoder.onnx  — any number of new tokens: a teacher-forced pass or run.py's no-cache scheme (past_len 0).
//   in : tgt_ids int64 [batch, tgt_len]
//        seqlens_k int32 [batch] = past_len + tgt_len − 1;  total_seq_len int32 [] = past_len + tgt_len
//        cross_k_<l>, cross_vt_<l> (from the encoder)
//        past_key_<l>, past_value_<l> f32 [batch, kv_heads, past_len, head_dim] (RoPE'd K, plain V)
//   out: logits f32 [batch, tgt_len, vocab];  present_key_<l>, present_value_<l> [.., past_len + tgt_len, ..]
// decoder_step.onnx — every KV-cached decode step (tgt_len = 1), with fewer nodes (crossAttentionStep).
//   in : as decoder.onnx, but past_key_<l>, past_value_<l> are the engine's cache buffers of
//        `capacity` ≥ past_len positions, the first past_len valid (seqlens_k says how many)
//   out: logits f32 [batch, 1, vocab];  new_key_<l> (RoPE'd), new_value_<l> f32 [batch, 1, kv_heads·head_dim]:
//        the new token's entries, which the engine appends to its cache. RoPE runs as its own node
//        before GroupQueryAttention so the rotated key is a graph value; the present K/V stay inside
//        onnxruntime (onnxruntime-node copies every fetched output, so fetching them cost a copy of
//        the whole cache per step).
//
// Maths (needle/model/architecture.py): x = emb·√d; per layer x += σ(gate)·attn(ZCRMSNorm(x)) where
// ZCRMSNorm(x) = (1+scale)·x/√(mean x² + 1e-6); per-head q/k ZCRMSNorm before half-split RoPE
// (self-attention only, positions counted separately in encoder and decoder); GQA; key padding mask
// from token 0 in encoder self- and cross-attention, causal in the decoder; final norms; tied logits.
//
// Speed choices. Decode (one token) is bound by memory traffic — weights, the tied output layer and
// the cross K/V are all read every step — and by per-node overhead; prefill by MatMul FLOPs.
// σ(gate) is folded into out_proj, so each residual add fuses into SkipSimplifiedLayerNormalization
// with the next norm; q|k|v is one MatMul; in the decoder GroupQueryAttention does RoPE, the cache
// append and causal GQA in one node; 1/√hd is folded into the q-norm gamma where attention is plain
// MatMuls (encoder self-attention, cross-attention); 1+scale is precomputed. The key-padding bias
// rides inside those MatMuls: keys get one extra component holding the bias (0 or −1e9) and queries a
// matching 1, so q'·k' = q·k + bias without a broadcast Add over the scores (measured 7% of a 512-token
// prefill and 6% of an int4 decode step as a separate Add). The q and k head norms are one node per
// layer (per-head scale, see projectQkv); emb·√d is a pre-scaled table. The step graph has 170 nodes
// at the released config (20 per decoder layer), the general decoder ~27 per layer. Quantized variants replace every dense kernel by MatMulNBits (block 32, symmetric,
// Needle's QAT scheme, see src/onnx/quantize.ts); the embedding stays float32 unless
// `quantizeLogits` is set (Needle's QAT never quantizes it), which then also quantizes the tied output
// layer used for logits.
import { DataType, GraphBuilder, type Value } from '../../onnx/builder.ts';
import * as op from '../../onnx/ops.ts';
import { quantizeKernel, quantizeRows } from '../../onnx/quantize.ts';
import type { AttentionWeights, SanDims, SanWeights } from './export-weights.ts';

export type Precision = 'fp32' | 'int8' | 'int4';

export interface ExportOptions {
  precision: Precision;
  /** RoPE table length: the longest encoder input or decoder sequence supported (default 2048). */
  maxPositions?: number;
  /** Quantize the tied embedding when used as the output layer (int8/int4 only). Default false. */
  quantizeLogits?: boolean;
  /** MatMulNBits accuracy_level (4 = int8 activations, fastest on CPU). Default 4 for quantized. */
  accuracyLevel?: number;
}

/** Bump whenever the graphs change: it is part of the export cache key. */
export const EXPORT_FORMAT_VERSION = 7;
const NORM_EPS = 1e-6;
/** Needle masks with jnp.finfo(float32).min; any value this negative gives masked keys weight 0. */
const MASK_FILTER = -1e9;

interface Ctx {
  g: GraphBuilder;
  dims: SanDims;
  o: Required<ExportOptions>;
  embedding: Float32Array;
}

function onePlus(scale: Float32Array): Float32Array {
  return Float32Array.from(scale, (s) => 1 + s);
}

function sigmoid(x: number): number {
  return Math.fround(1 / (1 + Math.exp(-x)));
}

function scaled(kernel: Float32Array, factor: number): Float32Array {
  return Float32Array.from(kernel, (w) => w * factor);
}

/** Row-major (K, N1) | (K, N2) | ... → (K, ΣN). */
function concatColumns(K: number, parts: { data: Float32Array; cols: number }[]): Float32Array {
  const N = parts.reduce((a, p) => a + p.cols, 0);
  const out = new Float32Array(K * N);
  for (let k = 0; k < K; k++) {
    let off = k * N;
    for (const p of parts) {
      out.set(p.data.subarray(k * p.cols, (k + 1) * p.cols), off);
      off += p.cols;
    }
  }
  return out;
}

/** x · W for a (K, N) kernel, as MatMul (fp32) or MatMulNBits (int8/int4). */
function linear(c: Ctx, x: Value, name: string, kernel: Float32Array, K: number, N: number): Value {
  const { g, o } = c;
  if (o.precision === 'fp32') return op.matMul(g, x, g.weight(name, kernel, [K, N]));
  const bits = o.precision === 'int8' ? 8 : 4;
  const q = quantizeKernel(kernel, K, N, bits, 32);
  const packed = g.initializer(`${name}.q${bits}`, DataType.UINT8, [N, K / 32, (32 * bits) / 8], q.packed);
  const scales = g.weight(`${name}.scales`, q.scales, [q.scales.length]);
  return op.matMulNBits(g, x, packed, scales, { K, N, bits, blockSize: 32, accuracyLevel: o.accuracyLevel });
}

/** Per-head ZCRMSNorm over head_dim of a [B, S, heads·hd] tensor. */
function headNorm(c: Ctx, x: Value, name: string, heads: number, scale: Float32Array, factor = 1): Value {
  const { g, dims } = c;
  const split = op.reshape(g, x, [0, 0, heads, dims.headDim]);
  const gamma = Float32Array.from(scale, (s) => (1 + s) * factor);
  const normed = op.rmsNorm(g, split, g.weight(name, gamma, [dims.headDim]), NORM_EPS);
  return op.reshape(g, normed, [0, 0, heads * dims.headDim]);
}

/**
 * The step graph applies RoPE itself (one RotaryEmbedding over q|k, positions [B, 1]) and names the
 * new token's rotated key and its value as graph outputs, so the engine can append them to its own
 * cache (see decoderGraph).
 */
interface StepRope {
  positionIds: Value;
  cos: Value;
  sin: Value;
  keyName: string;
  valueName: string;
}

/**
 * Self-attention q, k, v projections (one fused MatMul) with the q and k head norms as one
 * SimplifiedLayerNormalization over [B, S, H + kvH, hd] whose scale [H + kvH, hd] holds each head's
 * gamma (onnxruntime broadcasts a scale over the leading rows): two fewer nodes per layer than a norm
 * for q and one for k.
 */
function projectQkv(c: Ctx, h: Value, name: string, a: AttentionWeights, qScale = 1, rope?: StepRope): [Value, Value, Value] {
  const { g, dims } = c;
  const { dModel: d, heads, kvHeads, headDim } = dims;
  const kvd = kvHeads * headDim;
  const w = concatColumns(d, [
    { data: a.q, cols: d },
    { data: a.k, cols: kvd },
    { data: a.v, cols: kvd },
  ]);
  const qkv = linear(c, h, `${name}.qkv`, w, d, d + 2 * kvd);
  const [qk, v] = op.split(g, qkv, -1, [d + kvd, kvd], rope ? [g.fresh('qk'), rope.valueName] : undefined);
  const gamma = new Float32Array((heads + kvHeads) * headDim);
  for (let hI = 0; hI < heads + kvHeads; hI++) {
    const [scale, factor] = hI < heads ? [a.qNorm, qScale] : [a.kNorm, 1];
    for (let i = 0; i < headDim; i++) gamma[hI * headDim + i] = (1 + scale[i]) * factor;
  }
  const normed = op.rmsNorm(g, op.reshape(g, qk, [0, 0, heads + kvHeads, headDim]), g.weight(`${name}.qk_norm`, gamma, [heads + kvHeads, headDim]), NORM_EPS);
  let flat = op.reshape(g, normed, [0, 0, (heads + kvHeads) * headDim]);
  if (rope) flat = op.rotaryEmbedding(g, flat, rope.positionIds, rope.cos, rope.sin, heads + kvHeads);
  const [q, k] = op.split(g, flat, -1, [d, kvd], rope ? [g.fresh('q'), rope.keyName] : undefined);
  return [q, k, v];
}

/** RoPE tables [maxPositions, hd/2] in float32, as architecture.precompute_rope_freqs. */
export function ropeTables(headDim: number, positions: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let i = 0; i < half; i++) {
    const freq = Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / headDim))));
    for (let t = 0; t < positions; t++) {
      const angle = Math.fround(t * freq);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

function ropeInputs(c: Ctx): { cos: Value; sin: Value } {
  const { headDim, ropeTheta } = c.dims;
  const t = ropeTables(headDim, c.o.maxPositions, ropeTheta);
  return {
    cos: c.g.weight('rope_cos', t.cos, [c.o.maxPositions, headDim / 2]),
    sin: c.g.weight('rope_sin', t.sin, [c.o.maxPositions, headDim / 2]),
  };
}

/**
 * emb·√d as one Gather from a pre-scaled table (the output layer has its own copy, so scaling this
 * one is free). Bit-identical to Gather then Mul: both round the same float32 product once.
 */
function embed(c: Ctx, ids: Value): Value {
  const { g, dims } = c;
  const factor = Math.fround(Math.sqrt(dims.dModel));
  const table = g.weight('embedding', Float32Array.from(c.embedding, (e) => e * factor), [dims.vocab, dims.dModel]);
  return op.gather(g, table, ids);
}

/**
 * Ones [B, kvH, rep·T, 1] for ids [B, T] (or [B, kvH, rep, 1, 1] for the one-token step graph): the
 * column appended to grouped queries so that they meet the key-padding bias carried by the keys (see
 * the header). Built from the ids for the dynamic B and T.
 */
function queryOnes(c: Ctx, ids: Value, oneToken = false): Value {
  const { g, dims } = c;
  const rep = dims.heads / dims.kvHeads;
  const ones = op.add(g, op.mul(g, op.cast(g, ids, DataType.FLOAT), g.constF32([0], [])), g.constF32([1], []));
  if (oneToken) return op.tile(g, op.unsqueeze(g, ones, [1, 2, 3]), [1, dims.kvHeads, rep, 1, 1]);
  return op.tile(g, op.unsqueeze(g, ones, [1, 3]), [1, dims.kvHeads, rep, 1]);
}

function resolve(o: ExportOptions): Required<ExportOptions> {
  return {
    precision: o.precision,
    maxPositions: o.maxPositions ?? 2048,
    quantizeLogits: o.quantizeLogits ?? false,
    accuracyLevel: o.accuracyLevel ?? 4,
  };
}


/**
 * Encoder self-attention in plain ops: RotaryEmbedding on q and k (half-split, positions 0..T−1),
 * grouped scores q·Kᵀ per kv head (query head h = kv·rep + r) + key-padding bias, softmax, ·V.
 * Measured ~2x faster than GroupQueryAttention(causal=0) at T=512, where the attention kernel, not
 * MLAS, did the work. q arrives already scaled by 1/√hd (folded into its norm gamma). mask.biasRow
 * [B,kvH,1,T] is the key-padding bias, mask.onesCol [B,kvH,rep·T,1] ones.
 */
function encoderSelfAttention(c: Ctx, q: Value, k: Value, v: Value, rope: { cos: Value; sin: Value }, mask: { biasRow: Value; onesCol: Value }, positionStart: Value): Value {
  const { g, dims } = c;
  const { heads, kvHeads, headDim, dModel } = dims;
  const qr = op.rotaryEmbedding(g, q, positionStart, rope.cos, rope.sin, heads);
  const kr = op.rotaryEmbedding(g, k, positionStart, rope.cos, rope.sin, kvHeads);
  const qg = op.reshape(g, op.transpose(g, op.reshape(g, qr, [0, 0, heads, headDim]), [0, 2, 1, 3]), [0, kvHeads, -1, headDim]);
  const kt = op.transpose(g, op.reshape(g, kr, [0, 0, kvHeads, headDim]), [0, 2, 3, 1]);
  const vh = op.transpose(g, op.reshape(g, v, [0, 0, kvHeads, headDim]), [0, 2, 1, 3]);
  // [q | 1]·[kᵀ ; bias] = q·kᵀ + bias (key padding), see the header.
  const probs = op.softmax(g, op.matMul(g, op.concat(g, -1, qg, mask.onesCol), op.concat(g, 2, kt, mask.biasRow)), -1);
  const ctx = op.reshape(g, op.matMul(g, probs, vh), [0, heads, -1, headDim]);
  return op.reshape(g, op.transpose(g, ctx, [0, 2, 1, 3]), [0, 0, dModel]);
}

/**
 * Grouped cross-attention in plain ops (a fused MultiHeadAttention over repeated heads measured ~8x
 * slower per decode step). Computed transposed so both MatMuls have the big encoder-side operand as A
 * (MLAS packs B on every call; here B is the few query columns): q [B,T,H·hd] → per kv head
 * qᵀ [B,kvH,hd,rep·T] (query head h = kv·rep + r, as GQA's h → h / rep); scoresᵀ = K·qᵀ
 * [B,kvH,S,rep·T] (1/√hd folded into the q-norm gamma; the key-padding bias is K's extra last column
 * against a 1 appended to q, `onesCol` [B,kvH,rep·T,1]); softmax over S;
 * outᵀ = Vᵀ·probsᵀ [B,kvH,hd,rep·T]; back to [B,T,H·hd].
 */
function crossAttention(c: Ctx, q: Value, name: string, qNorm: Float32Array, k: Value, vt: Value, onesCol: Value): Value {
  const { g, dims } = c;
  const { heads, kvHeads, headDim, dModel } = dims;
  const gamma = Float32Array.from(qNorm, (s) => (1 + s) / Math.sqrt(headDim));
  const qh = op.rmsNorm(g, op.reshape(g, q, [0, 0, heads, headDim]), g.weight(`${name}.q_norm`, gamma, [headDim]), NORM_EPS);
  const grouped = op.reshape(g, op.transpose(g, qh, [0, 2, 1, 3]), [0, kvHeads, -1, headDim]);
  // k carries the key-padding bias as its last column: [k | bias]·[q | 1]ᵀ = k·qᵀ + bias.
  const qT = op.transpose(g, op.concat(g, -1, grouped, onesCol), [0, 1, 3, 2]);
  const probsT = op.softmax(g, op.matMul(g, k, qT), 2);
  const ctxT = op.matMul(g, vt, probsT);
  const ctx = op.reshape(g, op.transpose(g, ctxT, [0, 1, 3, 2]), [0, heads, -1, headDim]);
  return op.reshape(g, op.transpose(g, ctx, [0, 2, 1, 3]), [0, 0, dModel]);
}

/**
 * Cross-attention for exactly one new token (the decode step graph), as one matrix–vector product per
 * query head: q [B,1,H·hd] is [B,kvH,rep,1,hd] by a Reshape (with T = 1 query head h = kv·rep + r is
 * row r of kv head kv), scores = [q | 1]·[K | bias]ᵀ against K [B,kvH,1,S,hd+1] broadcast over rep,
 * softmax over S, ctx = probs·(Vᵀ)ᵀ against Vᵀ [B,kvH,1,hd,S], and ctx [B,kvH,rep,1,hd] is already
 * head-major [B,1,H·hd]. Both products are FusedMatMul(transB) with M = 1, which MLAS runs as its
 * single-row kernels without packing either operand; no Transpose is left (crossAttention's
 * transposed form needs six more nodes per layer). `onesCol` is [B,kvH,rep,1,1].
 */
function crossAttentionStep(c: Ctx, q: Value, name: string, qNorm: Float32Array, k: Value, vt: Value, onesCol: Value): Value {
  const { g, dims } = c;
  const { heads, kvHeads, headDim, dModel } = dims;
  const gamma = Float32Array.from(qNorm, (s) => (1 + s) / Math.sqrt(headDim));
  const qh = op.rmsNorm(g, op.reshape(g, q, [0, kvHeads, heads / kvHeads, 1, headDim]), g.weight(`${name}.q_norm`, gamma, [headDim]), NORM_EPS);
  const probs = op.softmax(g, op.fusedMatMulTransB(g, op.concat(g, -1, qh, onesCol), k), -1);
  return op.reshape(g, op.fusedMatMulTransB(g, probs, vt), [0, 1, dModel]);
}

export function buildEncoderGraph(w: SanWeights, options: ExportOptions): GraphBuilder {
  const g = new GraphBuilder('needle_encoder');
  const c: Ctx = { g, dims: w.dims, o: resolve(options), embedding: w.embedding };
  const { dModel: d, kvHeads, headDim } = w.dims;
  const kvd = kvHeads * headDim;
  const src = g.input('src_ids', DataType.INT64, ['batch', 'src_len']);

  // Key padding as an additive bias [B,T] (0 or −1e9), carried into the score MatMuls as an extra key
  // row against a ones column on the query side (see the header).
  const isPad = op.equal(g, src, g.constI64([w.dims.padId], []));
  const padBias = op.where(g, isPad, g.constF32([MASK_FILTER], []), g.constF32([0], []));
  const perKvHead = (axes: number[]) => op.tile(g, op.unsqueeze(g, padBias, axes), [1, kvHeads, ...axes.slice(1).map(() => 1), 1]);
  const mask = {
    biasRow: perKvHead([1, 2]), // [B,kvH,1,T]
    onesCol: queryOnes(c, src), // [B,kvH,rep·T,1]
  };
  const positionStart = g.constI64([0]); // RotaryEmbedding: positions 0..T-1
  const rope = ropeInputs(c);

  let x = embed(c, src);
  let pending: Value | undefined; // last sublayer output, not yet added to the residual stream x
  for (const [l, layer] of w.encoder.entries()) {
    const name = `enc${l}`;
    const gamma = g.weight(`${name}.norm`, onePlus(layer.norm), [d]);
    let h: Value;
    if (pending) [h, x] = op.skipRmsNorm(g, pending, x, gamma, NORM_EPS);
    else h = op.rmsNorm(g, x, gamma, NORM_EPS);
    const [q, k, v] = projectQkv(c, h, `${name}.attn`, layer.attn, 1 / Math.sqrt(headDim));
    const attn = encoderSelfAttention(c, q, k, v, rope, mask, positionStart);
    pending = linear(c, attn, `${name}.attn.out`, scaled(layer.attn.out, sigmoid(layer.gate)), d, d);
  }
  const finalGamma = g.weight('enc.final_norm', onePlus(w.encoderFinalNorm), [d]);
  const encOut = pending ? op.skipRmsNorm(g, pending, x, finalGamma, NORM_EPS)[0] : op.rmsNorm(g, x, finalGamma, NORM_EPS);
  g.output(encOut, 'encoder_out', DataType.FLOAT, ['batch', 'src_len', d]);
  const biasCol = perKvHead([1, 2, 4]); // [B,kvH,1,T,1], cross K's extra column

  // Cross-attention K/V of every decoder layer, per kv head: [K | bias] [B, kvH, 1, T, hd+1] and Vᵀ
  // [B, kvH, 1, hd, T]; the unit axis lets the one-token step graph broadcast them over the rep query
  // heads of each kv head (crossAttentionStep).
  const byHead = (t: Value, perm: number[]): Value => op.transpose(g, op.reshape(g, t, [0, 0, kvHeads, 1, headDim]), perm);
  for (const [l, layer] of w.decoder.entries()) {
    const name = `dec${l}.cross`;
    const wkv = concatColumns(d, [
      { data: layer.cross.k, cols: kvd },
      { data: layer.cross.v, cols: kvd },
    ]);
    const [k, v] = op.split(g, linear(c, encOut, `${name}.kv`, wkv, d, 2 * kvd), -1, [kvd, kvd]);
    const kNormed = headNorm(c, k, `${name}.k_norm`, kvHeads, layer.cross.kNorm);
    g.output(op.concat(g, -1, byHead(kNormed, [0, 2, 3, 1, 4]), biasCol), `cross_k_${l}`, DataType.FLOAT, ['batch', kvHeads, 1, 'src_len', headDim + 1]);
    g.output(byHead(v, [0, 2, 3, 4, 1]), `cross_vt_${l}`, DataType.FLOAT, ['batch', kvHeads, 1, headDim, 'src_len']);
  }
  g.metadata.needle_graph = 'encoder';
  return g;
}

/** The decoder over any number of new tokens (teacher forcing, run.py's no-cache scheme). */
export function buildDecoderGraph(w: SanWeights, options: ExportOptions): GraphBuilder {
  return decoderGraph(w, options, false);
}

/**
 * The decoder specialised for one new token per row (tgt_len 1), which is every KV-cached decode step:
 * same inputs and outputs as buildDecoderGraph, fewer nodes (crossAttentionStep).
 */
export function buildDecoderStepGraph(w: SanWeights, options: ExportOptions): GraphBuilder {
  return decoderGraph(w, options, true);
}

function decoderGraph(w: SanWeights, options: ExportOptions, oneToken: boolean): GraphBuilder {
  const g = new GraphBuilder(oneToken ? 'needle_decoder_step' : 'needle_decoder');
  const c: Ctx = { g, dims: w.dims, o: resolve(options), embedding: w.embedding };
  const { dModel: d, heads, kvHeads, headDim, vocab } = w.dims;
  const tgtLen = oneToken ? 1 : 'tgt_len';
  const tgt = g.input('tgt_ids', DataType.INT64, ['batch', tgtLen]);
  const seqlensK = g.input('seqlens_k', DataType.INT32, ['batch']);
  const totalLen = g.input('total_seq_len', DataType.INT32, []);
  const rope = ropeInputs(c);
  // Ones [B,kvH,rep·T,1] appended to the cross-attention queries (meets K's bias column).
  const onesCol = queryOnes(c, tgt, oneToken);
  // The one new token's position, [B, 1] int64 (= seqlens_k), for the step graph's RotaryEmbedding.
  const positionIds = oneToken ? op.reshape(g, op.cast(g, seqlensK, DataType.INT64), [-1, 1]) : '';

  let x = embed(c, tgt);
  let pending: Value | undefined;
  for (const [l, layer] of w.decoder.entries()) {
    const name = `dec${l}`;
    const pastK = g.input(`past_key_${l}`, DataType.FLOAT, ['batch', kvHeads, 'past_len', headDim]);
    const pastV = g.input(`past_value_${l}`, DataType.FLOAT, ['batch', kvHeads, 'past_len', headDim]);
    const crossK = g.input(`cross_k_${l}`, DataType.FLOAT, ['batch', kvHeads, 1, 'src_len', headDim + 1]);
    const crossVt = g.input(`cross_vt_${l}`, DataType.FLOAT, ['batch', kvHeads, 1, headDim, 'src_len']);

    // Self-attention block.
    const selfGamma = g.weight(`${name}.self_norm`, onePlus(layer.selfNorm), [d]);
    let h: Value;
    if (pending) [h, x] = op.skipRmsNorm(g, pending, x, selfGamma, NORM_EPS);
    else h = op.rmsNorm(g, x, selfGamma, NORM_EPS);
    let attn: Value;
    if (oneToken) {
      // RoPE before GroupQueryAttention, so the rotated key is a value the graph can output; the
      // present K/V stay internal (see the header).
      const stepRope = { positionIds, cos: rope.cos, sin: rope.sin, keyName: `new_key_${l}`, valueName: `new_value_${l}` };
      const [q, k, v] = projectQkv(c, h, `${name}.self`, layer.self, 1, stepRope);
      [attn] = op.groupQueryAttention(g, { query: q, key: k, value: v, pastKey: pastK, pastValue: pastV, seqlensK, totalSeqLen: totalLen }, { numHeads: heads, kvNumHeads: kvHeads });
      g.output(k, k, DataType.FLOAT, ['batch', 1, kvHeads * headDim]);
      g.output(v, v, DataType.FLOAT, ['batch', 1, kvHeads * headDim]);
    } else {
      const [q, k, v] = projectQkv(c, h, `${name}.self`, layer.self);
      let presentK: Value, presentV: Value;
      [attn, presentK, presentV] = op.groupQueryAttention(
        g,
        { query: q, key: k, value: v, pastKey: pastK, pastValue: pastV, seqlensK, totalSeqLen: totalLen, cos: rope.cos, sin: rope.sin },
        { numHeads: heads, kvNumHeads: kvHeads, presentNames: [`present_key_${l}`, `present_value_${l}`] },
      );
      g.output(presentK, presentK, DataType.FLOAT, ['batch', kvHeads, 'total_len', headDim]);
      g.output(presentV, presentV, DataType.FLOAT, ['batch', kvHeads, 'total_len', headDim]);
    }
    const selfOut = linear(c, attn, `${name}.self.out`, scaled(layer.self.out, sigmoid(layer.selfGate)), d, d);

    // Cross-attention block over the encoder's precomputed K/V.
    const crossGamma = g.weight(`${name}.cross_norm`, onePlus(layer.crossNorm), [d]);
    [h, x] = op.skipRmsNorm(g, selfOut, x, crossGamma, NORM_EPS);
    const crossQ = linear(c, h, `${name}.cross.q`, layer.cross.q, d, d);
    const crossOut = scaled(layer.cross.out, sigmoid(layer.crossGate));
    if (oneToken) {
      const cross = crossAttentionStep(c, crossQ, `${name}.cross`, layer.cross.qNorm, crossK, crossVt, onesCol);
      pending = linear(c, cross, `${name}.cross.out`, crossOut, d, d);
    } else {
      const k4 = op.reshape(c.g, crossK, [0, 0, -1, headDim + 1]);
      const vt4 = op.reshape(c.g, crossVt, [0, 0, headDim, -1]);
      const cross = crossAttention(c, crossQ, `${name}.cross`, layer.cross.qNorm, k4, vt4, onesCol);
      pending = linear(c, cross, `${name}.cross.out`, crossOut, d, d);
    }
  }
  const finalGamma = g.weight('dec.final_norm', onePlus(w.decoderFinalNorm), [d]);
  const y = pending ? op.skipRmsNorm(g, pending, x, finalGamma, NORM_EPS)[0] : op.rmsNorm(g, x, finalGamma, NORM_EPS);

  let logits: Value;
  if (c.o.precision !== 'fp32' && c.o.quantizeLogits) {
    const bits = c.o.precision === 'int8' ? 8 : 4;
    const q = quantizeRows(w.embedding, vocab, d, bits, 32);
    const packed = g.initializer(`lm_head.q${bits}`, DataType.UINT8, [vocab, d / 32, (32 * bits) / 8], q.packed);
    const scales = g.weight('lm_head.scales', q.scales, [q.scales.length]);
    logits = op.matMulNBits(g, y, packed, scales, { K: d, N: vocab, bits, blockSize: 32, accuracyLevel: c.o.accuracyLevel });
  } else {
    const et = new Float32Array(d * vocab);
    for (let vI = 0; vI < vocab; vI++) for (let k = 0; k < d; k++) et[k * vocab + vI] = w.embedding[vI * d + k];
    logits = op.matMul(g, y, g.weight('embedding_t', et, [d, vocab]));
  }
  g.output(logits, 'logits', DataType.FLOAT, ['batch', tgtLen, vocab]);
  g.metadata.needle_graph = oneToken ? 'decoder_step' : 'decoder';
  return g;
}
