// Needle's TransformerConfig (cactus-compute/needle, needle/model/architecture.py) and the parameter
// tree it implies. A checkpoint's config dict may hold only the keys passed at training; Needle
// builds TransformerConfig(**config), so missing keys take the dataclass defaults below and unknown
// keys are dropped. NOTE: the dataclass defaults are a *small* model (d_model 128, 2+2 layers); the
// released 26M model passes its sizes explicitly (see NEEDLE_RELEASE_CONFIG).
import type { NeedleConfig } from './types.ts';

/** Dataclass defaults of TransformerConfig, field for field. */
export const TRANSFORMER_CONFIG_DEFAULTS = {
  vocab_size: 8192,
  d_model: 128,
  num_heads: 4,
  num_kv_heads: 2,
  num_encoder_layers: 2,
  num_decoder_layers: 2,
  d_ff: 512,
  max_seq_len: 128,
  pad_token_id: 0,
  rope_theta: 10000.0,
  dtype: 'bfloat16',
  activation: 'drelu',
  num_memory_slots: 64,
  dropout_rate: 0.1,
  contrastive_dim: 128,
  no_feedforward: true,
  lora_rank: 0,
  lora_alpha: 16,
} as const;

type FieldName = keyof typeof TRANSFORMER_CONFIG_DEFAULTS;
const INT_FIELDS: FieldName[] = [
  'vocab_size', 'd_model', 'num_heads', 'num_kv_heads', 'num_encoder_layers', 'num_decoder_layers',
  'd_ff', 'max_seq_len', 'pad_token_id', 'num_memory_slots', 'contrastive_dim', 'lora_rank', 'lora_alpha',
];
const NUMBER_FIELDS: FieldName[] = ['rope_theta', 'dropout_rate'];
const STRING_FIELDS: FieldName[] = ['dtype', 'activation'];
const BOOL_FIELDS: FieldName[] = ['no_feedforward'];
/** Sizes that must be >= 1 (the rest of the int fields may be 0). */
const POSITIVE_FIELDS: FieldName[] = ['vocab_size', 'd_model', 'num_heads', 'num_kv_heads', 'num_encoder_layers', 'num_decoder_layers', 'contrastive_dim'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** For messages: JSON where possible (bigint and cycles cannot be). */
function show(v: unknown): string {
  try {
    return typeof v === 'bigint' ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    return String(v);
  }
}

function toNumber(where: string, key: string, v: unknown): number {
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw new ConfigError(`${where}.${key}: integer ${v} out of range`);
    return Number(v);
  }
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0; // Python bools are ints
  throw new ConfigError(`${where}.${key}: expected a number, got ${show(v)}`);
}

/**
 * Apply TransformerConfig defaults to a raw config dict (from a pickle or config.json) and check the
 * fields the runtime relies on. Unknown keys are kept in `extra` (for `inspect`) and otherwise ignored.
 */
export function resolveConfig(raw: Record<string, unknown>, where = 'config'): NeedleConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${where}: expected a dict of TransformerConfig fields`);
  const out: Record<string, unknown> = { ...TRANSFORMER_CONFIG_DEFAULTS };
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in TRANSFORMER_CONFIG_DEFAULTS)) {
      extra[key] = value;
      continue;
    }
    const field = key as FieldName;
    if (INT_FIELDS.includes(field)) {
      const n = toNumber(where, key, value);
      if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${where}.${key}: expected a non-negative integer, got ${n}`);
      out[key] = n;
    } else if (NUMBER_FIELDS.includes(field)) {
      out[key] = toNumber(where, key, value);
    } else if (STRING_FIELDS.includes(field)) {
      if (typeof value !== 'string') throw new ConfigError(`${where}.${key}: expected a string, got ${show(value)}`);
      out[key] = value;
    } else if (BOOL_FIELDS.includes(field)) {
      if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw new ConfigError(`${where}.${key}: expected a bool, got ${show(value)}`);
      out[key] = Boolean(value);
    }
  }
  for (const f of POSITIVE_FIELDS) {
    if ((out[f] as number) < 1) throw new ConfigError(`${where}.${f}: must be >= 1, got ${out[f]}`);
  }
  const c = out as unknown as NeedleConfig;
  if (c.d_model % c.num_heads !== 0) throw new ConfigError(`${where}: d_model ${c.d_model} is not divisible by num_heads ${c.num_heads}`);
  if (c.num_heads % c.num_kv_heads !== 0) throw new ConfigError(`${where}: num_heads ${c.num_heads} is not divisible by num_kv_heads ${c.num_kv_heads}`);
  if ((c.d_model / c.num_heads) % 2 !== 0) throw new ConfigError(`${where}: head_dim ${c.d_model / c.num_heads} must be even (half-split RoPE)`);
  if (c.pad_token_id >= c.vocab_size) throw new ConfigError(`${where}.pad_token_id ${c.pad_token_id} is outside the vocabulary (${c.vocab_size})`);
  if (Object.keys(extra).length > 0) c.extra = extra;
  return c;
}

/** The released Needle model (HF Cactus-Compute/needle): 26,315,421 parameters. */
export const NEEDLE_RELEASE_CONFIG: NeedleConfig = resolveConfig({
  vocab_size: 8192,
  d_model: 512,
  num_heads: 8,
  num_kv_heads: 4,
  num_encoder_layers: 12,
  num_decoder_layers: 8,
  rope_theta: 10000.0,
  pad_token_id: 0,
  no_feedforward: true,
});

export function headDim(config: NeedleConfig): number {
  return config.d_model / config.num_heads;
}

/**
 * Flat "/"-joined Flax parameter paths and their shapes, sorted by path (Flax's order). Per-layer
 * leaves are stacked on a leading layer axis (nn.scan); dense kernels are (in, out).
 */
export function expectedShapes(config: NeedleConfig): Map<string, number[]> {
  const d = config.d_model;
  const hd = headDim(config);
  const kv = config.num_kv_heads * hd;
  const dff = config.d_ff as number;
  const rank = (config.lora_rank as number | undefined) ?? 0;
  const shapes = new Map<string, number[]>();
  const dense = (prefix: string, L: number, inDim: number, outDim: number): void => {
    shapes.set(`${prefix}/kernel`, [L, inDim, outDim]);
    if (rank > 0) {
      shapes.set(`${prefix}/lora_A`, [L, inDim, rank]);
      shapes.set(`${prefix}/lora_B`, [L, rank, outDim]);
    }
  };
  const attention = (prefix: string, L: number): void => {
    dense(`${prefix}/q_proj`, L, d, d);
    dense(`${prefix}/k_proj`, L, d, kv);
    dense(`${prefix}/v_proj`, L, d, kv);
    dense(`${prefix}/out_proj`, L, d, d);
    shapes.set(`${prefix}/q_norm/scale`, [L, hd]);
    shapes.set(`${prefix}/k_norm/scale`, [L, hd]);
  };
  const feedForward = (block: string, L: number, normIndex: number): void => {
    if (config.no_feedforward) return;
    shapes.set(`${block}/ffn_gate`, [L]);
    shapes.set(`${block}/ZCRMSNorm_${normIndex}/scale`, [L, d]);
    dense(`${block}/FeedForward_0/gate_proj`, L, d, dff);
    dense(`${block}/FeedForward_0/up_proj`, L, d, dff);
    dense(`${block}/FeedForward_0/down_proj`, L, dff, d);
  };

  shapes.set('embedding/embedding', [config.vocab_size, d]);

  const Le = config.num_encoder_layers;
  const enc = 'encoder/layers/EncoderBlock_0';
  shapes.set(`${enc}/attn_gate`, [Le]);
  shapes.set(`${enc}/ZCRMSNorm_0/scale`, [Le, d]);
  attention(`${enc}/self_attn`, Le);
  feedForward(enc, Le, 1);
  shapes.set('encoder/final_norm/scale', [d]);

  const Ld = config.num_decoder_layers;
  const dec = 'decoder/layers/DecoderBlock_0';
  shapes.set(`${dec}/self_attn_gate`, [Ld]);
  shapes.set(`${dec}/cross_attn_gate`, [Ld]);
  shapes.set(`${dec}/ZCRMSNorm_0/scale`, [Ld, d]);
  shapes.set(`${dec}/ZCRMSNorm_1/scale`, [Ld, d]);
  attention(`${dec}/self_attn`, Ld);
  attention(`${dec}/cross_attn`, Ld);
  feedForward(dec, Ld, 2);
  shapes.set('decoder/ZCRMSNorm_0/scale', [d]);

  const hidden = Math.floor(d / 4);
  shapes.set('contrastive_hidden/kernel', [d, hidden]);
  shapes.set('contrastive_hidden/bias', [hidden]);
  shapes.set('contrastive_proj/kernel', [hidden, config.contrastive_dim as number]);
  shapes.set('log_temp', []);

  return new Map([...shapes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Total parameter count implied by a config. */
export function countParameters(config: NeedleConfig): number {
  let total = 0;
  for (const shape of expectedShapes(config).values()) total += shape.reduce((n, dim) => n * dim, 1);
  return total;
}
