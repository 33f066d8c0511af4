// Properties of the BFCL checker over the real parallel cases: the order of calls never matters
// to a right answer, and removing or duplicating a call always fails on the count.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { oracleCalls } from '../../src/providers/oracle-answer.ts';
import { scoreCase } from '../../src/score/score.ts';
import { standardizeString } from '../../src/score/bfcl.ts';
import { loadBfclCategory } from './bfcl-local.ts';

const cases = loadBfclCategory('parallel').filter((c) => c.expected.calls.length > 1);

describe('BFCL parallel properties', () => {
  it('any permutation of a right answer passes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: cases.length - 1 }), fc.integer(), (i, seed) => {
        const c = cases[i];
        const calls = oracleCalls(c);
        const shuffled = fc.sample(fc.shuffledSubarray(calls, { minLength: calls.length, maxLength: calls.length }), { seed, numRuns: 1 })[0];
        expect(scoreCase(c, { kind: 'parsed', calls: shuffled }).pass).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a call more or a call less fails on the count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: cases.length - 1 }), fc.nat(), (i, k) => {
        const c = cases[i];
        const calls = oracleCalls(c);
        const j = k % calls.length;
        const less = calls.filter((_, x) => x !== j);
        expect(scoreCase(c, { kind: 'parsed', calls: less })).toMatchObject({ pass: false, error: 'wrong_count' });
        expect(scoreCase(c, { kind: 'parsed', calls: [...calls, calls[j]] })).toMatchObject({ pass: false, error: 'wrong_count' });
      }),
      { numRuns: 100 },
    );
  });
});

describe('string standardization properties', () => {
  it('is idempotent and ignores the removed characters wherever they are inserted', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.constantFrom(' ', ',', '.', '/', '-', '_', '*', '^')), fc.nat(), (s, junk, at) => {
        const once = standardizeString(s);
        expect(standardizeString(once)).toBe(once);
        const pos = s.length ? at % (s.length + 1) : 0;
        expect(standardizeString(s.slice(0, pos) + junk.join('') + s.slice(pos))).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});
