// Needle 2's parameter tree unpacked for the forward pass: float64 arrays, one per layer where Flax
// stacks them (nn.scan's leading layer axis), kernels kept (in, out) row-major as Flax stores them.
import type { Tensor } from '../../checkpoint/tensor.ts';
import { tensorToFloat32 } from '../../checkpoint/tensor.ts';
import { engramGeometry, hadamardWidth, headDim, type Needle2Config } from './config.ts';

export interface LayerWeights {
  normIn: Float64Array;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  gateProj: Float64Array;
  out: Float64Array;
  qNorm: Float64Array;
  kNorm: Float64Array;
  postNorm: Float64Array;
  attnGate: number;
  preHada: Float64Array;
  d1: Float64Array;
  d2: Float64Array;
  d3: Float64Array;
}

export interface MhcWeights {
  phiPre: Float64Array;
  phiPost: Float64Array;
  phiRes: Float64Array;
  bPre: Float64Array;
  bPost: Float64Array;
  bRes: Float64Array;
  aPre: number;
  aPost: number;
  aRes: number;
}

export interface EngramWeights {
  /** (tables, slots, sub) */
  tables: Float64Array;
  keyProj: Float64Array;
  valueProj: Float64Array;
  /** (taps, d_model) */
  taps: Float64Array;
}

export interface ProbeHead {
  probes: Float64Array;
  kernel: Float64Array;
  bias?: Float64Array;
  outDim: number;
}

export interface Needle2Weights {
  config: Needle2Config;
  embedding: Float64Array;
  layers: LayerWeights[];
  mhc: MhcWeights[];
  engrams: EngramWeights[];
  finalNorm: Float64Array;
  confidence?: ProbeHead;
}

function f64(t: Tensor): Float64Array {
  if (t.dtype === 'float64') {
    const copy = new Uint8Array(t.bytes.length);
    copy.set(t.bytes);
    return new Float64Array(copy.buffer);
  }
  return Float64Array.from(tensorToFloat32(t));
}

/** Unpack a validated parameter map (see checkpoint.ts) into per-layer float64 weights. */
export function unpackWeights(params: Map<string, Tensor>, config: Needle2Config): Needle2Weights {
  const get = (key: string): Float64Array => {
    const t = params.get(key);
    if (!t) throw new Error(`Needle 2 weights: missing parameter ${key}`);
    return f64(t);
  };
  const L = config.num_layers;
  const stacked = (key: string): Float64Array[] => {
    const all = get(key);
    const size = all.length / L;
    return Array.from({ length: L }, (_, l) => all.subarray(l * size, (l + 1) * size));
  };
  const b = 'stack/layers/block/';
  const sa = `${b}self_attn/`;
  const cols = {
    normIn: stacked(`${b}ZCRMSNorm_0/scale`), q: stacked(`${sa}q_proj/kernel`), k: stacked(`${sa}k_proj/kernel`),
    v: stacked(`${sa}v_proj/kernel`), gateProj: stacked(`${sa}gate_proj/kernel`), out: stacked(`${sa}out_proj/kernel`),
    qNorm: stacked(`${sa}q_norm/scale`), kNorm: stacked(`${sa}k_norm/scale`), postNorm: stacked(`${b}post_attn_norm/scale`),
    attnGate: stacked(`${b}attn_gate`), preHada: stacked(`${b}pre_hada_norm/scale`),
    d1: stacked(`${b}hadamard_mlp/d1`), d2: stacked(`${b}hadamard_mlp/d2`), d3: stacked(`${b}hadamard_mlp/d3`),
  };
  const m = {
    phiPre: stacked('stack/mhc_phi_pre'), phiPost: stacked('stack/mhc_phi_post'), phiRes: stacked('stack/mhc_phi_res'),
    bPre: stacked('stack/mhc_b_pre'), bPost: stacked('stack/mhc_b_post'), bRes: stacked('stack/mhc_b_res'),
    aPre: stacked('stack/mhc_a_pre'), aPost: stacked('stack/mhc_a_post'), aRes: stacked('stack/mhc_a_res'),
  };
  const layers: LayerWeights[] = [];
  const mhc: MhcWeights[] = [];
  for (let l = 0; l < L; l++) {
    layers.push({
      normIn: cols.normIn[l], q: cols.q[l], k: cols.k[l], v: cols.v[l], gateProj: cols.gateProj[l], out: cols.out[l],
      qNorm: cols.qNorm[l], kNorm: cols.kNorm[l], postNorm: cols.postNorm[l], attnGate: cols.attnGate[l][0],
      preHada: cols.preHada[l], d1: cols.d1[l], d2: cols.d2[l], d3: cols.d3[l],
    });
    mhc.push({
      phiPre: m.phiPre[l], phiPost: m.phiPost[l], phiRes: m.phiRes[l], bPre: m.bPre[l], bPost: m.bPost[l], bRes: m.bRes[l],
      aPre: m.aPre[l][0], aPost: m.aPost[l][0], aRes: m.aRes[l][0],
    });
  }
  const engrams = config.engram_layers.map((_, s) => ({
    tables: get(`engrams_${s}/embedding`), keyProj: get(`engrams_${s}/key_proj/kernel`),
    valueProj: get(`engrams_${s}/value_proj/kernel`), taps: get(`engrams_${s}/taps`),
  }));
  const w: Needle2Weights = { config, embedding: get('embedding/embedding'), layers, mhc, engrams, finalNorm: get('stack/final_norm/scale') };
  if (params.has('confidence_head/probes')) {
    w.confidence = { probes: get('confidence_head/probes'), kernel: get('confidence_head/proj/kernel'), bias: get('confidence_head/proj/bias'), outDim: 1 };
  }
  // Geometry the forward relies on; a mismatch here means the caller skipped validation.
  const { tables, sub } = engramGeometry(config);
  for (const e of engrams) if (e.tables.length !== tables * config.engram_slots * sub) throw new Error('Needle 2 weights: engram table size does not match the config');
  if (layers[0] && layers[0].d1.length !== hadamardWidth(config)) throw new Error('Needle 2 weights: Hadamard width does not match the config');
  if (layers[0] && layers[0].qNorm.length !== headDim(config)) throw new Error('Needle 2 weights: head_dim does not match the config');
  return w;
}
