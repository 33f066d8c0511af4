// SentencePiece's BPE segmentation (bpe_model.cc), on the normalized text as one sequence:
// start from code points (user-defined symbols as frozen single symbols), then repeatedly merge
// the adjacent pair whose concatenation is a vocabulary piece with the highest score (ties: the
// leftmost pair). A binary heap of candidate pairs with lazy invalidation over a doubly linked
// list of symbols makes this O(n log n); finally pieces of type UNUSED are split back into the
// pair they were merged from.
import { PrefixMatcher, codePointLength } from './prefix-matcher.ts';

export interface BpeVocab {
  /** NORMAL, USER_DEFINED and UNUSED pieces: the only ones BPE may produce by merging. */
  mergeable: Map<string, number>;
  scores: Float32Array;
  isUnused: (id: number) => boolean;
  /** Reference PieceToId: reserved (control/unknown/byte) pieces, then mergeable, else unk. */
  pieceToId: (piece: string) => number;
}

/** One segment of the input: its text and id (the unk id for text outside the vocabulary). */
export type Segment = [piece: string, id: number];

/** Max-heap of candidate pairs stored in parallel arrays (no per-pair objects). */
class PairHeap {
  private order: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly score: number[] = [];
  readonly size: number[] = [];

  get length(): number {
    return this.order.length;
  }

  push(left: number, right: number, score: number, size: number): void {
    const e = this.left.length;
    this.left.push(left);
    this.right.push(right);
    this.score.push(score);
    this.size.push(size);
    const order = this.order;
    let i = order.length;
    order.push(e);
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
    const top = order[0];
    const last = order.pop()!;
    const n = order.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.before(order[r], order[l]) ? r : l;
        if (!this.before(order[c], last)) break;
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
}

export function bpeEncode(normalized: string, vocab: BpeVocab, userSymbols: PrefixMatcher): Segment[] {
  if (normalized.length === 0) return [];
  // Initial symbols: [start, end) spans of the normalized text.
  const start: number[] = [];
  const end: number[] = [];
  const frozen: boolean[] = [];
  for (let pos = 0; pos < normalized.length; ) {
    const sym = userSymbols.match(normalized, pos);
    const len = sym > 0 ? sym : codePointLength(normalized, pos);
    start.push(pos);
    end.push(pos + len);
    frozen.push(sym > 0);
    pos += len;
  }
  const n = start.length;
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
    const piece = normalized.slice(start[l], end[r]);
    const id = vocab.mergeable.get(piece);
    if (id === undefined) return;
    heap.push(l, r, vocab.scores[id], end[r] - start[l]);
    if (vocab.isUnused(id)) {
      revMerge.set(piece, [normalized.slice(start[l], end[l]), normalized.slice(start[r], end[r])]);
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
  for (let i = 0; i !== -1; i = next[i]) resegment(normalized.slice(start[i], end[i]));
  return out;
}
