// A plain-TypeScript forward pass of Needle's Simple Attention Network: no ONNX Runtime, no
// cleverness, written straight from the architecture so tests can hold the fast ONNX path against
// it. float32 throughout. Slow by design; use it on tiny configs.
import type { NeedleConfig } from './types.ts';

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}
export type F32Params = Map<string, F32Tensor>;

const ENC = 'encoder/layers/EncoderBlock_0/';
const DEC = 'decoder/layers/DecoderBlock_0/';
const EPS = 1e-6;
/** Additive mask value: finite, so a row whose keys are all masked stays finite (uniform weights). */
const MASKED = -1e9;

function param(params: F32Params, key: string): F32Tensor {
  const t = params.get(key);
  if (!t) throw new Error(`reference forward: missing parameter ${key}`);
  return t;
}

/** The l-th slice of a parameter stacked on a leading layer axis. */
function layer(params: F32Params, key: string, l: number): Float32Array {
  const t = param(params, key);
  const size = t.data.length / t.shape[0];
  return t.data.subarray(l * size, (l + 1) * size);
}

/** ZCRMSNorm over the last axis of width n: (1 + scale) · x / sqrt(mean(x²) + eps). */
function zcrms(x: Float32Array, n: number, scale: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[r * n + i] * x[r * n + i];
    const inv = 1 / Math.sqrt(ss / n + EPS);
    for (let i = 0; i < n; i++) out[r * n + i] = (1 + scale[i]) * x[r * n + i] * inv;
  }
  return out;
}

/** (rows × k) · (k × m) → rows × m, with the kernel stored (in, out) as Flax does. */
function matmul(x: Float32Array, rows: number, k: number, w: Float32Array, m: number): Float32Array {
  const out = new Float32Array(rows * m);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < k; i++) {
      const xv = x[r * k + i];
      if (xv === 0) continue;
      const wo = i * m;
      const oo = r * m;
      for (let j = 0; j < m; j++) out[oo + j] += xv * w[wo + j];
    }
  }
  return out;
}

/** Half-split rotary embedding in place on (T, heads, hd). */
function rope(x: Float32Array, T: number, heads: number, hd: number, theta: number): void {
  const half = hd / 2;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.pow(theta, (-2 * i) / hd);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      for (let h = 0; h < heads; h++) {
        const o = (t * heads + h) * hd;
        const a = x[o + i];
        const b = x[o + i + half];
        x[o + i] = a * c - b * s;
        x[o + i + half] = b * c + a * s;
      }
    }
  }
}

interface AttnSpec {
  prefix: string; // e.g. "encoder/layers/EncoderBlock_0/self_attn/"
  l: number;
  useRope: boolean;
  /** allowed(query, key) */
  allowed: (q: number, k: number) => boolean;
}

function attention(params: F32Params, cfg: NeedleConfig, xq: Float32Array, Tq: number, xkv: Float32Array, Tk: number, spec: AttnSpec): Float32Array {
  const d = cfg.d_model;
  const H = cfg.num_heads;
  const KV = cfg.num_kv_heads;
  const hd = d / H;
  const p = spec.prefix;
  const q = matmul(xq, Tq, d, layer(params, `${p}q_proj/kernel`, spec.l), H * hd);
  const k = matmul(xkv, Tk, d, layer(params, `${p}k_proj/kernel`, spec.l), KV * hd);
  const v = matmul(xkv, Tk, d, layer(params, `${p}v_proj/kernel`, spec.l), KV * hd);
  const qn = zcrms(q, hd, layer(params, `${p}q_norm/scale`, spec.l));
  const kn = zcrms(k, hd, layer(params, `${p}k_norm/scale`, spec.l));
  if (spec.useRope) {
    rope(qn, Tq, H, hd, cfg.rope_theta);
    rope(kn, Tk, KV, hd, cfg.rope_theta);
  }
  const group = H / KV;
  const ctx = new Float32Array(Tq * H * hd);
  const scores = new Float64Array(Tk);
  const scale = 1 / Math.sqrt(hd);
  for (let h = 0; h < H; h++) {
    const kvh = Math.floor(h / group);
    for (let i = 0; i < Tq; i++) {
      let max = -Infinity;
      for (let j = 0; j < Tk; j++) {
        let s = 0;
        for (let c = 0; c < hd; c++) s += qn[(i * H + h) * hd + c] * kn[(j * KV + kvh) * hd + c];
        s = s * scale + (spec.allowed(i, j) ? 0 : MASKED);
        scores[j] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let j = 0; j < Tk; j++) sum += scores[j] = Math.exp(scores[j] - max);
      for (let j = 0; j < Tk; j++) {
        const w = scores[j] / sum;
        for (let c = 0; c < hd; c++) ctx[(i * H + h) * hd + c] += w * v[(j * KV + kvh) * hd + c];
      }
    }
  }
  return matmul(ctx, Tq, H * hd, layer(params, `${p}out_proj/kernel`, spec.l), d);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function gatedAdd(x: Float32Array, gate: number, y: Float32Array): void {
  const g = sigmoid(gate);
  for (let i = 0; i < x.length; i++) x[i] += g * y[i];
}

function embed(params: F32Params, cfg: NeedleConfig, ids: number[]): Float32Array {
  const d = cfg.d_model;
  const table = param(params, 'embedding/embedding').data;
  const out = new Float32Array(ids.length * d);
  const mult = Math.sqrt(d);
  ids.forEach((id, t) => {
    for (let i = 0; i < d; i++) out[t * d + i] = table[id * d + i] * mult;
  });
  return out;
}

/** Encoder over one row of source ids (pads included; they are masked as keys). */
export function referenceEncode(params: F32Params, cfg: NeedleConfig, src: number[]): Float32Array {
  const d = cfg.d_model;
  const T = src.length;
  const x = embed(params, cfg, src);
  const keyOk = (_q: number, k: number) => src[k] !== cfg.pad_token_id;
  for (let l = 0; l < cfg.num_encoder_layers; l++) {
    const n = zcrms(x, d, layer(params, `${ENC}ZCRMSNorm_0/scale`, l));
    const a = attention(params, cfg, n, T, n, T, { prefix: `${ENC}self_attn/`, l, useRope: true, allowed: keyOk });
    gatedAdd(x, layer(params, `${ENC}attn_gate`, l)[0], a);
  }
  return zcrms(x, d, param(params, 'encoder/final_norm/scale').data);
}

/** Decoder logits (T × vocab) for target ids given the encoder output of `src`. */
export function referenceDecode(params: F32Params, cfg: NeedleConfig, src: number[], encoderOut: Float32Array, tgt: number[]): Float32Array {
  const d = cfg.d_model;
  const T = tgt.length;
  const x = embed(params, cfg, tgt);
  const causal = (q: number, k: number) => k <= q;
  const srcOk = (_q: number, k: number) => src[k] !== cfg.pad_token_id;
  for (let l = 0; l < cfg.num_decoder_layers; l++) {
    const n0 = zcrms(x, d, layer(params, `${DEC}ZCRMSNorm_0/scale`, l));
    const s = attention(params, cfg, n0, T, n0, T, { prefix: `${DEC}self_attn/`, l, useRope: true, allowed: causal });
    gatedAdd(x, layer(params, `${DEC}self_attn_gate`, l)[0], s);
    const n1 = zcrms(x, d, layer(params, `${DEC}ZCRMSNorm_1/scale`, l));
    const c = attention(params, cfg, n1, T, encoderOut, src.length, { prefix: `${DEC}cross_attn/`, l, useRope: false, allowed: srcOk });
    gatedAdd(x, layer(params, `${DEC}cross_attn_gate`, l)[0], c);
  }
  const h = zcrms(x, d, param(params, 'decoder/ZCRMSNorm_0/scale').data);
  // Tied output projection: logits = h · embeddingᵀ.
  const table = param(params, 'embedding/embedding').data;
  const V = cfg.vocab_size;
  const logits = new Float32Array(T * V);
  for (let t = 0; t < T; t++) {
    for (let v = 0; v < V; v++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += h[t * d + i] * table[v * d + i];
      logits[t * V + v] = s;
    }
  }
  return logits;
}

/** Greedy decoding as run.py does it (unconstrained): start from [EOS], stop at EOS, at most maxLen-1 tokens. */
export function referenceGreedy(params: F32Params, cfg: NeedleConfig, src: number[], maxLen: number, eos = 1): number[] {
  const enc = referenceEncode(params, cfg, src);
  const tgt = [eos];
  const out: number[] = [];
  const V = cfg.vocab_size;
  while (out.length < maxLen - 1) {
    const logits = referenceDecode(params, cfg, src, enc, tgt);
    const last = logits.subarray((tgt.length - 1) * V, tgt.length * V);
    let best = 0;
    for (let v = 1; v < V; v++) if (last[v] > last[best]) best = v;
    if (best === eos) break;
    out.push(best);
    tgt.push(best);
  }
  return out;
}

/** float32 copies of every parameter of a checkpoint, as the reference forward reads them. */
export function referenceParams(checkpoint: import('./types.ts').NeedleCheckpoint, toF32: (t: import('../../checkpoint/tensor.ts').Tensor) => Float32Array): F32Params {
  const out: F32Params = new Map();
  for (const [k, t] of checkpoint.params) out.set(k, { shape: t.shape, data: toF32(t) });
  return out;
}
