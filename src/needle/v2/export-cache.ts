// On-disk cache of Needle 2 ONNX exports, keyed by the weights' identity (file sha256, plus the LoRA
// adapter's when one was merged) and the export options, so the second load skips unpacking, the
// Hadamard folding, quantization and protobuf encoding (~50 s at full size). Layout:
// <cacheDir>/<key>/{decoder.onnx, export.json}; every file is written to a temporary name, synced and
// renamed (src/run/atomic-write.ts), so a concurrent run never reads a half-written model.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomically } from '../../run/atomic-write.ts';
import type { Needle2Checkpoint } from './checkpoint.ts';
import { buildNeedle2Graph, NEEDLE2_EXPORT_FORMAT_VERSION, type Needle2ExportOptions } from './export.ts';
import { unpackWeights } from './weights.ts';

export const DEFAULT_NEEDLE2_CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.cache/onnx-needle2');

export interface Needle2CachedExport {
  key: string;
  dir: string;
  decoderPath: string;
  /** True when the graph was already on disk. */
  hit: boolean;
  exportMs: number;
}

/** What identifies the weights: the file's sha256, and the merged adapter's. */
export function weightsIdentity(ckpt: Needle2Checkpoint): Record<string, unknown> {
  const id: Record<string, unknown> = { format: ckpt.source.format, sha256: ckpt.source.sha256 };
  if (ckpt.meta.lora_sha256 !== undefined) id.lora_sha256 = ckpt.meta.lora_sha256;
  return id;
}

export function needle2ExportKey(ckpt: Needle2Checkpoint, options: Needle2ExportOptions): string {
  if (!ckpt.source.sha256) throw new Error(`${ckpt.source.path}: no content hash, cannot key the export cache`);
  const { extra: _extra, ...config } = ckpt.config;
  const payload = JSON.stringify({ format: NEEDLE2_EXPORT_FORMAT_VERSION, weights: weightsIdentity(ckpt), config, options: { precision: 'fp32', ...options } });
  return createHash('sha256').update(payload).digest('hex').slice(0, 32);
}

export function needle2ExportToCache(ckpt: Needle2Checkpoint, options: Needle2ExportOptions, cacheDir = DEFAULT_NEEDLE2_CACHE_DIR): Needle2CachedExport {
  const started = performance.now();
  const key = needle2ExportKey(ckpt, options);
  const dir = join(cacheDir, key);
  const decoderPath = join(dir, 'decoder.onnx');
  if (existsSync(decoderPath)) return { key, dir, decoderPath, hit: true, exportMs: performance.now() - started };
  mkdirSync(dir, { recursive: true });
  const graph = buildNeedle2Graph(unpackWeights(ckpt.params, ckpt.config), options).encode();
  writeFileAtomically(decoderPath, graph);
  writeFileAtomically(
    join(dir, 'export.json'),
    JSON.stringify({ format: NEEDLE2_EXPORT_FORMAT_VERSION, weights: weightsIdentity(ckpt), source: ckpt.source.path, options, created: new Date().toISOString() }, null, 2),
  );
  return { key, dir, decoderPath, hit: false, exportMs: performance.now() - started };
}
