// The SentencePiece processor for BPE models: normalize → BPE → byte fallback on encode; pieces →
// text (byte pieces joined back into UTF-8, ▁ → space, first ▁ dropped, control pieces hidden) on
// decode. Mirrors sentencepiece_processor.cc; see index.ts for the public API.
import { bpeEncode, buildCharIds, PairMerges, type BpeVocab, type Segment } from './bpe.ts';
import { parseModelProto, type ModelProto, type PieceType } from './model-proto.ts';
import { Normalizer, SPACE_SYMBOL } from './normalizer.ts';
import { PrefixMatcher } from './prefix-matcher.ts';
import { SentencePieceError } from './errors.ts';
import { decodeUtf8Lossy, toWellFormed, utf8Bytes } from './utf8.ts';

export { SentencePieceError };

export interface SpecialIds {
  pad: number;
  eos: number;
  bos: number;
  unk: number;
}

export class SentencePieceTokenizer {
  readonly proto: ModelProto;
  readonly vocabSize: number;
  /** Ids of <pad>, </s>, <s>, <unk>; -1 when the model has none (as sentencepiece reports). */
  readonly specialIds: SpecialIds;

  private readonly pieceText: string[];
  private readonly types: PieceType[];
  private readonly vocab: BpeVocab;
  private readonly reserved = new Map<string, number>();
  private readonly userSymbols: PrefixMatcher;
  private readonly normalizer: Normalizer;
  /** Id of <0xXX> for each byte value, or the unk id if a byte piece is missing. */
  private readonly byteIds: Int32Array;
  private readonly byteFallback: boolean;
  private readonly stripBosSpace: boolean;

  constructor(bytes: Uint8Array, source = '<bytes>') {
    let proto: ModelProto;
    try {
      proto = parseModelProto(bytes);
    } catch (err) {
      throw new SentencePieceError(`${source}: not a readable SentencePiece model: ${(err as Error).message}`);
    }
    this.proto = proto;
    const { trainerSpec, normalizerSpec } = proto;
    if (trainerSpec.modelType !== 'bpe') {
      throw new SentencePieceError(
        `${source}: model_type is ${trainerSpec.modelType}; only BPE models are supported (Needle's tokenizer is BPE)`,
      );
    }
    if (proto.denormalizerSpec && proto.denormalizerSpec.precompiledCharsmap.length > 0) {
      throw new SentencePieceError(`${source}: denormalizer rules are not supported`);
    }

    this.pieceText = proto.pieces.map((p) => p.piece);
    this.types = proto.pieces.map((p) => p.type);
    this.vocabSize = proto.pieces.length;
    const mergeable = new Map<string, number>();
    const scores = new Float32Array(this.vocabSize);
    const userDefined: string[] = [];
    let unkId = -1;
    proto.pieces.forEach((p, id) => {
      scores[id] = p.score;
      if (p.piece.length === 0) throw new SentencePieceError(`${source}: pieces[${id}] is empty`);
      const target = p.type === 'normal' || p.type === 'user_defined' || p.type === 'unused' ? mergeable : this.reserved;
      if (target.has(p.piece) || (target === mergeable ? this.reserved : mergeable).has(p.piece)) {
        throw new SentencePieceError(`${source}: pieces[${id}] "${p.piece}" is already defined`);
      }
      target.set(p.piece, id);
      if (p.type === 'user_defined') userDefined.push(p.piece);
      if (p.type === 'unknown') {
        if (unkId >= 0) throw new SentencePieceError(`${source}: more than one unknown piece (${unkId}, ${id})`);
        unkId = id;
      }
      if (p.type === 'byte' && !trainerSpec.byteFallback) {
        throw new SentencePieceError(`${source}: pieces[${id}] is a byte piece but byte_fallback is off`);
      }
    });
    if (unkId < 0) throw new SentencePieceError(`${source}: the model has no unknown piece`);
    const reserved = this.reserved;
    const pieceToId = (piece: string): number => reserved.get(piece) ?? mergeable.get(piece) ?? unkId;
    const types = this.types;
    this.vocab = {
      mergeable,
      scores,
      isUnused: (id) => types[id] === 'unused',
      pieceToId,
      charIds: buildCharIds(mergeable),
      pairs: new PairMerges(this.pieceText, mergeable),
    };

    this.byteFallback = trainerSpec.byteFallback;
    this.byteIds = new Int32Array(256);
    for (let b = 0; b < 256; b++) this.byteIds[b] = pieceToId(BYTE_PIECES[b]);

    this.userSymbols = new PrefixMatcher(userDefined);
    try {
      this.normalizer = new Normalizer(normalizerSpec, trainerSpec.treatWhitespaceAsSuffix, this.userSymbols);
    } catch (err) {
      throw new SentencePieceError(`${source}: ${(err as Error).message}`);
    }
    this.stripBosSpace = normalizerSpec.addDummyPrefix || normalizerSpec.removeExtraWhitespaces;

    // Like SentencePieceProcessor::{pad,eos,bos,unk}_id: the id of the named piece if it has the
    // right type, else -1.
    const special = (piece: string, type: PieceType): number => {
      const id = pieceToId(piece);
      return types[id] === type ? id : -1;
    };
    this.specialIds = {
      pad: special(trainerSpec.padPiece, 'control'),
      eos: special(trainerSpec.eosPiece, 'control'),
      bos: special(trainerSpec.bosPiece, 'control'),
      unk: special(trainerSpec.unkPiece, 'unknown'),
    };
  }

  /** Text → ids (no BOS/EOS added, as sentencepiece's encode by default). */
  encode(text: string): number[] {
    return this.segments(text).map(([, id]) => id);
  }

  /** Text → pieces as sentencepiece's encode(out_type=str) returns them. */
  encodeAsPieces(text: string): string[] {
    return this.segments(text).map(([piece]) => piece);
  }

  /** The text BPE sees: normalized per normalizer_spec, spaces as '▁' (for debugging prompts). */
  normalize(text: string): string {
    return this.normalizer.normalize(toWellFormed(text));
  }

  /** Both at once: [piece, id] per token. */
  segments(text: string): Segment[] {
    const normalized = this.normalize(text);
    const out: Segment[] = [];
    for (const [piece, id] of bpeEncode(normalized, this.vocab, this.userSymbols)) {
      const isUnk = this.types[id] === 'unknown';
      if (isUnk && this.byteFallback) {
        for (const b of utf8Bytes(piece)) out.push([BYTE_PIECES[b], this.byteIds[b]]);
      } else if (isUnk && out.length > 0 && this.types[out[out.length - 1][1]] === 'unknown') {
        // Consecutive unknowns become one <unk> covering their text.
        out[out.length - 1][0] += piece;
      } else {
        out.push([piece, id]);
      }
    }
    return out;
  }

  /** Ids → text. Throws RangeError on an id outside [0, vocabSize). */
  decode(ids: readonly number[]): string {
    let text = '';
    let pendingBytes: number[] = [];
    let isBosWs = true; // still expecting the dummy-prefix ▁ to drop
    let bosWsSeen = false;
    const unkSurface = this.proto.trainerSpec.unkSurface;
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
        throw new RangeError(`decode: id ${id} is out of range [0, ${this.vocabSize})`);
      }
      const type = this.types[id];
      if (type === 'byte') {
        pendingBytes.push(pieceToByte(this.pieceText[id]));
        continue;
      }
      if (pendingBytes.length > 0) {
        text += decodeUtf8Lossy(pendingBytes);
        pendingBytes = [];
      }
      if (bosWsSeen || text.length > 0) isBosWs = false;
      bosWsSeen = false;
      if (type === 'control') continue;
      if (type === 'unknown') {
        text += unkSurface;
        continue;
      }
      let piece = this.pieceText[id];
      if (isBosWs && this.stripBosSpace && piece.startsWith(SPACE_SYMBOL)) {
        piece = piece.slice(SPACE_SYMBOL.length);
        // With remove_extra_whitespaces every leading ▁ piece is dropped while the text is empty.
        bosWsSeen = !this.proto.normalizerSpec.removeExtraWhitespaces;
      }
      text += piece.replaceAll(SPACE_SYMBOL, ' ');
    }
    if (pendingBytes.length > 0) text += decodeUtf8Lossy(pendingBytes);
    return text;
  }

  idToPiece(id: number): string {
    this.checkId(id);
    return this.pieceText[id];
  }

  /** Id of a piece's exact text, or undefined if no piece has that text (sentencepiece would say unk). */
  pieceToId(piece: string): number | undefined {
    return this.reserved.get(piece) ?? this.vocab.mergeable.get(piece);
  }

  pieceType(id: number): PieceType {
    this.checkId(id);
    return this.types[id];
  }

  pieceScore(id: number): number {
    this.checkId(id);
    return this.vocab.scores[id];
  }

  /** id → piece text as stored (▁ kept, byte pieces as "<0xXX>"); a fresh copy. */
  pieces(): string[] {
    return this.pieceText.slice();
  }

  /**
   * Each id's text as Needle's constrained decoder sees it (needle/model/constrained.py,
   * build_token_strings): control and unknown pieces '', a byte piece the one character whose code
   * is the byte (NOT UTF-8 decoded), any other piece with '▁' read as ' ' (no leading-space rule).
   * A fresh copy.
   */
  tokenStrings(): string[] {
    return this.pieceText.map((piece, id) => {
      const type = this.types[id];
      if (type === 'control' || type === 'unknown') return '';
      if (type === 'byte') return String.fromCharCode(pieceToByte(piece));
      return piece.replaceAll(SPACE_SYMBOL, ' ');
    });
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(`id ${id} is out of range [0, ${this.vocabSize})`);
    }
  }
}

/** "<0xXX>" for each byte value (upper-case hex, as sentencepiece's ByteToPiece). */
const BYTE_PIECES = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);

function pieceToByte(piece: string): number {
  const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
  if (!m) throw new SentencePieceError(`byte piece "${piece}" is not of the form <0xXX>`);
  return parseInt(m[1], 16);
}
