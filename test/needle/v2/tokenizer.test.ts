// Needle 2's tokenizer layout: the stand-in (trained with Needle 2's settings) passes, tokenizers
// with another layout are refused with the reason.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../src/models/registry.ts';
import { CHAT_MARKERS, MARKER_IDS, markerId } from '../../../src/needle/v2/markers.ts';
import { loadNeedle2Tokenizer, tokenUnits } from '../../../src/needle/v2/tokenizer.ts';
import { SentencePieceError } from '../../../src/sentencepiece/index.ts';
import { STAND_IN_MODEL, goldens, standInTokenizer } from './golden.ts';

describe('Needle 2 tokenizer', () => {
  it('has the package ids: markers 4..13 in CHAT_MARKERS order', () => {
    expect(CHAT_MARKERS.map(markerId)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(MARKER_IDS['<|im_start|>']).toBe(4);
    expect(MARKER_IDS['<tools>']).toBe(8);
    expect(MARKER_IDS['<tool_call>']).toBe(10);
    expect(MARKER_IDS['</tool_result>']).toBe(13);
  });

  it('loads the stand-in tokenizer (the file the goldens were made with)', () => {
    const tok = standInTokenizer();
    expect(tok.vocabSize).toBe(goldens().vocab_size);
    for (const m of CHAT_MARKERS) expect(tok.encodeAsPieces(`a${m}b`)).toContain(m);
    const bytes = readFileSync(STAND_IN_MODEL);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(goldens().tokenizer_sha256);
  });

  it('refuses a tokenizer without the chat markers (the 16k pretraining fixture) with the reason', () => {
    expect(() => loadNeedle2Tokenizer(join(REPO_ROOT, '../shared/fixtures/sentencepiece/needle-branch-16k.model'))).toThrow(
      /not a Needle 2 tokenizer: chat marker <\|im_start\|> must be id 4, the model has it nowhere/,
    );
  });

  it("refuses Needle v1's layout (<tool_call> 4, <tools> 5)", () => {
    expect(() => loadNeedle2Tokenizer(join(REPO_ROOT, 'test/fixtures/spm/needle-settings.model'))).toThrow(SentencePieceError);
  });

  it('refuses a vocabulary size other than the checkpoint says', () => {
    expect(() => loadNeedle2Tokenizer(STAND_IN_MODEL, 16384)).toThrow(/has 8192 pieces but the checkpoint's vocab_size is 16384/);
  });

  it('token units: markers as markers, byte pieces as one byte, ▁ as a space, control pieces as nothing', () => {
    const tok = standInTokenizer();
    const units = tokenUnits(tok);
    expect(units[4]).toEqual({ kind: 'marker', marker: '<|im_start|>' });
    expect(units[1]).toEqual({ kind: 'none' });
    const nl = tok.pieceToId('<0x0A>')!;
    expect(units[nl]).toEqual({ kind: 'bytes', bytes: Uint8Array.of(10) });
    const space = tok.pieceToId('\u2581')!;
    expect(units[space]).toEqual({ kind: 'bytes', bytes: Uint8Array.of(32) });
    // Every id's units concatenated equal the decoded text (bar the dropped leading space).
    const ids = goldens().cases[3].target_ids;
    const text = ids.map((id) => { const u = units[id]; return u.kind === 'marker' ? u.marker : u.kind === 'bytes' ? Buffer.from(u.bytes).toString('latin1') : ''; }).join('');
    expect(Buffer.from(text, 'latin1').toString('utf8').replace(/^ /, '')).toBe(tok.decode(ids));
  });
});
