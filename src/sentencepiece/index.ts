/**
 * SentencePiece tokenizer (BPE models) in plain TypeScript, matching the reference library
 * (google/sentencepiece; golden-tested against python3-sentencepiece 0.1.97) id for id.
 *
 *   const tok = loadSentencePiece('tokenizer/needle.model');   // path, Uint8Array or Buffer
 *   tok.encode('What is the weather?')        // → number[]  (no BOS/EOS added)
 *   tok.encodeAsPieces('hi <tools>')          // → ['▁h', 'i', '▁', '<tools>'] (needle-settings.model)
 *   tok.segments(text)                        // → [piece, id][] (both at once)
 *   tok.normalize('  a  b ')                  // → '▁a▁b' (the text BPE sees)
 *   tok.decode([..ids])                       // → string; RangeError on an id outside the vocab
 *   tok.idToPiece(5)  /  tok.pieceToId('<tools>')   // pieceToId: undefined if no such piece
 *   tok.pieceType(id)   // 'normal' | 'unknown' | 'control' | 'user_defined' | 'unused' | 'byte'
 *   tok.pieces()        // id → piece text as stored ('▁' kept, byte pieces as '<0xXX>')
 *   tok.tokenStrings()  // id → text as Needle's constrained decoder reads it ('▁' → ' ', control/
 *                       //   unk → '', byte → the char with that code), for its character trie
 *   tok.vocabSize, tok.specialIds   // {pad, eos, bos, unk}; -1 when absent
 *   tok.proto           // the parsed ModelProto (trainer_spec, normalizer_spec, pieces)
 *
 * Behaviour (as sentencepiece): normalization per normalizer_spec (identity or a precompiled
 * charsmap such as nmt_nfkc; heading/trailing/repeated ASCII spaces removed when
 * remove_extra_whitespaces; a dummy '▁' prefix when add_dummy_prefix; ' ' → '▁'); user-defined
 * symbols (<tool_call>, <tools>) matched longest-first and never split; BPE over the whole
 * normalized text by piece score; characters outside the vocabulary become their UTF-8 bytes as
 * <0xXX> pieces (byte_fallback) or one <unk> per run; decode joins byte pieces back into UTF-8 (each
 * invalid byte → U+FFFD), maps '▁' to ' ', drops the first leading '▁', hides control pieces and
 * shows <unk> as trainer_spec.unk_surface (" ⁇ "). Lossy by design: extra spaces, and (with a
 * charsmap) normalized characters. JS strings' lone surrogates are encoded as U+FFFD.
 * Unigram/word/char models are refused with a clear error; every load/format failure is a
 * SentencePieceError naming the file and byte offset.
 *
 * Speed: BPE is a binary heap of candidate merges over a linked list of symbols with a typed-array
 * (left id, right id) → merged id table, O(n log n); ~0.3-0.4 M ids per CPU-second on one 100 KB
 * string, ~0.6 M line by line (`npm run bench:tokenizer`), about the C++ library's speed.
 */
import { readFileSync } from 'node:fs';
import { SentencePieceTokenizer } from './tokenizer.ts';

export { SentencePieceTokenizer, SentencePieceError, type SpecialIds } from './tokenizer.ts';
export type { PieceType, ModelProto, TrainerSpec, NormalizerSpec, ModelPiece } from './model-proto.ts';
export type { Segment } from './bpe.ts';

export function loadSentencePiece(pathOrBytes: string | Uint8Array): SentencePieceTokenizer {
  if (typeof pathOrBytes === 'string') {
    return new SentencePieceTokenizer(new Uint8Array(readFileSync(pathOrBytes)), pathOrBytes);
  }
  return new SentencePieceTokenizer(pathOrBytes);
}
