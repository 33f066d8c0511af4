// SentencePiece's ModelProto (sentencepiece_model.proto), decoded into plain objects. Only the
// fields that affect encoding/decoding are kept as typed fields; defaults are the proto's.
import {
  ProtobufError,
  fieldBool,
  fieldFloat,
  fieldInt,
  fieldString,
  readFields,
  WIRE_LEN,
  type WireField,
} from './protobuf-reader.ts';

/** SentencePiece.Type numbers as stored in the file. */
export const PieceTypeNumber = {
  normal: 1,
  unknown: 2,
  control: 3,
  user_defined: 4,
  unused: 5,
  byte: 6,
} as const;

export type PieceType = keyof typeof PieceTypeNumber;

const TYPE_BY_NUMBER = new Map<number, PieceType>(
  Object.entries(PieceTypeNumber).map(([name, n]) => [n, name as PieceType]),
);

export interface ModelPiece {
  piece: string;
  score: number;
  type: PieceType;
}

export type ModelType = 'unigram' | 'bpe' | 'word' | 'char';
const MODEL_TYPES: Record<number, ModelType> = { 1: 'unigram', 2: 'bpe', 3: 'word', 4: 'char' };

export interface TrainerSpec {
  modelType: ModelType;
  vocabSize: number;
  byteFallback: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
  /** Text shown for <unk> when decoding. */
  unkSurface: string;
  splitByWhitespace: boolean;
  splitDigits: boolean;
  treatWhitespaceAsSuffix: boolean;
  allowWhitespaceOnlyPieces: boolean;
  userDefinedSymbols: string[];
  controlSymbols: string[];
}

export interface NormalizerSpec {
  name: string;
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

export interface ModelProto {
  pieces: ModelPiece[];
  trainerSpec: TrainerSpec;
  normalizerSpec: NormalizerSpec;
  /** Present only if the model was trained with a denormalization rule (rare). */
  denormalizerSpec?: NormalizerSpec;
}

function defaultTrainerSpec(): TrainerSpec {
  return {
    modelType: 'unigram',
    vocabSize: 8000,
    byteFallback: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    unkPiece: '<unk>',
    bosPiece: '<s>',
    eosPiece: '</s>',
    padPiece: '<pad>',
    unkSurface: ' \u2047 ',
    splitByWhitespace: true,
    splitDigits: false,
    treatWhitespaceAsSuffix: false,
    allowWhitespaceOnlyPieces: false,
    userDefinedSymbols: [],
    controlSymbols: [],
  };
}

function parsePiece(bytes: Uint8Array, base: number, index: number): ModelPiece {
  const what = `pieces[${index}]`;
  const out: ModelPiece = { piece: '', score: 0, type: 'normal' };
  for (const f of readFields(bytes, base, what)) {
    if (f.field === 1) out.piece = fieldString(f, `${what}.piece`);
    else if (f.field === 2) out.score = fieldFloat(f, `${what}.score`);
    else if (f.field === 3) {
      const n = fieldInt(f, `${what}.type`);
      const type = TYPE_BY_NUMBER.get(n);
      if (!type) throw new ProtobufError(`${what}.type: unknown piece type ${n} at byte ${f.offset}`);
      out.type = type;
    }
  }
  return out;
}

function parseTrainerSpec(bytes: Uint8Array, base: number): TrainerSpec {
  const t = defaultTrainerSpec();
  const w = 'trainer_spec';
  for (const f of readFields(bytes, base, w)) {
    switch (f.field) {
      case 3: {
        const n = fieldInt(f, `${w}.model_type`);
        const type = MODEL_TYPES[n];
        if (!type) throw new ProtobufError(`${w}.model_type: unknown value ${n} at byte ${f.offset}`);
        t.modelType = type;
        break;
      }
      case 4: t.vocabSize = fieldInt(f, `${w}.vocab_size`); break;
      case 22: t.splitByWhitespace = fieldBool(f, `${w}.split_by_whitespace`); break;
      case 24: t.treatWhitespaceAsSuffix = fieldBool(f, `${w}.treat_whitespace_as_suffix`); break;
      case 25: t.splitDigits = fieldBool(f, `${w}.split_digits`); break;
      case 26: t.allowWhitespaceOnlyPieces = fieldBool(f, `${w}.allow_whitespace_only_pieces`); break;
      case 30: t.controlSymbols.push(fieldString(f, `${w}.control_symbols`)); break;
      case 31: t.userDefinedSymbols.push(fieldString(f, `${w}.user_defined_symbols`)); break;
      case 35: t.byteFallback = fieldBool(f, `${w}.byte_fallback`); break;
      case 40: t.unkId = fieldInt(f, `${w}.unk_id`); break;
      case 41: t.bosId = fieldInt(f, `${w}.bos_id`); break;
      case 42: t.eosId = fieldInt(f, `${w}.eos_id`); break;
      case 43: t.padId = fieldInt(f, `${w}.pad_id`); break;
      case 44: t.unkSurface = fieldString(f, `${w}.unk_surface`); break;
      case 45: t.unkPiece = fieldString(f, `${w}.unk_piece`); break;
      case 46: t.bosPiece = fieldString(f, `${w}.bos_piece`); break;
      case 47: t.eosPiece = fieldString(f, `${w}.eos_piece`); break;
      case 48: t.padPiece = fieldString(f, `${w}.pad_piece`); break;
      default: break; // training-only options
    }
  }
  return t;
}

function parseNormalizerSpec(bytes: Uint8Array, base: number, w: string): NormalizerSpec {
  const n: NormalizerSpec = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  for (const f of readFields(bytes, base, w)) {
    switch (f.field) {
      case 1: n.name = fieldString(f, `${w}.name`); break;
      case 2: n.precompiledCharsmap = lenBytes(f, `${w}.precompiled_charsmap`); break;
      case 3: n.addDummyPrefix = fieldBool(f, `${w}.add_dummy_prefix`); break;
      case 4: n.removeExtraWhitespaces = fieldBool(f, `${w}.remove_extra_whitespaces`); break;
      case 5: n.escapeWhitespaces = fieldBool(f, `${w}.escape_whitespaces`); break;
      default: break;
    }
  }
  return n;
}

function lenBytes(f: WireField, what: string): Uint8Array {
  if (f.wire !== WIRE_LEN || !f.bytes) throw new ProtobufError(`${what}: expected bytes at byte ${f.offset}`);
  return f.bytes;
}

/** Offset of a sub-message's payload inside the whole buffer, for error messages. */
function payloadOffset(buf: Uint8Array, f: WireField): number {
  return f.bytes ? f.bytes.byteOffset - buf.byteOffset : f.offset;
}

export function parseModelProto(buf: Uint8Array): ModelProto {
  const pieces: ModelPiece[] = [];
  let trainerSpec: TrainerSpec | undefined;
  let normalizerSpec: NormalizerSpec | undefined;
  let denormalizerSpec: NormalizerSpec | undefined;
  for (const f of readFields(buf, 0, 'ModelProto')) {
    if (f.field === 1) pieces.push(parsePiece(lenBytes(f, 'pieces'), payloadOffset(buf, f), pieces.length));
    else if (f.field === 2) trainerSpec = parseTrainerSpec(lenBytes(f, 'trainer_spec'), payloadOffset(buf, f));
    else if (f.field === 3) {
      normalizerSpec = parseNormalizerSpec(lenBytes(f, 'normalizer_spec'), payloadOffset(buf, f), 'normalizer_spec');
    } else if (f.field === 5) {
      denormalizerSpec = parseNormalizerSpec(lenBytes(f, 'denormalizer_spec'), payloadOffset(buf, f), 'denormalizer_spec');
    }
  }
  if (pieces.length === 0) throw new ProtobufError('ModelProto: no pieces (not a SentencePiece model?)');
  return {
    pieces,
    trainerSpec: trainerSpec ?? defaultTrainerSpec(),
    normalizerSpec: normalizerSpec ?? parseNormalizerSpec(new Uint8Array(0), 0, 'normalizer_spec'),
    denormalizerSpec,
  };
}
