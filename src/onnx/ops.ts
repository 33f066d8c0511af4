// Typed helpers for the ops the harness builds graphs from: standard ai.onnx ops (opset 17) and the
// com.microsoft contrib ops of onnxruntime's CPU execution provider that fuse common transformer
// patterns (fewer nodes = less per-op overhead, which dominates single-token decoding).
import { attr, GraphBuilder, MS_DOMAIN, NONE, type Value } from './builder.ts';
import { DataType } from './proto.ts';

type G = GraphBuilder;

// ---- elementwise / shape ops (ai.onnx) ----
export const matMul = (g: G, a: Value, b: Value): Value => g.op('MatMul', [a, b]);
export const add = (g: G, a: Value, b: Value): Value => g.op('Add', [a, b]);
export const sub = (g: G, a: Value, b: Value): Value => g.op('Sub', [a, b]);
export const mul = (g: G, a: Value, b: Value): Value => g.op('Mul', [a, b]);
export const div = (g: G, a: Value, b: Value): Value => g.op('Div', [a, b]);
export const neg = (g: G, a: Value): Value => g.op('Neg', [a]);
export const sqrt = (g: G, a: Value): Value => g.op('Sqrt', [a]);
export const sigmoid = (g: G, a: Value): Value => g.op('Sigmoid', [a]);
export const equal = (g: G, a: Value, b: Value): Value => g.op('Equal', [a, b]);
export const where = (g: G, cond: Value, a: Value, b: Value): Value => g.op('Where', [cond, a, b]);
export const shape = (g: G, a: Value): Value => g.op('Shape', [a]);
export const softmax = (g: G, a: Value, axis = -1): Value => g.op('Softmax', [a], { axis: attr.int(axis) });
export const cast = (g: G, a: Value, to: DataType): Value => g.op('Cast', [a], { to: attr.int(to) });
export const reshape = (g: G, a: Value, dims: number[]): Value => g.op('Reshape', [a, g.constI64(dims)]);
export const transpose = (g: G, a: Value, perm: number[]): Value => g.op('Transpose', [a], { perm: attr.ints(perm) });
export const concat = (g: G, axis: number, ...xs: Value[]): Value => g.op('Concat', xs, { axis: attr.int(axis) });
export const gather = (g: G, data: Value, indices: Value, axis = 0): Value => g.op('Gather', [data, indices], { axis: attr.int(axis) });
export const tile = (g: G, a: Value, repeats: number[]): Value => g.op('Tile', [a, g.constI64(repeats)]);
export const unsqueeze = (g: G, a: Value, axes: number[]): Value => g.op('Unsqueeze', [a, g.constI64(axes)]);
export const expand = (g: G, a: Value, shapeValue: Value): Value => g.op('Expand', [a, shapeValue]);
export const pow = (g: G, a: Value, exponent: number): Value => g.op('Pow', [a, g.constF32([exponent], [])]);
export const reduceMean = (g: G, a: Value, axes: number[], keepdims = true): Value =>
  g.op('ReduceMean', [a], { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) });
export const slice = (g: G, a: Value, starts: number[], ends: number[], axes: number[]): Value =>
  g.op('Slice', [a, g.constI64(starts), g.constI64(ends), g.constI64(axes)]);
/** Split along `axis`; `names` (optional) names the outputs, e.g. to make one a graph output directly. */
export function split(g: G, a: Value, axis: number, sizes: number[], names?: string[]): Value[] {
  return g.node('Split', [a, g.constI64(sizes)], { axis: attr.int(axis) }, { outputs: names ?? sizes.length });
}
/** com.microsoft FusedMatMul a · bᵀ (b transposed on its last two axes, batch axes broadcast as MatMul's). */
export const fusedMatMulTransB = (g: G, a: Value, b: Value): Value => g.op('FusedMatMul', [a, b], { transB: attr.int(1) }, MS_DOMAIN);
/** Gemm with B transposed: a [M,K] · bᵀ where b is [N,K] (e.g. tied embeddings as the output layer). */
export const gemmTransB = (g: G, a: Value, b: Value): Value => g.op('Gemm', [a, b], { transB: attr.int(1) });

// ---- normalisation ----

/** RMSNorm written out in plain ops: x / sqrt(mean(x²) + eps) · gamma (reference for the fused op). */
export function rmsNormPlain(g: G, x: Value, gamma: Value, epsilon: number): Value {
  const ms = reduceMean(g, mul(g, x, x), [-1]);
  const rms = sqrt(g, add(g, ms, g.constF32([epsilon], [])));
  return mul(g, div(g, x, rms), gamma);
}

/** RMSNorm over the last axis (onnxruntime's SimplifiedLayerNormalization, ai.onnx domain in ORT). */
export function rmsNorm(g: G, x: Value, gamma: Value, epsilon: number): Value {
  return g.op('SimplifiedLayerNormalization', [x, gamma], { axis: attr.int(-1), epsilon: attr.float(epsilon) });
}

/**
 * Fused residual add + RMSNorm (com.microsoft SkipSimplifiedLayerNormalization):
 * returns [norm(x + skip) · gamma, x + skip].
 */
export function skipRmsNorm(g: G, x: Value, skip: Value, gamma: Value, epsilon: number): [Value, Value] {
  const [normed, , , sum] = g.node('SkipSimplifiedLayerNormalization', [x, skip, gamma], { epsilon: attr.float(epsilon) }, {
    domain: MS_DOMAIN,
    outputs: [g.fresh('skip_norm'), NONE, NONE, g.fresh('residual')],
  });
  return [normed, sum];
}

// ---- quantized matmuls ----

/**
 * com.microsoft MatMulNBits: a [.., K] · dequant(B)ᵀ with B packed [N, K/block, block·bits/8] uint8 and
 * scales [N·K/block]; without zero points the zero point is 2^(bits-1) (symmetric).
 */
export function matMulNBits(
  g: G,
  a: Value,
  packed: Value,
  scales: Value,
  o: { K: number; N: number; bits: 4 | 8; blockSize: number; accuracyLevel?: number },
): Value {
  const attrs = { K: attr.int(o.K), N: attr.int(o.N), bits: attr.int(o.bits), block_size: attr.int(o.blockSize) } as Record<string, ReturnType<typeof attr.int>>;
  if (o.accuracyLevel !== undefined) attrs.accuracy_level = attr.int(o.accuracyLevel);
  return g.op('MatMulNBits', [a, packed, scales], attrs, MS_DOMAIN);
}

// ---- attention ----

/**
 * com.microsoft GroupQueryAttention. query [B,S,H·hd], key/value [B,S,kvH·hd] (new tokens), past
 * K/V [B,kvH,P,hd]; seqlens_k [B] int32 = total length − 1; total_sequence_length scalar int32.
 * do_rotary applies half-split RoPE from cos/sin caches [maxPos, hd/2] at each token's position.
 * localWindowSize: sliding-window attention over this many keys, the query's own included.
 * Returns [output, present_key, present_value].
 */
export function groupQueryAttention(
  g: G,
  io: { query: Value; key: Value; value: Value; pastKey?: Value; pastValue?: Value; seqlensK: Value; totalSeqLen: Value; cos?: Value; sin?: Value; attentionBias?: Value },
  o: { numHeads: number; kvNumHeads: number; scale?: number; causal?: boolean; localWindowSize?: number; presentNames?: [string, string] },
): Value[] {
  const attrs: Record<string, ReturnType<typeof attr.int>> = { num_heads: attr.int(o.numHeads), kv_num_heads: attr.int(o.kvNumHeads) };
  if (o.localWindowSize !== undefined) attrs.local_window_size = attr.int(o.localWindowSize);
  if (io.cos) attrs.do_rotary = attr.int(1);
  if (o.scale !== undefined) attrs.scale = attr.float(o.scale);
  if (o.causal === false) attrs.causal = attr.int(0);
  const inputs = [io.query, io.key, io.value, io.pastKey ?? NONE, io.pastValue ?? NONE, io.seqlensK, io.totalSeqLen, io.cos ?? NONE, io.sin ?? NONE];
  if (io.attentionBias) inputs.push(NONE, io.attentionBias);
  return g.node('GroupQueryAttention', inputs, attrs, {
    domain: MS_DOMAIN,
    outputs: o.presentNames ? [g.fresh('gqa_out'), ...o.presentNames] : 3,
  });
}

/**
 * com.microsoft MultiHeadAttention for cross-attention over precomputed K/V in [B,H,L,hd] layout,
 * with an additive attention bias broadcastable to [B,H,S,L] (key padding).
 */
export function multiHeadAttention(
  g: G,
  io: { query: Value; key: Value; value: Value; keyPaddingMask?: Value; attentionBias?: Value },
  o: { numHeads: number; scale?: number },
): Value {
  const attrs: Record<string, ReturnType<typeof attr.int>> = { num_heads: attr.int(o.numHeads) };
  if (o.scale !== undefined) attrs.scale = attr.float(o.scale);
  const inputs = [io.query, io.key, io.value, NONE, io.keyPaddingMask ?? NONE, io.attentionBias ?? NONE];
  return g.op('MultiHeadAttention', inputs, attrs, MS_DOMAIN);
}

/**
 * com.microsoft RotaryEmbedding on [B,S,H·hd] (or [B,H,S,hd]) with position_ids [B,S] int64 and
 * cos/sin caches [maxPos, hd/2]; interleaved=0 is the half-split (GPT-NeoX) form.
 */
export function rotaryEmbedding(g: G, x: Value, positionIds: Value, cos: Value, sin: Value, numHeads: number): Value {
  return g.op('RotaryEmbedding', [x, positionIds, cos, sin], { interleaved: attr.int(0), num_heads: attr.int(numHeads) }, MS_DOMAIN);
}

/** Half-split RoPE in plain ops: x·cos + rotate_half(x)·sin, x [.., hd], cos/sin broadcastable [.., hd/2]. */
export function ropePlain(g: G, x: Value, cos: Value, sin: Value, headDim: number): Value {
  const half = headDim / 2;
  const [x1, x2] = split(g, x, -1, [half, half]);
  const a = sub(g, mul(g, x1, cos), mul(g, x2, sin));
  const b = add(g, mul(g, x2, cos), mul(g, x1, sin));
  return concat(g, -1, a, b);
}
