// The engine-kept, bounded KV cache (kv-cache.ts) decoding far past the sliding window: every step's
// logits against the float64 reference (reference.ts: window + sinks as decode.py does them) within
// the onnx parity tolerance (1e-4, fp32), greedy ids identical; the cache never holds more than the
// sinks and the window. int4 has no float64 counterpart (the export folds the Hadamard MLP into dense
// matrices before quantizing them), so its stepwise decode is held against the same int4 graph run
// over the whole sequence in one prefill, which never reads the cache, and against the reference
// within the quantization error. One case splits every feed into session calls of 5 (the prompt chunking).
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNeedle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';
import { unpackWeights, type Needle2Weights } from '../../../src/needle/v2/weights.ts';
import { argmax, Needle2Decoder } from '../../../src/needle/v2/reference.ts';
import { Needle2OnnxModel, type Needle2OnnxDecoder } from '../../../src/needle/v2/onnx-decoder.ts';
import { Needle2KvCache } from '../../../src/needle/v2/kv-cache.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
const golden = JSON.parse(readFileSync(resolve(fixtures, 'golden-decode.json'), 'utf8')) as { weights: { base: { cases: { name: string; prompt_ids: number[] }[] } } };
const TOL = 1e-4;
const STEPS = 48;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Greedy through `feed`, the prompt in the given chunks, then one token at a time; logits of every step. */
async function greedy(dec: Needle2OnnxDecoder, prompt: number[], chunks: number[], steps: number, onStep?: () => void): Promise<{ ids: number[]; logits: Float32Array[] }> {
  let at = 0;
  let last: Float32Array[] = [];
  for (const n of [...chunks, prompt.length - chunks.reduce((a, b) => a + b, 0)]) {
    last = await dec.feed(prompt.slice(at, at + n));
    at += n;
  }
  const ids: number[] = [];
  const logits: Float32Array[] = [last[last.length - 1]];
  for (let i = 0; i < steps; i++) {
    ids.push(argmax(logits[logits.length - 1]));
    logits.push((await dec.feed([ids[ids.length - 1]]))[0]);
    onStep?.();
  }
  return { ids, logits };
}

// prompt + generated (24 + 48) is far past window + sinks; chunked prompts cross the ring's wrap.
const CASES: { name: string; window: number; sinkLen: number; chunks: number[]; chunk?: number }[] = [
  { name: 'window 8, sinks 6', window: 8, sinkLen: 6, chunks: [] },
  { name: 'window 8, no sinks, chunked prompt 5+1+…', window: 8, sinkLen: 0, chunks: [5, 1] },
  { name: 'window 12, sinks 3, a chunk longer than the ring', window: 12, sinkLen: 3, chunks: [2, 15] },
  { name: 'window 8, sinks 2, feeds split in session calls of 5', window: 8, sinkLen: 2, chunks: [], chunk: 5 },
  { name: 'window 1 (only itself and the sinks)', window: 1, sinkLen: 4, chunks: [] },
];

describe('bounded KV cache far past the window', () => {
  let w: Needle2Weights;
  let prompt: number[];
  beforeAll(async () => {
    const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    w = unpackWeights(ck.params, ck.config);
    prompt = golden.weights.base.cases.find((c) => c.name === 'long')!.prompt_ids.slice(0, 24);
  });

  it.each(CASES)('fp32, $name: every step within 1e-4 of the float64 reference, greedy identical, cache bounded', async ({ window, sinkLen, chunks, chunk }) => {
    const model = await Needle2OnnxModel.create(w, { threads: 1 });
    const dec = model.decoder({ window, sinkLen, chunk });
    let maxSlots = 0;
    const got = await greedy(dec, prompt, chunks, STEPS, () => (maxSlots = Math.max(maxSlots, dec.cacheSlots)));
    await model.release();

    const ref = new Needle2Decoder(w, { maxLen: prompt.length + STEPS, window, sinkLen });
    const refLogits = [ref.prefill(prompt).at(-1)!];
    const refIds: number[] = [];
    for (let i = 0; i < STEPS; i++) {
      refIds.push(argmax(refLogits[i]));
      refLogits.push(ref.step(refIds[i]));
    }
    expect(got.ids).toEqual(refIds);
    got.logits.forEach((row, i) => expect(maxDiff(row, refLogits[i]), `step ${i}`).toBeLessThan(TOL));
    expect(maxSlots).toBe(sinkLen + Math.max(1, window - 1)); // the bound (a ring of at least one slot), below the 64-slot growth step
  });

  // accuracy_level 0: float32 maths on the dequantized weights, so step and prefill agree to rounding;
  // 4 (the engine's default): int8 activations, quantized per row, where a rounding flip moves a
  // logit by ~1e-4 (measured 1.9e-4 at worst).
  const INT4 = CASES.slice(0, 3).flatMap((c) => [{ ...c, level: 0, tol: 1e-5 }, { ...c, level: 4, tol: 1e-3 }]);
  it.each(INT4)('int4 (accuracy_level $level), $name: stepwise decode equals the cache-free full-sequence prefill of the same graph; near the reference', async ({ window, sinkLen, chunks, level, tol }) => {
    const model = await Needle2OnnxModel.create(w, { threads: 1, precision: 'int4', accuracyLevel: level });
    const got = await greedy(model.decoder({ window, sinkLen }), prompt, chunks, STEPS);
    const whole = await model.decoder({ window, sinkLen, chunk: 1 << 20 }).feed([...prompt, ...got.ids]); // one session call
    await model.release();
    const fromWhole = whole.slice(prompt.length - 1);
    got.logits.forEach((row, i) => expect(maxDiff(row, fromWhole[i]), `step ${i}`).toBeLessThan(tol));
    expect(got.ids).toEqual(fromWhole.slice(0, STEPS).map(argmax));

    const ref = new Needle2Decoder(w, { maxLen: prompt.length + STEPS, window, sinkLen });
    const refLogits = ref.feed([...prompt, ...got.ids]).slice(prompt.length - 1);
    const worst = Math.max(...got.logits.map((row, i) => maxDiff(row, refLogits[i])));
    expect(worst).toBeGreaterThan(TOL); // the quantization is real
    expect(worst).toBeLessThan(1); // int4 at d_model 40 (one or two 32-blocks a row): measured 0.25–0.37
  });
});

describe('Needle2KvCache slots', () => {
  const shape = { layers: 1, kvHeads: 1, headDim: 2, maxPositions: 100 };
  it('sinks keep their slots, the rest rotate through window − 1 slots; the bound caps at max positions', () => {
    const cache = new Needle2KvCache(shape, 5, 3);
    expect(cache.bound).toBe(7);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 11].map((p) => cache.slotOf(p))).toEqual([0, 1, 2, 3, 4, 5, 6, 3, 4, 3]);
    expect(new Needle2KvCache(shape, 0, 3).bound).toBe(100);
    expect(new Needle2KvCache(shape, 90, 40).bound).toBe(100);
  });
  it('the bias masks empty and evicted slots and the window, over the slots fed and the new positions', () => {
    const cache = new Needle2KvCache(shape, 3, 1);
    const fake = (S: number) => ({ new_key_0: { data: new Float32Array(2 * S) }, new_value_0: { data: new Float32Array(2 * S) } }) as never;
    cache.write(fake(4), 0, 4); // positions 0..3: slot 0 the sink; the ring of 2 slots holds 3, 2
    expect(cache.slots).toBe(3);
    // query 4 sees the sink 0, then 3 and 2 (4 − k < 3), then itself
    expect(Array.from(cache.bias(4, 1)).map((b) => (b === 0 ? 1 : 0))).toEqual([1, 1, 1, 1]);
    cache.write(fake(1), 4, 1); // position 4 takes position 2's slot
    // slots now hold 0, 3, 4; queries 5 and 6 (window 3): 5 sees 0, 3, 4, 5; 6 sees 0, 4, 5, 6
    expect(Array.from(cache.bias(5, 2)).map((b) => (b === 0 ? 1 : 0))).toEqual([1, 1, 1, 1, 0, 1, 0, 1, 1, 1]);
  });
});
