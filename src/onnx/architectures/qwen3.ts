// Tiny `qwen3` causal LM after HF transformers' modeling_qwen3: RMSNorm pre-norm blocks, GQA attention
// with per-head q/k RMSNorm before RoPE (base rope_theta), scale head_dim^−½, SwiGLU FFN, final norm,
// tied embeddings (as Qwen3-0.6B). I/O contract: common.ts.
import * as op from '../ops.ts';
import {
  attentionBias, declareDecoderInputs, declarePastKv, embed, gatedMlp, randomAttention, randomMlp, rmsNorm, ropeTables,
  newGraph, param, Rng, rngFor, selfAttention, tiedLogits, tinyModel, type BuildOptions, type TinyModel,
} from './common.ts';

export interface Qwen3Dims {
  vocab: number;
  hidden: number;
  ffn: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ropeTheta: number;
  eps: number;
}

export const QWEN3_TINY: Omit<Qwen3Dims, 'vocab'> = { hidden: 64, ffn: 128, layers: 3, heads: 4, kvHeads: 2, headDim: 16, ropeTheta: 1_000_000, eps: 1e-6 };

export function buildQwen3(d: Qwen3Dims, seed = 2, options: BuildOptions = {}): TinyModel {
  const rng = rngFor(seed, options);
  const g = newGraph('tiny-qwen3', options);
  const inputs = declareDecoderInputs(g);
  const table = param(g, 'model.embed_tokens.weight', rng.normals(d.vocab * d.hidden, 1), [d.vocab, d.hidden]);
  let h = embed(g, inputs.inputIds, table);
  const bias = attentionBias(g, inputs);
  const rope = ropeTables(g, inputs.positionIds, d.headDim, d.ropeTheta);
  const attnDims = { hidden: d.hidden, heads: d.heads, kvHeads: d.kvHeads, headDim: d.headDim, scale: Math.pow(d.headDim, -0.5), normEps: d.eps };
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`;
    const past = declarePastKv(g, i, attnDims);
    const normed = rmsNorm(g, h, rng.normals(d.hidden, 0.1, 1), d.eps, `${p}.input_layernorm`);
    const attn = selfAttention(g, normed, randomAttention(rng, attnDims, true), { layer: i, past, bias, ...rope }, { ...attnDims, prefix: `${p}.self_attn` });
    h = op.add(g, h, attn);
    const post = rmsNorm(g, h, rng.normals(d.hidden, 0.1, 1), d.eps, `${p}.post_attention_layernorm`);
    h = op.add(g, h, gatedMlp(g, post, randomMlp(rng, d.hidden, d.ffn), { hidden: d.hidden, ffn: d.ffn, act: 'silu', prefix: `${p}.mlp` }));
  }
  h = rmsNorm(g, h, rng.normals(d.hidden, 0.1, 1), d.eps, 'model.norm');
  tiedLogits(g, h, table, d.vocab);
  return tinyModel(g, {
    architectures: ['Qwen3ForCausalLM'],
    model_type: 'qwen3',
    vocab_size: d.vocab,
    hidden_size: d.hidden,
    intermediate_size: d.ffn,
    num_hidden_layers: d.layers,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    head_dim: d.headDim,
    hidden_act: 'silu',
    rope_theta: d.ropeTheta,
    rope_scaling: null,
    rms_norm_eps: d.eps,
    attention_bias: false,
    use_sliding_window: false,
    sliding_window: null,
    max_position_embeddings: 40960,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
  });
}
