// The plain-TS reference forward against golden data from an independent numpy implementation
// (../shared/fixtures/needle-golden, SOURCE.md): tolerance 1e-4 max |Δ| as the fixture suggests,
// greedy tokens identical.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../../src/needle/v1/checkpoint.ts';
import { referenceDecode, referenceEncode, referenceGreedy, referenceParams } from '../../../src/needle/v1/reference.ts';
import { tensorToFloat32 } from '../../../src/checkpoint/tensor.ts';
import { GOLDEN_CHECKPOINTS, GOLDEN_DIR, loadGolden, maxAbsDiff } from '../../helpers/needle-golden.ts';

const TOL = 1e-4;
const { golden, array } = loadGolden();

describe.each(GOLDEN_CHECKPOINTS)('reference forward on %s', (file) => {
  it('matches encoder_out and logits for the single pair and every padded batch row, and greedy tokens', async () => {
    const ckpt = await loadCheckpoint(join(GOLDEN_DIR, file));
    const params = referenceParams(ckpt, tensorToFloat32);
    const cfg = ckpt.config;
    const V = cfg.vocab_size;

    const enc = referenceEncode(params, cfg, golden.single.src);
    expect(maxAbsDiff(enc, array('single.encoder_out').data)).toBeLessThanOrEqual(TOL);
    const logits = referenceDecode(params, cfg, golden.single.src, enc, golden.single.tgt);
    expect(maxAbsDiff(logits, array('single.logits').data)).toBeLessThanOrEqual(TOL);

    const bEnc = array('batch.encoder_out');
    const bLogits = array('batch.logits');
    golden.batch.src.forEach((src, b) => {
      const tgt = golden.batch.tgt[b];
      const e = referenceEncode(params, cfg, src);
      const rowE = bEnc.data.subarray(b * e.length, (b + 1) * e.length);
      expect(maxAbsDiff(e, rowE)).toBeLessThanOrEqual(TOL);
      const l = referenceDecode(params, cfg, src, e, tgt);
      const rowL = bLogits.data.subarray(b * tgt.length * V, (b + 1) * tgt.length * V);
      expect(maxAbsDiff(l, rowL)).toBeLessThanOrEqual(TOL);
    });

    for (const g of golden.generate) {
      expect(referenceGreedy(params, cfg, g.src, g.max_len)).toEqual(g.generated);
    }
  });
});
