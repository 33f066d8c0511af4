// Reference values: the Wilson rows for 81/263, 15/148, 0/20 and 1/29 are the published ones of
// Newcombe (1998, Stat Med 17:857, Table II, 4 d.p.); the paired interval of [[59,6],[16,80]] is the
// published one of Fagerland, Lydersen & Laake (Statistical Analysis of Contingency Tables, 2017,
// ch. 8, 4 d.p.); every other reference below was computed
// independently with `/usr/bin/python3 tools/stats/reference.py` (textbook formulas + numpy).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { wilsonInterval } from '../../src/stats/wilson.ts';
import { binomialCdfHalf, mcnemarExact } from '../../src/stats/mcnemar.ts';
import { comparePaired, pairedCounts } from '../../src/stats/paired-difference.ts';
import { median, quantileSorted, spread } from '../../src/stats/percentiles.ts';

describe('wilsonInterval', () => {
  it.each([
    [81, 263, 0.2552885199, 0.366209577],
    [15, 148, 0.0623863995, 0.1604872417],
    [0, 20, 0, 0.1611251581],
    [1, 29, 0.0061132143, 0.1717552188],
    [7, 10, 0.3967781475, 0.8922087326],
  ])('%i/%i matches the reference', (x, n, lo, hi) => {
    const w = wilsonInterval(x, n);
    expect(w.lo).toBeCloseTo(lo, 9);
    expect(w.hi).toBeCloseTo(hi, 9);
  });

  it('is exactly [0,1]-bounded and contains the point estimate', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
      const x = Math.round(f * n);
      const w = wilsonInterval(x, n);
      return w.lo >= 0 && w.hi <= 1 && w.lo <= x / n + 1e-12 && w.hi >= x / n - 1e-12;
    }));
    expect(wilsonInterval(10, 10).hi).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual({ lo: 0, hi: 1 });
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 3)).toThrow(/outside/);
    expect(() => wilsonInterval(1, -1)).toThrow(/non-negative/);
  });
});

describe('mcnemarExact', () => {
  it.each([
    [1, 7, 0.0703125], // 2 * (1 + 8) / 256 — checkable by hand
    [0, 5, 0.0625],
    [10, 25, 0.0166738478001],
    [30, 30, 1],
    [3, 0, 0.25],
    [100, 140, 0.0116640923177],
  ])('b=%i c=%i → p=%f', (b, c, p) => {
    expect(mcnemarExact(b, c)).toBeCloseTo(p, 10);
  });

  it('is symmetric, 1 without discordant pairs, and the binomial CDF sums to 1', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(4, 11)).toBe(mcnemarExact(11, 4));
    expect(binomialCdfHalf(20, 20)).toBe(1);
    // Symmetry of Bin(20, 1/2): P(X <= 10) = 1/2 + P(X = 10)/2 = 1/2 + C(20,10) / 2^21.
    expect(binomialCdfHalf(10, 20)).toBeCloseTo(0.5 + 184756 / 2 ** 21, 12);
    expect(() => mcnemarExact(1.5, 2)).toThrow(/integer/);
  });

  it('stays finite for large tables', () => {
    const p = mcnemarExact(4000, 4200);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.2);
  });
});

describe('comparePaired (Newcombe interval of rateB − rateA)', () => {
  it.each([
    [[40, 2, 9, 49], 0.07, 0.0038259018, 0.1345137384],
    [[12, 1, 7, 1], 0.2857142857, 0.0255591242, 0.5069202267],
    [[5, 5, 5, 5], 0, -0.2838354788, 0.2838354788],
    [[0, 0, 3, 17], 0.15, -0.0383963331, 0.3604188647],
    [[30, 0, 0, 0], 0, -0.1135133932, 0.1135133932],
  ] as const)('%j', ([both, aOnly, bOnly, neither], diff, lo, hi) => {
    const r = comparePaired({ both, aOnly, bOnly, neither });
    expect(r.diff).toBeCloseTo(diff, 10);
    expect(r.lo).toBeCloseTo(lo, 9);
    expect(r.hi).toBeCloseTo(hi, 9);
    expect(r.pValue).toBeCloseTo(mcnemarExact(aOnly, bOnly), 12);
  });

  it('matches the published square-and-add interval (Fagerland, Lydersen & Laake, ch. 8, Cavo et al. 2012 table)', () => {
    // Published: estimate −0.0621, 95% CI −0.1186 to −0.0046 for p1+ − p+1 of [[59, 6], [16, 80]]; ours is B − A, so mirrored.
    const r = comparePaired({ both: 59, aOnly: 6, bOnly: 16, neither: 80 });
    expect(r.diff).toBeCloseTo(0.0621, 4);
    expect(r.lo).toBeCloseTo(0.0046, 4);
    expect(r.hi).toBeCloseTo(0.1186, 4);
  });

  it('swapping A and B mirrors the interval', () => {
    const ab = comparePaired({ both: 21, aOnly: 3, bOnly: 8, neither: 9 });
    const ba = comparePaired({ both: 21, aOnly: 8, bOnly: 3, neither: 9 });
    expect(ba.diff).toBeCloseTo(-ab.diff, 12);
    expect(ba.lo).toBeCloseTo(-ab.hi, 12);
    expect(ba.hi).toBeCloseTo(-ab.lo, 12);
  });

  it('tallies aligned outcomes', () => {
    expect(pairedCounts([true, true, false, false, true], [true, false, true, false, false]))
      .toEqual({ both: 1, aOnly: 2, bOnly: 1, neither: 1 });
    expect(() => pairedCounts([true], [])).toThrow(/align/);
  });
});

describe('percentiles', () => {
  const xs = [12.0, 3.5, 7.25, 100.0, 9.0, 41.0, 2.0, 8.0, 15.5, 60.0, 4.0];
  it('match numpy.percentile (linear)', () => {
    const s = spread(xs)!;
    expect(s.p25).toBeCloseTo(5.625, 10);
    expect(s.p50).toBeCloseTo(9, 10);
    expect(s.p75).toBeCloseTo(28.25, 10);
    expect(s.p90).toBeCloseTo(60, 10);
    expect(s.p99).toBeCloseTo(96, 10);
    expect(s.iqr).toBeCloseTo(22.625, 10);
    expect([s.min, s.max, s.n]).toEqual([2, 100, 11]);
  });
  it('handle edge cases', () => {
    expect(spread([])).toBeNull();
    expect(spread([NaN, Infinity])).toBeNull();
    expect(median([4])).toBe(4);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(quantileSorted([1, 3], 0.5)).toBe(2);
    expect(() => quantileSorted([1], 1.5)).toThrow();
  });
});
