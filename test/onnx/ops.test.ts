// The graph builder and the fused contrib ops it emits, each checked against a plain TypeScript
// computation of the same maths (float64 accumulation) on seeded random data.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DataType, GraphBuilder, type Value } from '../../src/onnx/builder.ts';
import * as op from '../../src/onnx/ops.ts';
import { dequantizeKernel, quantizeKernel } from '../../src/onnx/quantize.ts';
import { ropeTables } from '../../src/needle/v1/export.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}
const randn = (r: () => number, n: number, scale = 1) => Float32Array.from({ length: n }, () => r() * 2 * scale);
const f32 = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);

async function run(g: GraphBuilder, feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(g.encode(), { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const out = await session.run(feeds);
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** (M,K)·(K,N) row-major. */
function matmulRef(a: Float32Array, b: Float32Array, M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out[m * N + n] += a[m * K + k] * b[k * N + n];
  return out;
}

function rmsRef(x: Float32Array, gamma: Float32Array, eps: number): Float64Array {
  const D = gamma.length;
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let ms = 0;
    for (let i = 0; i < D; i++) ms += x[r * D + i] ** 2;
    const inv = 1 / Math.sqrt(ms / D + eps);
    for (let i = 0; i < D; i++) out[r * D + i] = x[r * D + i] * inv * gamma[i];
  }
  return out;
}

/**
 * Attention reference on [S, heads, hd] queries against [L, kvHeads, hd] keys/values (batch 1), with
 * half-split RoPE at the given positions (if tables are passed), an allowed(q, k) predicate and GQA
 * head sharing h → h / (heads/kvHeads).
 */
function attentionRef(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  o: { S: number; L: number; heads: number; kvHeads: number; hd: number; allowed: (i: number, j: number) => boolean; rope?: { cos: Float32Array; sin: Float32Array; qPos: number[]; kPos: number[] } },
): Float64Array {
  const { S, L, heads, kvHeads, hd } = o;
  const half = hd / 2;
  const rot = (x: Float32Array, row: number, nh: number, h: number, pos: number): number[] => {
    const base = (row * nh + h) * hd;
    const vals = Array.from(x.subarray(base, base + hd));
    if (!o.rope) return vals;
    const out = vals.slice();
    for (let i = 0; i < half; i++) {
      const c = o.rope.cos[pos * half + i];
      const s = o.rope.sin[pos * half + i];
      out[i] = vals[i] * c - vals[i + half] * s;
      out[i + half] = vals[i + half] * c + vals[i] * s;
    }
    return out;
  };
  const out = new Float64Array(S * heads * hd);
  for (let h = 0; h < heads; h++) {
    const kh = Math.floor(h / (heads / kvHeads));
    for (let i = 0; i < S; i++) {
      const qi = rot(q, i, heads, h, o.rope?.qPos[i] ?? 0);
      const scores: number[] = [];
      for (let j = 0; j < L; j++) {
        const kj = rot(k, j, kvHeads, kh, o.rope?.kPos[j] ?? 0);
        scores.push(o.allowed(i, j) ? qi.reduce((a, x, d) => a + x * kj[d], 0) / Math.sqrt(hd) : -Infinity);
      }
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < L; j++) for (let d = 0; d < hd; d++) out[(i * heads + h) * hd + d] += (e[j] / sum) * v[(j * kvHeads + kh) * hd + d];
    }
  }
  return out;
}

describe('onnx graph builder', () => {
  it('encodes a model onnxruntime runs: MatMul + Add + Reshape/Transpose with int64 constants', async () => {
    const r = rng(1);
    const a = randn(r, 3 * 4);
    const w = randn(r, 4 * 5);
    const bias = randn(r, 5);
    const g = new GraphBuilder('t');
    const x = g.input('x', DataType.FLOAT, ['m', 4]);
    const y = op.add(g, op.matMul(g, x, g.weight('w', w, [4, 5])), g.weight('b', bias, [5]));
    g.output(op.transpose(g, op.reshape(g, y, [1, 3, 5]), [0, 2, 1]), 'y', DataType.FLOAT);
    const out = await run(g, { x: f32(a, [3, 4]) });
    const ref = matmulRef(a, w, 3, 4, 5);
    const expected = new Float64Array(15);
    for (let m = 0; m < 3; m++) for (let n = 0; n < 5; n++) expected[n * 3 + m] = ref[m * 5 + n] + bias[n];
    expect(maxAbsDiff(out.y, expected)).toBeLessThan(1e-5);
  });

  it('rejects duplicate value names and wrongly sized initializers', () => {
    const g = new GraphBuilder('t');
    g.input('x', DataType.FLOAT, [1]);
    expect(() => g.input('x', DataType.FLOAT, [1])).toThrow(/already used/);
    expect(() => g.weight('w', new Float32Array(3), [2, 2])).toThrow(/"w" has 12 bytes/);
  });
});

describe('fused normalisation ops match plain RMSNorm', () => {
  it('SimplifiedLayerNormalization and SkipSimplifiedLayerNormalization', async () => {
    const r = rng(2);
    const D = 16;
    const a = randn(r, 3 * D, 3);
    const b = randn(r, 3 * D, 3);
    const gamma = Float32Array.from(randn(r, D), (v) => 1 + v);
    const g = new GraphBuilder('t');
    const x = g.input('a', DataType.FLOAT, [1, 3, D]);
    const s = g.input('b', DataType.FLOAT, [1, 3, D]);
    const gm = g.weight('g', gamma, [D]);
    g.output(op.rmsNorm(g, x, gm, 1e-6), 'fused', DataType.FLOAT);
    g.output(op.rmsNormPlain(g, x, gm, 1e-6), 'plain', DataType.FLOAT);
    const [normed, sum] = op.skipRmsNorm(g, x, s, gm, 1e-6);
    g.output(normed, 'skip_norm', DataType.FLOAT);
    g.output(sum, 'skip_sum', DataType.FLOAT);
    const out = await run(g, { a: f32(a, [1, 3, D]), b: f32(b, [1, 3, D]) });
    const ab = Float32Array.from(a, (v, i) => v + b[i]);
    expect(maxAbsDiff(out.fused, rmsRef(a, gamma, 1e-6))).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.plain, rmsRef(a, gamma, 1e-6))).toBeLessThan(1e-5);
    expect(maxAbsDiff(out.skip_sum, ab)).toBeLessThan(1e-6);
    expect(maxAbsDiff(out.skip_norm, rmsRef(ab, gamma, 1e-6))).toBeLessThan(1e-5);
  });
});

describe('block quantization (Needle QAT scheme) and MatMulNBits', () => {
  for (const bits of [4, 8] as const) {
    it(`int${bits}: codes within range, error ≤ half a step, MatMulNBits = MatMul with dequantized weights`, async () => {
      const r = rng(3 + bits);
      const K = 64;
      const N = 24;
      const w = randn(r, K * N, 0.2);
      const q = quantizeKernel(w, K, N, bits, 32);
      const deq = dequantizeKernel(q);
      const qmax = bits === 4 ? 7 : 127;
      for (let n = 0; n < N; n++) {
        for (let b = 0; b < K / 32; b++) {
          const scale = q.scales[n * (K / 32) + b];
          let absmax = 0;
          for (let i = 0; i < 32; i++) {
            const idx = (b * 32 + i) * N + n;
            absmax = Math.max(absmax, Math.abs(w[idx]));
            expect(Math.abs(deq[idx] - w[idx])).toBeLessThanOrEqual(scale / 2 + 1e-7);
          }
          expect(scale).toBeCloseTo(absmax / qmax, 6);
        }
      }
      const M = 3;
      const a = randn(r, M * K);
      const g = new GraphBuilder('t');
      const x = g.input('a', DataType.FLOAT, [1, M, K]);
      const packed = g.initializer('w', DataType.UINT8, [N, K / 32, (32 * bits) / 8], q.packed);
      const scales = g.weight('s', q.scales, [q.scales.length]);
      g.output(op.matMulNBits(g, x, packed, scales, { K, N, bits, blockSize: 32, accuracyLevel: 0 }), 'y', DataType.FLOAT);
      const out = await run(g, { a: f32(a, [1, M, K]) });
      expect(maxAbsDiff(out.y, matmulRef(a, deq, M, K, N))).toBeLessThan(1e-4);
    });
  }
});

describe('attention contrib ops match a plain attention', () => {
  const heads = 4;
  const kvHeads = 2;
  const hd = 16;
  const tables = ropeTables(hd, 32, 10000);

  it('GroupQueryAttention, bidirectional with key-padding bias and RoPE (the encoder form)', async () => {
    const r = rng(11);
    const S = 6;
    const padded = new Set([4, 5]);
    const q = randn(r, S * heads * hd);
    const k = randn(r, S * kvHeads * hd);
    const v = randn(r, S * kvHeads * hd);
    const bias = new Float32Array(S * S);
    for (let i = 0; i < S; i++) for (const j of padded) bias[i * S + j] = -1e9;
    const g = new GraphBuilder('t');
    const ins = {
      query: g.input('q', DataType.FLOAT, [1, S, heads * hd]),
      key: g.input('k', DataType.FLOAT, [1, S, kvHeads * hd]),
      value: g.input('v', DataType.FLOAT, [1, S, kvHeads * hd]),
      attentionBias: g.input('bias', DataType.FLOAT, [1, 1, S, S]),
      seqlensK: g.initializer('seqlens', DataType.INT32, [1], Int32Array.from([S - 1])),
      totalSeqLen: g.initializer('total', DataType.INT32, [], Int32Array.from([S])),
      cos: g.weight('cos', tables.cos, [32, hd / 2]),
      sin: g.weight('sin', tables.sin, [32, hd / 2]),
    };
    const [o] = op.groupQueryAttention(g, ins, { numHeads: heads, kvNumHeads: kvHeads, causal: false });
    g.output(o, 'o', DataType.FLOAT);
    const out = await run(g, { q: f32(q, [1, S, heads * hd]), k: f32(k, [1, S, kvHeads * hd]), v: f32(v, [1, S, kvHeads * hd]), bias: f32(bias, [1, 1, S, S]) });
    const pos = Array.from({ length: S }, (_, i) => i);
    const ref = attentionRef(q, k, v, { S, L: S, heads, kvHeads, hd, allowed: (_i, j) => !padded.has(j), rope: { ...tables, qPos: pos, kPos: pos } });
    expect(maxAbsDiff(out.o, ref)).toBeLessThan(1e-5);
  });

  it('GroupQueryAttention decode step with a KV cache equals causal attention over the whole sequence', async () => {
    const r = rng(12);
    const P = 5; // cached positions; one new token at position P
    const q = randn(r, heads * hd);
    const kAll = randn(r, (P + 1) * kvHeads * hd);
    const vAll = randn(r, (P + 1) * kvHeads * hd);
    // The cache holds RoPE'd keys in [1, kvHeads, P, hd]; build it from the reference rotation.
    const half = hd / 2;
    const pastK = new Float32Array(kvHeads * P * hd);
    const pastV = new Float32Array(kvHeads * P * hd);
    for (let j = 0; j < P; j++)
      for (let h = 0; h < kvHeads; h++)
        for (let d = 0; d < hd; d++) {
          const src = (j * kvHeads + h) * hd;
          const c = tables.cos[j * half + (d % half)];
          const s = tables.sin[j * half + (d % half)];
          const x = kAll[src + d];
          const partner = d < half ? -kAll[src + d + half] : kAll[src + d - half];
          pastK[(h * P + j) * hd + d] = x * c + partner * s;
          pastV[(h * P + j) * hd + d] = vAll[src + d];
        }
    const g = new GraphBuilder('t');
    const [o, pk] = op.groupQueryAttention(
      g,
      {
        query: g.input('q', DataType.FLOAT, [1, 1, heads * hd]),
        key: g.input('k', DataType.FLOAT, [1, 1, kvHeads * hd]),
        value: g.input('v', DataType.FLOAT, [1, 1, kvHeads * hd]),
        pastKey: g.input('pk', DataType.FLOAT, [1, kvHeads, P, hd]),
        pastValue: g.input('pv', DataType.FLOAT, [1, kvHeads, P, hd]),
        seqlensK: g.initializer('seqlens', DataType.INT32, [1], Int32Array.from([P])),
        totalSeqLen: g.initializer('total', DataType.INT32, [], Int32Array.from([P + 1])),
        cos: g.weight('cos', tables.cos, [32, hd / 2]),
        sin: g.weight('sin', tables.sin, [32, hd / 2]),
      },
      { numHeads: heads, kvNumHeads: kvHeads },
    );
    g.output(o, 'o', DataType.FLOAT);
    g.output(pk, 'present_k', DataType.FLOAT);
    const kNew = kAll.subarray(P * kvHeads * hd);
    const vNew = vAll.subarray(P * kvHeads * hd);
    const out = await run(g, { q: f32(q, [1, 1, heads * hd]), k: f32(Float32Array.from(kNew), [1, 1, kvHeads * hd]), v: f32(Float32Array.from(vNew), [1, 1, kvHeads * hd]), pk: f32(pastK, [1, kvHeads, P, hd]), pv: f32(pastV, [1, kvHeads, P, hd]) });
    const pos = Array.from({ length: P + 1 }, (_, i) => i);
    const ref = attentionRef(q, kAll, vAll, { S: 1, L: P + 1, heads, kvHeads, hd, allowed: () => true, rope: { ...tables, qPos: [P], kPos: pos } });
    expect(maxAbsDiff(out.o, ref)).toBeLessThan(1e-5);
    expect(out.present_k.length).toBe(kvHeads * (P + 1) * hd);
  });

  it('MultiHeadAttention over [B,H,L,hd] K/V with a key padding mask (the cross-attention form)', async () => {
    const r = rng(13);
    const S = 2;
    const L = 5;
    const q = randn(r, S * heads * hd);
    const k = randn(r, L * heads * hd);
    const v = randn(r, L * heads * hd);
    const toBnsh = (x: Float32Array) => {
      const o = new Float32Array(x.length);
      for (let j = 0; j < L; j++) for (let h = 0; h < heads; h++) o.set(x.subarray((j * heads + h) * hd, (j * heads + h + 1) * hd), (h * L + j) * hd);
      return o;
    };
    const mask = Int32Array.from([1, 1, 1, 0, 0]);
    const g = new GraphBuilder('t');
    const qv: Value = g.input('q', DataType.FLOAT, [1, S, heads * hd]);
    const o = g.op('MultiHeadAttention', [qv, g.input('k', DataType.FLOAT, [1, heads, L, hd]), g.input('v', DataType.FLOAT, [1, heads, L, hd]), '', g.input('m', DataType.INT32, [1, L])], { num_heads: { kind: 'int', value: heads }, mask_filter_value: { kind: 'float', value: -1e9 } }, 'com.microsoft');
    g.output(o, 'o', DataType.FLOAT);
    const out = await run(g, { q: f32(q, [1, S, heads * hd]), k: f32(toBnsh(k), [1, heads, L, hd]), v: f32(toBnsh(v), [1, heads, L, hd]), m: new ort.Tensor('int32', mask, [1, L]) });
    const ref = attentionRef(q, k, v, { S, L, heads, kvHeads: heads, hd, allowed: (_i, j) => mask[j] === 1 });
    expect(maxAbsDiff(out.o, ref)).toBeLessThan(1e-5);
  });
});
