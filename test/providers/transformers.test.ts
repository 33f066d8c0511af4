// The transformers provider without weights: absent models are "not present" (never a load failure),
// specs and dtypes resolve to the files transformers.js would read.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelRegistry } from '../../src/models/registry.ts';
import { isModelNotPresent } from '../../src/providers/not-present.ts';
import { createProvider } from '../../src/providers/registry.ts';
import { onnxFiles, TransformersProvider } from '../../src/providers/transformers.ts';

const BASELINES = ['functiongemma-270m', 'qwen3-0.6b', 'granite-4.0-350m', 'lfm2.5-350m'];

describe('transformers provider without weights', () => {
  it.each(BASELINES)('%s: registered, parsed by its dialect, and not present in an empty cache', async (id) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'nb-cache-'));
    const p = await createProvider(id, { cacheDir });
    expect(p).toBeInstanceOf(TransformersProvider);
    expect(p.dialect).toBe(modelRegistry().get(id)!.dialect);
    const err = await p.load().catch((e: unknown) => e);
    expect(isModelNotPresent(err)).toBe(true);
    expect(String(err)).toContain(`needle-bench pull ${id}`);
  });

  it('a folder spec borrows prompt settings from a registered id, and lacks files explicitly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-model-'));
    writeFileSync(join(dir, 'config.json'), '{}');
    const p = await createProvider(`transformers:${dir}#qwen3-0.6b`, { cacheDir: dir });
    expect(p.dialect).toBe('hermes');
    const err = await p.load().catch((e: unknown) => e);
    expect(isModelNotPresent(err)).toBe(true);
    expect(String(err)).toMatch(/tokenizer\.json, tokenizer_config\.json, .*onnx\/model_q4\.onnx/);
    await expect(createProvider(`transformers:${dir}`, { cacheDir: dir })).rejects.toThrow(/#<registered id/);
    await expect(createProvider(`transformers:${dir}#nope`, { cacheDir: dir })).rejects.toThrow(/unknown registered model "nope"/);
  });

  it('maps dtypes to the ONNX file names transformers.js loads, with their external-data chunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb-model-'));
    mkdirSync(join(dir, 'onnx'));
    for (const f of ['model_q4.onnx', 'model_q4.onnx_data', 'model_quantized.onnx', 'model.onnx', 'model.onnx_data', 'model.onnx_data_1']) writeFileSync(join(dir, 'onnx', f), '');
    expect(onnxFiles(dir, 'q4')).toEqual({ model: join(dir, 'onnx/model_q4.onnx'), data: [join(dir, 'onnx/model_q4.onnx_data')] });
    expect(onnxFiles(dir, 'q8')).toEqual({ model: join(dir, 'onnx/model_quantized.onnx'), data: [] });
    expect(onnxFiles(dir, 'fp32').data).toHaveLength(2);
    expect(() => onnxFiles(dir, 'q3')).toThrow(/unsupported dtype/);
  });
});
