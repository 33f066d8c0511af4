// The profiler's bookkeeping on a tiny synthetic checkpoint (speed figures themselves are measured by
// `npm run bench:needle`, never asserted in unit tests).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/needle/v1/config.ts';
import { syntheticCheckpoint } from '../../src/needle/v1/synthetic.ts';
import { matrixMarkdown, parseVariant, runMatrix } from '../../src/profile/matrix.ts';
import { profileNeedle, syntheticPrompt } from '../../src/profile/needle-profile.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'needle-profile-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const tiny = syntheticCheckpoint(
  resolveConfig({ vocab_size: 300, d_model: 64, num_heads: 4, num_kv_heads: 2, num_encoder_layers: 2, num_decoder_layers: 2 }),
  3,
);

describe('needle profile', () => {
  it('reports medians inside their spread, consistent derived fields, and the reference scheme ratio', async () => {
    const r = await profileNeedle(tiny, {
      precision: 'fp32',
      threads: 1,
      promptTokens: 24,
      genTokens: 6,
      repetitions: 3,
      warmups: 1,
      cacheDir,
      referenceScheme: { steps: 3, buffer: 32, repetitions: 2 },
    });
    for (const key of ['prefill_tok_s', 'decode_tok_s', 'ttft_ms'] as const) {
      const s = r.spread[key];
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.max);
      expect(Math.abs(s.iqr - (s.p75 - s.p25))).toBeLessThanOrEqual(0.002); // each rounded to 3 decimals
      expect(r[key]).toBe(s.median);
      expect(r[key]).toBeGreaterThan(0);
    }
    expect(r.prompt_tokens).toBe(24);
    expect(r.gen_tokens).toBe(6);
    expect(r.repetitions).toBe(3);
    expect(r.config).toEqual({ d_model: 64, heads: 4, kv_heads: 2, encoder_layers: 2, decoder_layers: 2, vocab: 300 });
    expect(r.reference_scheme!.speedup).toBeCloseTo(r.decode_tok_s / r.reference_scheme!.decode_tok_s, 1);
    expect(r.peak_rss_mb).toBeGreaterThan(0);
    expect(r.load_average.before).toHaveLength(3);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('runs a matrix row per variant × threads × prompt and renders one table line each', async () => {
    const rows = await runMatrix(tiny, {
      prompts: [8, 16],
      variants: [parseVariant('fp32'), parseVariant('int4+ql')],
      threads: [1],
      genTokens: 3,
      repetitions: 1,
      warmups: 0,
      cacheDir,
    });
    expect(rows.map((r) => `${r.precision}/${r.quantize_logits}/${r.prompt_tokens}`)).toEqual(['fp32/false/8', 'fp32/false/16', 'int4/true/8', 'int4/true/16']);
    const table = matrixMarkdown(rows).split('\n');
    expect(table.filter((l) => /^\| (fp32|int4)/.test(l))).toHaveLength(4);
    expect(table.some((l) => l.startsWith('| int4+q-logits | 1 | 16 |'))).toBe(true);
  });

  it('parses precision variants and refuses unknown ones', () => {
    expect(parseVariant('int8+ql')).toEqual({ precision: 'int8', quantizeLogits: true });
    expect(parseVariant(' fp32 ')).toEqual({ precision: 'fp32', quantizeLogits: false });
    expect(() => parseVariant('fp16')).toThrow(/fp16/);
    expect(() => parseVariant('fp32+ql')).toThrow(/fp32\+ql/);
  });

  it('synthetic prompts avoid the special ids and stay in the vocabulary', () => {
    const ids = syntheticPrompt(2000, 300);
    expect(Math.min(...ids)).toBeGreaterThanOrEqual(6);
    expect(Math.max(...ids)).toBeLessThan(300);
  });
});
