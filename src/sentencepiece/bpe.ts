// SentencePiece's BPE segmentation (bpe_model.cc), on the normalized text as one sequence:
// start from code points (user-defined symbols as frozen single symbols), then repeatedly merge
// the adjacent pair whose concatenation is a vocabulary piece with the highest score (ties: the
// leftmost pair). A binary heap of candidate pairs with lazy invalidation over a doubly linked
// list of symbols makes this O(n log n); finally pieces of type UNUSED are split back into the
// pair they were merged from.
import { ABSENT, PairTable } from './pair-table.ts';
import { PrefixMatcher, codePointLength } from './prefix-matcher.ts';

export interface BpeVocab {
  /** NORMAL, USER_DEFINED and UNUSED pieces: the only ones BPE may produce by merging. */
  mergeable: Map<string, number>;
  scores: Float32Array;
  isUnused: (id: number) => boolean;
  /** Reference PieceToId: reserved (control/unknown/byte) pieces, then mergeable, else unk. */
  pieceToId: (piece: string) => number;
  /** Mergeable id of each single UTF-16 unit, -1 if that character is not a piece. */
  charIds: Int32Array;
  /** (left id, right id) → id of the piece left+right, or -1. */
  pairs: PairMerges;
}

/**
 * Merge lookup by symbol ids, memoized: the first time a pair (a, b) is seen, the reference's
 * string lookup of piece(a)+piece(b) decides, and the answer (a piece id, or -1) is cached, so
 * later probes cost one typed-array hash probe instead of building and hashing a substring.
 * Bounded: the cache is emptied past MAX_CACHED_PAIRS entries.
 */
export class PairMerges {
  private readonly cache = new PairTable();
  private static readonly MAX_CACHED_PAIRS = 1 << 22;

  constructor(
    private readonly pieceText: readonly string[],
    private readonly mergeable: Map<string, number>,
  ) {}

  merged(a: number, b: number): number {
    let id = this.cache.get(a, b);
    if (id === ABSENT) {
      id = this.mergeable.get(this.pieceText[a] + this.pieceText[b]) ?? -1;
      if (this.cache.size >= PairMerges.MAX_CACHED_PAIRS) this.cache.clear();
      this.cache.set(a, b, id);
    }
    return id;
  }
}

/** Mergeable id of each single UTF-16 unit (-1 if that character is not a piece). */
export function buildCharIds(mergeable: Map<string, number>): Int32Array {
  const charIds = new Int32Array(0x10000).fill(-1);
  for (const [piece, id] of mergeable) if (piece.length === 1) charIds[piece.charCodeAt(0)] = id;
  return charIds;
}

/** One segment of the input: its text and id (the unk id for text outside the vocabulary). */
export type Segment = [piece: string, id: number];

/** Max-heap of candidate pairs in growable typed arrays (no per-pair objects). */
class PairHeap {
  private order = new Int32Array(64);
  private count = 0;
  private entries = 0;
  left = new Int32Array(64);
  right = new Int32Array(64);
  score = new Float32Array(64);
  size = new Int32Array(64);

  get length(): number {
    return this.count;
  }

  push(left: number, right: number, score: number, size: number): void {
    if (this.entries === this.left.length) this.growEntries();
    const e = this.entries++;
    this.left[e] = left;
    this.right[e] = right;
    this.score[e] = score;
    this.size[e] = size;
    if (this.count === this.order.length) {
      const bigger = new Int32Array(this.order.length * 2);
      bigger.set(this.order);
      this.order = bigger;
    }
    const order = this.order;
    let i = this.count++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(e, order[p])) break;
      order[i] = order[p];
      i = p;
    }
    order[i] = e;
  }

  pop(): number {
    const order = this.order;
    const score = this.score;
    const left = this.left;
    const top = order[0];
    const n = --this.count;
    const last = order[n];
    if (n > 0) {
      const lastScore = score[last];
      const lastLeft = left[last];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        // Pick the better child (comparison inlined: this loop dominates BPE time).
        let cs = score[order[c]];
        if (c + 1 < n) {
          const rs = score[order[c + 1]];
          if (rs > cs || (rs === cs && left[order[c + 1]] < left[order[c]])) {
            c++;
            cs = rs;
          }
        }
        if (!(cs > lastScore || (cs === lastScore && left[order[c]] < lastLeft))) break;
        order[i] = order[c];
        i = c;
      }
      order[i] = last;
    }
    return top;
  }

  /** Does entry a come out before entry b? Higher score first, then the smaller left index. */
  private before(a: number, b: number): boolean {
    const sa = this.score[a];
    const sb = this.score[b];
    return sa > sb || (sa === sb && this.left[a] < this.left[b]);
  }

  private growEntries(): void {
    const cap = this.left.length * 2;
    const grow = <T extends Int32Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.left = grow(this.left, (n) => new Int32Array(n));
    this.right = grow(this.right, (n) => new Int32Array(n));
    this.score = grow(this.score, (n) => new Float32Array(n));
    this.size = grow(this.size, (n) => new Int32Array(n));
  }
}

export function bpeEncode(normalized: string, vocab: BpeVocab, userSymbols: PrefixMatcher): Segment[] {
  if (normalized.length === 0) return [];
  // Initial symbols: [start, end) spans of the normalized text.
  const cap = normalized.length;
  const start = new Int32Array(cap);
  const end = new Int32Array(cap);
  const frozen = new Uint8Array(cap);
  // Mergeable piece id of each symbol, -1 if its text is not a piece (or is a frozen symbol).
  const ids = new Int32Array(cap);
  let n = 0;
  for (let pos = 0; pos < normalized.length; n++) {
    const sym = userSymbols.empty ? 0 : userSymbols.match(normalized, pos);
    start[n] = pos;
    if (sym > 0) {
      frozen[n] = 1;
      ids[n] = -1;
      pos += sym;
    } else {
      const len = codePointLength(normalized, pos);
      ids[n] = len === 1 ? vocab.charIds[normalized.charCodeAt(pos)] : (vocab.mergeable.get(normalized.substr(pos, 2)) ?? -1);
      pos += len;
    }
    end[n] = pos;
  }
  const mergedId: number[] = [];
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }

  const heap = new PairHeap();
  const revMerge = new Map<string, [string, string]>();
  const maybeAddPair = (l: number, r: number): void => {
    if (l < 0 || r < 0 || frozen[l] || frozen[r]) return;
    const a = ids[l];
    const b = ids[r];
    const id =
      a >= 0 && b >= 0 ? vocab.pairs.merged(a, b) : (vocab.mergeable.get(normalized.slice(start[l], end[r])) ?? -1);
    if (id < 0) return;
    mergedId.push(id); // indexed like the heap's entries
    heap.push(l, r, vocab.scores[id], end[r] - start[l]);
    if (vocab.isUnused(id)) {
      revMerge.set(normalized.slice(start[l], end[r]), [normalized.slice(start[l], end[l]), normalized.slice(start[r], end[r])]);
    }
  };

  for (let i = 1; i < n; i++) maybeAddPair(i - 1, i);

  while (heap.length > 0) {
    const e = heap.pop();
    const l = heap.left[e];
    const r = heap.right[e];
    // Stale: a side was merged away, or grew since this pair was queued.
    if (!alive[l] || !alive[r] || end[l] - start[l] + (end[r] - start[r]) !== heap.size[e]) continue;
    end[l] = end[r];
    ids[l] = mergedId[e];
    alive[r] = 0;
    next[l] = next[r];
    if (next[r] >= 0) prev[next[r]] = l;
    maybeAddPair(prev[l], l);
    maybeAddPair(l, next[l]);
  }

  const out: Segment[] = [];
  const resegment = (w: string): void => {
    const id = vocab.pieceToId(w);
    const split = vocab.isUnused(id) ? revMerge.get(w) : undefined;
    if (!split) {
      out.push([w, id]);
      return;
    }
    resegment(split[0]);
    resegment(split[1]);
  };
  for (let i = 0; i !== -1; i = next[i]) {
    const id = ids[i];
    // A mergeable id is exactly what PieceToId would return (the loader refuses duplicate texts).
    if (id >= 0 && !vocab.isUnused(id)) out.push([normalized.slice(start[i], end[i]), id]);
    else resegment(normalized.slice(start[i], end[i]));
  }
  return out;
}
