import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/needle/v1/config.ts';
import { buildDecoderGraph, type Precision } from '../../src/needle/v1/export.ts';
import { readSanWeights } from '../../src/needle/v1/export-weights.ts';
import { syntheticCheckpoint } from '../../src/needle/v1/synthetic.ts';
import { decodeBytesPerStep, measureKernelRates, prefillFlopsPerToken, roofline } from '../../src/profile/roofline.ts';

// d_model 128 so MatMulNBits blocks of 32 divide every kernel; vocab large enough that the output layer
// matters in the byte count.
const config = resolveConfig({ vocab_size: 2000, d_model: 128, num_heads: 4, num_kv_heads: 2, num_encoder_layers: 2, num_decoder_layers: 3 });
const weights = readSanWeights(syntheticCheckpoint(config, 3));

/** Bytes a decode step reads from the exported graph itself: every initializer except the embedding
 * table (Gather reads one row) and the RoPE tables (one row per step), plus nothing for the inputs. */
function graphWeightBytes(precision: Precision, quantizeLogits: boolean): number {
  const g = buildDecoderGraph(weights, { precision, quantizeLogits, maxPositions: 64 });
  let total = 0;
  for (const [name, bytes] of g.initializerBytes()) {
    if (name === 'embedding' || name === 'rope_cos' || name === 'rope_sin') continue;
    total += bytes;
  }
  return total;
}

describe('roofline accounting', () => {
  // The model counts dense kernels and the output layer only; the graph also holds norm gammas and
  // shape constants (a few KB), hence the 2% tolerance.
  for (const [precision, ql] of [['fp32', false], ['int8', false], ['int4', false], ['int4', true], ['int8', true]] as [Precision, boolean][]) {
    it(`decode bytes per step match the exported ${precision}${ql ? '+ql' : ''} decoder's weights within 2%`, () => {
      const modelled = decodeBytesPerStep(weights.dims, precision, ql, 0, 0);
      const actual = graphWeightBytes(precision, ql);
      expect(Math.abs(modelled - actual) / actual).toBeLessThan(0.02);
    });
  }

  it('adds the cross K/V and the self-attention cache, which grow with the prompt and the output', () => {
    const d = weights.dims;
    const kvBytesPerToken = d.decLayers * 2 * d.kvHeads * d.headDim * 4;
    expect(decodeBytesPerStep(d, 'fp32', false, 100, 0) - decodeBytesPerStep(d, 'fp32', false, 0, 0)).toBe(100 * kvBytesPerToken);
    expect(decodeBytesPerStep(d, 'fp32', false, 0, 10) - decodeBytesPerStep(d, 'fp32', false, 0, 0)).toBe(10 * kvBytesPerToken);
  });

  it('counts prefill FLOPs as 2 per multiply-add of projections and attention', () => {
    const d = weights.dims;
    const kvd = d.kvHeads * d.headDim;
    const perLayer = 128 * (128 + 2 * kvd) + 128 * 128;
    const expected = 2 * (d.encLayers * perLayer + d.decLayers * 128 * 2 * kvd + d.encLayers * 128 * 50 * 2);
    expect(prefillFlopsPerToken(d, 50)).toBe(expected);
  });

  it('measures finite positive kernel rates and turns them into bounds', async () => {
    const rates = await measureKernelRates(1);
    expect(rates.gemvGBs).toBeGreaterThan(0);
    expect(rates.sgemmGflops).toBeGreaterThan(0);
    expect(Number.isFinite(rates.gemvGBs) && Number.isFinite(rates.sgemmGflops)).toBe(true);
    const r = roofline(rates, weights.dims, { precision: 'fp32', quantizeLogits: false, promptTokens: 64, genTokens: 8 });
    expect(r.decode_tok_s_bound).toBe(Math.round((rates.gemvGBs * 1e9) / decodeBytesPerStep(weights.dims, 'fp32', false, 64, 4)));
    expect(r.prefill_tok_s_bound).toBe(Math.round((rates.sgemmGflops * 1e9) / prefillFlopsPerToken(weights.dims, 64)));
  }, 60_000);
});
