// The typed-array hash table behind BPE merge lookups agrees with a Map, through growth and clear.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ABSENT, PairTable } from '../../src/sentencepiece/pair-table.ts';

describe('PairTable', () => {
  it('agrees with a Map after many inserts, overwrites and growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 }), fc.integer({ min: -1, max: 1e6 })), {
          maxLength: 3000,
        }),
        (entries) => {
          const table = new PairTable(16);
          const ref = new Map<string, number>();
          for (const [a, b, v] of entries) {
            table.set(a, b, v);
            ref.set(`${a},${b}`, v);
          }
          expect(table.size).toBe(ref.size);
          for (const [a, b] of entries) expect(table.get(a, b)).toBe(ref.get(`${a},${b}`));
          expect(table.get(301, 0)).toBe(ABSENT);
          table.clear();
          expect(table.size).toBe(0);
          if (entries.length > 0) expect(table.get(entries[0][0], entries[0][1])).toBe(ABSENT);
        },
      ),
      { numRuns: 30, seed: 5 },
    );
  });
});
