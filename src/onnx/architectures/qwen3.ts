// Tiny `qwen3` causal LM after HF transformers' modeling_qwen3: RMSNorm pre-norm blocks, GQA attention
// with per-head q/k RMSNorm before RoPE (base rope_theta), scale head_dim^−½, SwiGLU FFN, final norm,
// tied embeddings (as Qwen3-0.6B). I/O contract: common.ts.
import {
  attentionContext, declareDecoderInputs, declarePastKv, embed, gatedMlp, randomAttention, randomMlp, ResidualStream,
  newGraph, param, Rng, rngFor, selfAttention, tiedLogits, tinyModel, tokenTable, type BuildOptions, type TinyModel,
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

const MAX_POSITIONS = 40960;

export const QWEN3_TINY: Omit<Qwen3Dims, 'vocab'> = { hidden: 64, ffn: 128, layers: 3, heads: 4, kvHeads: 2, headDim: 16, ropeTheta: 1_000_000, eps: 1e-6 };

export function buildQwen3(d: Qwen3Dims, seed = 2, options: BuildOptions = {}): TinyModel {
  const rng = rngFor(seed, options);
  const g = newGraph('tiny-qwen3', options);
  const inputs = declareDecoderInputs(g);
  const table = tokenTable(g, 'model.embed_tokens.weight', rng.normals(d.vocab * d.hidden, 1), d.vocab, d.hidden);
  const h = embed(g, inputs.inputIds, table);
  const ctx = attentionContext(g, inputs, { headDim: d.headDim, base: d.ropeTheta, maxPositions: MAX_POSITIONS });
  const attnDims = { hidden: d.hidden, heads: d.heads, kvHeads: d.kvHeads, headDim: d.headDim, scale: Math.pow(d.headDim, -0.5), normEps: d.eps };
  const stream = new ResidualStream(g, h, d.eps);
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`;
    const past = declarePastKv(g, i, attnDims);
    const normed = stream.norm(rng.normals(d.hidden, 0.1, 1), `${p}.input_layernorm`);
    stream.add(selfAttention(g, normed, randomAttention(rng, attnDims, true), { layer: i, past, ctx }, { ...attnDims, prefix: `${p}.self_attn` }));
    const post = stream.norm(rng.normals(d.hidden, 0.1, 1), `${p}.post_attention_layernorm`);
    stream.add(gatedMlp(g, post, randomMlp(rng, d.hidden, d.ffn), { hidden: d.hidden, ffn: d.ffn, act: 'silu', prefix: `${p}.mlp` }));
  }
  tiedLogits(g, stream.norm(rng.normals(d.hidden, 0.1, 1), 'model.norm'), table, d.vocab);
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
    max_position_embeddings: MAX_POSITIONS,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
  });
}
