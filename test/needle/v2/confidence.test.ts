// The confidence head (forward_confidence): the float64 reference against the independent numpy
// golden (golden-confidence.json, tools/needle2/make_confidence_golden.py), base and LoRA-merged, short,
// longer than the window, with sinks, without a window; then its parts against quantities that have
// their own golden (the logits) and against a hand-computable case.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadNeedle2Checkpoint } from '../../../src/needle/v2/checkpoint.ts';
import { unpackWeights, type Needle2Weights } from '../../../src/needle/v2/weights.ts';
import { Needle2Decoder } from '../../../src/needle/v2/reference.ts';
import { loadLoraAdapter, mergeLora } from '../../../src/needle/v2/lora.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
const golden = JSON.parse(readFileSync(resolve(fixtures, 'golden-decode.json'), 'utf8')) as { weights: { base: { cases: Array<{ name: string; prompt_ids: number[]; window: number }> } } };

interface ConfidenceCase { name: string; prompt_ids: number[]; window: number; sink_len: number; confidence: number }
const confidenceGolden = JSON.parse(readFileSync(resolve(fixtures, 'golden-confidence.json'), 'utf8')) as { weights: Record<string, { cases: ConfidenceCase[] }> };
// float64 against float64, the golden value stored in full: only summation order differs (measured
// <= 1e-14); 1e-9 leaves room for that and nothing else
const CONFIDENCE_TOL = 1e-9;

describe('confidence() equals the numpy forward_confidence golden', () => {
  const load: Record<string, () => Promise<Needle2Weights>> = {
    base: async () => {
      const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
      return unpackWeights(ck.params, ck.config);
    },
    lora: async () => {
      const ck = mergeLora(await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl')), await loadLoraAdapter(resolve(fixtures, 'needle2-tiny-lora.pkl')));
      return unpackWeights(ck.params, ck.config);
    },
  };
  it('covers base and LoRA, and a prompt longer than the window', () => {
    expect(Object.keys(confidenceGolden.weights).sort()).toEqual(['base', 'lora']);
    expect(confidenceGolden.weights.base.cases.some((c) => c.window > 0 && c.prompt_ids.length > c.window && c.sink_len > 0)).toBe(true);
  });
  for (const [name, entry] of Object.entries(confidenceGolden.weights)) {
    it(`${name}: every case within ${CONFIDENCE_TOL}`, async () => {
      const w = await load[name]();
      const seen: number[] = [];
      for (const c of entry.cases) {
        const d = new Needle2Decoder(w, { maxLen: c.prompt_ids.length, window: c.window, sinkLen: c.sink_len });
        d.collectHidden = true;
        d.prefill(c.prompt_ids);
        const got = d.confidence();
        expect(Math.abs(got - c.confidence), `${name}/${c.name}: ${got} vs ${c.confidence}`).toBeLessThan(CONFIDENCE_TOL);
        seen.push(got);
      }
      // the cases differ from each other by far more than the tolerance: a window or sink bug shows
      expect(new Set(seen.map((v) => v.toFixed(4))).size).toBe(seen.length);
    });
  }
});

describe('confidence head over the collected hidden cells', () => {
  let w: Needle2Weights;
  const ids = golden.weights.base.cases.find((c) => c.name === 'short')!.prompt_ids;
  beforeAll(async () => {
    const ck = await loadNeedle2Checkpoint(resolve(fixtures, 'needle2-tiny.pkl'));
    w = unpackWeights(ck.params, ck.config);
  });

  it('collects the embedding and every layer per position; the last layer gives the golden-checked logits', () => {
    const d = new Needle2Decoder(w, { maxLen: ids.length, window: 16 });
    d.collectHidden = true;
    const logits = d.prefill(ids);
    expect(d.hidden.length).toBe(ids.length);
    expect(d.hidden[0].length).toBe(w.config.num_layers + 1);
    const D = w.config.d_model;
    const t = ids.length - 1;
    expect(Array.from(d.hidden[t][0])).toEqual(Array.from(w.embedding.subarray(ids[t] * D, (ids[t] + 1) * D), (v) => v * Math.sqrt(D)));
    const last = d.hidden[t][w.config.num_layers];
    let ss = 0;
    for (const v of last) ss += v * v;
    const inv = 1 / Math.sqrt(ss / D + 1e-6);
    const h = Float64Array.from(last, (v, i) => (1 + w.finalNorm[i]) * v * inv);
    const again = d.logits(h);
    again.forEach((v, i) => expect(v).toBeCloseTo(logits[t][i], 10));
  });

  it('with zero probes the pooling is a plain mean of all cells', () => {
    const head = w.confidence!;
    const zero = { ...w, confidence: { ...head, probes: new Float64Array(head.probes.length) } };
    const d = new Needle2Decoder(zero, { maxLen: ids.length, window: 16 });
    d.collectHidden = true;
    d.prefill(ids);
    const D = w.config.d_model;
    const cells = d.hidden.flat();
    const mean = new Float64Array(D);
    for (const c of cells) for (let i = 0; i < D; i++) mean[i] += c[i] / cells.length;
    let expected = head.bias![0];
    const P = head.probes.length / D;
    for (let k = 0; k < P; k++) for (let i = 0; i < D; i++) expected += mean[i] * head.kernel[k * D + i];
    expect(d.confidence()).toBeCloseTo(expected, 10);
    const real = new Needle2Decoder(w, { maxLen: ids.length, window: 16 });
    real.collectHidden = true;
    real.prefill(ids);
    expect(Number.isFinite(real.confidence())).toBe(true);
    expect(real.confidence()).not.toBeCloseTo(expected, 3);
  });

  it('refuses without a head or without collected cells', () => {
    const d = new Needle2Decoder(w, { maxLen: 4 });
    d.prefill(ids.slice(0, 2));
    expect(() => d.confidence()).toThrow('needs collectHidden set before the first feed');
    const none = new Needle2Decoder({ ...w, confidence: undefined }, { maxLen: 4 });
    expect(() => none.confidence()).toThrow('has no confidence head');
  });
});
