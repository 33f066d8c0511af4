// The fp32 ONNX export (export.ts, run by onnx-decoder.ts in onnxruntime) held against the
// independent numpy goldens (logits within 1e-4, greedy tokens identical) and against the float64
// TS reference, on every weight set and case of golden-decode.json: prefill, then one token at a time
// through the graph's KV cache, with the sliding window and sinks as host-side bias.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNeedle2Checkpoint, type Needle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';
import { loadCactCheckpoint } from '../../../src/needle/v2/cact-checkpoint.ts';
import { loadLoraAdapter, mergeLora } from '../../../src/needle/v2/lora.ts';
import { unpackWeights, type Needle2Weights } from '../../../src/needle/v2/weights.ts';
import { argmax, Needle2Decoder } from '../../../src/needle/v2/reference.ts';
import { Needle2OnnxModel } from '../../../src/needle/v2/onnx-decoder.ts';
import { buildNeedle2Graph } from '../../../src/needle/v2/export.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
interface Case { name: string; prompt_ids: number[]; window: number; sink_len: number; max_new_tokens: number; greedy_tokens: number[]; prefill_last_logits: number[]; step_logits: number[][]; step_logits_first64: number[][] }
const golden = JSON.parse(readFileSync(resolve(fixtures, 'golden-decode.json'), 'utf8')) as { eos_id: number; weights: Record<string, { cases: Case[] }> };
const TOL = 1e-4;

const sources: Record<string, () => Promise<Needle2Checkpoint>> = {
  base: () => loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl')),
  lora: async () => mergeLora(await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl')), await loadLoraAdapter(resolve(fixtures, 'needle2-tiny-lora.pkl'))),
  cact4: () => loadCactCheckpoint(resolve(fixtures, 'needle2-tiny.cact')),
  cact2: () => loadCactCheckpoint(resolve(fixtures, 'needle2-tiny-w2.cact')),
  'cact4-lora': () => loadCactCheckpoint(resolve(fixtures, 'needle2-tiny-lora.cact')),
};

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(Object.keys(golden.weights))('ONNX fp32 vs golden: %s weights', (weightsName) => {
  let model: Needle2OnnxModel;
  beforeAll(async () => {
    const ck = await sources[weightsName]();
    model = await Needle2OnnxModel.create(unpackWeights(ck.params, ck.config), { threads: 1 });
  });
  afterAll(async () => model.release());

  it.each(golden.weights[weightsName].cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const dec = model.decoder({ window: c.window, sinkLen: c.sink_len });
    const prefill = await dec.feed(c.prompt_ids);
    let worst = maxDiff(prefill[prefill.length - 1], c.prefill_last_logits);
    const tokens: number[] = [];
    let next = argmax(prefill[prefill.length - 1]);
    while (tokens.length < c.max_new_tokens && next !== golden.eos_id) {
      tokens.push(next);
      const [logits] = await dec.feed([next]);
      const k = tokens.length - 1;
      if (c.step_logits[k]) worst = Math.max(worst, maxDiff(logits, c.step_logits[k]));
      worst = Math.max(worst, maxDiff(logits, c.step_logits_first64[k]));
      next = argmax(logits);
    }
    expect(tokens).toEqual(c.greedy_tokens);
    expect(worst).toBeLessThan(TOL);
  });
});

describe('ONNX fp32 vs the float64 TS reference', () => {
  let w: Needle2Weights;
  beforeAll(async () => {
    const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    w = unpackWeights(ck.params, ck.config);
  });

  it('every position of a chunked prefill agrees (window and sinks on)', async () => {
    const ids = golden.weights.base.cases.find((c) => c.name === 'long')!.prompt_ids.slice(0, 60);
    const ref = new Needle2Decoder(w, { maxLen: 60, window: 16, sinkLen: 9 }).prefill(ids);
    const model = await Needle2OnnxModel.create(w, { threads: 1 });
    const dec = model.decoder({ window: 16, sinkLen: 9 });
    const got = [...(await dec.feed(ids.slice(0, 25))), ...(await dec.feed(ids.slice(25, 26))), ...(await dec.feed(ids.slice(26)))];
    await model.release();
    got.forEach((row, p) => expect(maxDiff(row, ref[p]), `position ${p}`).toBeLessThan(TOL));
  });
});

describe('ONNX int8 / int4 dense weights (MatMulNBits, block 32)', () => {
  let w: Needle2Weights;
  let ids: number[];
  beforeAll(async () => {
    const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    w = unpackWeights(ck.params, ck.config);
    ids = golden.weights.base.cases.find((c) => c.name === 'long')!.prompt_ids.slice(0, 40);
  });
  const run = async (opts: Parameters<typeof Needle2OnnxModel.create>[1]): Promise<Float32Array[]> => {
    const model = await Needle2OnnxModel.create(w, { threads: 1, ...opts });
    const dec = model.decoder({ window: 16, sinkLen: 4 });
    const out = [...(await dec.feed(ids.slice(0, 30))), ...(await dec.feed(ids.slice(30, 31))), ...(await dec.feed(ids.slice(31)))];
    await model.release();
    return out;
  };
  const worstOf = (a: Float32Array[], b: Float32Array[]) => Math.max(...a.map((row, p) => maxDiff(row, b[p])));

  it.each(['int8', 'int4'] as const)('%s: MatMulNBits computes exactly what fp32 MatMuls on the dequantized matrices compute; int8 activations stay close', async (bits) => {
    expect(Buffer.from(buildNeedle2Graph(w, { precision: bits }).encode()).includes('MatMulNBits')).toBe(true);
    const simulated = await run({ simulate: bits });
    expect(worstOf(await run({ precision: bits, accuracyLevel: 0 }), simulated)).toBeLessThan(1e-5);
    expect(worstOf(await run({ precision: bits }), simulated)).toBeLessThan(0.05); // accuracy_level 4: measured 1.6e-2
    expect(worstOf(simulated, await run({}))).toBeGreaterThan(1e-4); // the quantization is real
  });
});
