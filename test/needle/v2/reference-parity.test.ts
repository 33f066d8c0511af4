// The float64 TypeScript reference forward held against golden logits and greedy tokens from an
// independent float64 numpy implementation (tools/needle2 on the n2golden branch; fixtures in
// test/fixtures/needle2, README there). Weights: the base checkpoint, the LoRA-merged one, and the
// dequantized weights of three .cact files. Prompts shorter and longer than the 16-token window,
// with and without the tools prefix pinned as KV sinks, and plain causal.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNeedle2Checkpoint, type Needle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';
import { loadCactCheckpoint } from '../../../src/needle/v2/cact-checkpoint.ts';
import { loadLoraAdapter, mergeLora } from '../../../src/needle/v2/lora.ts';
import { unpackWeights, type Needle2Weights } from '../../../src/needle/v2/weights.ts';
import { greedyGenerate, Needle2Decoder, type GreedyResult } from '../../../src/needle/v2/reference.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
interface Case {
  name: string; prompt_ids: number[]; window: number; sink_len: number; max_new_tokens: number; max_len: number;
  greedy_tokens: number[]; stop: string; prefill_last_logits: number[]; prefill_all_logits?: number[][];
  step_logits: number[][]; step_logits_first64: number[][];
}
const golden = JSON.parse(readFileSync(resolve(fixtures, 'golden-decode.json'), 'utf8')) as {
  eos_id: number; effective_kv_window: number; tools_sink_len_of_long: number; weights: Record<string, { cases: Case[] }>;
};

/** Golden logits carry 8 significant digits: with |logit| <= ~10 that is <= 5e-7 of rounding. */
const TOL_F64 = 1e-6;
/** The .cact goldens ran on read_export's float32 dequantization; ours is float64 (<= 2e-6 apart per weight). */
const TOL_CACT = 2e-5;
/** What the issue asks of the fp32 runtime; every case here must be well inside it. */
const TOL_SPEC = 1e-4;

const worst = { value: 0, where: '' };
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, where: string): number {
  expect(a.length, where).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  if (m > worst.value) Object.assign(worst, { value: m, where });
  return m;
}

const sources: Record<string, () => Promise<Needle2Checkpoint>> = {
  base: () => loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl')),
  lora: async () => mergeLora(await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl')), await loadLoraAdapter(resolve(fixtures, 'needle2-tiny-lora.pkl'))),
  cact4: () => loadCactCheckpoint(resolve(fixtures, 'needle2-tiny.cact')),
  cact2: () => loadCactCheckpoint(resolve(fixtures, 'needle2-tiny-w2.cact')),
  'cact4-lora': () => loadCactCheckpoint(resolve(fixtures, 'needle2-tiny-lora.cact')),
};

describe.each(Object.keys(golden.weights))('golden decode: %s weights', (weightsName) => {
  let weights: Needle2Weights;
  const tol = weightsName.startsWith('cact') ? TOL_CACT : TOL_F64;
  beforeAll(async () => {
    const ck = await sources[weightsName]();
    weights = unpackWeights(ck.params, ck.config);
  });

  it.each(golden.weights[weightsName].cases.map((c) => [c.name, c] as const))('%s: greedy tokens identical, logits within tolerance', (name, c) => {
    const r: GreedyResult = greedyGenerate(weights, c.prompt_ids, { maxNewTokens: c.max_new_tokens, eosId: golden.eos_id, window: c.window, sinkLen: c.sink_len });
    const where = `${weightsName}/${name}`;
    expect(r.tokens, where).toEqual(c.greedy_tokens);
    expect(r.stop).toBe(c.stop);
    expect(r.maxLen).toBe(c.max_len);
    expect(maxDiff(r.prefillLogits[r.prefillLogits.length - 1], c.prefill_last_logits, `${where} prefill`)).toBeLessThan(tol);
    c.prefill_all_logits?.forEach((row, p) => expect(maxDiff(r.prefillLogits[p], row, `${where} prefill@${p}`)).toBeLessThan(tol));
    c.step_logits.forEach((row, k) => expect(maxDiff(r.stepLogits[k], row, `${where} step ${k}`)).toBeLessThan(tol));
    c.step_logits_first64.forEach((row, k) => expect(maxDiff(r.stepLogits[k].subarray(0, 64), row, `${where} step ${k}[:64]`)).toBeLessThan(tol));
    expect(worst.value).toBeLessThan(TOL_SPEC);
  });
});

describe('reference forward: properties the goldens rely on', () => {
  let weights: Needle2Weights;
  beforeAll(async () => {
    const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    weights = unpackWeights(ck.params, ck.config);
  });
  const long = () => golden.weights.base.cases.find((c) => c.name === 'long')!;

  it('the prompts cover both sides of the window, and the window and the sinks change the logits', () => {
    const W = golden.effective_kv_window;
    const lens = golden.weights.base.cases.map((c) => c.prompt_ids.length);
    expect(Math.min(...lens)).toBeLessThan(W);
    expect(Math.max(...lens)).toBeGreaterThan(10 * W);
    const ids = long().prompt_ids;
    const last = (window: number, sinkLen: number) => {
      const d = new Needle2Decoder(weights, { maxLen: ids.length, window, sinkLen });
      return d.prefill(ids)[ids.length - 1];
    };
    const windowed = last(W, 0);
    expect(maxDiff(windowed, last(0, 0), 'window vs causal')).toBeGreaterThan(1e-3);
    expect(maxDiff(windowed, last(W, golden.tools_sink_len_of_long), 'sinks vs none')).toBeGreaterThan(1e-3);
  });

  it('one prefill equals feeding the same tokens in chunks and one at a time (the KV cache is exact)', () => {
    const ids = long().prompt_ids.slice(0, 40);
    const all = new Needle2Decoder(weights, { maxLen: 40, window: 16, sinkLen: 5 }).prefill(ids);
    const chunked = new Needle2Decoder(weights, { maxLen: 40, window: 16, sinkLen: 5 });
    const parts = [...chunked.feed(ids.slice(0, 7)), ...chunked.feed(ids.slice(7, 23)), ...ids.slice(23).map((t) => chunked.step(t))];
    parts.forEach((row, p) => expect(maxDiff(row, all[p], `chunked@${p}`)).toBeLessThan(1e-12));
  });

  it('refuses tokens outside the vocabulary and positions past max_len', () => {
    const d = new Needle2Decoder(weights, { maxLen: 2 });
    expect(() => d.feed([512])).toThrow('token 512 is outside the vocabulary (512)');
    expect(() => d.feed([1, 2, 3])).toThrow('3 positions exceed max_len 2');
  });
});
