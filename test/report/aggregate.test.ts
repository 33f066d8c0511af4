import { describe, expect, it } from 'vitest';
import { aggregate, orientPair, pairwise, ALL } from '../../src/report/aggregate.ts';
import { wilsonInterval } from '../../src/stats/wilson.ts';
import { record } from './records.ts';

// Four cases answered by m1 (hand-counted expectations in the comments), m2 answers them plus c5.
const m1 = [
  record({ id: 'c1', model: 'm1', category: 'simple', pass: true,
    needle: { nameTp: 1, callTp: 1, argsExact: 1, matchedCalls: 1, matchedParams: 2, valuesRight: 2 },
    timings: { totalMs: 100, firstTokenMs: 20, prefillMs: 10, decodeStepMs: Array(10).fill(8) }, promptTokens: 50, generatedTokens: 11 }),
  record({ id: 'c2', model: 'm1', category: 'simple', pass: false, error: 'wrong_value', schemaValid: true,
    needle: { nameTp: 1, callFp: 1, callFn: 1, matchedCalls: 1, matchedParams: 2, valuesRight: 1, hallucinatedParams: 1 },
    timings: { totalMs: 200, firstTokenMs: 40 }, generatedTokens: 9 }),
  record({ id: 'c3', model: 'm1', category: 'parallel', pass: true,
    needle: { nameTp: 2, callTp: 2, argsExact: 2, matchedCalls: 2, matchedParams: 3, valuesRight: 3 },
    timings: { totalMs: 300 } }),
  record({ id: 'c4', model: 'm1', category: 'parallel', pass: false, error: 'parse_error',
    needle: { nameFn: 1, callFn: 1, missingParams: 0, parsed: false }, timings: { totalMs: 400 } }),
];
const m2 = [
  record({ id: 'c1', model: 'm2', category: 'simple', pass: false, error: 'no_call' }),
  record({ id: 'c2', model: 'm2', category: 'simple', pass: true }),
  record({ id: 'c3', model: 'm2', category: 'parallel', pass: true }),
  record({ id: 'c4', model: 'm2', category: 'parallel', pass: true }),
  record({ id: 'c5', model: 'm2', category: 'parallel', pass: false, error: 'generation_error', generationError: 'timeout', timings: { totalMs: 9999 } }),
];

describe('aggregate', () => {
  const groups = aggregate([...m1, ...m2]);
  const get = (model: string, category: string) => groups.find((g) => g.model === model && g.category === category)!;

  it('makes one group per model × category plus "all", "all" first', () => {
    expect(groups.map((g) => `${g.model}/${g.category}`)).toEqual(['m1/all', 'm1/parallel', 'm1/simple', 'm2/all', 'm2/parallel', 'm2/simple']);
  });

  it('computes pass, schema-valid and parse rates', () => {
    const g = get('m1', ALL);
    expect([g.n, g.passed, g.passRate]).toEqual([4, 2, 0.5]);
    expect(g.passCi).toEqual(wilsonInterval(2, 4));
    expect(g.schemaValidRate).toBe(0.75); // c1, c2, c3
    expect(g.parseRate).toBe(0.75); // c4 did not parse
    expect(get('m1', 'simple')).toMatchObject({ n: 2, passed: 1 });
    expect(get('m2', 'parallel')).toMatchObject({ n: 3, passed: 2 });
  });

  it('derives Needle metrics from summed counts (micro average)', () => {
    const n = get('m1', ALL).needle;
    expect(n.nameF1).toBeCloseTo(8 / 9, 12); // TP 4, FP 0, FN 1
    expect(n.callF1).toBeCloseTo(6 / 9, 12); // TP 3, FP 1, FN 2
    expect(n.argsAccuracy).toBeCloseTo(3 / 4, 12);
    expect(n.valueAccuracy).toBeCloseTo(6 / 7, 12);
    expect(n.hallucinationRate).toBeCloseTo(1 / 8, 12);
    expect(n.missRate).toBe(0);
    expect(n.exactMatch).toBe(0.5);
    // m2's hand-made counts are all zero: undefined ratios are null, not 0.
    expect(get('m2', ALL).needle.nameF1).toBeNull();
  });

  it('counts the failure taxonomy', () => {
    expect(get('m1', ALL).errors).toEqual({ wrong_value: 1, parse_error: 1 });
    expect(get('m2', ALL).errors).toEqual({ no_call: 1, generation_error: 1 });
  });

  it('computes latency percentiles and tokens/s, excluding failed generations', () => {
    const g = get('m1', ALL);
    expect(g.latency.totalMs).toMatchObject({ n: 4, p50: 250, min: 100, max: 400, iqr: 150 });
    expect(g.latency.firstTokenMs).toMatchObject({ n: 2, p50: 30 });
    expect(g.throughput.prefillTokPerS).toMatchObject({ n: 1, p50: 5000 }); // 50 tokens / 10 ms
    // c1: 10 steps / 80 ms = 125 tok/s; c2: (9 − 1) tokens / (200 − 40) ms = 50 tok/s.
    expect(g.throughput.decodeTokPerS).toMatchObject({ n: 2, min: 50, max: 125, p50: 87.5 });
    expect(get('m2', ALL).latency.totalMs).toBeNull(); // only c5 has timings, and it timed out
  });
});

describe('pairwise', () => {
  it('pairs on shared case ids only', () => {
    const pairs = pairwise([...m1, ...m2]);
    expect(pairs.map((q) => q.category)).toEqual(['all', 'parallel', 'simple']);
    const [p] = pairs;
    // m1 = [T,F,T,F], m2 = [F,T,T,T] on c1..c4; c5 only in m2.
    expect(p).toMatchObject({ suite: 'toy', modelA: 'm1', modelB: 'm2', n: 4, both: 1, aOnly: 1, bOnly: 2, neither: 0, unpairedA: 0, unpairedB: 1 });
    expect(p.diff).toBeCloseTo(0.25, 12);
    expect(p.pValue).toBe(1); // 2 · P(X ≤ 1 | Bin(3, ½)) = 2 · 4/8
    expect(p.lo).toBeLessThan(0.25);
    expect(p.hi).toBeGreaterThan(0.25);
  });

  it('compares per category too', () => {
    const parallel = pairwise([...m1, ...m2]).find((q) => q.category === 'parallel')!;
    // c3: both pass; c4: m2 only; c5 (m2 only) is unpaired.
    expect(parallel).toMatchObject({ n: 2, both: 1, aOnly: 0, bOnly: 1, neither: 0, unpairedA: 0, unpairedB: 1 });
    expect(parallel.diff).toBeCloseTo(0.5, 12);
  });

  it('orients a comparison with the better model first', () => {
    const [p] = pairwise([...m1, ...m2]); // m2 − m1 = +0.25
    expect(orientPair(p)).toMatchObject({ first: 'm2', second: 'm1', firstOnly: 2, secondOnly: 1 });
    const flipped = orientPair({ ...p, modelA: 'm2', modelB: 'm1', aOnly: 2, bOnly: 1, diff: -0.25, lo: -p.hi, hi: -p.lo });
    expect(flipped).toMatchObject({ first: 'm2', second: 'm1', firstOnly: 2, secondOnly: 1, diff: 0.25 });
    expect(flipped.lo).toBeCloseTo(p.lo, 12);
    expect(flipped.hi).toBeCloseTo(p.hi, 12);
  });

  it('never pairs across suites', () => {
    const other = m2.map((r) => ({ ...r, suite: 'other' }));
    expect(pairwise([...m1, ...other])).toEqual([]);
  });
});
