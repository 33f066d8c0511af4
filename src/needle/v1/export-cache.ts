// On-disk cache of Needle ONNX exports, keyed by the weights' hash and the export options, so the
// second load of a checkpoint skips weight conversion, quantization and protobuf encoding.
// Layout: <cacheDir>/<key>/{encoder.onnx, decoder.onnx, decoder_step.onnx, export.json}. Files are written under a
// temporary name and renamed, so concurrent runs never read a half-written model.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDecoderGraph, buildDecoderStepGraph, buildEncoderGraph, EXPORT_FORMAT_VERSION, type ExportOptions } from './export.ts';
import { readSanWeights } from './export-weights.ts';
import type { NeedleCheckpoint } from './types.ts';

export const DEFAULT_ONNX_CACHE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.cache/onnx');

export interface CachedExport {
  key: string;
  dir: string;
  encoderPath: string;
  decoderPath: string;
  /** The decoder specialised for one new token (every KV-cached decode step). */
  decoderStepPath: string;
  /** True when both graphs were already on disk. */
  hit: boolean;
  exportMs: number;
}

/** sha256 of the parameters, used when the checkpoint carries no content hash. */
function hashParams(ckpt: NeedleCheckpoint): string {
  const h = createHash('sha256');
  for (const key of [...ckpt.params.keys()].sort()) {
    const t = ckpt.params.get(key)!;
    h.update(`${key}|${t.dtype}|${t.shape.join(',')}|`);
    h.update(t.bytes);
  }
  return h.digest('hex');
}

export function exportKey(ckpt: NeedleCheckpoint, options: ExportOptions): string {
  const weights = ckpt.source.sha256 || hashParams(ckpt);
  const { extra: _extra, ...config } = ckpt.config;
  const payload = JSON.stringify({ format: EXPORT_FORMAT_VERSION, weights, config, options: { ...options } });
  return createHash('sha256').update(payload).digest('hex').slice(0, 32);
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function exportToCache(ckpt: NeedleCheckpoint, options: ExportOptions, cacheDir = DEFAULT_ONNX_CACHE_DIR): CachedExport {
  const started = performance.now();
  const key = exportKey(ckpt, options);
  const dir = join(cacheDir, key);
  const encoderPath = join(dir, 'encoder.onnx');
  const decoderPath = join(dir, 'decoder.onnx');
  const decoderStepPath = join(dir, 'decoder_step.onnx');
  const paths = { key, dir, encoderPath, decoderPath, decoderStepPath };
  if ([encoderPath, decoderPath, decoderStepPath].every((p) => existsSync(p))) {
    return { ...paths, hit: true, exportMs: performance.now() - started };
  }
  mkdirSync(dir, { recursive: true });
  const weights = readSanWeights(ckpt);
  writeAtomic(encoderPath, buildEncoderGraph(weights, options).encode());
  writeAtomic(decoderPath, buildDecoderGraph(weights, options).encode());
  writeAtomic(decoderStepPath, buildDecoderStepGraph(weights, options).encode());
  writeAtomic(
    join(dir, 'export.json'),
    JSON.stringify({ format: EXPORT_FORMAT_VERSION, source: ckpt.source, options, created: new Date().toISOString() }, null, 2),
  );
  return { ...paths, hit: false, exportMs: performance.now() - started };
}
