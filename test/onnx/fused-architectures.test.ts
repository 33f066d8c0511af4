// The fused form of the tiny baseline graphs (BuildOptions.fused: SimplifiedLayerNormalization,
// SkipSimplifiedLayerNormalization, RotaryEmbedding, GroupQueryAttention — the ops of the real q4
// exports) against the same independent TypeScript forward pass as the plain form
// (test/helpers/tiny-reference.ts), both from an empty cache and step by step through the KV cache the
// way transformers.js drives it (present.* fed back as past_key_values.*, attention_mask growing,
// position_ids = slot index), including Gemma3's sliding window reaching back into the cache. And the
// q4 form with accuracy_level 4 (int8 activations) against the plain q4 graph with the same codes.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { TinyModel } from '../../src/onnx/architectures/common.ts';
import { buildGemma3, GEMMA3_TINY } from '../../src/onnx/architectures/gemma3.ts';
import { buildGranite, GRANITE_TINY } from '../../src/onnx/architectures/granite.ts';
import { buildLfm2, LFM2_TINY } from '../../src/onnx/architectures/lfm2.ts';
import { buildQwen3, QWEN3_TINY } from '../../src/onnx/architectures/qwen3.ts';
import type { BuildOptions } from '../../src/onnx/architectures/common.ts';
import { dequantizeKernel, quantizeKernel } from '../../src/onnx/quantize.ts';
import { referenceLogits } from '../helpers/tiny-reference.ts';

const VOCAB = 40;
const TOKENS = Array.from({ length: 14 }, (_, i) => (i * 11 + 3) % VOCAB);

type Feeds = Record<string, ort.Tensor>;
const i64 = (xs: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);

function emptyCache(model: TinyModel): Feeds {
  const c = model.config as Record<string, number & string[]>;
  const feeds: Feeds = {};
  const layerTypes: string[] = c.layer_types ?? Array.from({ length: c.num_hidden_layers }, () => 'attention');
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  layerTypes.forEach((t, i) => {
    if (t === 'conv') feeds[`past_conv.${i}`] = new ort.Tensor('float32', new Float32Array(c.hidden_size * c.conv_L_cache), [1, c.hidden_size, c.conv_L_cache]);
    else for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, c.num_key_value_heads, 0, headDim]);
  });
  return feeds;
}

/**
 * Logits [seq, vocab] for TOKENS: one run over `chunks[0]` tokens from an empty cache, then one run per
 * further chunk with the previous run's present.* / present_conv.* as the cache.
 */
async function logitsInChunks(model: TinyModel, tokens: number[], chunks: number[]): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(model.onnx, { intraOpNumThreads: 1 });
  let cache = emptyCache(model);
  const rows: Float32Array[] = [];
  let at = 0;
  for (const n of chunks) {
    const ids = tokens.slice(at, at + n);
    const out = await session.run({
      input_ids: i64(ids),
      attention_mask: i64(Array.from({ length: at + n }, () => 1)),
      position_ids: i64(ids.map((_, i) => at + i)),
      ...cache,
    });
    const data = out.logits.data as Float32Array;
    for (let s = 0; s < n; s++) rows.push(data.slice(s * VOCAB, (s + 1) * VOCAB));
    cache = Object.fromEntries(Object.keys(cache).map((name) => [name, out[name.replace('past_key_values.', 'present.').replace('past_conv.', 'present_conv.')]]));
    at += n;
  }
  await session.release();
  return rows;
}

function worstDiff(a: Float32Array[], b: ArrayLike<number>[]): { worst: number; scale: number } {
  let worst = 0;
  let scale = 0;
  a.forEach((row, s) => row.forEach((x, v) => {
    worst = Math.max(worst, Math.abs(x - b[s][v]));
    scale = Math.max(scale, Math.abs(b[s][v]));
  }));
  return { worst, scale };
}

const FAMILIES: [string, (o: BuildOptions) => TinyModel][] = [
  ['gemma3_text (5 sliding : 1 global, window 4 < sequence)', (o) => buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB, slidingWindow: 4 }, 1, o)],
  ['qwen3', (o) => buildQwen3({ ...QWEN3_TINY, vocab: VOCAB }, 2, o)],
  ['granite', (o) => buildGranite({ ...GRANITE_TINY, vocab: VOCAB, modelType: 'granite' }, 3, o)],
  ['granitemoehybrid', (o) => buildGranite({ ...GRANITE_TINY, vocab: VOCAB, modelType: 'granitemoehybrid' }, 3, o)],
  ['lfm2 (conv + attention)', (o) => buildLfm2({ ...LFM2_TINY, vocab: VOCAB }, 4, o)],
];

describe('fused tiny baseline graphs against the plain TypeScript forward pass', () => {
  it.each(FAMILIES)('%s: same logits from an empty cache and step by step through the cache', async (name, build) => {
    const model = build({ fused: true });
    const ops = new Set(model.builder.nodeSummary().map((n) => n.opType));
    for (const fused of ['GroupQueryAttention', 'RotaryEmbedding', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization']) expect(ops).toContain(fused);
    // The plain attention and norm patterns are gone.
    for (const plain of ['Softmax', 'ReduceMean', 'Sqrt']) expect(ops).not.toContain(plain);

    const want = referenceLogits(model.config, model.weights, TOKENS);
    const whole = worstDiff(await logitsInChunks(model, TOKENS, [TOKENS.length]), want);
    // Prefill 6, then one token per step (the decode path), then a 3-token chunk on a non-empty cache.
    const stepped = worstDiff(await logitsInChunks(model, TOKENS, [6, 1, 1, 1, 1, 1, 3]), want);
    console.log(`[fused] ${name}: max |Δlogit| ${whole.worst.toExponential(2)} whole, ${stepped.worst.toExponential(2)} through the cache (max |logit| ${whole.scale.toFixed(2)})`);
    expect(whole.scale).toBeGreaterThan(0.1);
    // Same tolerance as the plain graphs' reference test: float32 graph vs float64 reference.
    expect(whole.worst).toBeLessThan(1e-3);
    expect(stepped.worst).toBeLessThan(1e-3);
  });

  it('the sliding window is what the reference sees: a wider window in the graph would be caught', async () => {
    // Graph with window 5, reference config saying 4: positions ≥ 4 must differ.
    const graph = buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB, slidingWindow: 5 }, 1, { fused: true });
    const config = { ...graph.config, sliding_window: 4 };
    const { worst } = worstDiff(await logitsInChunks(graph, TOKENS, [TOKENS.length]), referenceLogits(config, graph.weights, TOKENS));
    expect(worst).toBeGreaterThan(1e-2);
  });
});

describe('fused q4 graphs, and accuracy_level 4', () => {
  it.each(FAMILIES)('%s: fused q4 equals plain q4 (same codes); accuracy_level 4 on every MatMulNBits moves logits by int8 rounding only', async (name, build) => {
    const plain = build({ q4: true });
    const fused = build({ q4: true, fused: true });
    const acc4 = build({ q4: true, fused: true, accuracyLevel: 4 });
    const nbits = acc4.builder.nodeSummary().filter((n) => n.opType === 'MatMulNBits');
    expect(nbits.length).toBeGreaterThan(0);
    for (const n of nbits) expect(n.attributes.accuracy_level).toEqual({ kind: 'int', value: 4 });
    for (const m of [plain, fused]) expect(m.builder.nodeSummary().some((n) => n.opType === 'MatMulNBits' && 'accuracy_level' in n.attributes)).toBe(false);

    const want = await logitsInChunks(plain, TOKENS, [TOKENS.length]);
    const fusion = worstDiff(await logitsInChunks(fused, TOKENS, [8, 1, 1, 1, 1, 1, 1]), want);
    const level = worstDiff(await logitsInChunks(acc4, TOKENS, [8, 1, 1, 1, 1, 1, 1]), want);
    console.log(`[fused q4] ${name}: max |Δlogit| vs plain q4 ${fusion.worst.toExponential(2)}, with accuracy_level 4 ${level.worst.toExponential(2)} (max |logit| ${fusion.scale.toFixed(2)})`);
    expect(fusion.worst).toBeLessThan(1e-3);
    // Level 4 quantizes each MatMulNBits input to int8 per block; on these random tiny models that
    // moves logits by up to ~5% of their range (measured 1.8–4.6%), bounded here at 8%.
    expect(level.worst).toBeGreaterThan(0);
    expect(level.worst).toBeLessThan(0.08 * level.scale);
  });
});

describe('q4 graphs with the int4 token table (q4Table)', () => {
  it.each(FAMILIES)('%s: GatherBlockQuantized + MatMulNBits share one table; logits equal the reference with every kernel dequantized', async (name, build) => {
    const model = build({ q4: true, fused: true, q4Table: true });
    const nodes = model.builder.nodeSummary();
    expect(nodes.filter((n) => n.opType === 'GatherBlockQuantized')).toHaveLength(1);
    const info = model.builder.initializerInfo();
    expect(info.some((t) => t.name === 'model.embed_tokens.weight')).toBe(false);
    expect(info.find((t) => t.name === 'model.embed_tokens.weight.q4')).toBeDefined();
    // `weights` holds the dequantized table; swap in what MatMulNBits computes with for the linears too.
    const c = model.config as Record<string, number>;
    const deq = new Map([...model.weights].map(([n, w]) => {
      if (!/_proj$|\.w[123]$/.test(n)) return [n, w];
      const K = /down_proj$|o_proj$|out_proj$|\.w2$/.test(n) && !/conv\.out_proj/.test(n) ? w.length / c.hidden_size : c.hidden_size;
      return [n, dequantizeKernel(quantizeKernel(w, K, w.length / K, 4, 32))];
    }));
    const { worst, scale } = worstDiff(await logitsInChunks(model, TOKENS, [8, 1, 1, 1, 1, 1, 1]), referenceLogits(model.config, deq, TOKENS));
    console.log(`[q4 table] ${name}: max |Δlogit| ${worst.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
    expect(scale).toBeGreaterThan(0.1);
    expect(worst).toBeLessThan(1e-3);
  });
});
