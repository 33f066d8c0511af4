// A small but real byte-level BPE tokenizer (the GPT-2 / Qwen / LFM2 / Granite tokenizer.json format:
// ByteLevel pre-tokenizer and decoder, BPE model with merges) trained here on a little corpus, plus a
// family's special tokens as added tokens. Every text round-trips (all 256 bytes are in the vocab).
// Gemma's real tokenizer is a SentencePiece-style BPE (▁ for spaces, byte fallback); the tiny Gemma
// uses this byte-level form too — the special tokens and what the harness sees (ids ↔ text) are what
// matters for the end-to-end path.

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

/** Trains `merges` byte-level BPE merges on `corpus` (most frequent pair first, ties by first seen). */
export function buildTinyTokenizer(corpus: string, added: AddedTokenSpec[], merges = 300): TinyTokenizer {
  const b2u = bytesToUnicode();
  const enc = new TextEncoder();
  const words = new Map<string, number>();
  for (const piece of corpus.match(SPLIT) ?? []) {
    const mapped = Array.from(enc.encode(piece), (b) => b2u[b]).join('');
    words.set(mapped, (words.get(mapped) ?? 0) + 1);
  }
  const vocab = new Map<string, number>();
  for (const u of b2u) vocab.set(u, vocab.size);
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
  return {
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: addedTokens,
      normalizer: null,
      pre_tokenizer: byteLevel,
      post_processor: { ...byteLevel, trim_offsets: false },
      decoder: byteLevel,
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: '',
        end_of_word_suffix: '',
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: Object.fromEntries(vocab),
        merges: mergeList,
      },
    },
    vocabSize: vocab.size + addedTokens.length,
    ids,
  };
}
