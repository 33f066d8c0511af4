// A plain-TypeScript float64 forward of Needle 2 (decoder-only Simple Attention Network), written
// from needle/model/architecture.py and decode.py: the spec the ONNX export is held against, and the
// reference of the parity tests. Slow by design; use it on tiny configs.
//
// It runs the way decode.generate_cached runs the model: a KV cache filled by a prefill of the prompt
// and then one token at a time; each query sees the keys at positions <= its own that are within the
// sliding window (q - k < window) or are sinks (the first `sinkLen` positions: the tools prefix);
// window 0 is plain causal. The engram memory reads the token history (never windowed). A prefill of
// a whole sequence is therefore also the full-sequence forward.
import { ENGRAM_CONV_TAPS, ENGRAM_PRIME, ENGRAM_SEED, engramGeometry, hadamardWidth, headDim, type Needle2Config } from './config.ts';
import type { EngramWeights, LayerWeights, MhcWeights, Needle2Weights } from './weights.ts';

const EPS = 1e-6;
const SINKHORN_ITERS = 20;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** ZCRMSNorm over one row: (1 + scale) · x / sqrt(mean(x²) + eps). */
function zcrms(x: Float64Array, scale: Float64Array): Float64Array {
  const n = x.length;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[i] * x[i];
  const inv = 1 / Math.sqrt(ss / n + EPS);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (1 + scale[i]) * x[i] * inv;
  return out;
}

/** _rms_unit: x / sqrt(mean(x²) + eps). */
function rmsUnit(x: Float64Array): Float64Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i] * x[i];
  const inv = 1 / Math.sqrt(ss / x.length + EPS);
  return x.map((v) => v * inv);
}

/** x (k) · W (k × m, row-major as Flax's (in, out) kernel) → m. */
function vecmat(x: Float64Array, w: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < x.length; i++) {
    const xv = x[i];
    if (xv === 0) continue;
    const o = i * m;
    for (let j = 0; j < m; j++) out[j] += xv * w[o + j];
  }
  return out;
}

/** In-place orthonormal Walsh-Hadamard transform (Sylvester order, so it equals `z @ H`). */
function fwht(z: Float64Array): void {
  const n = z.length;
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = z[j];
        const b = z[j + h];
        z[j] = a + b;
        z[j + h] = a - b;
      }
    }
  }
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) z[i] *= s;
}

/** HadamardMLP: (d3 · (silu(d2 · ((d1 · pad(x)) H)) H))[:d]. */
function hadamardMlp(x: Float64Array, lw: LayerWeights, n: number): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < x.length; i++) z[i] = lw.d1[i] * x[i];
  fwht(z);
  for (let i = 0; i < n; i++) {
    const t = lw.d2[i] * z[i];
    z[i] = t * sigmoid(t);
  }
  fwht(z);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = lw.d3[i] * z[i];
  return out;
}

/** _sinkhorn on an n×n matrix of logits: alternate row / column log-normalisation, then exp. */
function sinkhorn(logits: Float64Array, n: number): Float64Array {
  const k = Float64Array.from(logits);
  const lse = (idx: (i: number) => number): number => {
    let m = -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, k[idx(i)]);
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(k[idx(i)] - m);
    return m + Math.log(s);
  };
  for (let it = 0; it < SINKHORN_ITERS; it++) {
    for (let r = 0; r < n; r++) {
      const v = lse((j) => r * n + j);
      for (let j = 0; j < n; j++) k[r * n + j] -= v;
    }
    for (let c = 0; c < n; c++) {
      const v = lse((i) => i * n + c);
      for (let i = 0; i < n; i++) k[i * n + c] -= v;
    }
  }
  return k.map(Math.exp);
}

/** engram_indices for position t of `tokens` (earlier positions past the start read as token 0). */
export function engramIndices(tokens: ArrayLike<number>, t: number, orders: number[], heads: number, slots: number): number[] {
  const idx: number[] = [];
  orders.forEach((order, oi) => {
    for (let h = 0; h < heads; h++) {
      let acc = Math.imul(ENGRAM_SEED, oi * heads + h + 1) >>> 0;
      for (let j = 0; j < order; j++) {
        const tok = t - j >= 0 ? tokens[t - j] >>> 0 : 0;
        acc = Math.imul((acc ^ tok) >>> 0, ENGRAM_PRIME) >>> 0;
      }
      acc = (acc ^ (acc >>> 15)) >>> 0;
      idx.push(acc % slots);
    }
  });
  return idx;
}

export interface DecodeOptions {
  /** KV positions the cache holds (the reference's max_len). */
  maxLen: number;
  /** Sliding-window width (0: plain causal). */
  window?: number;
  /** Positions [0, sinkLen) stay visible to every query (the tools prefix pinned as KV sinks). */
  sinkLen?: number;
}

/**
 * One sequence's decoding state: the KV cache, the token history, and the forward over a chunk of new
 * tokens (decode._forward_cached). prefill() the prompt, then step() one token at a time.
 */
export class Needle2Decoder {
  readonly config: Needle2Config;
  readonly maxLen: number;
  readonly window: number;
  readonly sinkLen: number;
  /** Tokens fed so far. */
  readonly history: number[] = [];
  private readonly kCache: Float64Array[];
  private readonly vCache: Float64Array[];
  private readonly hd: number;
  private readonly kvDim: number;
  private readonly cos: Float64Array[] = [];
  private readonly sin: Float64Array[] = [];
  /** Hidden states (mean over lanes) after the embedding and after each layer, per position, when collecting. */
  collectHidden = false;
  readonly hidden: Float64Array[][] = [];

  constructor(
    readonly weights: Needle2Weights,
    opts: DecodeOptions,
  ) {
    const c = weights.config;
    this.config = c;
    this.maxLen = opts.maxLen;
    this.window = opts.window ?? 0;
    this.sinkLen = opts.sinkLen ?? 0;
    this.hd = headDim(c);
    this.kvDim = c.num_kv_heads * this.hd;
    this.kCache = Array.from({ length: c.num_layers }, () => new Float64Array(this.maxLen * this.kvDim));
    this.vCache = Array.from({ length: c.num_layers }, () => new Float64Array(this.maxLen * this.kvDim));
  }

  get position(): number {
    return this.history.length;
  }

  private rope(p: number): [Float64Array, Float64Array] {
    while (this.cos.length <= p) {
      const t = this.cos.length;
      const half = this.hd / 2;
      const c = new Float64Array(half);
      const s = new Float64Array(half);
      for (let i = 0; i < half; i++) {
        const angle = t / Math.pow(this.config.rope_theta, (2 * i) / this.hd);
        c[i] = Math.cos(angle);
        s[i] = Math.sin(angle);
      }
      this.cos.push(c);
      this.sin.push(s);
    }
    return [this.cos[p], this.sin[p]];
  }

  /** apply_rope (half split) in place on one head vector at absolute position p. */
  private applyRope(x: Float64Array, p: number): void {
    const [c, s] = this.rope(p);
    const half = this.hd / 2;
    for (let i = 0; i < half; i++) {
      const a = x[i];
      const b = x[i + half];
      x[i] = a * c[i] - b * s[i];
      x[i + half] = b * c[i] + a * s[i];
    }
  }

  private visible(q: number, k: number): boolean {
    if (k > q) return false;
    if (!this.window) return true;
    return q - k < this.window || k < this.sinkLen;
  }

  /** Engram (key, value) rows for site s at absolute position t, from the token history. */
  private engramKv(e: EngramWeights, t: number, eCache: Map<number, Float64Array>): [Float64Array, Float64Array] {
    const c = this.config;
    const d = c.d_model;
    const { orders, heads, sub, tables } = engramGeometry(c);
    const dilation = Math.max(...orders);
    const row = (p: number): Float64Array => {
      let cached = eCache.get(p);
      if (cached) return cached;
      const idx = engramIndices(this.history, p, orders, heads, c.engram_slots);
      cached = new Float64Array(tables * sub);
      for (let ti = 0; ti < tables; ti++) {
        const order = orders[Math.floor(ti / heads)];
        if (p - (order - 1) < 0) continue; // ngram_ok: the n-gram reaches before the start
        const base = (ti * c.engram_slots + idx[ti]) * sub;
        cached.set(e.tables.subarray(base, base + sub), ti * sub);
      }
      eCache.set(p, cached);
      return cached;
    };
    const k = vecmat(row(t), e.keyProj, d);
    const v = new Float64Array(d);
    for (let j = 0; j < ENGRAM_CONV_TAPS; j++) {
      const p = t - j * dilation;
      if (p < 0) continue; // tap_ok
      const vp = vecmat(row(p), e.valueProj, d);
      for (let i = 0; i < d; i++) v[i] += e.taps[j * d + i] * vp[i];
    }
    return [k, v];
  }

  private attention(h: Float64Array, lw: LayerWeights, l: number, p: number): Float64Array {
    const c = this.config;
    const H = c.num_heads;
    const KV = c.num_kv_heads;
    const hd = this.hd;
    const A = H * hd;
    const reps = H / KV;
    const q = vecmat(h, lw.q, A);
    const k = vecmat(h, lw.k, this.kvDim);
    const v = vecmat(h, lw.v, this.kvDim);
    for (let g = 0; g < KV; g++) {
      const kh = zcrms(k.subarray(g * hd, (g + 1) * hd), lw.kNorm);
      this.applyRope(kh, p);
      this.kCache[l].set(kh, p * this.kvDim + g * hd);
      this.vCache[l].set(v.subarray(g * hd, (g + 1) * hd), p * this.kvDim + g * hd);
    }
    const out = new Float64Array(A);
    const scale = 1 / Math.sqrt(hd);
    const keys: number[] = [];
    for (let kp = 0; kp <= p; kp++) if (this.visible(p, kp)) keys.push(kp);
    const w = new Float64Array(keys.length);
    for (let head = 0; head < H; head++) {
      const g = Math.floor(head / reps);
      const qh = zcrms(q.subarray(head * hd, (head + 1) * hd), lw.qNorm);
      this.applyRope(qh, p);
      let max = -Infinity;
      keys.forEach((kp, i) => {
        const o = kp * this.kvDim + g * hd;
        let s = 0;
        for (let x = 0; x < hd; x++) s += qh[x] * this.kCache[l][o + x];
        w[i] = s * scale;
        if (w[i] > max) max = w[i];
      });
      let sum = 0;
      for (let i = 0; i < w.length; i++) sum += (w[i] = Math.exp(w[i] - max));
      keys.forEach((kp, i) => {
        const o = kp * this.kvDim + g * hd;
        const a = w[i] / sum;
        for (let x = 0; x < hd; x++) out[head * hd + x] += a * this.vCache[l][o + x];
      });
    }
    const gate = vecmat(h, lw.gateProj, A);
    for (let i = 0; i < A; i++) out[i] *= sigmoid(gate[i]);
    return vecmat(out, lw.out, c.d_model);
  }

  /** Block (decode._block_cached): sandwich-normed gated attention, then the Hadamard MLP, both residual. */
  private block(x: Float64Array, lw: LayerWeights, l: number, p: number): Float64Array {
    const attn = zcrms(this.attention(zcrms(x, lw.normIn), lw, l, p), lw.postNorm);
    const g = sigmoid(lw.attnGate);
    const y = x.map((v, i) => v + g * attn[i]);
    const mlp = hadamardMlp(zcrms(y, lw.preHada), lw, hadamardWidth(this.config));
    for (let i = 0; i < y.length; i++) y[i] += mlp[i];
    return y;
  }

  /** One position through the stack: the mHC lanes around every block; returns the final hidden state. */
  private forwardPosition(token: number, p: number, eCaches: Map<number, Float64Array>[]): Float64Array {
    const c = this.config;
    const d = c.d_model;
    const n = c.mhc_lanes;
    const w = this.weights;
    const x0 = new Float64Array(d);
    const s = Math.sqrt(d);
    for (let i = 0; i < d; i++) x0[i] = w.embedding[token * d + i] * s;
    let lanes: Float64Array[] = Array.from({ length: n }, () => Float64Array.from(x0));
    const hidden: Float64Array[] = this.collectHidden ? [x0] : [];
    for (let l = 0; l < c.num_layers; l++) {
      const m: MhcWeights = w.mhc[l];
      const flat = new Float64Array(n * d);
      lanes.forEach((lane, i) => flat.set(lane, i * d));
      const nx = rmsUnit(flat);
      const active = l % n;
      const pre = vecmat(nx, m.phiPre, n);
      const post = vecmat(nx, m.phiPost, n);
      const res = vecmat(nx, m.phiRes, n * n);
      const u = new Float64Array(d);
      for (let j = 0; j < n; j++) {
        const hp = sigmoid(m.aPre * pre[j] + m.bPre[j] + (j === active ? 4 : -4));
        for (let i = 0; i < d; i++) u[i] += hp * lanes[j][i];
      }
      let bx = u;
      const site = c.engram_layers.indexOf(l);
      if (site >= 0) {
        const [ek, ev] = this.engramKv(w.engrams[site], p, eCaches[site]);
        const ru = rmsUnit(u);
        const rk = rmsUnit(ek);
        let dot = 0;
        for (let i = 0; i < d; i++) dot += ru[i] * rk[i];
        const alpha = sigmoid(dot / Math.sqrt(d));
        bx = u.map((v, i) => v + alpha * ev[i]);
      }
      const out = this.block(bx, w.layers[l], l, p);
      const y = out.map((v, i) => v - u[i]);
      const hres = sinkhorn(res.map((r, i) => m.aRes * r + m.bRes[i]), n);
      const next: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        const hpost = 2 * sigmoid(m.aPost * post[i] + m.bPost[i] + (i === active ? 0 : -4));
        const lane = new Float64Array(d);
        for (let j = 0; j < n; j++) {
          const a = hres[i * n + j];
          for (let e = 0; e < d; e++) lane[e] += a * lanes[j][e];
        }
        for (let e = 0; e < d; e++) lane[e] += hpost * y[e];
        next.push(lane);
      }
      lanes = next;
      if (this.collectHidden) hidden.push(meanOf(lanes));
    }
    if (this.collectHidden) this.hidden.push(hidden);
    return zcrms(meanOf(lanes), w.finalNorm);
  }

  /** Tied output embedding: hidden · embeddingᵀ. */
  logits(h: Float64Array): Float64Array {
    const c = this.config;
    const d = c.d_model;
    const out = new Float64Array(c.vocab_size);
    for (let v = 0; v < c.vocab_size; v++) {
      let s = 0;
      const o = v * d;
      for (let i = 0; i < d; i++) s += h[i] * this.weights.embedding[o + i];
      out[v] = s;
    }
    return out;
  }

  /** Feed tokens (a prompt chunk or one generated token); returns the logits at each new position. */
  feed(tokens: number[]): Float64Array[] {
    if (this.position + tokens.length > this.maxLen) throw new RangeError(`Needle 2 decoder: ${this.position + tokens.length} positions exceed max_len ${this.maxLen}`);
    const V = this.config.vocab_size;
    for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`Needle 2 decoder: token ${t} is outside the vocabulary (${V})`);
    const start = this.position;
    this.history.push(...tokens);
    const eCaches = this.config.engram_layers.map(() => new Map<number, Float64Array>());
    return tokens.map((t, i) => this.logits(this.forwardPosition(t, start + i, eCaches)));
  }

  prefill(tokens: number[]): Float64Array[] {
    return this.feed(tokens);
  }

  step(token: number): Float64Array {
    return this.feed([token])[0];
  }

  /**
   * ConfidenceHead over the cells collected while feeding (set collectHidden before feeding): the
   * embedding and every layer's lane mean at every position, probe-pooled, then Dense(1). As
   * forward_confidence on a sequence without pad tokens, with this decoder's window and sinks.
   */
  confidence(): number {
    const head = this.weights.confidence;
    if (!head) throw new Error('Needle 2: this checkpoint has no confidence head');
    if (!this.collectHidden || this.hidden.length !== this.position) throw new Error('Needle 2: confidence() needs collectHidden set before the first feed');
    const d = this.config.d_model;
    const cells = this.hidden.flat();
    const P = head.probes.length / d;
    const pooled = new Float64Array(P * d);
    for (let k = 0; k < P; k++) {
      const probe = head.probes.subarray(k * d, (k + 1) * d);
      const scores = cells.map((cell) => {
        let s = 0;
        for (let i = 0; i < d; i++) s += cell[i] * probe[i];
        return s / Math.sqrt(d);
      });
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const sum = e.reduce((a, b) => a + b, 0);
      cells.forEach((cell, ci) => {
        for (let i = 0; i < d; i++) pooled[k * d + i] += (e[ci] / sum) * cell[i];
      });
    }
    return vecmat(pooled, head.kernel, 1)[0] + (head.bias ? head.bias[0] : 0);
  }
}

function meanOf(lanes: Float64Array[]): Float64Array {
  const out = new Float64Array(lanes[0].length);
  for (const lane of lanes) for (let i = 0; i < out.length; i++) out[i] += lane[i];
  for (let i = 0; i < out.length; i++) out[i] /= lanes.length;
  return out;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

export interface GreedyOptions {
  maxNewTokens: number;
  eosId: number;
  window?: number;
  sinkLen?: number;
  /** KV positions (default: min(max_seq_len, prompt + maxNewTokens), as generate_cached sizes it). */
  maxLen?: number;
  /** Rewrites the logits before each argmax (a grammar mask); `tokens` are those chosen so far. */
  logitsProcessor?: (logits: Float64Array, tokens: readonly number[]) => void;
}

export interface GreedyResult {
  tokens: number[];
  stop: 'eos' | 'max_len' | 'max_new_tokens';
  maxLen: number;
  prefillLogits: Float64Array[];
  /** Logits after each generated token was fed back (the next token's distribution). */
  stepLogits: Float64Array[];
}

/**
 * Greedy decoding as generate_cached: prompt ids (BOS included) truncated to max_seq_len - 1,
 * prefill, then argmax and feed back until EOS, max_len or maxNewTokens.
 */
export function greedyGenerate(weights: Needle2Weights, promptIds: number[], opts: GreedyOptions): GreedyResult {
  const c = weights.config;
  const prompt = promptIds.slice(0, c.max_seq_len - 1);
  const maxLen = opts.maxLen ?? Math.min(c.max_seq_len, prompt.length + opts.maxNewTokens);
  const dec = new Needle2Decoder(weights, { maxLen, window: opts.window, sinkLen: opts.sinkLen });
  const prefillLogits = dec.prefill(prompt);
  const stepLogits: Float64Array[] = [];
  const tokens: number[] = [];
  const pick = (logits: Float64Array): number => {
    if (!opts.logitsProcessor) return argmax(logits);
    const copy = Float64Array.from(logits);
    opts.logitsProcessor(copy, tokens);
    return argmax(copy);
  };
  let next = pick(prefillLogits[prefillLogits.length - 1]);
  let stop: GreedyResult['stop'] = 'max_new_tokens';
  for (let i = 0; i < opts.maxNewTokens; i++) {
    if (next === opts.eosId) {
      stop = 'eos';
      break;
    }
    if (dec.position >= maxLen) {
      stop = 'max_len';
      break;
    }
    tokens.push(next);
    const logits = dec.step(next);
    stepLogits.push(logits);
    next = pick(logits);
  }
  return { tokens, stop, maxLen, prefillLogits, stepLogits };
}
