// The tiny tokenizers (src/onnx/architectures/tiny-tokenizer.ts) as transformers.js loads them: both
// tokenizer.json forms round-trip any text (byte-level symbols / byte fallback), special tokens are
// single ids, and the SentencePiece-style form decodes through Replace + ByteFallback + Fuse.
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyTokenizer, type TokenizerStyle } from '../../src/onnx/architectures/tiny-tokenizer.ts';

type Tok = Awaited<ReturnType<(typeof import('@huggingface/transformers'))['AutoTokenizer']['from_pretrained']>>;
const CORPUS = 'the weather in Paris is sunny today\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n';
const ADDED = [{ content: '<start_function_call>', special: true }, { content: '<escape>', special: true }, { content: '<tool_call>', special: false }];
let root: string;
const toks = new Map<TokenizerStyle, { tok: Tok; ids: Record<string, number> }>();

beforeAll(async () => {
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  root = mkdtempSync(join(tmpdir(), 'nb-tinytok-'));
  env.allowRemoteModels = false;
  env.localModelPath = root + '/';
  for (const style of ['byte-level', 'sentencepiece'] as TokenizerStyle[]) {
    const t = buildTinyTokenizer(CORPUS, ADDED, 60, style);
    mkdirSync(join(root, style));
    writeFileSync(join(root, style, 'tokenizer.json'), JSON.stringify(t.json));
    writeFileSync(join(root, style, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false }));
    toks.set(style, { tok: await AutoTokenizer.from_pretrained(style, { local_files_only: true }), ids: t.ids });
  }
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.each(['byte-level', 'sentencepiece'] as TokenizerStyle[])('tiny %s tokenizer through transformers.js', (style) => {
  it('round-trips any text, special tokens included, and the trained merges shorten known words', () => {
    const { tok, ids } = toks.get(style)!;
    const parts = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom(...ADDED.map((a) => a.content), ' ', '  ', '\n', 'Zürich', '東京', '🌦️'));
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 8 }), (xs) => {
        const text = xs.join('');
        if (text === '') return; // decode([]) throws in transformers.js
        expect(tok.decode(tok.encode(text, { add_special_tokens: false }), { skip_special_tokens: false })).toBe(text);
      }),
      { numRuns: 200, seed: 5 },
    );
    for (const a of ADDED) expect(tok.encode(a.content, { add_special_tokens: false })).toEqual([ids[a.content]]);
    expect(tok.encode('the weather in Paris', { add_special_tokens: false }).length).toBeLessThan('the weather in Paris'.length / 2);
    // skip_special_tokens drops the special markers only.
    const text = '<start_function_call>x<escape>y<escape><tool_call>';
    expect(tok.decode(tok.encode(text, { add_special_tokens: false }), { skip_special_tokens: true })).toBe('xy<tool_call>');
  });
});

it('sentencepiece style: spaces are ▁ pieces, characters outside the vocab fall back to <0xNN> bytes', () => {
  const { tok } = toks.get('sentencepiece')!;
  const pieces = tok.tokenize('in Zürich');
  expect(pieces[0].startsWith('\u2581')).toBe(false); // no prefix ▁ is added
  expect(pieces).toContain('<0xC3>');
  expect(pieces).toContain('<0xBC>');
  expect(pieces.some((p) => p.includes('\u2581'))).toBe(true);
});
