// Intermediates of one prefill from the numpy reference (golden-intermediates.json): the engram
// hash indices, and the logits at the end of the same prefill.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNeedle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';
import { engramGeometry } from '../../../src/needle/v2/config.ts';
import { unpackWeights } from '../../../src/needle/v2/weights.ts';
import { engramIndices, Needle2Decoder } from '../../../src/needle/v2/reference.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');

describe('intermediates of one prefill (golden-intermediates.json from the numpy reference)', () => {
  const inter = JSON.parse(readFileSync(resolve(fixtures, 'golden-intermediates.json'), 'utf8')) as { prompt_ids: number[]; window: number; engram_indices_site0: number[][]; final_hidden: number[][]; logits_last: number[] };

  it('engram hash indices per position and table (tables whose n-gram fits)', async () => {
    const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    const orders = ck.config.engram_orders;
    inter.engram_indices_site0.forEach((want, t) => {
      const all = engramIndices(inter.prompt_ids, t, orders, engramGeometry(ck.config).heads, ck.config.engram_slots);
      expect(all.filter((_, ti) => t >= orders[Math.floor(ti / engramGeometry(ck.config).heads)] - 1), `position ${t}`).toEqual(want);
    });
  });

  it('the final logits of the same prefill', async () => {
    const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    const d = new Needle2Decoder(unpackWeights(ck.params, ck.config), { maxLen: inter.prompt_ids.length, window: inter.window });
    const last = d.prefill(inter.prompt_ids).at(-1)!;
    inter.logits_last.forEach((v, i) => expect(Math.abs(last[i] - v)).toBeLessThan(1e-6));
  });
});
