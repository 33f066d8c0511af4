// Roofline: the most this machine can give Needle, measured with the same runtime (onnxruntime's MLAS
// kernels) and the same thread count as the profile, so a speed figure can be read against what is
// physically possible here rather than against another machine's numbers.
//
// Decode (one token) reads every decoder weight, the tied output layer and every layer's cross K/V once
// per step: at batch 1 it is a chain of matrix–vector products, bound by memory bandwidth. The bound is
// bytes per step ÷ the bandwidth a large fp32 MatMul [1,K]·[K,N] achieves. (Quantized weights that fit
// in the last-level cache can beat it; the figure then says how much of the cost is not bandwidth.)
// Prefill is matrix–matrix work, bound by FLOPs: FLOPs per token ÷ the GFLOP/s of a large fp32 MatMul.
import * as ort from 'onnxruntime-node';
import { cpuSessionOptions } from '../needle/v1/engine.ts';
import type { SanDims } from '../needle/v1/export-weights.ts';
import type { Precision } from '../needle/v1/export.ts';
import { DataType, GraphBuilder } from '../onnx/builder.ts';
import * as op from '../onnx/ops.ts';
import { spread } from '../stats/percentiles.ts';
import { mulberry32 } from '../util/prng.ts';

export interface KernelRates {
  /** fp32 GEMV [1,K]·[K,N] over a weight much larger than the last-level cache: bytes of weight / s. */
  gemvGBs: number;
  /** fp32 GEMM [M,K]·[K,N]: 2·M·K·N / s. */
  sgemmGflops: number;
}

export interface Roofline {
  gemv_gb_s: number;
  sgemm_gflop_s: number;
  decode_bytes_per_step: number;
  /** gemv_gb_s ÷ decode_bytes_per_step: the decode rate if every byte came from DRAM at that rate. */
  decode_tok_s_bound: number;
  prefill_flops_per_token: number;
  prefill_tok_s_bound: number;
}

/** Bytes a weight element costs at a precision (MatMulNBits: packed bits plus one fp32 scale per 32). */
function bytesPerWeight(precision: Precision): number {
  if (precision === 'fp32') return 4;
  return (precision === 'int8' ? 1 : 0.5) + 4 / 32;
}

/** Memory one decode step reads at batch 1 with `srcLen` prompt tokens and `pastLen` cached tokens. */
export function decodeBytesPerStep(dims: SanDims, precision: Precision, quantizeLogits: boolean, srcLen: number, pastLen: number): number {
  const { dModel: d, heads, kvHeads, headDim, decLayers, vocab } = dims;
  const kvd = kvHeads * headDim;
  const perLayerWeights = d * (d + 2 * kvd) + d * d + d * d + d * d; // self q|k|v, self out, cross q, cross out
  const perLayerNorms = (2 * d + (heads + kvHeads) * headDim + headDim) * 4; // self/cross norms, q|k head norms, cross q norm
  const weights = decLayers * (perLayerWeights * bytesPerWeight(precision) + perLayerNorms) + d * 4; // + final norm
  const logits = vocab * d * (quantizeLogits && precision !== 'fp32' ? bytesPerWeight(precision) : 4);
  const crossKv = decLayers * 2 * kvd * srcLen * 4;
  const selfKv = decLayers * 2 * kvd * pastLen * 4;
  return weights + logits + crossKv + selfKv;
}

/** Multiply–add FLOPs per prompt token of the encoder plus every decoder layer's cross K/V (prefill). */
export function prefillFlopsPerToken(dims: SanDims, promptTokens: number): number {
  const { dModel: d, heads, kvHeads, headDim, encLayers, decLayers } = dims;
  const kvd = kvHeads * headDim;
  const projections = encLayers * (d * (d + 2 * kvd) + d * d) + decLayers * d * 2 * kvd;
  const attention = encLayers * heads * headDim * promptTokens * 2; // q·Kᵀ and probs·V over every key
  return 2 * (projections + attention);
}

async function timeSession(model: Uint8Array, feeds: Record<string, ort.Tensor>, threads: number, runs: number): Promise<number> {
  const session = await ort.InferenceSession.create(model, cpuSessionOptions(threads));
  try {
    const times: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      if (i >= 2) times.push(performance.now() - t0); // two warm-ups
    }
    return spread(times)!.p50;
  } finally {
    await session.release();
  }
}

function matMulModel(m: number, k: number, n: number, seed: number): { model: Uint8Array; feeds: Record<string, ort.Tensor> } {
  const rand = mulberry32(seed);
  const g = new GraphBuilder('roofline_matmul');
  const x = g.input('x', DataType.FLOAT, [m, k]);
  const w = g.weight('w', Float32Array.from({ length: k * n }, () => rand() - 0.5), [k, n]);
  g.output(op.matMul(g, x, w), 'y', DataType.FLOAT, [m, n]);
  const feeds = { x: new ort.Tensor('float32', Float32Array.from({ length: m * k }, () => rand() - 0.5), [m, k]) };
  return { model: g.encode(), feeds };
}

/** Measures GEMV bandwidth (a 64 MiB fp32 weight, twice a typical last-level cache) and SGEMM FLOP rate. */
export async function measureKernelRates(threads: number): Promise<KernelRates> {
  const K = 4096;
  const N = 4096;
  const gemv = matMulModel(1, K, N, 1);
  const gemvMs = await timeSession(gemv.model, gemv.feeds, threads, 15);
  const M = 512;
  const S = 1024;
  const gemm = matMulModel(M, S, S, 2);
  const gemmMs = await timeSession(gemm.model, gemm.feeds, threads, 10);
  return {
    gemvGBs: (K * N * 4) / (gemvMs / 1000) / 1e9,
    sgemmGflops: (2 * M * S * S) / (gemmMs / 1000) / 1e9,
  };
}

export function roofline(rates: KernelRates, dims: SanDims, o: { precision: Precision; quantizeLogits: boolean; promptTokens: number; genTokens: number }): Roofline {
  return rooflineOf(rates, decodeBytesPerStep(dims, o.precision, o.quantizeLogits, o.promptTokens, o.genTokens / 2), prefillFlopsPerToken(dims, o.promptTokens));
}

/** The bounds the measured rates set for a model that reads `bytes` per decode step and costs `flops` per prefill token. */
export function rooflineOf(rates: KernelRates, bytes: number, flops: number): Roofline {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    gemv_gb_s: r2(rates.gemvGBs),
    sgemm_gflop_s: r2(rates.sgemmGflops),
    decode_bytes_per_step: Math.round(bytes),
    decode_tok_s_bound: Math.round((rates.gemvGBs * 1e9) / bytes),
    prefill_flops_per_token: Math.round(flops),
    prefill_tok_s_bound: Math.round((rates.sgemmGflops * 1e9) / flops),
  };
}

/** The roofline with the shares of it a measured prefill and decode rate reached. */
export function withFractions(r: Roofline, prefill: number, decode: number): Roofline & { decode_fraction: number; prefill_fraction: number } {
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { ...r, decode_fraction: r3(decode / r.decode_tok_s_bound), prefill_fraction: r3(prefill / r.prefill_tok_s_bound) };
}
