// The tokenizer a `.cact` file carries (its last tensor, RAW "tokenizer"), read and run as the
// package's reference encoder/decoder for it does (needle/model/export.py: parse_tokenizer_blob,
// RefTokenizer) — what the engine tokenizes with when a user evaluates a tuned `.cact` alone.
//
// Layout (little-endian): u32 n_pieces, u32 pad, eos, bos, unk ids, u8 add_dummy_prefix,
// u8 byte_fallback, u16 padding; then per piece in id order: f32 score, u8 type (0 normal,
// 1 unknown, 2 control, 3 user-defined, 4 byte), u16 length, that many UTF-8 bytes.
//
// Encoding: spaces become '▁' (and one '▁' is prefixed when add_dummy_prefix), user-defined pieces
// are cut out longest first, each run between them is BPE-merged by piece score (highest first,
// leftmost on ties) over code points, and a symbol left outside the vocabulary becomes its UTF-8
// bytes (byte_fallback) or <unk>. Unlike sentencepiece it never collapses repeated spaces, so
// "a  b" tokenizes differently from the .model file the blob came from. Decoding joins pieces,
// hides control and unknown pieces, maps '▁' to ' ' and drops one leading space.
import { SentencePieceError } from '../../sentencepiece/index.ts';
import type { TokenUnit } from './tokenizer.ts';

export type BlobPieceType = 'normal' | 'unknown' | 'control' | 'user_defined' | 'byte';
const TYPES: BlobPieceType[] = ['normal', 'unknown', 'control', 'user_defined', 'byte'];
const META = '\u2581';
const HEADER_BYTES = 24;

export interface TokenizerBlob {
  pieces: string[];
  scores: Float32Array;
  types: BlobPieceType[];
  pad: number;
  eos: number;
  bos: number;
  unk: number;
  addDummyPrefix: boolean;
  byteFallback: boolean;
}

/** Parses a tokenizer blob; a truncated or malformed one is refused with the offset and reason. */
export function parseTokenizerBlob(bytes: Uint8Array, source = '<tokenizer blob>'): TokenizerBlob {
  const fail = (offset: number, reason: string): never => {
    throw new SentencePieceError(`${source}: tokenizer blob at byte ${offset}: ${reason}`);
  };
  if (bytes.length < HEADER_BYTES) fail(0, `truncated header (${bytes.length} of ${HEADER_BYTES} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const [pad, eos, bos, unk] = [4, 8, 12, 16].map((o) => view.getUint32(o, true));
  const addDummyPrefix = bytes[20] !== 0;
  const byteFallback = bytes[21] !== 0;
  // Each record takes at least 7 bytes: refuse an absurd count before allocating for it.
  if (n === 0 || n > (bytes.length - HEADER_BYTES) / 7) fail(0, `piece count ${n} does not fit in ${bytes.length} bytes`);
  for (const [name, id] of [['pad', pad], ['eos', eos], ['bos', bos], ['unk', unk]] as const) {
    if (id >= n) fail(4, `${name} id ${id} is outside the ${n} pieces`);
  }
  const pieces: string[] = [];
  const scores = new Float32Array(n);
  const types: BlobPieceType[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let off = HEADER_BYTES;
  for (let id = 0; id < n; id++) {
    if (off + 7 > bytes.length) fail(off, `truncated record of piece ${id}`);
    scores[id] = view.getFloat32(off, true);
    const type = TYPES[bytes[off + 4]];
    if (!type) fail(off + 4, `piece ${id} has unknown type ${bytes[off + 4]}`);
    const len = view.getUint16(off + 5, true);
    off += 7;
    if (off + len > bytes.length) fail(off, `piece ${id} text (${len} bytes) runs past the end`);
    let piece = '';
    try {
      piece = utf8.decode(bytes.subarray(off, off + len));
    } catch {
      fail(off, `piece ${id} text is not UTF-8`);
    }
    if (type === 'byte' && !/^<0x[0-9A-Fa-f]{2}>$/.test(piece)) fail(off, `byte piece ${id} is "${piece}", not <0xXX>`);
    pieces.push(piece);
    types.push(type);
    off += len;
  }
  if (off !== bytes.length) fail(off, `${bytes.length - off} bytes after the last piece`);
  return { pieces, scores, types, pad, eos, bos, unk, addDummyPrefix, byteFallback };
}

interface Sym {
  text: string;
  start: number;
  prev: number;
  next: number;
  alive: boolean;
}

export class BlobTokenizer {
  readonly vocabSize: number;
  private readonly p2id = new Map<string, number>();
  private readonly byteIds = new Map<number, number>();
  /** User-defined pieces, longest first (RefTokenizer's order; ties keep id order). */
  private readonly markers: string[];

  constructor(readonly blob: TokenizerBlob) {
    this.vocabSize = blob.pieces.length;
    // As RefTokenizer's dict comprehension: a repeated piece text maps to its last id.
    blob.pieces.forEach((p, id) => {
      this.p2id.set(p, id);
      if (blob.types[id] === 'byte') this.byteIds.set(parseInt(p.slice(3, 5), 16), id);
    });
    this.markers = blob.pieces.filter((_, id) => blob.types[id] === 'user_defined').sort((a, b) => b.length - a.length);
  }

  get specialIds(): { pad: number; eos: number; bos: number; unk: number } {
    const { pad, eos, bos, unk } = this.blob;
    return { pad, eos, bos, unk };
  }

  idToPiece(id: number): string {
    return this.blob.pieces[this.checkId(id)];
  }

  pieceType(id: number): BlobPieceType {
    return this.blob.types[this.checkId(id)];
  }

  pieceToId(piece: string): number | undefined {
    return this.p2id.get(piece);
  }

  encode(text: string): number[] {
    if (!text) return [];
    let esc = text.replaceAll(' ', META);
    if (this.blob.addDummyPrefix) esc = META + esc;
    const ids: number[] = [];
    let buf = '';
    for (let i = 0; i < esc.length; ) {
      const marker = this.markers.find((m) => esc.startsWith(m, i));
      if (marker !== undefined) {
        this.bpe(buf, ids);
        buf = '';
        ids.push(this.p2id.get(marker)!);
        i += marker.length;
      } else {
        const cp = esc.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        buf += ch;
        i += ch.length;
      }
    }
    this.bpe(buf, ids);
    return ids;
  }

  /** Highest-scoring adjacent merge first, leftmost on ties, until none is a piece. */
  private bpe(seg: string, out: number[]): void {
    if (!seg) return;
    const syms: Sym[] = [];
    let start = 0;
    for (const ch of seg) {
      syms.push({ text: ch, start: start++, prev: syms.length - 1, next: syms.length + 1, alive: true });
    }
    syms[syms.length - 1].next = -1;
    // Max-heap of candidate merges (score, then leftmost start), invalidated lazily.
    type Cand = { score: number; left: number; right: number; text: string };
    const heap: Cand[] = [];
    const better = (a: Cand, b: Cand) => a.score > b.score || (a.score === b.score && syms[a.left].start < syms[b.left].start);
    const push = (c: Cand) => {
      heap.push(c);
      for (let i = heap.length - 1; i > 0; ) {
        const p = (i - 1) >> 1;
        if (!better(heap[i], heap[p])) break;
        [heap[i], heap[p]] = [heap[p], heap[i]];
        i = p;
      }
    };
    const pop = (): Cand => {
      const top = heap[0];
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && better(heap[l], heap[m])) m = l;
          if (r < heap.length && better(heap[r], heap[m])) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m], heap[i]];
          i = m;
        }
      }
      return top;
    };
    const consider = (left: number) => {
      const right = syms[left].next;
      if (left < 0 || right < 0) return;
      const text = syms[left].text + syms[right].text;
      const id = this.p2id.get(text);
      if (id !== undefined) push({ score: this.blob.scores[id], left, right, text });
    };
    for (let i = 0; i + 1 < syms.length; i++) consider(i);
    while (heap.length) {
      const c = pop();
      const l = syms[c.left];
      const r = syms[c.right];
      if (!l.alive || !r.alive || l.next !== c.right || l.text + r.text !== c.text) continue;
      l.text = c.text;
      r.alive = false;
      l.next = r.next;
      if (r.next >= 0) syms[r.next].prev = c.left;
      if (l.prev >= 0) consider(l.prev);
      consider(c.left);
    }
    for (let i = 0; i >= 0; i = syms[i].next) {
      const id = this.p2id.get(syms[i].text);
      if (id !== undefined) out.push(id);
      else if (this.blob.byteFallback) for (const b of new TextEncoder().encode(syms[i].text)) out.push(this.byteIds.get(b) ?? this.blob.unk);
      else out.push(this.blob.unk);
    }
  }

  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (const id of ids) {
      const type = this.pieceType(id);
      if (type === 'byte') bytes.push(parseInt(this.blob.pieces[id].slice(3, 5), 16));
      else if (type !== 'control' && type !== 'unknown') bytes.push(...enc.encode(this.blob.pieces[id]));
    }
    const text = new TextDecoder('utf-8').decode(Uint8Array.from(bytes)).replaceAll(META, ' ');
    return this.blob.addDummyPrefix && text.startsWith(' ') ? text.slice(1) : text;
  }

  /** The grammar's view of each id (see tokenizer.ts tokenUnits). */
  tokenUnits(): TokenUnit[] {
    const enc = new TextEncoder();
    return this.blob.pieces.map((piece, id) => {
      const type = this.blob.types[id];
      if (type === 'user_defined') return { kind: 'marker', marker: piece };
      if (type === 'byte') return { kind: 'bytes', bytes: Uint8Array.of(parseInt(piece.slice(3, 5), 16)) };
      if (type === 'normal') return { kind: 'bytes', bytes: enc.encode(piece.replaceAll(META, ' ')) };
      return { kind: 'none' };
    });
  }

  private checkId(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`id ${id} is out of range [0, ${this.vocabSize})`);
    return id;
  }
}
