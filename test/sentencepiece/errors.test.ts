// Bad model files and bad ids fail with clear errors, never crashes or silent garbage.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSentencePiece, SentencePieceError } from '../../src/sentencepiece/index.ts';
import { readFields } from '../../src/sentencepiece/protobuf-reader.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelFile = path.join(repoRoot, 'test/fixtures/spm/needle-settings.model');
const nfkcFile = path.join(repoRoot, 'test/fixtures/spm/nfkc-settings.model');
const modelBytes = new Uint8Array(readFileSync(modelFile));

describe('model file errors', () => {
  it('names the file and byte offset of a truncated model', () => {
    const cut = modelBytes.subarray(0, modelBytes.length - 7);
    expect(() => loadSentencePiece(cut)).toThrow(SentencePieceError);
    expect(() => loadSentencePiece(cut)).toThrow(/byte \d+/);
  });

  it('names the path when loading from a file', () => {
    expect(() => loadSentencePiece(path.join(repoRoot, 'package.json'))).toThrow(/package\.json: not a readable SentencePiece model/);
  });

  it('refuses a unigram model with a clear message', () => {
    const copy = modelBytes.slice();
    const trainer = [...readFields(copy)].find((f) => f.field === 2)!;
    const base = trainer.bytes!.byteOffset - copy.byteOffset;
    const modelType = [...readFields(trainer.bytes!, base)].find((f) => f.field === 3)!;
    expect(copy[modelType.offset + 1]).toBe(2); // BPE
    copy[modelType.offset + 1] = 1; // UNIGRAM
    expect(() => loadSentencePiece(copy)).toThrow(/model_type is unigram; only BPE models are supported/);
  });

  it('only ever fails with SentencePieceError on corrupted bytes (fuzz)', () => {
    const nfkc = new Uint8Array(readFileSync(nfkcFile));
    fc.assert(
      fc.property(
        fc.constantFrom(modelBytes, nfkc),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (original, edits, cutAt) => {
          const bytes = original.slice(0, Math.max(1, original.length - (cutAt % 64)));
          for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
          try {
            const tok = loadSentencePiece(bytes);
            tok.decode(tok.encode('hello <tools> world 👍'));
          } catch (err) {
            expect(err).toBeInstanceOf(SentencePieceError);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 150), seed: 3 },
    );
  });
});

describe('id errors and lookups', () => {
  const tok = loadSentencePiece(modelFile);

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([5, tok.vocabSize])).toThrow(RangeError);
    expect(() => tok.decode([-1])).toThrow(/out of range/);
    expect(() => tok.decode([1.5])).toThrow(RangeError);
    expect(() => tok.idToPiece(tok.vocabSize)).toThrow(RangeError);
  });

  it('looks pieces up both ways and exposes the vocabulary for a trie', () => {
    const pieces = tok.pieces();
    expect(pieces).toHaveLength(tok.vocabSize);
    expect(pieces.slice(0, 6)).toEqual(['<pad>', '</s>', '<s>', '<unk>', '<tool_call>', '<tools>']);
    expect(pieces.every((p, id) => tok.pieceToId(p) === id)).toBe(true);
    expect(tok.pieceToId('no such piece')).toBeUndefined();
    expect(tok.pieceType(0)).toBe('control');
    expect(tok.pieceType(3)).toBe('unknown');
    expect(tok.pieceType(tok.pieceToId('<0x41>')!)).toBe('byte');
    pieces[0] = 'changed';
    expect(tok.idToPiece(0)).toBe('<pad>'); // pieces() is a copy
  });
});
