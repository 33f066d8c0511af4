// The one-token decoder (decoder_step.onnx, with its in-place self-attention cache) against the
// general decoder (decoder.onnx) of the same export: the KV-cached logits of every step must equal the
// teacher-forced logits of the same position, for every precision (so the step graph is the same
// model, quantization included), past the point where the cache grows (64 positions), with a padded
// prompt (key-padding bias) and for a batch of two rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/needle/v1/config.ts';
import { NeedleEngine, type Precision } from '../../../src/needle/v1/engine.ts';
import { syntheticCheckpoint } from '../../../src/needle/v1/synthetic.ts';
import { maxAbsDiff } from '../../helpers/needle-golden.ts';

const config = resolveConfig({ vocab_size: 300, d_model: 64, num_heads: 4, num_kv_heads: 2, num_encoder_layers: 2, num_decoder_layers: 2 });
const checkpoint = syntheticCheckpoint(config, 11);
const cacheDir = mkdtempSync(join(tmpdir(), 'needle-step-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const STEPS = 70; // > the first cache capacity (64): the growth copy is exercised
const srcA = [7, 19, 250, 33, 41, 8, 120, 66, 9];
const srcB = [15, 27, 99, 4 + 200, 61, 0, 0, 0, 0]; // right-padded with the pad id 0
const tgtA = [1, ...Array.from({ length: STEPS - 1 }, (_, i) => 6 + ((i * 37) % 290))];
const tgtB = [1, ...Array.from({ length: STEPS - 1 }, (_, i) => 6 + ((i * 53 + 5) % 290))];

// Measured max |Δ|: fp32 2.4e-7, int8 1.6e-5, int4 3.6e-7, int4+ql 2.4e-7 (same weights, same int8
// activation blocks, only the summation order differs). A cache growth that drops one position gives
// 7e-4 to 3e-3 on this small random model, an export bug more.
const TOL = 1e-4;
const variants: [Precision, boolean][] = [['fp32', false], ['int8', false], ['int4', false], ['int4', true]];

describe.each(variants)('decode step graph, %s (quantized logits %s)', (precision, quantizeLogits) => {
  it('gives the teacher-forced logits at every position, batch 1 and a padded batch of 2', async () => {
    const engine = await NeedleEngine.create(checkpoint, { precision, quantizeLogits, threads: 1, cacheDir });
    try {
      const V = engine.dims.vocab;
      const full = await engine.logits([srcA, srcB], [tgtA, tgtB]);
      const single = await engine.encode(srcA);
      const pair = await engine.encode([srcA, srcB]);
      let worst = 0;
      for (let t = 0; t < STEPS; t++) {
        const one = await engine.step(single, tgtA[t]);
        const two = await engine.step(pair, [tgtA[t], tgtB[t]]);
        for (const [row, logits] of [[0, one], [0, two.subarray(0, V)], [1, two.subarray(V)]] as [number, Float32Array][]) {
          const ref = full.logits.subarray((row * STEPS + t) * V, (row * STEPS + t + 1) * V);
          worst = Math.max(worst, maxAbsDiff(logits, ref));
        }
      }
      console.log(`${precision}${quantizeLogits ? "+ql" : ""}: step vs teacher-forced max abs diff ${worst.toExponential(2)}`);
      expect(single.pastLen).toBe(STEPS);
      expect(worst).toBeLessThanOrEqual(TOL);
      expect(worst).toBeGreaterThanOrEqual(0);
    } finally {
      await engine.dispose();
    }
  });
});
