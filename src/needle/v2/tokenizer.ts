// Needle 2's tokenizer as the package loads it (needle/model/tokenizer.py SANTokenizer): a
// SentencePiece BPE model (tokenizer/tokenizer.model on the hub, 8,192 pieces) read with the
// project's SentencePiece implementation, checked for the layout the package hard-codes — <pad> 0,
// </s> 1, <s> 2, <unk> 3 and the ten chat markers as user-defined pieces at ids 4..13 — so a wrong
// tokenizer (v1's has <tool_call> at 4 and <tools> at 5) is refused before it silently renumbers
// every prompt.
import { loadSentencePiece, SentencePieceError, type SentencePieceTokenizer } from '../../sentencepiece/index.ts';
import { CHAT_MARKERS, FIRST_MARKER_ID, NEEDLE2_SPECIAL_IDS } from './markers.ts';

/** Why a SentencePiece model is not Needle 2's layout, or undefined when it is. */
export function needle2LayoutProblem(tok: SentencePieceTokenizer): string | undefined {
  const specials: [keyof typeof NEEDLE2_SPECIAL_IDS, string][] = [
    ['pad', '<pad>'],
    ['eos', '</s>'],
    ['bos', '<s>'],
    ['unk', '<unk>'],
  ];
  for (const [key, piece] of specials) {
    if (tok.specialIds[key] !== NEEDLE2_SPECIAL_IDS[key]) {
      return `${piece} must be id ${NEEDLE2_SPECIAL_IDS[key]} (${key.toUpperCase()}_ID), the model has it at ${tok.specialIds[key]}`;
    }
  }
  for (let i = 0; i < CHAT_MARKERS.length; i++) {
    const id = FIRST_MARKER_ID + i;
    const marker = CHAT_MARKERS[i];
    const at = tok.pieceToId(marker);
    if (at !== id) return `chat marker ${marker} must be id ${id}, the model has it ${at === undefined ? 'nowhere' : `at ${at}`}`;
    if (tok.pieceType(id) !== 'user_defined') return `chat marker ${marker} (id ${id}) must be a user-defined piece, it is ${tok.pieceType(id)}`;
  }
  return undefined;
}

/** Loads a tokenizer and refuses one that does not have Needle 2's ids (SentencePieceError). */
export function loadNeedle2Tokenizer(pathOrBytes: string | Uint8Array, expectedVocab?: number): SentencePieceTokenizer {
  const tok = loadSentencePiece(pathOrBytes);
  const source = typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>';
  const problem = needle2LayoutProblem(tok);
  if (problem) throw new SentencePieceError(`${source}: not a Needle 2 tokenizer: ${problem}`);
  if (expectedVocab !== undefined && tok.vocabSize !== expectedVocab) {
    throw new SentencePieceError(`${source}: has ${tok.vocabSize} pieces but the checkpoint's vocab_size is ${expectedVocab}`);
  }
  return tok;
}

/** What one token contributes to the output, as the grammar reads it. */
export type TokenUnit =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'marker'; marker: string }
  /** Control and unknown pieces (and unused ones): never emitted inside constrained text. */
  | { kind: 'none' };

const encoder = new TextEncoder();

/**
 * Each id's contribution to the decoded output, byte for byte: a byte piece its byte, a normal piece
 * its UTF-8 with '▁' as a space, a user-defined piece (a chat marker) as itself. The dummy-prefix
 * space that decode drops at the very start is kept: inside a generation it is a real space.
 */
export function tokenUnits(tok: SentencePieceTokenizer): TokenUnit[] {
  const out: TokenUnit[] = [];
  for (let id = 0; id < tok.vocabSize; id++) {
    const type = tok.pieceType(id);
    const piece = tok.idToPiece(id);
    if (type === 'user_defined') out.push({ kind: 'marker', marker: piece });
    else if (type === 'byte') out.push({ kind: 'bytes', bytes: Uint8Array.of(parseInt(piece.slice(3, 5), 16)) });
    else if (type === 'normal') out.push({ kind: 'bytes', bytes: encoder.encode(piece.replaceAll('\u2581', ' ')) });
    else out.push({ kind: 'none' });
  }
  return out;
}
