import { describe, expect, it } from 'vitest';
import { expectedShapes, resolveConfig } from '../../../src/needle/v1/config.ts';
import { syntheticCheckpoint } from '../../../src/needle/v1/synthetic.ts';
import { numel, sameTensor, tensorToFloat32 } from '../../../src/checkpoint/tensor.ts';

describe('syntheticCheckpoint', () => {
  const config = resolveConfig({ vocab_size: 300, d_model: 64, num_heads: 4, num_kv_heads: 2, num_encoder_layers: 2, num_decoder_layers: 3 });

  it('has every expected leaf at its shape, in float16', () => {
    const ckpt = syntheticCheckpoint(config, 7);
    const shapes = expectedShapes(config);
    expect([...ckpt.params.keys()]).toEqual([...shapes.keys()]);
    for (const [k, shape] of shapes) {
      const t = ckpt.params.get(k)!;
      expect(t.shape).toEqual(shape);
      expect(t.dtype).toBe('float16');
      expect(t.bytes.length).toBe(numel(shape) * 2);
    }
    expect(ckpt.source.format).toBe('synthetic');
  });

  it('is deterministic per seed and uses init-like scales', () => {
    const a = syntheticCheckpoint(config, 1);
    const b = syntheticCheckpoint(config, 1);
    const c = syntheticCheckpoint(config, 2);
    const key = 'embedding/embedding';
    expect(sameTensor(a.params.get(key)!, b.params.get(key)!)).toBe(true);
    expect(sameTensor(a.params.get(key)!, c.params.get(key)!)).toBe(false);
    const emb = tensorToFloat32(a.params.get(key)!);
    const std = Math.sqrt(emb.reduce((s, v) => s + v * v, 0) / emb.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    const out = tensorToFloat32(a.params.get('decoder/layers/DecoderBlock_0/self_attn/out_proj/kernel')!);
    const outStd = Math.sqrt(out.reduce((s, v) => s + v * v, 0) / out.length);
    expect(outStd).toBeLessThan(0.012); // 0.02/sqrt(2·5) ≈ 0.0063
    expect(tensorToFloat32(a.params.get('encoder/final_norm/scale')!).every((v) => v === 0)).toBe(true);
  });
});
