// The KV cache of one Needle 2 sequence, kept by the engine in its own buffers (the graph outputs only
// the new positions' K/V, export.ts) and bounded to the keys a future query can still see.
//
// A query at q sees key k iff k <= q and (no window, or q − k < window, or k < sinkLen). Every later
// query has q >= P (the positions fed so far), so a non-sink key older than P − window + 1 is never seen
// again and its slot can be reused: the cache holds the sinks [0, sinkLen) in slots 0..sinkLen-1 and the
// non-sink positions in a ring of window − 1 slots after them. Keys are cached after RoPE, so a kept
// key keeps its absolute position; attention does not depend on the order of the keys, only on which
// are visible, so the ring's slot order is free. The bias is built per call over exactly the slots
// fed (unused ones masked) and the new positions. Capacity grows in steps of 64 slots up to the bound
// (min(max_seq_len, sinkLen + window − 1); max_seq_len without a window), so decode cost stops growing
// with the sequence once it is past the window.
//
// Layout (what the graph reads without a Transpose): keys [kv_heads, 1, head_dim, capacity] (key
// transposed), values [kv_heads, 1, capacity, head_dim], one pair per layer.
import * as ort from 'onnxruntime-node';
import { MASKED } from './export.ts';

const GROWTH = 64;

export interface KvCacheShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  maxPositions: number;
}

/** Whether a query at q sees the key at k under `window` (0: plain causal) and `sinkLen`. */
export function visible(q: number, k: number, window: number, sinkLen: number): boolean {
  if (k > q) return false;
  return !window || q - k < window || k < sinkLen;
}

export class Needle2KvCache {
  /** Most slots the cache ever needs. */
  readonly bound: number;
  private readonly ring: number;
  private capacity = 0;
  /** Position held by each slot, -1 when empty. */
  private slotPos = new Int32Array(0);
  private keys: Float32Array[] = [];
  private values: Float32Array[] = [];
  private tensors: Record<string, ort.Tensor> = {};

  constructor(
    readonly shape: KvCacheShape,
    readonly window: number,
    readonly sinkLen: number,
  ) {
    // A ring of at least one slot: with window 1 its one key is never visible, and the bias masks it.
    this.ring = Math.max(1, window - 1);
    this.bound = window ? Math.min(shape.maxPositions, sinkLen + this.ring) : shape.maxPositions;
    this.resize(1); // never a zero-length past: one empty (masked) slot before the first write
  }

  /** Slots fed as past (the capacity, including empty ones). */
  get slots(): number {
    return this.capacity;
  }

  /** The slot position p is written to. */
  slotOf(p: number): number {
    if (!this.window || p < this.sinkLen) return p;
    return this.sinkLen + ((p - this.sinkLen) % this.ring);
  }

  /** past_key_<l>, past_value_<l> over the cache buffers (valid until the next write). */
  feeds(): Record<string, ort.Tensor> {
    return this.tensors;
  }

  /** attn_bias [S, capacity + S] for queries at P..P+S-1: the cached slots, then the new positions. */
  bias(P: number, S: number): Float32Array {
    const C = this.capacity;
    const T = C + S;
    const out = new Float32Array(S * T);
    for (let s = 0; s < S; s++) {
      const q = P + s;
      const row = s * T;
      for (let j = 0; j < C; j++) {
        const k = this.slotPos[j];
        if (k < 0 || !visible(q, k, this.window, this.sinkLen)) out[row + j] = MASKED;
      }
      for (let j = 0; j < S; j++) if (!visible(q, P + j, this.window, this.sinkLen)) out[row + C + j] = MASKED;
    }
    return out;
  }

  /** Writes the graph's new_key_<l>/new_value_<l> ([kv_heads, S, head_dim]) for positions P..P+S-1. */
  write(out: ort.InferenceSession.OnnxValueMapType, P: number, S: number): void {
    const { layers, kvHeads, headDim } = this.shape;
    const used = Math.min(this.bound, P + S);
    if (used > this.capacity) this.resize(Math.min(this.bound, Math.ceil(used / GROWTH) * GROWTH));
    const C = this.capacity;
    // In order, so when a chunk is longer than the ring its last positions are the ones kept.
    const slots = Array.from({ length: S }, (_, s) => this.slotOf(P + s));
    for (let l = 0; l < layers; l++) {
      const nk = out[`new_key_${l}`].data as Float32Array;
      const nv = out[`new_value_${l}`].data as Float32Array;
      const K = this.keys[l];
      const V = this.values[l];
      for (let g = 0; g < kvHeads; g++) {
        for (let s = 0; s < S; s++) {
          const src = (g * S + s) * headDim;
          const slot = slots[s];
          V.set(nv.subarray(src, src + headDim), (g * C + slot) * headDim);
          for (let x = 0; x < headDim; x++) K[(g * headDim + x) * C + slot] = nk[src + x];
        }
      }
    }
    for (let s = 0; s < S; s++) this.slotPos[slots[s]] = P + s;
  }

  /** New buffers of `capacity` slots holding the current slots (rare: every 64 positions up to the bound). */
  private resize(capacity: number): void {
    const { layers, kvHeads, headDim } = this.shape;
    const old = this.capacity;
    const pos = new Int32Array(capacity).fill(-1);
    pos.set(this.slotPos);
    this.slotPos = pos;
    for (let l = 0; l < layers; l++) {
      const K = new Float32Array(kvHeads * headDim * capacity);
      const V = new Float32Array(kvHeads * capacity * headDim);
      if (old) {
        for (let r = 0; r < kvHeads * headDim; r++) K.set(this.keys[l].subarray(r * old, (r + 1) * old), r * capacity);
        for (let g = 0; g < kvHeads; g++) V.set(this.values[l].subarray(g * old * headDim, (g + 1) * old * headDim), g * capacity * headDim);
      }
      this.keys[l] = K;
      this.values[l] = V;
      this.tensors[`past_key_${l}`] = new ort.Tensor('float32', K, [kvHeads, 1, headDim, capacity]);
      this.tensors[`past_value_${l}`] = new ort.Tensor('float32', V, [kvHeads, 1, capacity, headDim]);
    }
    this.capacity = capacity;
  }
}
