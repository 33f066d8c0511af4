// Small configs of the four baseline families with the true configs' structure (q/k norms, sliding
// and global layers, conv and attention layers, GQA), for fast tests of the true-size machinery.
import type { FamilyDims, TrueSizeSpec } from '../../src/profile/synthetic/true-size.ts';
import { TRUE_SIZE } from '../../src/profile/synthetic/true-size.ts';

export const SMALL: Record<string, FamilyDims> = {
  'functiongemma-270m': {
    family: 'functiongemma',
    dims: { vocab: 2048, hidden: 64, ffn: 128, heads: 2, kvHeads: 1, headDim: 32, layerTypes: ['sliding_attention', 'sliding_attention', 'full_attention'], slidingWindow: 8, ropeTheta: 1e6, ropeLocalBase: 1e4, queryPreAttnScalar: 32, eps: 1e-6 },
  },
  'qwen3-0.6b': { family: 'qwen3', dims: { vocab: 2048, hidden: 64, ffn: 96, layers: 2, heads: 2, kvHeads: 1, headDim: 32, ropeTheta: 1e6, eps: 1e-6 } },
  'granite-4.0-350m': {
    family: 'granitemoehybrid',
    dims: { modelType: 'granitemoehybrid', vocab: 2048, hidden: 64, ffn: 64, layers: 2, heads: 2, kvHeads: 1, ropeTheta: 1e4, eps: 1e-5, embeddingMultiplier: 12, attentionMultiplier: 0.015625, residualMultiplier: 0.263, logitsScaling: 4 },
  },
  'lfm2.5-350m': { family: 'lfm2', dims: { vocab: 2048, hidden: 64, ffn: 96, heads: 2, kvHeads: 1, layerTypes: ['conv', 'full_attention', 'conv'], convL: 3, ropeTheta: 1e6, eps: 1e-5 } },
};

/** TRUE_SIZE with every architecture replaced by its small config. */
export function smallTrueSize(overrides: Record<string, FamilyDims> = {}): Record<string, TrueSizeSpec> {
  return Object.fromEntries(Object.entries(TRUE_SIZE).map(([id, spec]) => [id, { ...spec, arch: overrides[id] ?? SMALL[id] }]));
}
