import { describe, expect, it } from 'vitest';
import { countParameters, expectedShapes, NEEDLE_RELEASE_CONFIG, resolveConfig, TRANSFORMER_CONFIG_DEFAULTS } from '../../../src/needle/v1/config.ts';

describe('resolveConfig', () => {
  it('fills missing keys with the TransformerConfig dataclass defaults', () => {
    const c = resolveConfig({ d_model: 64, num_heads: 4 });
    expect(c.d_model).toBe(64);
    expect(c.num_heads).toBe(4);
    expect(c.vocab_size).toBe(8192);
    expect(c.rope_theta).toBe(10000);
    expect(c.pad_token_id).toBe(0);
    expect(c.no_feedforward).toBe(true);
    expect(c.num_kv_heads).toBe(TRANSFORMER_CONFIG_DEFAULTS.num_kv_heads);
    expect(c.extra).toBeUndefined();
  });

  it('keeps unknown keys in extra and otherwise ignores them', () => {
    const c = resolveConfig({ vocab_size: 300, d_model: 64, num_heads: 4, num_kv_heads: 2, some_future_flag: 'x', lr: 3e-4 });
    expect(c.extra).toEqual({ some_future_flag: 'x', lr: 3e-4 });
    expect(expectedShapes(c).get('embedding/embedding')).toEqual([300, 64]);
  });

  it('accepts Python ints as bigint and bools as ints', () => {
    const c = resolveConfig({ vocab_size: 300n, no_feedforward: 1 });
    expect(c.vocab_size).toBe(300);
    expect(c.no_feedforward).toBe(true);
  });

  it('refuses bad values naming the field', () => {
    expect(() => resolveConfig({ d_model: 'big' })).toThrow(/config\.d_model/);
    expect(() => resolveConfig({ num_heads: 2.5 })).toThrow(/num_heads/);
    expect(() => resolveConfig({ d_model: 100, num_heads: 3 })).toThrow(/divisible by num_heads/);
    expect(() => resolveConfig({ num_heads: 4, num_kv_heads: 3 })).toThrow(/num_kv_heads/);
    expect(() => resolveConfig({ vocab_size: 0 })).toThrow(/vocab_size: must be >= 1/);
  });
});

describe('expectedShapes', () => {
  it('the released configuration has 26,315,421 parameters', () => {
    expect(countParameters(NEEDLE_RELEASE_CONFIG)).toBe(26_315_421);
  });

  it('lists the tree of the issue at the released sizes', () => {
    const s = expectedShapes(NEEDLE_RELEASE_CONFIG);
    expect(s.get('embedding/embedding')).toEqual([8192, 512]);
    expect(s.get('encoder/layers/EncoderBlock_0/self_attn/k_proj/kernel')).toEqual([12, 512, 256]);
    expect(s.get('encoder/layers/EncoderBlock_0/self_attn/q_norm/scale')).toEqual([12, 64]);
    expect(s.get('decoder/layers/DecoderBlock_0/cross_attn/out_proj/kernel')).toEqual([8, 512, 512]);
    expect(s.get('decoder/layers/DecoderBlock_0/cross_attn_gate')).toEqual([8]);
    expect(s.get('decoder/ZCRMSNorm_0/scale')).toEqual([512]);
    expect(s.get('contrastive_hidden/kernel')).toEqual([512, 128]);
    expect(s.get('contrastive_proj/kernel')).toEqual([128, 128]);
    expect(s.get('log_temp')).toEqual([]);
    expect(s.size).toBe(31);
    const keys = [...s.keys()];
    expect(keys).toEqual([...keys].sort());
  });

  it('adds feed-forward and LoRA leaves when the config asks for them', () => {
    const c = resolveConfig({ no_feedforward: false, lora_rank: 4 });
    const s = expectedShapes(c);
    expect(s.get('encoder/layers/EncoderBlock_0/FeedForward_0/down_proj/kernel')).toEqual([2, 512, 128]);
    expect(s.get('decoder/layers/DecoderBlock_0/ZCRMSNorm_2/scale')).toEqual([2, 128]);
    expect(s.get('encoder/layers/EncoderBlock_0/self_attn/q_proj/lora_A')).toEqual([2, 128, 4]);
  });
});
