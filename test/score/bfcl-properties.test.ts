// Properties of the BFCL checker over the real parallel cases: the order of calls never matters
// to a right answer, and removing or duplicating a call always fails on the count.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { oracleCalls } from '../../src/providers/oracle-answer.ts';
import { scoreCase } from '../../src/score/score.ts';
import { standardizeString } from '../../src/score/bfcl.ts';
import { loadBfclCategory } from './bfcl-local.ts';

const cases = loadBfclCategory('parallel').filter((c) => c.expected.calls.length > 1);

/**
 * BFCL matches parallel calls greedily (each expected call takes the first unmatched model call that
 * fits), so order matters when one model call fits several expected calls — e.g. parallel_178, whose
 * first expected call accepts "Microsoft" or "Apple". Order-independence holds for the others.
 */
function ambiguous(c: (typeof cases)[number]): boolean {
  const calls = oracleCalls(c);
  return c.expected.calls.some((expected, k) =>
    calls.some((call, j) => j !== k && scoreCase({ ...c, category: 'simple', expected: { calls: [expected] } }, { kind: 'parsed', calls: [call] }).pass));
}
const unambiguous = cases.filter((c) => !ambiguous(c));

describe('BFCL parallel properties', () => {
  it('any permutation of a right answer passes when no call fits two expected calls', () => {
    expect(unambiguous.length).toBeGreaterThan(cases.length / 2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: unambiguous.length - 1 }), fc.integer(), (i, seed) => {
        const c = unambiguous[i];
        const calls = oracleCalls(c);
        const shuffled = fc.sample(fc.shuffledSubarray(calls, { minLength: calls.length, maxLength: calls.length }), { seed, numRuns: 1 })[0];
        expect(scoreCase(c, { kind: 'parsed', calls: shuffled }).pass).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('follows BFCL\'s greedy first-fit where acceptable values overlap (parallel_178)', () => {
    const c = cases.find((x) => x.id === 'parallel_178')!;
    expect(ambiguous(c)).toBe(true);
    const [msJan, msFeb, apJan, apFeb] = oracleCalls(c);
    expect(scoreCase(c, { kind: 'parsed', calls: [msJan, msFeb, apJan, apFeb] }).pass).toBe(true);
    // Expected call 0 ("Microsoft" or "Apple", January) greedily takes Apple-January; Microsoft-January is then left unmatched.
    expect(scoreCase(c, { kind: 'parsed', calls: [msFeb, apFeb, apJan, msJan] })).toMatchObject({ pass: false, error: 'wrong_value' });
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
