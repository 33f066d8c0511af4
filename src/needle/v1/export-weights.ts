// Needle's Flax parameter tree (flat "/"-joined keys, per-layer leaves stacked on a leading layer
// axis) unpacked into per-layer float32 arrays, ready for the ONNX export. Validates every shape
// against the config so a wrong checkpoint fails here, naming the key, not deep inside onnxruntime.
import { FP16_TO_F32, bf16BitsToF32 } from '../../checkpoint/half.ts';
import type { NeedleCheckpoint } from './types.ts';
import type { Tensor } from '../../checkpoint/tensor.ts';

export interface SanDims {
  vocab: number;
  dModel: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  encLayers: number;
  decLayers: number;
  ropeTheta: number;
  padId: number;
}

/** Dense kernels are Flax's (in, out), row-major. Norm scales are the raw ZCRMSNorm parameters. */
export interface AttentionWeights {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  out: Float32Array;
  qNorm: Float32Array;
  kNorm: Float32Array;
}

export interface EncoderLayerWeights {
  norm: Float32Array;
  gate: number;
  attn: AttentionWeights;
}

export interface DecoderLayerWeights {
  selfNorm: Float32Array;
  crossNorm: Float32Array;
  selfGate: number;
  crossGate: number;
  self: AttentionWeights;
  cross: AttentionWeights;
}

export interface SanWeights {
  dims: SanDims;
  /** (vocab, d_model), shared by both embeddings and the tied output layer. */
  embedding: Float32Array;
  encoder: EncoderLayerWeights[];
  encoderFinalNorm: Float32Array;
  decoder: DecoderLayerWeights[];
  decoderFinalNorm: Float32Array;
}

export function sanDims(ckpt: NeedleCheckpoint): SanDims {
  const c = ckpt.config;
  const num = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`needle config: "${key}" must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  const dModel = num('d_model');
  const heads = num('num_heads');
  const kvHeads = num('num_kv_heads');
  if (dModel % heads !== 0) throw new Error(`needle config: d_model ${dModel} is not divisible by num_heads ${heads}`);
  if (heads % kvHeads !== 0) throw new Error(`needle config: num_heads ${heads} is not divisible by num_kv_heads ${kvHeads}`);
  return {
    vocab: num('vocab_size', 8192),
    dModel,
    heads,
    kvHeads,
    headDim: dModel / heads,
    encLayers: num('num_encoder_layers'),
    decLayers: num('num_decoder_layers'),
    ropeTheta: num('rope_theta', 10000),
    padId: num('pad_token_id', 0),
  };
}

export function tensorToF32(t: Tensor, key: string): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out = new Float32Array(n);
  switch (t.dtype) {
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = FP16_TO_F32[view.getUint16(2 * i, true)];
      break;
    case 'bfloat16':
      for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(view.getUint16(2 * i, true));
      break;
    case 'float32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    default:
      throw new Error(`needle checkpoint: "${key}" has dtype ${t.dtype}, expected a float type`);
  }
  return out;
}

class ParamReader {
  constructor(private readonly ckpt: NeedleCheckpoint) {}

  get(key: string, shape: number[]): Float32Array {
    const t = this.ckpt.params.get(key);
    if (!t) throw new Error(`needle checkpoint: missing parameter "${key}"`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new Error(`needle checkpoint: "${key}" has shape (${t.shape}), expected (${shape})`);
    }
    return tensorToF32(t, key);
  }

  /** Layer `l` of a leaf stacked on a leading layer axis. */
  layer(all: Float32Array, layers: number, l: number): Float32Array {
    const per = all.length / layers;
    return all.subarray(l * per, (l + 1) * per);
  }
}

function readAttention(r: ParamReader, prefix: string, layers: number, dims: SanDims): (l: number) => AttentionWeights {
  const { dModel: d, headDim: hd, kvHeads } = dims;
  const kvd = kvHeads * hd;
  const q = r.get(`${prefix}/q_proj/kernel`, [layers, d, d]);
  const k = r.get(`${prefix}/k_proj/kernel`, [layers, d, kvd]);
  const v = r.get(`${prefix}/v_proj/kernel`, [layers, d, kvd]);
  const out = r.get(`${prefix}/out_proj/kernel`, [layers, d, d]);
  const qNorm = r.get(`${prefix}/q_norm/scale`, [layers, hd]);
  const kNorm = r.get(`${prefix}/k_norm/scale`, [layers, hd]);
  return (l) => ({
    q: r.layer(q, layers, l),
    k: r.layer(k, layers, l),
    v: r.layer(v, layers, l),
    out: r.layer(out, layers, l),
    qNorm: r.layer(qNorm, layers, l),
    kNorm: r.layer(kNorm, layers, l),
  });
}

export function readSanWeights(ckpt: NeedleCheckpoint): SanWeights {
  const dims = sanDims(ckpt);
  const r = new ParamReader(ckpt);
  const { dModel: d, encLayers: Le, decLayers: Ld } = dims;
  const enc = 'encoder/layers/EncoderBlock_0';
  const dec = 'decoder/layers/DecoderBlock_0';
  const encAttn = readAttention(r, `${enc}/self_attn`, Le, dims);
  const encNorm = r.get(`${enc}/ZCRMSNorm_0/scale`, [Le, d]);
  const encGate = r.get(`${enc}/attn_gate`, [Le]);
  const selfAttn = readAttention(r, `${dec}/self_attn`, Ld, dims);
  const crossAttn = readAttention(r, `${dec}/cross_attn`, Ld, dims);
  const selfNorm = r.get(`${dec}/ZCRMSNorm_0/scale`, [Ld, d]);
  const crossNorm = r.get(`${dec}/ZCRMSNorm_1/scale`, [Ld, d]);
  const selfGate = r.get(`${dec}/self_attn_gate`, [Ld]);
  const crossGate = r.get(`${dec}/cross_attn_gate`, [Ld]);
  return {
    dims,
    embedding: r.get('embedding/embedding', [dims.vocab, d]),
    encoder: Array.from({ length: Le }, (_, l) => ({ norm: r.layer(encNorm, Le, l), gate: encGate[l], attn: encAttn(l) })),
    encoderFinalNorm: r.get('encoder/final_norm/scale', [d]),
    decoder: Array.from({ length: Ld }, (_, l) => ({
      selfNorm: r.layer(selfNorm, Ld, l),
      crossNorm: r.layer(crossNorm, Ld, l),
      selfGate: selfGate[l],
      crossGate: crossGate[l],
      self: selfAttn(l),
      cross: crossAttn(l),
    })),
    decoderFinalNorm: r.get('decoder/ZCRMSNorm_0/scale', [d]),
  };
}
