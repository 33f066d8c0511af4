// Needle 2 as one ONNX graph (fp32, or int8/int4 dense weights; one sequence) for onnxruntime's CPU provider, used for the
// prompt prefill and for every decode step, held against the float64 reference (reference.ts).
//
// decoder.onnx
//   in : input_ids int64 [S]; position_ids int64 [S] (absolute positions P..P+S-1)
//        past_key_<l> f32 [kv_heads, 1, head_dim, C]: the C cached keys (after norm + RoPE), transposed,
//          with a unit axis that broadcasts over the query heads of each kv head; past_value_<l> f32
//          [kv_heads, 1, C, head_dim]. The engine (onnx-decoder.ts, kv-cache.ts) keeps them in its own
//          buffers in any slot order, bounded to the keys a future query can still see (the sinks and
//          the last window − 1 positions), with unused slots masked
//        attn_bias f32 [S, C+S]: over the C cached keys then the S new ones, 0 where the key is visible
//          (causal, and within the sliding window or a sink), -1e9 elsewhere — computed by the host, so
//          the window and sinks are the caller's
//        engram_idx int64 [W+S, T]: row of each engram table (table·slots + hash) for positions
//          P-W..P+S-1 (W = 4·max(orders), the conv reach); engram_ok f32 [W+S, T] the n-gram validity;
//          tap_ok f32 [4, S, 1]: whether position t − j·dilation exists
//   out: logits f32 [S, vocab]; new_key_<l>, new_value_<l> f32 [kv_heads, S, head_dim]: the new
//        positions' key (after norm + RoPE) and value only, which the engine writes into its cache.
//        Why not present_* (the whole cache) as format 1 did: onnxruntime-node 1.30 copies every fetched
//        output out of the session, so each step copied the whole cache and fed V8's external-memory GC.
//        The cached and the new keys are attended as two products whose scores are concatenated (S×(C+S)
//        floats), so the cache is not concatenated (copied) inside the session either.
//
// Folded at export: 1 + scale of every ZCRMSNorm; 1/sqrt(hd) into the q norm; sigmoid(attn_gate)
// into the post-attention norm; q|k|v|gate one MatMul; the three mHC phi one MatMul; the Hadamard MLP
// into two dense matrices (diag(d1)·H·diag(d2) restricted to the first d rows, H·diag(d3) to the
// first d columns), which is exact maths. The engram hashing is integer work on token ids done by the
// host (engramRows), like the position ids.
import { DataType, GraphBuilder, type Value } from '../../onnx/builder.ts';
import { attr } from '../../onnx/builder.ts';
import * as op from '../../onnx/ops.ts';
import { dequantizeKernel, quantizeKernel } from '../../onnx/quantize.ts';
import { ENGRAM_CONV_TAPS, engramGeometry, hadamardWidth, headDim } from './config.ts';
import type { Needle2Weights } from './weights.ts';

/** Bump whenever the graph changes. 2: new_key/new_value out, the engine keeps the (bounded) cache. */
export const NEEDLE2_EXPORT_FORMAT_VERSION = 2;
const EPS = 1e-6;
const SINKHORN_ITERS = 20;
export const MASKED = -1e9;

export type Needle2Precision = 'fp32' | 'int8' | 'int4';

export interface Needle2ExportOptions {
  /** RoPE table length (default: the config's max_seq_len). */
  maxPositions?: number;
  /**
   * Dense matrices (q|k|v|gate, out_proj, the two Hadamard matrices, the mHC phi, the engram
   * projections) as MatMulNBits, block 32, symmetric (src/onnx/quantize.ts) — those whose input width
   * is a multiple of 32; the rest, the embedding/tied output and the engram tables stay fp32. Default fp32.
   */
  precision?: Needle2Precision;
  /** MatMulNBits accuracy_level (0: float32 maths on the dequantized weights; 4: int8 activations). Default 4. */
  accuracyLevel?: number;
  /** fp32 MatMuls on the quantize→dequantize round trip of the same matrices: what an exact MatMulNBits computes (for tests). */
  simulate?: Exclude<Needle2Precision, 'fp32'>;
}

const BLOCK = 32;

/** x · W for a row-major (K, N) matrix: MatMul, or MatMulNBits when quantized. */
function linear(g: GraphBuilder, o: Needle2ExportOptions, x: Value, name: string, kernel: Float32Array, K: number, N: number): Value {
  const quantized = (o.precision ?? 'fp32') !== 'fp32' && K % BLOCK === 0;
  if (o.simulate && K % BLOCK === 0) {
    return op.matMul(g, x, g.weight(name, dequantizeKernel(quantizeKernel(kernel, K, N, o.simulate === 'int8' ? 8 : 4, BLOCK)), [K, N]));
  }
  if (!quantized) return op.matMul(g, x, g.weight(name, kernel, [K, N]));
  const bits = o.precision === 'int8' ? 8 : 4;
  const q = quantizeKernel(kernel, K, N, bits, BLOCK);
  const packed = g.initializer(`${name}.q${bits}`, DataType.UINT8, [N, K / BLOCK, (BLOCK * bits) / 8], q.packed);
  const scales = g.weight(`${name}.scales`, q.scales, [q.scales.length]);
  return op.matMulNBits(g, x, packed, scales, { K, N, bits, blockSize: BLOCK, accuracyLevel: o.accuracyLevel ?? 4 });
}

const f32 = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function walsh(n: number): Float64Array {
  const h = new Float64Array(n * n);
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let bits = i & j;
      let parity = 0;
      while (bits) {
        parity ^= bits & 1;
        bits >>= 1;
      }
      h[i * n + j] = parity ? -s : s;
    }
  }
  return h;
}

/** Row-major (K, N1) | (K, N2) | ... → (K, ΣN). */
function concatColumns(K: number, parts: { data: ArrayLike<number>; cols: number }[]): Float32Array {
  const N = parts.reduce((a, p) => a + p.cols, 0);
  const out = new Float32Array(K * N);
  for (let k = 0; k < K; k++) {
    let off = k * N;
    for (const p of parts) {
      for (let j = 0; j < p.cols; j++) out[off + j] = p.data[k * p.cols + j];
      off += p.cols;
    }
  }
  return out;
}

/** ZCRMSNorm over the last axis with a folded gamma. */
function norm(g: GraphBuilder, x: Value, name: string, gamma: ArrayLike<number>): Value {
  return op.rmsNorm(g, x, g.weight(name, f32(gamma), [gamma.length]), EPS);
}

export function buildNeedle2Graph(w: Needle2Weights, opts: Needle2ExportOptions = {}): GraphBuilder {
  const c = w.config;
  const d = c.d_model;
  const H = c.num_heads;
  const KV = c.num_kv_heads;
  const hd = headDim(c);
  const A = H * hd;
  const kvd = KV * hd;
  const reps = H / KV;
  const n = c.mhc_lanes;
  const N = hadamardWidth(c);
  const eg = engramGeometry(c);
  const dil = Math.max(...eg.orders);
  const W = ENGRAM_CONV_TAPS * dil;
  const maxPos = opts.maxPositions ?? c.max_seq_len;
  const g = new GraphBuilder('needle2_decoder');
  g.metadata.needle2_export_format = String(NEEDLE2_EXPORT_FORMAT_VERSION);
  g.metadata.needle2_precision = opts.simulate ? `fp32 (simulated ${opts.simulate})` : (opts.precision ?? 'fp32');

  const ids = g.input('input_ids', DataType.INT64, ['S']);
  const pos = g.input('position_ids', DataType.INT64, ['S']);
  const bias = g.input('attn_bias', DataType.FLOAT, ['S', 'CS']);
  const hasEngram = c.engram_layers.length > 0;
  const eIdx = hasEngram ? g.input('engram_idx', DataType.INT64, ['WS', eg.tables]) : '';
  const eOk = hasEngram ? g.input('engram_ok', DataType.FLOAT, ['WS', eg.tables]) : '';
  const tapOk = hasEngram ? g.input('tap_ok', DataType.FLOAT, [ENGRAM_CONV_TAPS, 'S', 1]) : '';

  // embedding · sqrt(d), copied to the lanes
  const emb = g.weight('embedding', f32(w.embedding), [c.vocab_size, d]);
  const x0 = op.mul(g, op.gather(g, emb, ids), g.constF32([Math.sqrt(d)], []));
  let lanes = op.expand(g, op.unsqueeze(g, x0, [1]), g.constI64([1, n, 1])); // [S, n, d]

  // RoPE tables, gathered by position
  const half = hd / 2;
  const cos = new Float32Array(maxPos * half);
  const sin = new Float32Array(maxPos * half);
  for (let t = 0; t < maxPos; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t / Math.pow(c.rope_theta, (2 * i) / hd);
      cos[t * half + i] = Math.cos(angle);
      sin[t * half + i] = Math.sin(angle);
    }
  }
  const cosS = op.unsqueeze(g, op.gather(g, g.weight('rope_cos', cos, [maxPos, half]), pos), [1]); // [S, 1, half]
  const sinS = op.unsqueeze(g, op.gather(g, g.weight('rope_sin', sin, [maxPos, half]), pos), [1]);

  // engram (key, value) per site, from the host's hashed rows
  const engramKv = c.engram_layers.map((_, s) => {
    const e = w.engrams[s];
    const rows = op.gather(g, g.weight(`engram${s}.tables`, f32(e.tables), [eg.tables * c.engram_slots, eg.sub]), eIdx); // [W+S, T, sub]
    const flat = op.reshape(g, op.mul(g, rows, op.unsqueeze(g, eOk, [2])), [0, eg.tables * eg.sub]);
    const kAll = linear(g, opts, flat, `engram${s}.key_proj`, f32(e.keyProj), eg.tables * eg.sub, d);
    const vAll = linear(g, opts, flat, `engram${s}.value_proj`, f32(e.valueProj), eg.tables * eg.sub, d);
    const k = op.slice(g, kAll, [W], [Number.MAX_SAFE_INTEGER], [0]);
    const taps = op.split(g, tapOk, 0, Array(ENGRAM_CONV_TAPS).fill(1));
    let v: Value = '';
    for (let j = 0; j < ENGRAM_CONV_TAPS; j++) {
      const shifted = op.slice(g, vAll, [W - j * dil], [j === 0 ? Number.MAX_SAFE_INTEGER : -j * dil], [0]); // positions t − j·dil
      const tap = g.weight(`engram${s}.tap${j}`, f32(e.taps.subarray(j * d, (j + 1) * d)), [d]);
      const term = op.mul(g, op.mul(g, shifted, tap), op.reshape(g, taps[j], [-1, 1]));
      v = j === 0 ? term : op.add(g, v, term);
    }
    return { k: op.rmsNorm(g, k, g.weight(`engram${s}.ones`, new Float32Array(d).fill(1), [d]), EPS), v };
  });

  const onesFlat = g.weight('ones_nd', new Float32Array(n * d).fill(1), [n * d]);
  const onesD = g.weight('ones_d', new Float32Array(d).fill(1), [d]);
  const Hm = walsh(N);
  let cached: Value = ''; // the number of cached keys C, from past_value_0's shape
  for (let l = 0; l < c.num_layers; l++) {
    const m = w.mhc[l];
    const lw = w.layers[l];
    const p = `layer${l}`;
    const active = l % n;
    // mHC coefficients from the RMS-normalised flattened lanes
    const nx = op.rmsNorm(g, op.reshape(g, lanes, [0, n * d]), onesFlat, EPS);
    const phi = concatColumns(n * d, [{ data: m.phiPre, cols: n }, { data: m.phiPost, cols: n }, { data: m.phiRes, cols: n * n }]);
    const [pre, post, res] = op.split(g, linear(g, opts, nx, `${p}.mhc_phi`, phi, n * d, 2 * n + n * n), -1, [n, n, n * n]);
    const preOff = Array.from({ length: n }, (_, j) => m.bPre[j] + (j === active ? 4 : -4));
    const postOff = Array.from({ length: n }, (_, j) => m.bPost[j] + (j === active ? 0 : -4));
    const hpre = op.sigmoid(g, op.add(g, op.mul(g, pre, g.constF32([m.aPre], [])), g.weight(`${p}.pre_off`, f32(preOff), [n])));
    const u = op.reshape(g, op.matMul(g, op.unsqueeze(g, hpre, [1]), lanes), [0, d]); // [S, d]
    let bx = u;
    const site = c.engram_layers.indexOf(l);
    if (site >= 0) {
      const { k, v } = engramKv[site];
      const ru = op.rmsNorm(g, u, onesD, EPS);
      const dot = g.op('ReduceSum', [op.mul(g, ru, k), g.constI64([-1])], { keepdims: attr.int(1) });
      const alpha = op.sigmoid(g, op.mul(g, dot, g.constF32([1 / Math.sqrt(d)], [])));
      bx = op.add(g, u, op.mul(g, alpha, v));
    }

    // Block: attention
    const h = norm(g, bx, `${p}.norm_in`, Array.from(lw.normIn, (s) => 1 + s));
    const qkvg = concatColumns(d, [{ data: lw.q, cols: A }, { data: lw.k, cols: kvd }, { data: lw.v, cols: kvd }, { data: lw.gateProj, cols: A }]);
    const [q, k, v, gate] = op.split(g, linear(g, opts, h, `${p}.qkvg`, qkvg, d, 2 * A + 2 * kvd), -1, [A, kvd, kvd, A]);
    const qn = norm(g, op.reshape(g, q, [0, H, hd]), `${p}.q_norm`, Array.from(lw.qNorm, (s) => (1 + s) / Math.sqrt(hd)));
    const kn = norm(g, op.reshape(g, k, [0, KV, hd]), `${p}.k_norm`, Array.from(lw.kNorm, (s) => 1 + s));
    const qr = op.ropePlain(g, qn, cosS, sinS, hd); // [S, H, hd]
    const kr = op.ropePlain(g, kn, cosS, sinS, hd); // [S, KV, hd]
    const pastK = g.input(`past_key_${l}`, DataType.FLOAT, [KV, 1, hd, 'C']);
    const pastV = g.input(`past_value_${l}`, DataType.FLOAT, [KV, 1, 'C', hd]);
    if (l === 0) cached = g.op('Shape', [pastV], { start: attr.int(2), end: attr.int(3) }); // [C]
    const newV = g.node('Transpose', [op.reshape(g, v, [0, KV, hd])], { perm: attr.ints([1, 0, 2]) }, { outputs: [`new_value_${l}`] })[0];
    g.node('Transpose', [kr], { perm: attr.ints([1, 0, 2]) }, { outputs: [`new_key_${l}`] });
    g.output(`new_key_${l}`, `new_key_${l}`, DataType.FLOAT, [KV, 'S', hd]);
    g.output(newV, `new_value_${l}`, DataType.FLOAT, [KV, 'S', hd]);
    // GQA: query head h uses kv head h / reps; queries grouped as [KV, reps, S, hd] against [KV, 1, hd, ·]
    // (M = 1 products per query head); scores over the cached keys, then over the new ones
    const qg = op.transpose(g, op.reshape(g, qr, [0, KV, reps, hd]), [1, 2, 0, 3]);
    const newKt = op.transpose(g, op.reshape(g, kr, [0, KV, 1, hd]), [1, 2, 3, 0]); // [KV, 1, hd, S]
    const scores = op.concat(g, -1, op.matMul(g, qg, pastK), op.matMul(g, qg, newKt)); // [KV, reps, S, C+S]
    const probs = op.softmax(g, op.add(g, scores, bias), -1);
    const probsPast = g.op('Slice', [probs, g.constI64([0]), cached, g.constI64([-1])]);
    const probsNew = g.op('Slice', [probs, cached, g.constI64([Number.MAX_SAFE_INTEGER]), g.constI64([-1])]);
    const ctx = op.add(g, op.matMul(g, probsPast, pastV), op.matMul(g, probsNew, op.unsqueeze(g, newV, [1]))); // [KV, reps, S, hd]
    const heads = op.reshape(g, op.transpose(g, ctx, [2, 0, 1, 3]), [-1, A]);
    const gated = op.mul(g, heads, op.sigmoid(g, gate));
    const attn = linear(g, opts, gated, `${p}.out_proj`, f32(lw.out), A, d);
    const sg = sigmoid(lw.attnGate);
    const x1 = op.add(g, bx, norm(g, attn, `${p}.post_norm`, Array.from(lw.postNorm, (s) => (1 + s) * sg)));

    // Block: Hadamard MLP as two dense matrices
    const m1 = new Float32Array(d * N);
    for (let i = 0; i < d; i++) for (let j = 0; j < N; j++) m1[i * N + j] = lw.d1[i] * Hm[i * N + j] * lw.d2[j];
    const m2 = new Float32Array(N * d);
    for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) m2[i * d + j] = Hm[i * N + j] * lw.d3[j];
    const h2 = norm(g, x1, `${p}.pre_hada`, Array.from(lw.preHada, (s) => 1 + s));
    const z = linear(g, opts, h2, `${p}.hada1`, m1, d, N);
    const mlp = linear(g, opts, op.mul(g, z, op.sigmoid(g, z)), `${p}.hada2`, m2, N, d);
    const y = op.sub(g, op.add(g, x1, mlp), u);

    // mHC: Sinkhorn-routed lanes plus the gated block output
    const hpost = op.mul(g, op.sigmoid(g, op.add(g, op.mul(g, post, g.constF32([m.aPost], [])), g.weight(`${p}.post_off`, f32(postOff), [n]))), g.constF32([2], []));
    let logK = op.add(g, op.mul(g, op.reshape(g, res, [0, n, n]), g.constF32([m.aRes], [])), g.weight(`${p}.b_res`, f32(m.bRes), [n, n]));
    // x − logsumexp(x) along an axis is LogSoftmax: one node per normalisation instead of two (the
    // 40 of them per layer are tiny [S, n, n] ops, so node count is their cost)
    for (let it = 0; it < SINKHORN_ITERS; it++) {
      logK = g.op('LogSoftmax', [logK], { axis: attr.int(-1) });
      logK = g.op('LogSoftmax', [logK], { axis: attr.int(-2) });
    }
    const routed = op.matMul(g, g.op('Exp', [logK]), lanes); // [S, n, d]
    lanes = op.add(g, routed, op.mul(g, op.unsqueeze(g, hpost, [2]), op.unsqueeze(g, y, [1])));
  }
  const final = norm(g, op.reduceMean(g, lanes, [1], false), 'final_norm', Array.from(w.finalNorm, (s) => 1 + s));
  g.output(op.gemmTransB(g, final, emb), 'logits', DataType.FLOAT, ['S', c.vocab_size]);
  return g;
}
