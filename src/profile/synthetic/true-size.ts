// The true architectures of the transformers baselines (FunctionGemma-270m, Qwen3-0.6B, Granite-4.0-350m,
// LFM2.5-350M), as config facts for the family graph builders of src/onnx/architectures, and the
// parameter count each config implies — counted here from the config alone, so a test can check it
// against the initializers a build actually writes (dequantized element counts for q4).
//
// Sources (docs/baselines.md, models/*.json): FunctionGemma is gemma3_text 270M (gemma-3-270m: vocab
// 262,144, hidden 640, 18 layers 5 sliding : 1 global, window 512, 4 heads / 1 kv head of 256, FFN 2048);
// Qwen3-0.6B (vocab 151,936, hidden 1024, 28 layers, 16 / 8 heads of 128, FFN 3072, q/k norms);
// Granite-4.0-350m (dense granitemoehybrid, every layer attention: vocab 100,352, hidden 1024, 28 layers,
// 16 / 4 heads of 64, shared MLP 2048); LFM2.5-350M = LFM2-350M (vocab 65,536, hidden 1024, 16 layers:
// attention at 2, 5, 8, 10, 12, 14, the rest short convolutions with kernel 3; 16 / 8 heads of 64; FFN
// 6656 auto-adjusted to 4608 = 256·⌈(2/3·6656)/256⌉, written here as the adjusted size). LFM2's count
// equals the registry's 354,483,968, Qwen3's the model card's 596,049,920 (0.6B), Gemma's 268,098,176.
import type { BuildOptions, TinyModel } from '../../onnx/architectures/common.ts';
import { buildGemma3, type Gemma3Dims } from '../../onnx/architectures/gemma3.ts';
import { buildGranite, type GraniteDims } from '../../onnx/architectures/granite.ts';
import { buildLfm2, type Lfm2Dims } from '../../onnx/architectures/lfm2.ts';
import { buildQwen3, type Qwen3Dims } from '../../onnx/architectures/qwen3.ts';
import type { TinyFamily } from '../../onnx/architectures/tiny-models.ts';

/** One attention layer's cache geometry (for bytes read per decode step). */
export interface CacheLayer {
  kvHeads: number;
  headDim: number;
  /** Sliding-window layers keep at most this many keys. */
  window?: number;
}

export type FamilyDims =
  | { family: 'functiongemma'; dims: Gemma3Dims }
  | { family: 'qwen3'; dims: Qwen3Dims }
  | { family: 'granitemoehybrid'; dims: GraniteDims }
  | { family: 'lfm2'; dims: Lfm2Dims };

export function buildFamily(f: FamilyDims, options: BuildOptions): TinyModel {
  switch (f.family) {
    case 'functiongemma':
      return buildGemma3(f.dims, 1, options);
    case 'qwen3':
      return buildQwen3(f.dims, 2, options);
    case 'granitemoehybrid':
      return buildGranite(f.dims, 3, options);
    case 'lfm2':
      return buildLfm2(f.dims, 4, options);
  }
}

/** Parameters the config implies (embedding tied, so counted once), as HF counts them. */
export function parameterCount(f: FamilyDims): number {
  const attention = (hidden: number, heads: number, kvHeads: number, hd: number, qkNorm: boolean) =>
    hidden * (heads + 2 * kvHeads) * hd + heads * hd * hidden + (qkNorm ? 2 * hd : 0);
  const mlp = (hidden: number, ffn: number) => 3 * hidden * ffn;
  switch (f.family) {
    case 'functiongemma': {
      const d = f.dims;
      const layer = attention(d.hidden, d.heads, d.kvHeads, d.headDim, true) + mlp(d.hidden, d.ffn) + 4 * d.hidden;
      return d.vocab * d.hidden + d.layerTypes.length * layer + d.hidden;
    }
    case 'qwen3': {
      const d = f.dims;
      const layer = attention(d.hidden, d.heads, d.kvHeads, d.headDim, true) + mlp(d.hidden, d.ffn) + 2 * d.hidden;
      return d.vocab * d.hidden + d.layers * layer + d.hidden;
    }
    case 'granitemoehybrid': {
      const d = f.dims;
      const layer = attention(d.hidden, d.heads, d.kvHeads, d.hidden / d.heads, false) + mlp(d.hidden, d.ffn) + 2 * d.hidden;
      return d.vocab * d.hidden + d.layers * layer + d.hidden;
    }
    case 'lfm2': {
      const d = f.dims;
      const conv = d.hidden * 3 * d.hidden + d.hidden * d.hidden + d.hidden * d.convL;
      const attn = attention(d.hidden, d.heads, d.kvHeads, d.hidden / d.heads, true);
      const mixers = d.layerTypes.reduce((n, t) => n + (t === 'conv' ? conv : attn), 0);
      return d.vocab * d.hidden + mixers + d.layerTypes.length * (mlp(d.hidden, d.ffn) + 2 * d.hidden) + d.hidden;
    }
  }
}

/** The attention layers' KV caches (LFM2's conv states are a few KB and left out). */
export function cacheLayers(f: FamilyDims): CacheLayer[] {
  switch (f.family) {
    case 'functiongemma':
      return f.dims.layerTypes.map((t) => ({ kvHeads: f.dims.kvHeads, headDim: f.dims.headDim, ...(t === 'sliding_attention' ? { window: f.dims.slidingWindow } : {}) }));
    case 'qwen3':
      return Array.from({ length: f.dims.layers }, () => ({ kvHeads: f.dims.kvHeads, headDim: f.dims.headDim }));
    case 'granitemoehybrid':
      return Array.from({ length: f.dims.layers }, () => ({ kvHeads: f.dims.kvHeads, headDim: f.dims.hidden / f.dims.heads }));
    case 'lfm2':
      return f.dims.layerTypes.filter((t) => t === 'full_attention').map(() => ({ kvHeads: f.dims.kvHeads, headDim: f.dims.hidden / f.dims.heads }));
  }
}

/** Bytes of fp32 KV cache one decode step reads with `cached` tokens already in the cache. */
export function kvBytesPerStep(layers: CacheLayer[], cached: number): number {
  return layers.reduce((n, l) => n + 2 * l.kvHeads * l.headDim * Math.min(cached, l.window ?? Infinity) * 4, 0);
}

export interface TrueSizeSpec {
  /** The registry id whose architecture this is. */
  registryId: string;
  /** The tiny-model family whose tokenizer and template conventions apply (tiny-models.ts). */
  tinyFamily: TinyFamily;
  arch: FamilyDims;
  source: string;
  /** Graph-form options this family's real q4 file has beyond the common ones (docs/baselines.md). */
  form?: Pick<BuildOptions, 'q4Table'>;
}

const gemmaLayers = Array.from({ length: 18 }, (_, i) => ((i + 1) % 6 === 0 ? 'full_attention' : 'sliding_attention') as 'full_attention' | 'sliding_attention');
const lfmLayers = Array.from({ length: 16 }, (_, i) => ([2, 5, 8, 10, 12, 14].includes(i) ? 'full_attention' : 'conv') as 'conv' | 'full_attention');

export const TRUE_SIZE: Record<string, TrueSizeSpec> = {
  'functiongemma-270m': {
    registryId: 'functiongemma-270m',
    tinyFamily: 'functiongemma',
    arch: {
      family: 'functiongemma',
      dims: { vocab: 262_144, hidden: 640, ffn: 2048, heads: 4, kvHeads: 1, headDim: 256, layerTypes: gemmaLayers, slidingWindow: 512, ropeTheta: 1_000_000, ropeLocalBase: 10_000, queryPreAttnScalar: 256, eps: 1e-6 },
    },
    source: 'gemma3_text 270M (google/functiongemma-270m-it = gemma-3-270m architecture)',
  },
  'qwen3-0.6b': {
    registryId: 'qwen3-0.6b',
    tinyFamily: 'qwen3',
    arch: { family: 'qwen3', dims: { vocab: 151_936, hidden: 1024, ffn: 3072, layers: 28, heads: 16, kvHeads: 8, headDim: 128, ropeTheta: 1_000_000, eps: 1e-6 } },
    source: 'Qwen/Qwen3-0.6B config',
  },
  'granite-4.0-350m': {
    registryId: 'granite-4.0-350m',
    tinyFamily: 'granitemoehybrid',
    arch: {
      family: 'granitemoehybrid',
      dims: {
        modelType: 'granitemoehybrid', vocab: 100_352, hidden: 1024, ffn: 2048, layers: 28, heads: 16, kvHeads: 4, ropeTheta: 10_000, eps: 1e-5,
        embeddingMultiplier: 12, attentionMultiplier: 0.015625, residualMultiplier: 0.263, logitsScaling: 4,
      },
    },
    source: 'ibm-granite/granite-4.0-350m (dense granitemoehybrid; 28 attention layers per its model card)',
  },
  'lfm2.5-350m': {
    registryId: 'lfm2.5-350m',
    tinyFamily: 'lfm2',
    arch: { family: 'lfm2', dims: { vocab: 65_536, hidden: 1024, ffn: 4608, heads: 16, kvHeads: 8, layerTypes: lfmLayers, convL: 3, ropeTheta: 1_000_000, eps: 1e-5 } },
    source: 'LiquidAI/LFM2-350M config (LFM2.5-350M: same architecture)',
    // The real model_q4 (293.6 MB of data) cannot hold an fp32 table (268 MB) beside its q4 layers:
    // LiquidAI's q4 recipe shares one int4 table between the embedding and the output layer.
    form: { q4Table: true },
  },
};
