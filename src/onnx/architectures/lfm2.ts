// Tiny `lfm2` causal LM (LFM2 / LFM2.5) after HF transformers' modeling_lfm2: per layer operator_norm →
// (gated short convolution | GQA attention) → residual, ffn_norm → SwiGLU (w2(silu(w1 x) · w3 x)) →
// residual; final embedding_norm; tied output layer.
// Short convolution: B, C, x = chunk₃(in_proj(h)); y = C · conv(B · x); out_proj(y), conv depthwise
// causal with kernel conv_L_cache. Its cache, as transformers.js names it (configs.js getCacheNames):
// past_conv.{i} → present_conv.{i}, f32 [batch_size, hidden, conv_L_cache] = the last conv_L_cache
// values of B·x (HF's Lfm2HybridConvCache layout; zeros before the first token = the causal zero
// padding). Attention layers: per-head q/k RMSNorm (q_layernorm / k_layernorm), RoPE base rope_theta,
// cache past_key_values.{i}.key/value → present.{i}.key/value. I/O contract: common.ts.
import { DataType, GraphBuilder, attr, type Value } from '../builder.ts';
import * as op from '../ops.ts';
import {
  attentionContext, declareDecoderInputs, declarePastKv, embed, gatedMlp, linear, randomAttention, randomMlp, ResidualStream,
  newGraph, param, Rng, rngFor, selfAttention, tiedLogits, tinyModel, tokenTable, type BuildOptions, type TinyModel,
} from './common.ts';

export type Lfm2LayerType = 'conv' | 'full_attention';

export interface Lfm2Dims {
  vocab: number;
  hidden: number;
  ffn: number;
  heads: number;
  kvHeads: number;
  layerTypes: Lfm2LayerType[];
  convL: number;
  ropeTheta: number;
  eps: number;
}

const MAX_POSITIONS = 128000;

export const LFM2_TINY: Omit<Lfm2Dims, 'vocab'> = {
  hidden: 64,
  ffn: 128,
  heads: 4,
  kvHeads: 2,
  // LFM2-350M interleaves 10 conv and 6 attention layers starting with conv blocks; a short version.
  layerTypes: ['conv', 'conv', 'full_attention', 'conv', 'full_attention'],
  convL: 3,
  ropeTheta: 1_000_000,
  eps: 1e-5,
};

function shortConv(g: GraphBuilder, x: Value, rng: Rng, d: Lfm2Dims, layer: number): Value {
  const H = d.hidden;
  const p = `model.layers.${layer}.conv`;
  const cacheShape = ['batch_size', H, d.convL];
  const past = g.input(`past_conv.${layer}`, DataType.FLOAT, cacheShape);
  const bcx = op.transpose(g, linear(g, x, rng.normals(H * 3 * H, 1 / Math.sqrt(H)), H, 3 * H, `${p}.in_proj`), [0, 2, 1]); // [B,3H,S]
  const [b, c, xs] = op.split(g, bcx, 1, [H, H, H]);
  const bx = op.mul(g, b, xs); // [B,H,S]
  const full = op.concat(g, 2, past, bx); // [B,H,L+S]
  g.output(op.slice(g, full, [-d.convL], [Number.MAX_SAFE_INTEGER], [2]), `present_conv.${layer}`, DataType.FLOAT, cacheShape);
  // Output t sees the last L values of B·x up to t: a valid (unpadded) depthwise conv over full[1:].
  const window = op.slice(g, full, [1], [Number.MAX_SAFE_INTEGER], [2]);
  const kernel = param(g, `${p}.conv.weight`, rng.normals(H * d.convL, 1 / Math.sqrt(d.convL)), [H, 1, d.convL]);
  const conv = g.op('Conv', [window, kernel], { group: attr.int(H), kernel_shape: attr.ints([d.convL]) });
  const y = op.transpose(g, op.mul(g, c, conv), [0, 2, 1]); // [B,S,H]
  return linear(g, y, rng.normals(H * H, 1 / Math.sqrt(H)), H, H, `${p}.out_proj`);
}

export function buildLfm2(d: Lfm2Dims, seed = 4, options: BuildOptions = {}): TinyModel {
  const rng = rngFor(seed, options);
  const headDim = d.hidden / d.heads;
  const g = newGraph('tiny-lfm2', options);
  const inputs = declareDecoderInputs(g);
  const table = tokenTable(g, 'model.embed_tokens.weight', rng.normals(d.vocab * d.hidden, 1), d.vocab, d.hidden);
  const h = embed(g, inputs.inputIds, table);
  const hasAttention = d.layerTypes.includes('full_attention');
  const ctx = hasAttention ? attentionContext(g, inputs, { headDim, base: d.ropeTheta, maxPositions: MAX_POSITIONS }) : undefined;
  const attnDims = { hidden: d.hidden, heads: d.heads, kvHeads: d.kvHeads, headDim, scale: Math.pow(headDim, -0.5), normEps: d.eps };
  const stream = new ResidualStream(g, h, d.eps);
  d.layerTypes.forEach((type, i) => {
    const p = `model.layers.${i}`;
    const normed = stream.norm(rng.normals(d.hidden, 0.1, 1), `${p}.operator_norm`);
    stream.add(
      type === 'conv'
        ? shortConv(g, normed, rng, d, i)
        : selfAttention(g, normed, randomAttention(rng, attnDims, true), { layer: i, past: declarePastKv(g, i, attnDims), ctx: ctx! }, { ...attnDims, prefix: `${p}.self_attn`, names: { q_norm: 'q_layernorm', k_norm: 'k_layernorm', o_proj: 'out_proj' } }),
    );
    const f = stream.norm(rng.normals(d.hidden, 0.1, 1), `${p}.ffn_norm`);
    stream.add(gatedMlp(g, f, randomMlp(rng, d.hidden, d.ffn), { hidden: d.hidden, ffn: d.ffn, act: 'silu', prefix: `${p}.feed_forward`, names: ['w1', 'w3', 'w2'] }));
  });
  tiedLogits(g, stream.norm(rng.normals(d.hidden, 0.1, 1), 'model.embedding_norm'), table, d.vocab);
  return tinyModel(g, {
    architectures: ['Lfm2ForCausalLM'],
    model_type: 'lfm2',
    vocab_size: d.vocab,
    hidden_size: d.hidden,
    intermediate_size: d.ffn,
    block_auto_adjust_ff_dim: false,
    num_hidden_layers: d.layerTypes.length,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    layer_types: d.layerTypes,
    full_attn_idxs: d.layerTypes.flatMap((t, i) => (t === 'full_attention' ? [i] : [])),
    conv_L_cache: d.convL,
    conv_bias: false,
    rope_theta: d.ropeTheta,
    norm_eps: d.eps,
    max_position_embeddings: MAX_POSITIONS,
    tie_embedding: true,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
  });
}
