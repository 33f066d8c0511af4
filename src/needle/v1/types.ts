// Needle v1's checkpoint as the runtime sees it, whatever file it came from (pickle or safetensors).
import type { Tensor } from '../../checkpoint/tensor.ts';
import type { CheckpointSource } from '../../checkpoint/tree.ts';

/** TransformerConfig fields of cactus-compute/needle (defaults applied for missing keys). */
export interface NeedleConfig {
  vocab_size: number;
  d_model: number;
  num_heads: number;
  num_kv_heads: number;
  num_encoder_layers: number;
  num_decoder_layers: number;
  rope_theta: number;
  pad_token_id: number;
  no_feedforward: boolean;
  /** Any other keys found in the checkpoint's config dict, kept for `inspect`. */
  extra?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Flat parameter map keyed by the Flax tree path joined with "/", e.g. "encoder/final_norm/scale". */
export interface NeedleCheckpoint {
  config: NeedleConfig;
  params: Map<string, Tensor>;
  /** Where it came from and its sha256. */
  source: CheckpointSource;
  /** Non-fatal findings of the loader, e.g. parameters the config does not explain (kept, unused). */
  warnings?: string[];
}
