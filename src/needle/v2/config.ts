// Needle 2's TransformerConfig (cactus-compute/needle 2.0.8, needle/model/architecture.py) and what it
// implies: head and engram geometry, the KV-budget window, and the Flax parameter tree. A checkpoint's
// config holds `dict(vars(config))`, i.e. only the kwargs it was built with (plus attn_dim and
// engram_layers, which __init__ sets); TransformerConfig(**config) fills the rest from the class
// defaults below and drops unknown keys (kept here in `extra`, for `inspect`).

/** Class defaults of TransformerConfig, field for field. */
export const NEEDLE2_CONFIG_DEFAULTS = {
  vocab_size: 8192,
  d_model: 512,
  attn_dim: 0,
  num_heads: 8,
  num_kv_heads: 4,
  num_layers: 12,
  max_seq_len: 2048,
  pad_token_id: 0,
  contrastive_dim: 128,
  rope_theta: 100000.0,
  dtype: 'bfloat16',
  flash: true,
  engram_orders: [2, 3] as number[],
  engram_heads: 0,
  engram_slots: 8192,
  engram_layers: [2, 15] as number[],
  mhc_lanes: 4,
  kv_window: 0,
  kv_bits: 8,
  act_bits: 8,
  weight_bits: '',
  remat: true,
  scan_unroll: 1,
};

export type Needle2Config = {
  -readonly [K in keyof typeof NEEDLE2_CONFIG_DEFAULTS]: (typeof NEEDLE2_CONFIG_DEFAULTS)[K] extends number[] ? number[] : (typeof NEEDLE2_CONFIG_DEFAULTS)[K] extends string ? string : (typeof NEEDLE2_CONFIG_DEFAULTS)[K] extends boolean ? boolean : number;
} & { extra?: Record<string, unknown> };

type Field = keyof typeof NEEDLE2_CONFIG_DEFAULTS;
const INT_FIELDS: Field[] = ['vocab_size', 'd_model', 'attn_dim', 'num_heads', 'num_kv_heads', 'num_layers', 'max_seq_len', 'pad_token_id', 'contrastive_dim', 'engram_heads', 'engram_slots', 'mhc_lanes', 'kv_window', 'kv_bits', 'act_bits', 'scan_unroll'];
const POSITIVE: Field[] = ['vocab_size', 'd_model', 'num_heads', 'num_kv_heads', 'num_layers', 'max_seq_len', 'engram_slots', 'mhc_lanes'];

/** architecture.PRESETS: the sizes `needle train --preset` passes explicitly. */
export const NEEDLE2_PRESETS = {
  needle: { d_model: 768, num_heads: 12, num_kv_heads: 6, num_layers: 27, engram_layers: [2, 15] },
  base: { d_model: 512, num_heads: 8, num_kv_heads: 4, num_layers: 27, engram_layers: [2, 15] },
} as const;

/** Engram constants (architecture.py). */
export const ENGRAM_SUB_DIM = 128;
export const ENGRAM_CONV_TAPS = 4;
export const ENGRAM_SEED = 0x9e3779b9;
export const ENGRAM_PRIME = 0x01000193;
/** kv_budget_window's constants. */
const KV_BUDGET_BYTES = 11 * 1024 * 1024 + 512 * 1024;
const KV_GROUP = 32;
const KV_WINDOW_MIN = 160;

export class Needle2ConfigError extends Error {
  override name = 'Needle2ConfigError';
}

function show(v: unknown): string {
  try {
    return typeof v === 'bigint' ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

function int(where: string, key: string, v: unknown): number {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Needle2ConfigError(`${where}.${key}: expected a non-negative integer, got ${show(v)}`);
  return n;
}

/** TransformerConfig(**raw): defaults for missing keys, checked types, unknown keys kept in `extra`. */
export function resolveNeedle2Config(raw: Record<string, unknown>, where = 'config'): Needle2Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Needle2ConfigError(`${where}: expected a dict of TransformerConfig fields`);
  const out: Record<string, unknown> = { ...NEEDLE2_CONFIG_DEFAULTS, engram_orders: [2, 3], engram_layers: [2, 15] };
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in NEEDLE2_CONFIG_DEFAULTS)) {
      extra[key] = value;
      continue;
    }
    const f = key as Field;
    const def = NEEDLE2_CONFIG_DEFAULTS[f];
    if (INT_FIELDS.includes(f)) out[key] = int(where, key, value);
    else if (Array.isArray(def)) {
      if (!Array.isArray(value)) throw new Needle2ConfigError(`${where}.${key}: expected a tuple of integers, got ${show(value)}`);
      out[key] = value.map((x, i) => int(where, `${key}[${i}]`, x));
    } else if (typeof def === 'number') {
      const n = typeof value === 'bigint' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new Needle2ConfigError(`${where}.${key}: expected a number, got ${show(value)}`);
      out[key] = n;
    } else if (typeof def === 'string') {
      if (typeof value !== 'string') throw new Needle2ConfigError(`${where}.${key}: expected a string, got ${show(value)}`);
      out[key] = value;
    } else {
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw new Needle2ConfigError(`${where}.${key}: expected a bool, got ${show(value)}`);
      out[key] = Boolean(value);
    }
  }
  const c = out as Needle2Config;
  c.attn_dim = c.attn_dim || c.d_model; // TransformerConfig.__init__
  for (const f of POSITIVE) if ((c[f] as number) < 1) throw new Needle2ConfigError(`${where}.${f}: must be >= 1, got ${c[f]}`);
  if (c.attn_dim % c.num_heads) throw new Needle2ConfigError(`${where}: attn_dim ${c.attn_dim} is not divisible by num_heads ${c.num_heads}`);
  if (c.num_heads % c.num_kv_heads) throw new Needle2ConfigError(`${where}: num_heads ${c.num_heads} is not divisible by num_kv_heads ${c.num_kv_heads}`);
  if (headDim(c) % 2) throw new Needle2ConfigError(`${where}: head_dim ${headDim(c)} must be even (half-split RoPE)`);
  if (!c.engram_orders.length || c.engram_orders.some((o) => o < 1)) throw new Needle2ConfigError(`${where}.engram_orders: expected orders >= 1, got ${show(c.engram_orders)}`);
  const bad = c.engram_layers.find((l) => l >= c.num_layers);
  if (bad !== undefined) throw new Needle2ConfigError(`${where}.engram_layers: layer ${bad} is outside the ${c.num_layers} layers`);
  if (new Set(c.engram_layers).size !== c.engram_layers.length) throw new Needle2ConfigError(`${where}.engram_layers: ${show(c.engram_layers)} names a layer twice (decode.py would use only the first site)`);
  const { sub } = engramGeometry(c);
  if (sub < 1) throw new Needle2ConfigError(`${where}: engram sub_dim is ${sub} (d_model ${c.d_model} / (${c.engram_orders.length} orders × heads))`);
  if (c.pad_token_id >= c.vocab_size) throw new Needle2ConfigError(`${where}.pad_token_id ${c.pad_token_id} is outside the vocabulary (${c.vocab_size})`);
  if (Object.keys(extra).length) c.extra = extra;
  return c;
}

export function headDim(c: Needle2Config): number {
  return (c.attn_dim || c.d_model) / c.num_heads;
}

/** engram_geometry: (orders, heads per order, sub_dim); tables = orders × heads. */
export function engramGeometry(c: Needle2Config): { orders: number[]; heads: number; sub: number; tables: number } {
  const orders = c.engram_orders;
  const heads = c.engram_heads || Math.max(1, Math.floor(c.d_model / (orders.length * ENGRAM_SUB_DIM)));
  return { orders, heads, sub: Math.floor(c.d_model / (orders.length * heads)), tables: orders.length * heads };
}

/** Width of the Hadamard MLP: d_model rounded up to a power of two. */
export function hadamardWidth(c: Needle2Config): number {
  let n = 1;
  while (n < c.d_model) n *= 2;
  return n;
}

/** kv_budget_window: the widest window (a multiple of 32, >= 160) whose int8 KV cache fits 11.5 MiB. */
export function kvBudgetWindow(c: Needle2Config): number {
  const kv = c.num_kv_heads * headDim(c);
  const perPos = c.num_layers * (2 * kv + 2 * Math.floor(kv / KV_GROUP) * 4) + c.engram_layers.length * (c.d_model + Math.floor(c.d_model / KV_GROUP) * 4);
  const window = Math.floor(Math.floor(KV_BUDGET_BYTES / perPos) / KV_GROUP) * KV_GROUP;
  return Math.max(KV_WINDOW_MIN, Math.min(window, c.max_seq_len));
}

/** effective_kv_window: the configured window capped by the budget (the budget alone when 0). */
export function effectiveKvWindow(c: Needle2Config): number {
  const budget = kvBudgetWindow(c);
  return c.kv_window ? Math.min(budget, c.kv_window) : budget;
}

/** Parameter groups: the core the LM forward needs, and the optional heads a checkpoint may carry. */
export type ParamGroup = 'core' | 'mtp' | 'contrastive_head' | 'confidence_head';

function blockShapes(c: Needle2Config, prefix: string, L: number | null): Array<[string, number[]]> {
  const d = c.d_model;
  const a = c.attn_dim || d;
  const hd = headDim(c);
  const kv = c.num_kv_heads * hd;
  const n = hadamardWidth(c);
  const lead = L === null ? [] : [L];
  return [
    [`${prefix}/ZCRMSNorm_0/scale`, [...lead, d]],
    [`${prefix}/attn_gate`, [...lead]],
    [`${prefix}/hadamard_mlp/d1`, [...lead, n]],
    [`${prefix}/hadamard_mlp/d2`, [...lead, n]],
    [`${prefix}/hadamard_mlp/d3`, [...lead, n]],
    [`${prefix}/post_attn_norm/scale`, [...lead, d]],
    [`${prefix}/pre_hada_norm/scale`, [...lead, d]],
    [`${prefix}/self_attn/gate_proj/kernel`, [...lead, d, a]],
    [`${prefix}/self_attn/k_norm/scale`, [...lead, hd]],
    [`${prefix}/self_attn/k_proj/kernel`, [...lead, d, kv]],
    [`${prefix}/self_attn/out_proj/kernel`, [...lead, a, d]],
    [`${prefix}/self_attn/q_norm/scale`, [...lead, hd]],
    [`${prefix}/self_attn/q_proj/kernel`, [...lead, d, a]],
    [`${prefix}/self_attn/v_proj/kernel`, [...lead, d, kv]],
  ];
}

/**
 * Flat "/"-joined Flax parameter paths and shapes, by group, sorted by path. The scanned layers are
 * stacked on a leading layer axis (nn.scan); dense kernels are (in, out). `core` is what the LM
 * forward reads; `mtp` exists in any model.init-ed tree (init runs the MTP branch), the two probe
 * heads only once trained.
 */
export function expectedShapes(c: Needle2Config): Map<string, { shape: number[]; group: ParamGroup }> {
  const d = c.d_model;
  const L = c.num_layers;
  const lanes = c.mhc_lanes;
  const nC = lanes * d;
  const eg = engramGeometry(c);
  const entries: Array<[string, number[], ParamGroup]> = [];
  const add = (group: ParamGroup, list: Array<[string, number[]]>): void => {
    for (const [k, s] of list) entries.push([k, s, group]);
  };
  add('core', [
    ['embedding/embedding', [c.vocab_size, d]],
    ['stack/final_norm/scale', [d]],
    ['stack/mhc_a_post', [L]],
    ['stack/mhc_a_pre', [L]],
    ['stack/mhc_a_res', [L]],
    ['stack/mhc_b_post', [L, lanes]],
    ['stack/mhc_b_pre', [L, lanes]],
    ['stack/mhc_b_res', [L, lanes, lanes]],
    ['stack/mhc_phi_post', [L, nC, lanes]],
    ['stack/mhc_phi_pre', [L, nC, lanes]],
    ['stack/mhc_phi_res', [L, nC, lanes * lanes]],
    ...blockShapes(c, 'stack/layers/block', L),
  ]);
  c.engram_layers.forEach((_, s) => {
    add('core', [
      [`engrams_${s}/embedding`, [eg.tables, c.engram_slots, eg.sub]],
      [`engrams_${s}/key_proj/kernel`, [eg.tables * eg.sub, d]],
      [`engrams_${s}/taps`, [ENGRAM_CONV_TAPS, d]],
      [`engrams_${s}/value_proj/kernel`, [eg.tables * eg.sub, d]],
    ]);
  });
  add('mtp', [
    ['mtp_combine/kernel', [2 * d, d]],
    ['mtp_emb_norm/scale', [d]],
    ['mtp_final_norm/scale', [d]],
    ...blockShapes(c, 'mtp_block', null),
  ]);
  add('contrastive_head', [
    ['contrastive_head/log_temp', []],
    ['contrastive_head/probes', [4, d]],
    ['contrastive_head/proj/kernel', [4 * d, c.contrastive_dim]],
  ]);
  add('confidence_head', [
    ['confidence_head/probes', [8, d]],
    ['confidence_head/proj/bias', [1]],
    ['confidence_head/proj/kernel', [8 * d, 1]],
  ]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(entries.map(([k, shape, group]) => [k, { shape, group }]));
}

/** Parameters implied by a config, counting the groups named (default: all of them). */
export function countParameters(c: Needle2Config, groups: ParamGroup[] = ['core', 'mtp', 'contrastive_head', 'confidence_head']): number {
  let total = 0;
  for (const { shape, group } of expectedShapes(c).values()) if (groups.includes(group)) total += shape.reduce((n, x) => n * x, 1);
  return total;
}
