import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { countParameters, effectiveKvWindow, engramGeometry, expectedShapes, hadamardWidth, kvBudgetWindow, NEEDLE2_CONFIG_DEFAULTS, NEEDLE2_PRESETS, Needle2ConfigError, resolveNeedle2Config } from '../../../src/needle/v2/config.ts';

const fixtures = resolve(import.meta.dirname, '../../fixtures/needle2');
const goldenDecode = JSON.parse(readFileSync(resolve(fixtures, 'golden-decode.json'), 'utf8')) as { config: Record<string, unknown>; effective_kv_window: number };
const goldenCkpt = JSON.parse(readFileSync(resolve(fixtures, 'golden-checkpoint.json'), 'utf8')) as Record<string, { config: Record<string, unknown>; params: Record<string, { shape: number[] }> }>;
const tiny = goldenCkpt['needle2-tiny.pkl'];

describe('Needle 2 TransformerConfig', () => {
  it('fills what a checkpoint leaves out with the class defaults, exactly as the golden resolves it', () => {
    const c = resolveNeedle2Config(tiny.config);
    const { extra, ...fields } = c;
    expect(extra).toBeUndefined();
    expect(fields).toEqual(goldenDecode.config);
  });

  it('missing keys are TransformerConfig defaults, attn_dim set to d_model', () => {
    // TransformerConfig() alone cannot build a model: engram_layers (2, 15) with 12 layers trips
    // SimpleAttentionNetwork.setup's assert; the resolver refuses it the same way.
    expect(() => resolveNeedle2Config({})).toThrow('config.engram_layers: layer 15 is outside the 12 layers');
    const c = resolveNeedle2Config({ num_layers: 16 });
    expect(c.d_model).toBe(NEEDLE2_CONFIG_DEFAULTS.d_model);
    expect(c.attn_dim).toBe(512);
    expect(c.rope_theta).toBe(100000);
    expect(c.engram_layers).toEqual([2, 15]);
    expect(c.num_heads).toBe(8);
    expect(c.mhc_lanes).toBe(4);
  });

  it('keeps unknown keys aside and refuses wrong types and impossible geometry with the field named', () => {
    expect(resolveNeedle2Config({ num_layers: 16, lexicon_layers: [] }).extra).toEqual({ lexicon_layers: [] });
    expect(() => resolveNeedle2Config({ num_layers: 16, d_model: 'x' })).toThrow('config.d_model: expected a non-negative integer');
    expect(() => resolveNeedle2Config({ num_layers: 16, engram_layers: 2 })).toThrow('config.engram_layers: expected a tuple');
    expect(() => resolveNeedle2Config({ num_layers: 4 })).toThrow('engram_layers: layer 15 is outside the 4 layers');
    expect(() => resolveNeedle2Config({ num_layers: 16, num_heads: 7 })).toThrow(Needle2ConfigError);
    expect(() => resolveNeedle2Config({ engram_layers: [1, 1] })).toThrow('names a layer twice');
  });

  it('implies exactly the parameter tree of the real layout (every path and shape of the fixture)', () => {
    const shapes = expectedShapes(resolveNeedle2Config(tiny.config));
    const fixture = Object.fromEntries(Object.entries(tiny.params).map(([k, v]) => [k, v.shape]));
    expect(Object.fromEntries([...shapes].map(([k, v]) => [k, v.shape]))).toEqual(fixture);
  });

  it('geometry: engram heads/sub_dim, Hadamard width, KV-budget window', () => {
    const c = resolveNeedle2Config(tiny.config);
    expect(engramGeometry(c)).toEqual({ orders: [2, 3], heads: 1, sub: 20, tables: 2 });
    expect(hadamardWidth(c)).toBe(64);
    expect(effectiveKvWindow(c)).toBe(goldenDecode.effective_kv_window);
    const needle = resolveNeedle2Config({ ...NEEDLE2_PRESETS.needle });
    expect(engramGeometry(needle)).toMatchObject({ heads: 3, sub: 128, tables: 6 });
    // README of the fixtures: 480 for the 27-layer preset with kv_window 0; the configured window caps it.
    expect(kvBudgetWindow(needle)).toBe(480);
    expect(effectiveKvWindow(resolveNeedle2Config({ ...NEEDLE2_PRESETS.needle, kv_window: 256 }))).toBe(256);
  });

  it('parameter counts of the presets (mtp branch and both probe heads included)', () => {
    // d_model 512 / 8 heads / 27 layers is the 45M model of the README; the "needle" preset
    // (768 / 12 / 27) implies 91M. Counted independently: see docs/needle2.md.
    const base = resolveNeedle2Config({ ...NEEDLE2_PRESETS.base });
    const needle = resolveNeedle2Config({ ...NEEDLE2_PRESETS.needle });
    expect(countParameters(base)).toBe(45_211_383);
    expect(countParameters(needle)).toBe(91_036_151);
    expect(countParameters(base, ['core'])).toBe(45_211_383 - 1_577_089 - (4 * 512 + 4 * 512 * 128 + 1) - (8 * 512 + 8 * 512 + 1));
  });
});
