// Random float16 weights at a config's true shapes, for throughput benchmarks (speed does not depend
// on the values). Init-like scales as in architecture.py: N(0, 0.02) for embeddings and kernels,
// N(0, 0.02/sqrt(2·total_layers)) for out_proj/down_proj, zeros for norms, gates, biases, log_temp.
// Seeded, so two runs produce identical bytes.
import { createHash } from 'node:crypto';
import type { NeedleCheckpoint, NeedleConfig } from './types.ts';
import type { Tensor } from '../../checkpoint/tensor.ts';
import { expectedShapes } from './config.ts';
import { f32ToF16Bits } from '../../checkpoint/half.ts';
import { numel } from '../../checkpoint/tensor.ts';
import { mulberry32 } from '../../util/prng.ts';


function initStd(path: string, config: NeedleConfig): number {
  const leaf = path.split('/');
  const last = leaf[leaf.length - 1];
  if (last === 'scale' || last === 'bias' || last.endsWith('_gate') || path === 'log_temp') return 0;
  if (last === 'lora_A' || last === 'lora_B') return 0; // lora_init is zeros
  const totalLayers = config.num_encoder_layers + config.num_decoder_layers;
  if (path.includes('/out_proj/') || path.includes('/down_proj/')) return 0.02 / Math.sqrt(2 * totalLayers);
  return 0.02;
}

/**
 * 65,536 float16 draws from N(0, std) (Box-Muller). Tensors then sample this table with 16 random
 * bits per element: ~30x faster than a Box-Muller + rounding per weight, and indistinguishable for
 * a throughput benchmark (26M weights in well under a second).
 */
export function normalHalfTable(std: number, next: () => number): Uint16Array {
  const table = new Uint16Array(65536);
  for (let i = 0; i < table.length; i += 2) {
    const u1 = (next() + 1) / 4294967297; // (0, 1)
    const u2 = next() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    table[i] = f32ToF16Bits(r * Math.cos(2 * Math.PI * u2));
    table[i + 1] = f32ToF16Bits(r * Math.sin(2 * Math.PI * u2));
  }
  return table;
}

export function randomHalfTensor(shape: number[], table: Uint16Array | undefined, next: () => number): Tensor {
  const n = numel(shape);
  const bytes = new Uint8Array(n * 2);
  if (table) {
    const halves = new Uint16Array(bytes.buffer); // little-endian hosts (x86/ARM), as everywhere else here
    for (let i = 0; i < n; i += 2) {
      const bits = next();
      halves[i] = table[bits & 0xffff];
      if (i + 1 < n) halves[i + 1] = table[bits >>> 16];
    }
  }
  return { dtype: 'float16', shape: [...shape], bytes };
}

/** A complete, valid checkpoint of random float16 weights; `source.sha256` identifies config+seed. */
export function syntheticCheckpoint(config: NeedleConfig, seed = 0): NeedleCheckpoint {
  const next = mulberry32(seed);
  const tables = new Map<number, Uint16Array>();
  const params = new Map<string, Tensor>();
  for (const [path, shape] of expectedShapes(config)) {
    const std = initStd(path, config);
    if (std !== 0 && !tables.has(std)) tables.set(std, normalHalfTable(std, next));
    params.set(path, randomHalfTensor(shape, std === 0 ? undefined : tables.get(std), next));
  }
  const { extra: _extra, ...fields } = config;
  const id = createHash('sha256').update(JSON.stringify({ synthetic: 1, seed, config: fields })).digest('hex');
  return { config, params, source: { path: `synthetic:seed=${seed}`, format: 'synthetic', sha256: id } };
}
