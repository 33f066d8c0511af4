// Behaviour of the tiny baseline graphs (src/onnx/architectures) run directly in onnxruntime: which
// earlier tokens each position can see (causality, Gemma3's sliding window boundary, LFM2's causal
// convolution width), Granite's logits_scaling, and the empty-cache contract transformers.js relies on.
// These are properties of the graph structure; the weights are random.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { TinyModel } from '../../src/onnx/architectures/common.ts';
import { buildGemma3, GEMMA3_TINY } from '../../src/onnx/architectures/gemma3.ts';
import { buildGranite, GRANITE_TINY } from '../../src/onnx/architectures/granite.ts';
import { buildLfm2, LFM2_TINY } from '../../src/onnx/architectures/lfm2.ts';
import { buildQwen3, QWEN3_TINY } from '../../src/onnx/architectures/qwen3.ts';
import { dequantizeKernel, quantizeKernel } from '../../src/onnx/quantize.ts';
import { referenceLogits } from '../helpers/tiny-reference.ts';

const VOCAB = 40;

/** Logits [seq, vocab] for one sequence from an empty cache. */
async function logits(model: TinyModel, tokens: number[], file?: string): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create((file ?? model.onnx) as Uint8Array, { intraOpNumThreads: 1 });
  const c = model.config as Record<string, number & string[]>;
  const S = tokens.length;
  const i64 = (xs: number[]) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
  const feeds: Record<string, ort.Tensor> = {
    input_ids: i64(tokens),
    attention_mask: i64(tokens.map(() => 1)),
    position_ids: i64(tokens.map((_, i) => i)),
  };
  const layerTypes: string[] = c.layer_types ?? Array.from({ length: c.num_hidden_layers }, () => 'attention');
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  layerTypes.forEach((t, i) => {
    if (t === 'conv') feeds[`past_conv.${i}`] = new ort.Tensor('float32', new Float32Array(c.hidden_size * c.conv_L_cache), [1, c.hidden_size, c.conv_L_cache]);
    else for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, c.num_key_value_heads, 0, headDim]);
  });
  const out = await session.run(feeds);
  await session.release();
  const data = out.logits.data as Float32Array;
  return Array.from({ length: S }, (_, s) => data.slice(s * VOCAB, (s + 1) * VOCAB));
}

const same = (a: Float32Array, b: Float32Array) => a.every((x, i) => Math.abs(x - b[i]) < 1e-6);

/** Positions whose logits change when the token at `at` changes. */
async function influenced(model: TinyModel, tokens: number[], at: number): Promise<number[]> {
  const a = await logits(model, tokens);
  const changed = [...tokens];
  changed[at] = (changed[at] + 7) % VOCAB;
  const b = await logits(model, changed);
  return a.flatMap((row, s) => (same(row, b[s]) ? [] : [s]));
}

const TOKENS = Array.from({ length: 14 }, (_, i) => (i * 11 + 3) % VOCAB);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('tiny baseline graphs against a plain TypeScript forward pass from the HF modeling code', () => {
  const cases: [string, () => TinyModel][] = [
    ['gemma3_text (5 sliding : 1 global, window 4 < sequence)', () => buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB, slidingWindow: 4 })],
    ['qwen3', () => buildQwen3({ ...QWEN3_TINY, vocab: VOCAB })],
    ['granite', () => buildGranite({ ...GRANITE_TINY, vocab: VOCAB, modelType: 'granite' })],
    ['granitemoehybrid', () => buildGranite({ ...GRANITE_TINY, vocab: VOCAB, modelType: 'granitemoehybrid' })],
    ['lfm2 (conv + attention)', () => buildLfm2({ ...LFM2_TINY, vocab: VOCAB })],
  ];
  it.each(cases)('%s: same logits at every position', async (_name, build) => {
    const model = build();
    const got = await logits(model, TOKENS);
    const want = referenceLogits(model.config, model.weights, TOKENS);
    let worst = 0;
    let scale = 0;
    for (let s = 0; s < TOKENS.length; s++) {
      for (let v = 0; v < VOCAB; v++) {
        worst = Math.max(worst, Math.abs(got[s][v] - want[s][v]));
        scale = Math.max(scale, Math.abs(want[s][v]));
      }
    }
    console.log(`[reference] ${_name}: max |Δlogit| ${worst.toExponential(2)} (max |logit| ${scale.toFixed(2)})`);
    expect(scale).toBeGreaterThan(0.1);
    expect(worst).toBeLessThan(1e-3);
  });
});

describe('tiny baseline graphs: q4 and external data', () => {
  it('q4 graphs (MatMulNBits linears) equal the reference run with the dequantized kernels', async () => {
    for (const model of [
      buildQwen3({ ...QWEN3_TINY, vocab: VOCAB }, 2, { q4: true }),
      buildLfm2({ ...LFM2_TINY, vocab: VOCAB }, 4, { q4: true }),
      buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB, slidingWindow: 4 }, 1, { q4: true }),
    ]) {
      expect(model.onnx.length).toBeGreaterThan(0);
      // Linear kernels are [in, out] and 2-D in `weights`; swap in what MatMulNBits computes with.
      const c = model.config as Record<string, number>;
      const dims = (name: string, w: Float32Array): [number, number] | undefined => {
        if (!/_proj$|\.w[123]$/.test(name)) return undefined;
        const K = /down_proj$|o_proj$|out_proj$|\.w2$/.test(name) && !/conv\.out_proj/.test(name) ? w.length / c.hidden_size : c.hidden_size;
        return [K, w.length / K];
      };
      const deq = new Map([...model.weights].map(([name, w]) => {
        const kn = dims(name, w);
        return [name, kn ? dequantizeKernel(quantizeKernel(w, kn[0], kn[1], 4, 32)) : w];
      }));
      const got = await logits(model, TOKENS);
      const want = referenceLogits(model.config, deq, TOKENS);
      let worst = 0;
      for (let s = 0; s < TOKENS.length; s++) for (let v = 0; v < VOCAB; v++) worst = Math.max(worst, Math.abs(got[s][v] - want[s][v]));
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('encodeWithExternalData: weights in <file>_data, loaded by path, same logits', async () => {
    const model = buildQwen3({ ...QWEN3_TINY, vocab: VOCAB });
    const dir = mkdtempSync(join(tmpdir(), 'nb-extdata-'));
    try {
      const { model: graph, data } = model.builder.encodeWithExternalData('model.onnx_data');
      expect(graph.byteLength).toBeLessThan(model.onnx.byteLength / 4);
      writeFileSync(join(dir, 'model.onnx'), graph);
      writeFileSync(join(dir, 'model.onnx_data'), data);
      const inline = await logits(model, TOKENS);
      const external = await logits(model, TOKENS, join(dir, 'model.onnx'));
      expect(external).toEqual(inline);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tiny baseline graphs: what each position sees', () => {
  it('gemma3 sliding-window layer: a query sees exactly the last sliding_window tokens (itself included)', async () => {
    const model = buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB, layerTypes: ['sliding_attention'], slidingWindow: 4 });
    // Token 3 reaches positions 3..6 (i − j < 4) and nothing later or earlier.
    expect(await influenced(model, TOKENS, 3)).toEqual([3, 4, 5, 6]);
  });

  it('gemma3 global layer and the 5:1 tiny stack: causal over the whole prefix', async () => {
    const global = buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB, layerTypes: ['full_attention'], slidingWindow: 4 });
    expect(await influenced(global, TOKENS, 3)).toEqual(range(3, 14));
    // Two sliding layers of window 4 reach 3 + 3 tokens on.
    const twoSliding = buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB, layerTypes: ['sliding_attention', 'sliding_attention'], slidingWindow: 4 });
    expect(await influenced(twoSliding, TOKENS, 3)).toEqual(range(3, 10));
    const stack = buildGemma3({ ...GEMMA3_TINY, vocab: VOCAB });
    expect(await influenced(stack, TOKENS, 3)).toEqual(range(3, 14));
  });

  it('lfm2 short convolution: a conv-only stack sees conv_L_cache tokens per layer, causally', async () => {
    const one = buildLfm2({ ...LFM2_TINY, vocab: VOCAB, layerTypes: ['conv'] });
    expect(await influenced(one, TOKENS, 5)).toEqual([5, 6, 7]);
    const two = buildLfm2({ ...LFM2_TINY, vocab: VOCAB, layerTypes: ['conv', 'conv'] });
    expect(await influenced(two, TOKENS, 5)).toEqual([5, 6, 7, 8, 9]);
    const hybrid = buildLfm2({ ...LFM2_TINY, vocab: VOCAB });
    expect(await influenced(hybrid, TOKENS, 5)).toEqual(range(5, 14));
  });

  it('qwen3 and granite: causal over the whole prefix', async () => {
    expect(await influenced(buildQwen3({ ...QWEN3_TINY, vocab: VOCAB }), TOKENS, 2)).toEqual(range(2, 14));
    expect(await influenced(buildGranite({ ...GRANITE_TINY, vocab: VOCAB, modelType: 'granite' }), TOKENS, 2)).toEqual(range(2, 14));
  });

  it('granite: logits are divided by logits_scaling', async () => {
    const a = await logits(buildGranite({ ...GRANITE_TINY, vocab: VOCAB, modelType: 'granite', logitsScaling: 1 }), TOKENS);
    const b = await logits(buildGranite({ ...GRANITE_TINY, vocab: VOCAB, modelType: 'granite', logitsScaling: 4 }), TOKENS);
    for (let s = 0; s < TOKENS.length; s++) for (let v = 0; v < VOCAB; v++) expect(b[s][v] * 4).toBeCloseTo(a[s][v], 4);
  });

  it('cache inputs carry the symbolic dims transformers.js resolves for an empty cache', async () => {
    const session = await ort.InferenceSession.create(buildLfm2({ ...LFM2_TINY, vocab: VOCAB }).onnx);
    const meta = Object.fromEntries(
      (session as unknown as { inputMetadata: { name: string; shape?: (number | string)[] }[] }).inputMetadata.map((m) => [m.name, m.shape]),
    );
    await session.release();
    // batch_size → the batch; any other symbol (past_sequence_length) → 0; numbers stay.
    expect(meta['past_key_values.2.key']).toEqual(['batch_size', LFM2_TINY.kvHeads, 'past_sequence_length', LFM2_TINY.hidden / LFM2_TINY.heads]);
    expect(meta['past_conv.0']).toEqual(['batch_size', LFM2_TINY.hidden, LFM2_TINY.convL]);
  });
});
