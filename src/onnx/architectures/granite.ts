// Tiny Granite 4.0 dense causal LM. Granite 4.0's dense checkpoints (e.g. -micro) are published as
// `granitemoehybrid` with every layer_types entry "attention" and no experts (shared_mlp only); the
// older `granite` model type has the same maths. Both are built here (`modelType`), after HF
// transformers' modeling_granite / modeling_granitemoehybrid: embeddings × embedding_multiplier;
// pre-norm RMSNorm blocks; GQA attention with scale attention_multiplier (instead of head_dim^−½),
// RoPE base rope_theta; each block output × residual_multiplier before the residual add; SwiGLU FFN
// (shared_mlp.input_linear = [gate | up], output_linear); final norm; tied output layer; logits ÷
// logits_scaling. I/O contract: common.ts.
import * as op from '../ops.ts';
import {
  attentionContext, declareDecoderInputs, declarePastKv, embed, gatedMlp, randomAttention, randomMlp, ResidualStream,
  newGraph, param, Rng, rngFor, selfAttention, tiedLogits, tinyModel, tokenTable, type BuildOptions, type TinyModel,
} from './common.ts';

export interface GraniteDims {
  modelType: 'granite' | 'granitemoehybrid';
  vocab: number;
  hidden: number;
  ffn: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ropeTheta: number;
  eps: number;
  embeddingMultiplier: number;
  attentionMultiplier: number;
  residualMultiplier: number;
  logitsScaling: number;
}

const MAX_POSITIONS = 32768;

export const GRANITE_TINY: Omit<GraniteDims, 'vocab' | 'modelType'> = {
  hidden: 64,
  ffn: 128,
  layers: 3,
  heads: 4,
  kvHeads: 1,
  ropeTheta: 10_000,
  eps: 1e-5,
  // Granite 4.0 ships 12, 0.015625, 0.246, 4-ish; same roles here.
  embeddingMultiplier: 12,
  attentionMultiplier: 0.25,
  residualMultiplier: 0.5,
  logitsScaling: 0.25,
};

export function buildGranite(d: GraniteDims, seed = 3, options: BuildOptions = {}): TinyModel {
  const rng = rngFor(seed, options);
  const headDim = d.hidden / d.heads;
  const g = newGraph(`tiny-${d.modelType}`, options);
  const inputs = declareDecoderInputs(g);
  const table = tokenTable(g, 'model.embed_tokens.weight', rng.normals(d.vocab * d.hidden, 1 / d.embeddingMultiplier), d.vocab, d.hidden);
  const h = op.mul(g, embed(g, inputs.inputIds, table), g.constF32([d.embeddingMultiplier], []));
  const ctx = attentionContext(g, inputs, { headDim, base: d.ropeTheta, maxPositions: MAX_POSITIONS });
  const attnDims = { hidden: d.hidden, heads: d.heads, kvHeads: d.kvHeads, headDim, scale: d.attentionMultiplier, normEps: d.eps };
  const residual = g.constF32([d.residualMultiplier], []);
  const stream = new ResidualStream(g, h, d.eps);
  for (let i = 0; i < d.layers; i++) {
    const p = `model.layers.${i}`;
    const past = declarePastKv(g, i, attnDims);
    const normed = stream.norm(rng.normals(d.hidden, 0.1, 1), `${p}.input_layernorm`);
    const attn = selfAttention(g, normed, randomAttention(rng, attnDims, false), { layer: i, past, ctx }, { ...attnDims, prefix: `${p}.self_attn` });
    stream.add(op.mul(g, attn, residual));
    const post = stream.norm(rng.normals(d.hidden, 0.1, 1), `${p}.post_attention_layernorm`);
    const ffn = gatedMlp(g, post, randomMlp(rng, d.hidden, d.ffn), { hidden: d.hidden, ffn: d.ffn, act: 'silu', prefix: `${p}.shared_mlp` });
    stream.add(op.mul(g, ffn, residual));
  }
  tiedLogits(g, stream.norm(rng.normals(d.hidden, 0.1, 1), 'model.norm'), table, d.vocab, 1 / d.logitsScaling);
  const common = {
    vocab_size: d.vocab,
    hidden_size: d.hidden,
    intermediate_size: d.ffn,
    num_hidden_layers: d.layers,
    num_attention_heads: d.heads,
    num_key_value_heads: d.kvHeads,
    hidden_act: 'silu',
    rope_theta: d.ropeTheta,
    rope_scaling: null,
    rms_norm_eps: d.eps,
    embedding_multiplier: d.embeddingMultiplier,
    attention_multiplier: d.attentionMultiplier,
    residual_multiplier: d.residualMultiplier,
    logits_scaling: d.logitsScaling,
    attention_bias: false,
    max_position_embeddings: MAX_POSITIONS,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
  };
  const config =
    d.modelType === 'granite'
      ? { architectures: ['GraniteForCausalLM'], model_type: 'granite', ...common }
      : {
          architectures: ['GraniteMoeHybridForCausalLM'],
          model_type: 'granitemoehybrid',
          ...common,
          layer_types: Array.from({ length: d.layers }, () => 'attention'),
          position_embedding_type: 'rope',
          num_local_experts: 0,
          shared_intermediate_size: d.ffn,
        };
  return tinyModel(g, config);
}
