import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/needle/v1/config.ts';
import { syntheticCheckpoint } from '../../src/needle/v1/synthetic.ts';
import { opProfile, opProfileMarkdown } from '../../src/profile/op-profile.ts';

const config = resolveConfig({ vocab_size: 600, d_model: 64, num_heads: 4, num_kv_heads: 2, num_encoder_layers: 2, num_decoder_layers: 3 });

describe('decode-step operator profile (onnxruntime node profiler)', () => {
  it('attributes every decoder node of each measured step to its operator type', async () => {
    const p = await opProfile(syntheticCheckpoint(config, 5), { precision: 'fp32', threads: 1, promptTokens: 20, steps: 6, warmupSteps: 2 });
    expect(p.steps).toBe(6);
    const gqa = p.ops.find((r) => r.op === 'GroupQueryAttention');
    expect(gqa?.nodes_per_step).toBe(3); // one per decoder layer
    expect(p.ops.find((r) => r.op === 'MatMul')).toBeDefined();
    expect(p.ops.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 2);
    expect(p.kernel_us_per_step).toBeGreaterThan(0);
    expect(p.run_us_per_step).toBeGreaterThanOrEqual(p.kernel_us_per_step);
    expect(opProfileMarkdown(p)).toContain('| GroupQueryAttention | 3 |');
  });
});
