// A .cact file as a Needle 2 checkpoint: the header's geometry as the config, and the positional
// tensors (export._tensors' canon order) mapped back onto the Flax parameter tree — CQ matrices
// dequantized and transposed back from [out, in] to the (in, out) kernels, the mHC phi blocks and
// engram tables reshaped back. So a user's tuned .cact is evaluated with the weights it really ships.
import { readFile } from 'node:fs/promises';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { sha256 } from '../../checkpoint/tree.ts';
import type { Needle2Checkpoint } from './checkpoint.ts';
import { validateNeedle2Params } from './checkpoint.ts';
import { CactError, parseCact, parseTokenizerBlob, type CactFile, type CactTensor, type CactTokenizer } from './cact.ts';
import { ENGRAM_CONV_TAPS, engramGeometry, hadamardWidth, Needle2ConfigError, resolveNeedle2Config, type Needle2Config } from './config.ts';

const LAYER_TENSORS = ['norm_in', 'q_proj', 'k_proj', 'v_proj', 'q_norm', 'k_norm', 'gate_proj', 'out_proj', 'post_norm', 'attn_gate', 'pre_hada', 'd1', 'd2', 'd3'];
const MHC_TENSORS = ['mhc_a_pre', 'mhc_a_post', 'mhc_a_res', 'mhc_b_pre', 'mhc_b_post', 'mhc_b_res', 'mhc_phi_pre', 'mhc_phi_post', 'mhc_phi_res'];
const HEAD_CODES: Record<number, 'contrastive_head' | 'confidence_head'> = { 1: 'contrastive_head', 2: 'confidence_head' };

/** export._tensors' names, in the order the runtime indexes them (without probe heads and tokenizer). */
export function cactCoreNames(layers: number, sites: number): string[] {
  const names = ['embedding'];
  for (let i = 0; i < layers; i++) for (const t of LAYER_TENSORS) names.push(`layer${String(i).padStart(2, '0')}.${t}`);
  names.push(...MHC_TENSORS);
  for (let s = 0; s < sites; s++) names.push(`engram${s}.tables`, `engram${s}.key_proj`, `engram${s}.value_proj`, `engram${s}.taps`);
  names.push('final_norm');
  return names;
}

/** The [out, in] (or plain) shape export._tensors writes for a canonical tensor name. */
function expectedCactShape(name: string, c: Needle2Config): number[] {
  const d = c.d_model;
  const A = c.attn_dim;
  const hd = A / c.num_heads;
  const kv = c.num_kv_heads * hd;
  const L = c.num_layers;
  const n = c.mhc_lanes;
  const eg = engramGeometry(c);
  const N = hadamardWidth(c);
  const layer: Record<string, number[]> = {
    norm_in: [d], q_proj: [A, d], k_proj: [kv, d], v_proj: [kv, d], q_norm: [hd], k_norm: [hd], gate_proj: [A, d],
    out_proj: [d, A], post_norm: [d], attn_gate: [1], pre_hada: [d], d1: [N], d2: [N], d3: [N],
  };
  const engram: Record<string, number[]> = { tables: [eg.tables * c.engram_slots, eg.sub], key_proj: [d, eg.tables * eg.sub], value_proj: [d, eg.tables * eg.sub], taps: [ENGRAM_CONV_TAPS, d] };
  const fixed: Record<string, number[]> = {
    embedding: [c.vocab_size, d], final_norm: [d], mhc_a_pre: [L], mhc_a_post: [L], mhc_a_res: [L], mhc_b_pre: [L, n], mhc_b_post: [L, n],
    mhc_b_res: [L, n, n], mhc_phi_pre: [L * n, n * d], mhc_phi_post: [L * n, n * d], mhc_phi_res: [L * n * n, n * d],
  };
  const m = /^(layer\d+|engram\d+)\.(.+)$/.exec(name);
  if (!m) return fixed[name];
  return (m[1].startsWith('layer') ? layer : engram)[m[2]];
}

export interface CactCheckpoint extends Needle2Checkpoint {
  cact: CactFile;
  /** The tensor names, by position. */
  names: string[];
  tokenizer?: CactTokenizer;
}

function f32(shape: number[], data: Float32Array): Tensor {
  return { dtype: 'float32', shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** [out, in] -> (in, out). */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

function configFromHeader(file: CactFile, where: string, contrastiveDim?: number): Needle2Config {
  const h = file.header;
  const fail = (reason: string): never => {
    throw new CactError(`${where}: header: ${reason}`);
  };
  if (!h.engram_orders.length) fail('no engram orders');
  if (h.num_engram_tables % h.engram_orders.length) fail(`${h.num_engram_tables} engram tables do not split over ${h.engram_orders.length} orders`);
  let config: Needle2Config;
  try {
    config = resolveNeedle2Config({
      vocab_size: h.vocab_size, d_model: h.d_model, attn_dim: h.head_dim * h.num_heads, num_heads: h.num_heads,
      num_kv_heads: h.num_kv_heads, num_layers: h.num_layers, max_seq_len: h.max_seq_len, rope_theta: h.rope_theta,
      mhc_lanes: h.mhc_lanes, engram_slots: h.engram_slots, engram_orders: h.engram_orders, engram_layers: h.engram_layers,
      engram_heads: h.num_engram_tables / h.engram_orders.length, kv_window: h.kvWindow, kv_bits: h.kvBits,
      ...(contrastiveDim ? { contrastive_dim: contrastiveDim } : {}),
    }, `${where}: header`);
  } catch (e) {
    if (e instanceof Needle2ConfigError) throw new CactError(e.message);
    throw e;
  }
  const eg = engramGeometry(config);
  if (eg.sub !== h.engram_sub_dim) fail(`engram_sub_dim ${h.engram_sub_dim}, the geometry implies ${eg.sub}`);
  if (hadamardWidth(config) !== h.hada_n) fail(`hada_n ${h.hada_n}, d_model ${h.d_model} implies ${hadamardWidth(config)}`);
  if (h.engram_conv_taps !== 4) fail(`engram_conv_taps ${h.engram_conv_taps}, the architecture has 4`);
  if (h.engram_conv_dilation !== Math.max(...h.engram_orders)) fail(`engram_conv_dilation ${h.engram_conv_dilation}, max(engram_orders) is ${Math.max(...h.engram_orders)}`);
  return config;
}

/**
 * Turn a parsed .cact into the checkpoint the reference forward (and later the runtime) consumes.
 * Anything that goes wrong mapping it (shapes the header's geometry cannot explain) is a CactError.
 */
export function cactToCheckpoint(file: CactFile, where: string, source: Needle2Checkpoint['source']): CactCheckpoint {
  try {
    return mapCact(file, where, source);
  } catch (e) {
    if (e instanceof CactError) throw e;
    const msg = (e as Error).message.startsWith(where) ? (e as Error).message : `${where}: ${(e as Error).message}`;
    throw new CactError(`${msg} (the directory disagrees with the header's geometry)`);
  }
}

function mapCact(file: CactFile, where: string, source: Needle2Checkpoint['source']): CactCheckpoint {
  const h = file.header;
  const core = cactCoreNames(h.num_layers, h.engram_layers.length);
  const ts = file.tensors;
  const hasTokenizer = ts[ts.length - 1]?.kind === 'raw';
  const extra = ts.length - core.length - (hasTokenizer ? 1 : 0);
  if (extra < 0) throw new CactError(`${where}: ${ts.length} tensors; the header's geometry needs ${core.length}${hasTokenizer ? ' + the tokenizer' : ''}`);
  const names = [...core];
  const heads: Array<'contrastive_head' | 'confidence_head'> = [];
  if (extra > 0) {
    const manifest = ts[core.length];
    if (manifest.kind !== 'float' || (extra - 1) % 3 !== 0 || manifest.data.length !== (extra - 1) / 3) {
      throw new CactError(`${where}: at byte ${manifest.record.at}: ${extra} tensors after final_norm are not a heads.manifest + (probes, proj, bias) triples`);
    }
    names.push('heads.manifest');
    for (const code of manifest.data) {
      const head = HEAD_CODES[code];
      if (!head) throw new CactError(`${where}: at byte ${manifest.record.offset}: unknown probe head code ${code}`);
      heads.push(head);
      names.push(`${head}.probes`, `${head}.proj`, `${head}.bias`);
    }
  }
  if (hasTokenizer) names.push('tokenizer');
  const byName = new Map<string, Extract<CactTensor, { kind: 'float' }>>();
  names.forEach((n, i) => {
    const t = ts[i];
    if (n === 'tokenizer') return;
    if (t.kind !== 'float') throw new CactError(`${where}: at byte ${t.record.at}: tensor ${i} (${n}) is RAW, expected numbers`);
    byName.set(n, t);
  });
  const contrastive = byName.get('contrastive_head.proj');
  const config = configFromHeader(file, where, contrastive?.shape[0]);

  for (const [i, name] of core.entries()) {
    const want = expectedCactShape(name, config);
    const got = ts[i].record.shape;
    if (want.join() !== got.join()) throw new CactError(`${where}: at byte ${ts[i].record.at}: tensor ${i} (${name}) has shape [${got.join(', ')}], the header's geometry implies [${want.join(', ')}]`);
  }

  const params = new Map<string, Tensor>();
  const L = config.num_layers;
  const take = (name: string): Extract<CactTensor, { kind: 'float' }> => byName.get(name) as Extract<CactTensor, { kind: 'float' }>;
  const kernel = (name: string): { data: Float32Array; shape: number[] } => {
    const t = take(name);
    const [rows, cols] = t.shape;
    return { data: transpose(t.data, rows, cols), shape: [cols, rows] };
  };
  /** Stack per-layer tensors on a leading layer axis. */
  const stack = (key: string, per: (i: number) => { data: Float32Array; shape: number[] }): void => {
    const parts = Array.from({ length: L }, (_, i) => per(i));
    const size = parts[0].data.length;
    const all = new Float32Array(L * size);
    parts.forEach((p, i) => all.set(p.data, i * size));
    params.set(key, f32([L, ...parts[0].shape], all));
  };
  const layer = (i: number, t: string): string => `layer${String(i).padStart(2, '0')}.${t}`;
  const plain = (name: string): { data: Float32Array; shape: number[] } => take(name);
  const b = 'stack/layers/block/';
  params.set('embedding/embedding', f32(take('embedding').shape, take('embedding').data));
  stack(`${b}ZCRMSNorm_0/scale`, (i) => plain(layer(i, 'norm_in')));
  for (const p of ['q_proj', 'k_proj', 'v_proj', 'gate_proj', 'out_proj']) stack(`${b}self_attn/${p}/kernel`, (i) => kernel(layer(i, p)));
  stack(`${b}self_attn/q_norm/scale`, (i) => plain(layer(i, 'q_norm')));
  stack(`${b}self_attn/k_norm/scale`, (i) => plain(layer(i, 'k_norm')));
  stack(`${b}post_attn_norm/scale`, (i) => plain(layer(i, 'post_norm')));
  stack(`${b}attn_gate`, (i) => ({ data: take(layer(i, 'attn_gate')).data, shape: [] }));
  stack(`${b}pre_hada_norm/scale`, (i) => plain(layer(i, 'pre_hada')));
  for (const d of ['d1', 'd2', 'd3']) stack(`${b}hadamard_mlp/${d}`, (i) => plain(layer(i, d)));
  for (const m of ['mhc_a_pre', 'mhc_a_post', 'mhc_a_res', 'mhc_b_pre', 'mhc_b_post', 'mhc_b_res']) {
    const t = take(m);
    params.set(`stack/${m}`, f32(t.shape, t.data));
  }
  const n = config.mhc_lanes;
  const nC = n * config.d_model;
  for (const m of ['mhc_phi_pre', 'mhc_phi_post', 'mhc_phi_res']) {
    // stored as phi.transpose(0, 2, 1).reshape(L * lanes, nC): undo to (L, nC, lanes)
    const t = take(m);
    const lanes = t.shape[0] / L;
    const out = new Float32Array(t.data.length);
    for (let l = 0; l < L; l++) for (let j = 0; j < lanes; j++) for (let c = 0; c < nC; c++) out[(l * nC + c) * lanes + j] = t.data[(l * lanes + j) * nC + c];
    params.set(`stack/${m}`, f32([L, nC, lanes], out));
  }
  const eg = engramGeometry(config);
  config.engram_layers.forEach((_, s) => {
    const tables = take(`engram${s}.tables`);
    params.set(`engrams_${s}/embedding`, f32([eg.tables, config.engram_slots, eg.sub], tables.data));
    for (const p of ['key_proj', 'value_proj']) {
      const k = kernel(`engram${s}.${p}`);
      params.set(`engrams_${s}/${p}/kernel`, f32(k.shape, k.data));
    }
    const taps = take(`engram${s}.taps`);
    params.set(`engrams_${s}/taps`, f32(taps.shape, taps.data));
  });
  params.set('stack/final_norm/scale', f32(take('final_norm').shape, take('final_norm').data));
  const warnings: string[] = [];
  for (const head of heads) {
    if (head === 'contrastive_head') {
      warnings.push(`${where}: the contrastive head is exported without log_temp, so it is left out (it does not take part in generation)`);
      continue;
    }
    params.set(`${head}/probes`, f32(take(`${head}.probes`).shape, take(`${head}.probes`).data));
    const k = kernel(`${head}.proj`);
    params.set(`${head}/proj/kernel`, f32(k.shape, k.data));
    params.set(`${head}/proj/bias`, f32(take(`${head}.bias`).shape, take(`${head}.bias`).data));
  }
  // Shapes against the geometry: a directory whose shapes disagree with its header is corrupt.
  const v = validateNeedle2Params(params, config, where);
  warnings.push(...v.warnings);
  const tokenizer = hasTokenizer ? ts[ts.length - 1] : undefined;
  return {
    config, params, groups: v.groups, source, meta: { kv_window: h.kvWindow, kv_bits: h.kvBits }, cact: file, names,
    ...(tokenizer && tokenizer.kind === 'raw' ? { tokenizer: parseTokenizerBlob(tokenizer.bytes, where, tokenizer.record.offset) } : {}),
    ...(warnings.length ? { warnings } : {}),
  };
}

export async function loadCactCheckpoint(path: string): Promise<CactCheckpoint> {
  const bytes = await readFile(path);
  const file = parseCact(bytes, path);
  return cactToCheckpoint(file, path, { path, format: 'cact', sha256: sha256(bytes) });
}


