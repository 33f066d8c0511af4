// Small but real BPE tokenizers in the tokenizer.json forms the baselines ship, trained here on a little
// corpus, plus a family's special tokens as added tokens. Every text round-trips.
//  - 'byte-level' (GPT-2 / Qwen / LFM2 / Granite): ByteLevel pre-tokenizer and decoder, all 256 byte
//    symbols in the vocab.
//  - 'sentencepiece' (Gemma): no pre-tokenizer, a normalizer turning ' ' into '▁', byte_fallback to
//    <0xNN> tokens for characters outside the vocab, decoder Replace('▁', ' ') + ByteFallback + Fuse.

export interface AddedTokenSpec {
  content: string;
  /** HF `special` flag: skipped by decode(skip_special_tokens) when true. */
  special: boolean;
}

export interface TinyTokenizer {
  /** tokenizer.json */
  json: Record<string, unknown>;
  vocabSize: number;
  /** id of every added token by content. */
  ids: Record<string, number>;
}

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256+n. */
export function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + n++);
  return out;
}

// GPT-2's pre-tokenization pattern (what the ByteLevel pre-tokenizer with use_regex applies).
const SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export type TokenizerStyle = 'byte-level' | 'sentencepiece';

/** Trains `merges` BPE merges on `corpus` (most frequent pair first, ties by first seen). */
export function buildTinyTokenizer(corpus: string, added: AddedTokenSpec[], merges = 300, style: TokenizerStyle = 'byte-level'): TinyTokenizer {
  const vocab = new Map<string, number>();
  const words = new Map<string, number>();
  if (style === 'byte-level') {
    const b2u = bytesToUnicode();
    const enc = new TextEncoder();
    for (const piece of corpus.match(SPLIT) ?? []) {
      const mapped = Array.from(enc.encode(piece), (b) => b2u[b]).join('');
      words.set(mapped, (words.get(mapped) ?? 0) + 1);
    }
    for (const u of b2u) vocab.set(u, vocab.size);
  } else {
    for (let b = 0; b < 256; b++) vocab.set(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, vocab.size);
    // Training words: '▁'-prefixed runs (merges never span a word start, as SentencePiece pieces).
    for (const piece of corpus.replace(/ /g, '\u2581').match(/\u2581*[^\u2581]+|\u2581+/gu) ?? []) words.set(piece, (words.get(piece) ?? 0) + 1);
    for (const ch of new Set(Array.from(corpus.replace(/ /g, '\u2581')))) if (!vocab.has(ch)) vocab.set(ch, vocab.size);
  }
  let segs = [...words].map(([w, count]) => ({ parts: Array.from(w), count }));
  const mergeList: [string, string][] = [];
  for (let m = 0; m < merges; m++) {
    const counts = new Map<string, number>();
    for (const { parts, count } of segs) {
      for (let i = 0; i + 1 < parts.length; i++) {
        const key = `${parts[i]}\u0000${parts[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + count);
      }
    }
    let best: string | undefined;
    let bestCount = 1;
    for (const [k, c] of counts) if (c > bestCount) [best, bestCount] = [k, c];
    if (!best) break;
    const [a, b] = best.split('\u0000');
    mergeList.push([a, b]);
    if (!vocab.has(a + b)) vocab.set(a + b, vocab.size);
    segs = segs.map(({ parts, count }) => {
      const next: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(parts[i]);
      }
      return { parts: next, count };
    });
  }
  const ids: Record<string, number> = {};
  const addedTokens = added.map((t) => {
    const id = vocab.size + Object.keys(ids).length;
    ids[t.content] = id;
    return { id, content: t.content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: t.special };
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const sp = style === 'sentencepiece';
  return {
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokens,
      normalizer: sp ? { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' } : null,
      pre_tokenizer: sp ? null : byteLevel,
      post_processor: sp ? null : { ...byteLevel, trim_offsets: false },
      decoder: sp
        ? {
            type: 'Sequence',
            decoders: [{ type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }],
          }
        : byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: sp ? null : '',
        end_of_word_suffix: sp ? null : '',
        fuse_unk: sp,
        byte_fallback: sp,
        ignore_merges: false,
        vocab: Object.fromEntries(vocab),
        merges: mergeList,
      },
    },
    vocabSize: vocab.size + addedTokens.length,
    ids,
  };
}
