// Random float16 Needle 2 weights at a config's true shapes, for throughput benchmarks (speed does not
// depend on the values): every leaf of the tree (core, mtp branch, both probe heads) so the parameter
// count is the checkpoint's; N(0, 0.02) everywhere except the norm scales (zeros, as init leaves them).
// Seeded: two runs give identical bytes; `source.sha256` identifies config + seed.
import { createHash } from 'node:crypto';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { normalHalfTable, randomHalfTensor } from '../v1/synthetic.ts';
import { mulberry32 } from '../../util/prng.ts';
import type { Needle2Checkpoint } from './checkpoint.ts';
import { CHAT_MARKERS, FIRST_MARKER_ID, NEEDLE2_SPECIAL_IDS } from './markers.ts';
import { expectedShapes, NEEDLE2_PRESETS, resolveNeedle2Config, type Needle2Config, type ParamGroup } from './config.ts';

/**
 * The configuration `profile --model needle-2 --synthetic` measures: the `base` preset (d_model 512,
 * 8/4 heads, 27 layers, engram layers 2 and 15), 45,211,383 parameters — the released "45M" model
 * (README: 45M, a 14 MB CQ2 binary). The "d_model 768, GQA 12/6" is the `needle` preset,
 * 91.0M parameters; select it with `--preset needle`. kv_window 256 as the README describes.
 */
export const NEEDLE2_RELEASE_PRESET = 'base' as const;
export type Needle2PresetName = keyof typeof NEEDLE2_PRESETS;

export function needle2PresetConfig(preset: Needle2PresetName = NEEDLE2_RELEASE_PRESET, overrides: Record<string, unknown> = {}): Needle2Config {
  const p = NEEDLE2_PRESETS[preset];
  if (!p) throw new Error(`Needle 2 preset "${preset}": expected one of ${Object.keys(NEEDLE2_PRESETS).join(', ')}`);
  return resolveNeedle2Config({ ...p, engram_layers: [...p.engram_layers], kv_window: 256, ...overrides }, `preset ${preset}`);
}

export function syntheticNeedle2Checkpoint(config: Needle2Config, seed = 0): Needle2Checkpoint {
  const next = mulberry32(seed);
  const table = normalHalfTable(0.02, next);
  const params = new Map<string, Tensor>();
  const groups = new Set<ParamGroup>();
  for (const [path, { shape, group }] of expectedShapes(config)) {
    const isScale = path.endsWith('/scale');
    params.set(path, randomHalfTensor(shape, isScale ? undefined : table, next));
    if (group !== 'core') groups.add(group);
  }
  const { extra: _extra, ...fields } = config;
  const id = createHash('sha256').update(JSON.stringify({ synthetic: 'needle2/1', seed, config: fields })).digest('hex');
  return { config, params, groups: [...groups], source: { path: `synthetic:needle-2:seed=${seed}`, format: 'synthetic', sha256: id }, meta: { synthetic: true, seed } };
}

const FIRST_PLAIN_ID = FIRST_MARKER_ID + CHAT_MARKERS.length;

/** BOS, then deterministic ids past the control pieces and chat markers (ids 0..13). */
export function needle2SyntheticPrompt(tokens: number, vocab: number): number[] {
  if (vocab <= FIRST_PLAIN_ID) throw new Error(`Needle 2 synthetic prompt: vocab ${vocab} leaves no ids past the ${FIRST_PLAIN_ID} special ones`);
  return Array.from({ length: tokens }, (_, i) => (i === 0 ? NEEDLE2_SPECIAL_IDS.bos : FIRST_PLAIN_ID + ((i * 7919 + 13) % (vocab - FIRST_PLAIN_ID))));
}
