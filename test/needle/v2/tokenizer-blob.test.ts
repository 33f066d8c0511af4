// The .cact tokenizer blob: parsed and run as the package's RefTokenizer (goldens made by the
// package's own _tokenizer_blob and RefTokenizer on the stand-in model), corrupt blobs refused.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NEEDLE2_SPECIAL_IDS } from '../../../src/needle/v2/markers.ts';
import { BlobTokenizer, parseTokenizerBlob } from '../../../src/needle/v2/tokenizer-blob.ts';
import { tokenUnits } from '../../../src/needle/v2/tokenizer.ts';
import { STAND_IN_BLOB, goldens, standInTokenizer } from './golden.ts';

const g = goldens();
const bytes = new Uint8Array(readFileSync(STAND_IN_BLOB));
const tok = new BlobTokenizer(parseTokenizerBlob(bytes, STAND_IN_BLOB));

describe('.cact tokenizer blob', () => {
  it('is the blob the package wrote for the stand-in model, with its ids', () => {
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(g.blob_sha256);
    expect(tok.vocabSize).toBe(g.vocab_size);
    expect(tok.specialIds).toEqual(NEEDLE2_SPECIAL_IDS);
    expect(tok.pieceType(4)).toBe('user_defined');
    expect(tok.idToPiece(4)).toBe('<|im_start|>');
  });

  it('encodes every golden prompt and target as RefTokenizer does', () => {
    for (const c of g.cases) {
      expect([NEEDLE2_SPECIAL_IDS.bos, ...tok.encode(c.prompt)], `${c.id} prompt`).toEqual(c.ref_prompt_ids);
      expect(tok.encode(c.target), `${c.id} target`).toEqual(c.ref_target_ids);
    }
  });

  it('encodes edge texts as RefTokenizer does, including where it parts from sentencepiece (repeated spaces)', () => {
    const sp = standInTokenizer();
    let parted = 0;
    for (const e of g.blob_tokenizer.encode) {
      expect(tok.encode(e.text), JSON.stringify(e.text)).toEqual(e.ids);
      expect(sp.encode(e.text), JSON.stringify(e.text)).toEqual(e.sp_ids);
      if (JSON.stringify(e.ids) !== JSON.stringify(e.sp_ids)) parted++;
    }
    expect(parted).toBeGreaterThan(0);
  });

  it('decodes id sequences as RefTokenizer does', () => {
    for (const d of g.blob_tokenizer.decode) expect(tok.decode(d.ids), JSON.stringify(d.ids)).toBe(d.text);
  });

  it('gives the grammar the same token units as the .model it came from', () => {
    expect(tok.tokenUnits()).toEqual(tokenUnits(standInTokenizer()));
  });

  it.each([
    ['a truncated header', (b: Uint8Array) => b.slice(0, 10), /at byte 0: truncated header/],
    ['a truncated last record', (b: Uint8Array) => b.slice(0, b.length - 3), /piece 8191 text \(\d+ bytes\) runs past the end/],
    ['a blob cut short', (b: Uint8Array) => b.slice(0, 5000), /piece count 8192 does not fit in 5000 bytes/],
    ['trailing bytes', (b: Uint8Array) => Uint8Array.from([...b, 1, 2, 3]), /3 bytes after the last piece/],
    ['an absurd piece count', (b: Uint8Array) => { const c = b.slice(); new DataView(c.buffer).setUint32(0, 0xffffffff, true); return c; }, /piece count 4294967295 does not fit/],
    ['a special id outside the vocabulary', (b: Uint8Array) => { const c = b.slice(); new DataView(c.buffer).setUint32(8, 9000, true); return c; }, /eos id 9000 is outside the 8192 pieces/],
    ['an unknown piece type', (b: Uint8Array) => { const c = b.slice(); c[24 + 4] = 9; return c; }, /at byte 28: piece 0 has unknown type 9/],
  ])('refuses %s with the offset and reason', (_, corrupt, message) => {
    expect(() => parseTokenizerBlob(corrupt(bytes), 'x.cact')).toThrow(message);
  });
});
