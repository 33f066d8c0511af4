// Random float16 weights at a config's true shapes, for throughput benchmarks (speed does not depend
// on the values). Init-like scales as in architecture.py: N(0, 0.02) for embeddings and kernels,
// N(0, 0.02/sqrt(2·total_layers)) for out_proj/down_proj, zeros for norms, gates, biases, log_temp.
// Seeded, so two runs produce identical bytes.
import { createHash } from 'node:crypto';
import type { NeedleCheckpoint, NeedleConfig, Tensor } from './types.ts';
import { expectedShapes } from './config.ts';
import { f32ToF16Bits } from './half.ts';
import { numel } from './tensor.ts';

/** mulberry32: tiny, fast, good enough for weights. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function initStd(path: string, config: NeedleConfig): number {
  const leaf = path.split('/');
  const last = leaf[leaf.length - 1];
  if (last === 'scale' || last === 'bias' || last.endsWith('_gate') || path === 'log_temp') return 0;
  if (last === 'lora_A' || last === 'lora_B') return 0; // lora_init is zeros
  const totalLayers = config.num_encoder_layers + config.num_decoder_layers;
  if (path.includes('/out_proj/') || path.includes('/down_proj/')) return 0.02 / Math.sqrt(2 * totalLayers);
  return 0.02;
}

function randomHalfTensor(shape: number[], std: number, rand: () => number): Tensor {
  const n = numel(shape);
  const bytes = new Uint8Array(n * 2);
  if (std !== 0) {
    for (let i = 0; i < n; i += 2) {
      // Box-Muller: two normals per pair of uniforms.
      const u1 = rand() || 1e-12;
      const r = Math.sqrt(-2 * Math.log(u1)) * std;
      const theta = 2 * Math.PI * rand();
      const h0 = f32ToF16Bits(r * Math.cos(theta));
      bytes[2 * i] = h0 & 0xff;
      bytes[2 * i + 1] = h0 >>> 8;
      if (i + 1 < n) {
        const h1 = f32ToF16Bits(r * Math.sin(theta));
        bytes[2 * i + 2] = h1 & 0xff;
        bytes[2 * i + 3] = h1 >>> 8;
      }
    }
  }
  return { dtype: 'float16', shape: [...shape], bytes };
}

/** A complete, valid checkpoint of random float16 weights; `source.sha256` identifies config+seed. */
export function syntheticCheckpoint(config: NeedleConfig, seed = 0): NeedleCheckpoint {
  const rand = mulberry32(seed);
  const params = new Map<string, Tensor>();
  for (const [path, shape] of expectedShapes(config)) params.set(path, randomHalfTensor(shape, initStd(path, config), rand));
  const { extra: _extra, ...fields } = config;
  const id = createHash('sha256').update(JSON.stringify({ synthetic: 1, seed, config: fields })).digest('hex');
  return { config, params, source: { path: `synthetic:seed=${seed}`, format: 'synthetic', sha256: id } };
}
