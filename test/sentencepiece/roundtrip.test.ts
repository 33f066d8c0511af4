// decode(encode(x)) round trips, up to sentencepiece's documented lossy cases for identity
// normalization: heading/trailing ASCII spaces are dropped and runs of them collapse to one; a
// literal '▁' (U+2581) is the escaped space symbol, so inputs containing it are excluded; lone
// surrogates have no UTF-8 form and come back as U+FFFD.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSentencePiece } from '../../src/sentencepiece/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const models = {
  'needle-branch-16k': path.resolve(repoRoot, '../shared/fixtures/sentencepiece/needle-branch-16k.model'),
  'needle-settings': path.join(repoRoot, 'test/fixtures/spm/needle-settings.model'),
};

/** What identity-normalized sentencepiece gives back (remove_extra_whitespaces on). */
function expectedRoundTrip(x: string): string {
  return x.replace(/ +/g, ' ').replace(/^ /, '').replace(/ $/, '');
}

const pieceOfText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  { weight: 3, arbitrary: fc.constantFrom(' ', '  ', '\t', '\n', ' \n ', 'the', 'name', '":"', '{', '}', '123') },
  { weight: 1, arbitrary: fc.constantFrom('<tools>', '<tool_call>', '<tool', '<s>', '</s>', '<unk>', '<0x41>') },
  { weight: 1, arbitrary: fc.constantFrom('👍🏽', '👨‍👩‍👧', '🇫🇷', '日本', 'مرحبا', 'नमस्ते', '\u200d', '\0') },
);
const text = fc.array(pieceOfText, { maxLength: 12 }).map((parts) => parts.join(''));

describe.each(Object.entries(models))('round trip: %s', (_name, file) => {
  const tok = loadSentencePiece(file);

  it('decode(encode(x)) equals x modulo the documented space handling', () => {
    fc.assert(
      fc.property(text, (x) => {
        fc.pre(!x.includes('\u2581'));
        expect(tok.decode(tok.encode(x))).toBe(expectedRoundTrip(x));
      }),
      { numRuns: 400, seed: 1126 },
    );
  });

  it('every id it produces is in range and pieces map back to those ids', () => {
    fc.assert(
      fc.property(text, (x) => {
        const segments = tok.segments(x);
        for (const [piece, id] of segments) {
          expect(id).toBeGreaterThanOrEqual(0);
          expect(id).toBeLessThan(tok.vocabSize);
          expect(tok.idToPiece(id)).toBe(piece);
        }
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('treats a lone surrogate as U+FFFD', () => {
    expect(tok.encode('a\uD800b')).toEqual(tok.encode('a\uFFFDb'));
    expect(tok.encode('\uDC00')).toEqual(tok.encode('\uFFFD'));
  });
});
