// Tiny `gemma3_text` causal LM (FunctionGemma's architecture) after HF transformers' modeling_gemma3:
// embedding × √hidden; per layer input_layernorm → attention → post_attention_layernorm → residual,
// pre_feedforward_layernorm → GeGLU (gelu_pytorch_tanh) → post_feedforward_layernorm → residual;
// every RMSNorm scales by (1 + w); per-head q/k norms; attention scale query_pre_attn_scalar^−½;
// sliding-window layers (window `sliding_window`, RoPE base rope_local_base_freq) and global layers
// (RoPE base rope_theta); final norm; tied output layer. I/O contract: common.ts.
import * as op from '../ops.ts';
import {
  attentionContext, declareDecoderInputs, declarePastKv, embed, gatedMlp, randomAttention, randomMlp, ResidualStream, rmsNorm,
  newGraph, param, Rng, rngFor, selfAttention, tiedLogits, tinyModel, tokenTable, weightsOf, type BuildOptions, type TinyModel,
} from './common.ts';

export interface Gemma3Dims {
  vocab: number;
  hidden: number;
  ffn: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** 'sliding_attention' | 'full_attention' per layer (HF config `layer_types`). */
  layerTypes: ('sliding_attention' | 'full_attention')[];
  slidingWindow: number;
  ropeTheta: number;
  ropeLocalBase: number;
  queryPreAttnScalar: number;
  eps: number;
}

const MAX_POSITIONS = 32768;

export const GEMMA3_TINY: Omit<Gemma3Dims, 'vocab'> = {
  hidden: 64,
  ffn: 128,
  heads: 4,
  kvHeads: 1,
  headDim: 16,
  // FunctionGemma's 5 local : 1 global pattern.
  layerTypes: ['sliding_attention', 'sliding_attention', 'sliding_attention', 'sliding_attention', 'sliding_attention', 'full_attention'],
  slidingWindow: 16,
  ropeTheta: 1_000_000,
  ropeLocalBase: 10_000,
  queryPreAttnScalar: 16,
  eps: 1e-6,
};

/** (1 + w) with w ~ N(0, 0.1): Gemma stores norm weights as offsets from 1. */
function gemmaGamma(rng: Rng, n: number): Float32Array {
  return Float32Array.from(rng.normals(n, 0.1), (w) => 1 + w);
}

export function buildGemma3(d: Gemma3Dims, seed = 1, options: BuildOptions = {}): TinyModel {
  const rng = rngFor(seed, options);
  const g = newGraph('tiny-gemma3-text', options);
  const inputs = declareDecoderInputs(g);
  const table = tokenTable(g, 'model.embed_tokens.weight', rng.normals(d.vocab * d.hidden, 1 / Math.sqrt(d.hidden)), d.vocab, d.hidden);
  const h = op.mul(g, embed(g, inputs.inputIds, table), g.constF32([Math.sqrt(d.hidden)], []));
  const globalCtx = attentionContext(g, inputs, { headDim: d.headDim, base: d.ropeTheta, maxPositions: MAX_POSITIONS });
  const localCtx = attentionContext(g, inputs, { headDim: d.headDim, base: d.ropeLocalBase, window: d.slidingWindow, maxPositions: MAX_POSITIONS });
  const attnDims = { hidden: d.hidden, heads: d.heads, kvHeads: d.kvHeads, headDim: d.headDim, scale: Math.pow(d.queryPreAttnScalar, -0.5), normEps: d.eps };
  const stream = new ResidualStream(g, h, d.eps);
  d.layerTypes.forEach((type, i) => {
    const p = `model.layers.${i}`;
    const sliding = type === 'sliding_attention';
    const w = randomAttention(rng, attnDims, true);
    w.qNorm = gemmaGamma(rng, d.headDim);
    w.kNorm = gemmaGamma(rng, d.headDim);
    const past = declarePastKv(g, i, attnDims);
    const normed = stream.norm(gemmaGamma(rng, d.hidden), `${p}.input_layernorm`);
    const attn = selfAttention(g, normed, w, { layer: i, past, ctx: sliding ? localCtx : globalCtx }, { ...attnDims, prefix: `${p}.self_attn` });
    stream.add(rmsNorm(g, attn, gemmaGamma(rng, d.hidden), d.eps, `${p}.post_attention_layernorm`));
    const pre = stream.norm(gemmaGamma(rng, d.hidden), `${p}.pre_feedforward_layernorm`);
    const ffn = gatedMlp(g, pre, randomMlp(rng, d.hidden, d.ffn), { hidden: d.hidden, ffn: d.ffn, act: 'gelu_tanh', prefix: `${p}.mlp` });
    stream.add(rmsNorm(g, ffn, gemmaGamma(rng, d.hidden), d.eps, `${p}.post_feedforward_layernorm`));
  });
  tiedLogits(g, stream.norm(gemmaGamma(rng, d.hidden), 'model.norm'), table, d.vocab);
  // Recorded as HF stores them: norm weights are the offsets w of (1 + w).
  const weights = new Map([...weightsOf(g)].map(([name, w]) => [name, /norm/.test(name) ? Float32Array.from(w, (x) => x - 1) : w]));
  return tinyModel(g, {
    architectures: ['Gemma3ForCausalLM'],
    model_type: 'gemma3_text',
    vocab_size: d.vocab,
    hidden_size: d.hidden,
    intermediate_size: d.ffn,
    num_hidden_layers: d.layerTypes.length,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    head_dim: d.headDim,
    hidden_activation: 'gelu_pytorch_tanh',
    query_pre_attn_scalar: d.queryPreAttnScalar,
    sliding_window: d.slidingWindow,
    layer_types: d.layerTypes,
    rope_theta: d.ropeTheta,
    rope_local_base_freq: d.ropeLocalBase,
    rope_scaling: null,
    rms_norm_eps: d.eps,
    attn_logit_softcapping: null,
    final_logit_softcapping: null,
    max_position_embeddings: MAX_POSITIONS,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
  }, weights);
}
