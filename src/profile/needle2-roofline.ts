// Roofline accounting for Needle 2's exported decoder (src/needle/v2/export.ts): what one single-token
// decode step must read, and the FLOPs a prompt token costs in the prefill, so a measured speed can be
// read as a share of what this machine's memory bandwidth and GEMM rate allow (see roofline.ts, whose
// measured KernelRates this reuses).
//
// One decode step reads, at batch 1:
//   - every dense matrix once (q|k|v|gate, out_proj, hada1, hada2, the mHC phi, the engram key/value
//     projections) at its exported precision: MatMulNBits (packed codes + one fp32 scale per block of
//     32) where the input width K is a multiple of 32, fp32 otherwise;
//   - the tied embedding in full (the output layer is a Gemm against it; the input Gather's one row
//     is part of that same table);
//   - the folded norm gammas, mHC offsets and biases, engram taps, the all-ones norm weights;
//   - one RoPE row (cos + sin) for the new position;
//   - only the engram table rows the step gathers: (W + 1) rows per table per site, W = 4·max(orders)
//     being the causal conv's reach — not the whole tables (8192 slots each);
//   - the KV cache of `keys` attended positions in every layer (K and V, fp32).
// Shape constants (a few hundred bytes) and the activations are left out.
import { ENGRAM_CONV_TAPS, engramGeometry, hadamardWidth, headDim, type Needle2Config } from '../needle/v2/config.ts';
import type { Needle2Precision } from '../needle/v2/export.ts';
import { rooflineOf, type KernelRates, type Roofline } from './roofline.ts';

const BLOCK = 32;
const F32 = 4;

/** Bytes of a (K, N) dense matrix as export.ts's linear() stores it at a precision. */
export function needle2MatrixBytes(precision: Needle2Precision, K: number, N: number): number {
  if (precision === 'fp32' || K % BLOCK !== 0) return K * N * F32;
  const bits = precision === 'int8' ? 8 : 4;
  return (N * K * bits) / 8 + (N * K / BLOCK) * F32;
}

/** Engram rows one step gathers per site: W history positions plus the new one, for every table. */
export function needle2EngramRowsPerStep(config: Needle2Config): number {
  const eg = engramGeometry(config);
  return (ENGRAM_CONV_TAPS * Math.max(...eg.orders) + 1) * eg.tables;
}

/** Weight bytes one decode step reads (everything but the KV cache). */
export function needle2DecodeWeightBytes(config: Needle2Config, precision: Needle2Precision): number {
  const c = config;
  const d = c.d_model;
  const hd = headDim(c);
  const A = c.num_heads * hd;
  const kvd = c.num_kv_heads * hd;
  const n = c.mhc_lanes;
  const N = hadamardWidth(c);
  const mat = (K: number, cols: number): number => needle2MatrixBytes(precision, K, cols);
  const perLayer =
    mat(n * d, 2 * n + n * n) + // mHC phi (pre | post | res)
    mat(d, 2 * A + 2 * kvd) + // q | k | v | gate
    mat(A, d) + // out_proj
    mat(d, N) + // Hadamard MLP, first matrix
    mat(N, d) + // second matrix
    (n + n + n * n) * F32 + // mHC pre/post offsets, b_res
    (d + hd + hd + d + d) * F32; // norm_in, q_norm, k_norm, post_norm, pre_hada
  const eg = engramGeometry(c);
  const perSite =
    needle2EngramRowsPerStep(c) * eg.sub * F32 + // gathered table rows
    2 * mat(eg.tables * eg.sub, d) + // key and value projections
    (ENGRAM_CONV_TAPS * d + d) * F32; // conv taps, the key norm's ones
  const global =
    c.vocab_size * d * F32 + // tied embedding / output layer
    (n * d + d + d) * F32 + // mHC ones, the engram query norm's ones, final norm
    2 * (hd / 2) * F32; // one RoPE cos and sin row
  return c.num_layers * perLayer + c.engram_layers.length * perSite + global;
}

/** KV cache bytes a step reads with `keys` positions visible to the graph (every layer, K and V). */
export function needle2KvBytes(config: Needle2Config, keys: number): number {
  return config.num_layers * 2 * config.num_kv_heads * headDim(config) * keys * F32;
}

/** Bytes one single-token decode step reads: weights at their exported precision plus the KV cache. */
export function needle2DecodeBytesPerStep(config: Needle2Config, precision: Needle2Precision, keys: number): number {
  return needle2DecodeWeightBytes(config, precision) + needle2KvBytes(config, keys);
}

/**
 * FLOPs (2 per multiply-add) per prompt token of the prefill as the graph computes it: every dense
 * matrix, the attention over all `promptTokens` keys (the window is an additive bias, so masked
 * scores are computed too), the mHC routing, the engram projections and the logits of every position
 * (the graph returns [S, vocab]).
 */
export function needle2PrefillFlopsPerToken(config: Needle2Config, promptTokens: number): number {
  const c = config;
  const d = c.d_model;
  const hd = headDim(c);
  const A = c.num_heads * hd;
  const kvd = c.num_kv_heads * hd;
  const n = c.mhc_lanes;
  const N = hadamardWidth(c);
  const eg = engramGeometry(c);
  const perLayer = n * d * (2 * n + n * n) + d * (2 * A + 2 * kvd) + A * d + d * N + N * d + 2 * A * promptTokens + n * n * d + n * d;
  const perSite = 2 * eg.tables * eg.sub * d;
  return 2 * (c.num_layers * perLayer + c.engram_layers.length * perSite + c.vocab_size * d);
}

/**
 * Keys a decode step attends when `positions` tokens (the new one included) are in the sequence: the
 * engine's cache (src/needle/v2/kv-cache.ts) holds the `sinkLen` pinned positions plus a ring of
 * window − 1 recent ones, so past that bound the cost stops growing; window 0 keeps every position.
 */
export function needle2AttendedKeys(positions: number, window: number, sinkLen: number): number {
  return window ? Math.min(positions, sinkLen + Math.max(1, window - 1) + 1) : positions;
}

/** The v2 roofline; the mean decode step sees the prompt plus half the generated tokens (bounded by window + sinks). */
export function needle2Roofline(rates: KernelRates, config: Needle2Config, o: { precision: Needle2Precision; promptTokens: number; genTokens: number; window?: number; sinkLen?: number }): Roofline {
  const bytes = needle2DecodeBytesPerStep(config, o.precision, needle2AttendedKeys(o.promptTokens + o.genTokens / 2, o.window ?? 0, o.sinkLen ?? 0));
  return rooflineOf(rates, bytes, needle2PrefillFlopsPerToken(config, o.promptTokens));
}
