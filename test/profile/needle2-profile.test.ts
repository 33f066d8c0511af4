// The Needle 2 profiler's bookkeeping on small configs and the tiny fixtures (speed figures themselves
// are measured by `needle-bench profile --model needle-2`, never asserted here), checkpoint detection,
// and the CLI end to end through bin/needle-bench.js.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CactError } from '../../src/needle/v2/cact.ts';
import { resolveNeedle2Config } from '../../src/needle/v2/config.ts';
import { needle2SyntheticPrompt, syntheticNeedle2Checkpoint } from '../../src/needle/v2/synthetic.ts';
import { matrixMarkdown } from '../../src/profile/matrix.ts';
import { runNeedle2Matrix } from '../../src/profile/needle2-matrix.ts';
import { presetOf, profileNeedle2 } from '../../src/profile/needle2-profile.ts';
import { needle2DecodeBytesPerStep, needle2PrefillFlopsPerToken } from '../../src/profile/needle2-roofline.ts';
import { loadProfileCheckpoint } from '../../src/profile/profile-checkpoint.ts';
import { GOLDEN_DIR } from '../helpers/needle-golden.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'needle2-profile-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));
const FIX = resolve(import.meta.dirname, '../fixtures/needle2');
const BIN = resolve(import.meta.dirname, '../../bin/needle-bench.js');
// kv_window 16 so the 24-token prompt runs past the sliding window.
const config = resolveNeedle2Config({ vocab_size: 300, d_model: 64, num_heads: 4, num_kv_heads: 2, num_layers: 3, engram_slots: 64, engram_layers: [0, 2], max_seq_len: 64, kv_window: 16 });
const tiny = syntheticNeedle2Checkpoint(config, 3);
const opts = { threads: 1, promptTokens: 24, genTokens: 6, repetitions: 3, warmups: 1, cacheDir };

describe('needle2 profile', () => {
  it('reports every field: medians inside their spread, CPU time, the roofline share, the export cache', async () => {
    const rates = { gemvGBs: 10, sgemmGflops: 50 };
    const r = await profileNeedle2(tiny, { ...opts, precision: 'int4', kernelRates: rates });
    for (const key of ['prefill_tok_s', 'decode_tok_s', 'ttft_ms', 'decode_step_ms'] as const) {
      const s = r.spread[key];
      expect(s.min).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.max);
      expect(s.min).toBeLessThanOrEqual(s.p10);
      expect(s.p10).toBeLessThanOrEqual(s.p25);
      expect(s.p25).toBeLessThanOrEqual(s.median);
      expect(Math.abs(s.iqr - (s.p75 - s.p25))).toBeLessThanOrEqual(0.002);
      expect(r[key]).toBe(s.median);
      expect(r[key]).toBeGreaterThan(0);
    }
    expect(r.model).toBe('needle-2');
    expect(r.precision).toBe('int4');
    expect(r.config).toEqual({ d_model: 64, heads: 4, kv_heads: 2, layers: 3, vocab: 300, window: 16, max_seq_len: 64, engram_layers: [0, 2], mhc_lanes: 4, preset: null, params: expect.any(Number) });
    expect(r.config.params).toBe([...tiny.params.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0));
    expect([r.prompt_tokens, r.gen_tokens, r.repetitions, r.warmups]).toEqual([24, 6, 3, 1]);
    expect(r.prefill_ms).toBeCloseTo((24 / r.prefill_tok_s) * 1000, 2);
    expect(r.cpu.decode_ms_per_step).toBeGreaterThan(0);
    expect(r.cpu.decode_tok_per_cpu_s).toBe(Math.round(1000 / r.cpu.decode_ms_per_step));
    const roof = r.roofline!;
    // Default: the whole prompt is pinned (sinks 24, window 16), so the mid-run step sees all 27 keys.
    expect(r.sink_len).toBe(24);
    expect(roof.decode_bytes_per_step).toBe(Math.round(needle2DecodeBytesPerStep(config, 'int4', 24 + 3)));
    expect(roof.prefill_flops_per_token).toBe(needle2PrefillFlopsPerToken(config, 24));
    expect(roof.decode_fraction).toBeCloseTo(r.decode_tok_s / roof.decode_tok_s_bound, 3);
    expect(r.export.cache_hit).toBe(false);
    expect(r.peak_rss_mb).toBeGreaterThanOrEqual(r.rss_mb.after_load);
    expect(r.load_average.before).toHaveLength(3);
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    // No sinks: the engine's cache holds the last window − 1 positions and the new one, 16 keys.
    const sliding = await profileNeedle2(tiny, { ...opts, precision: 'int4', repetitions: 1, warmups: 0, sinkLen: 0, kernelRates: rates });
    expect(sliding.sink_len).toBe(0);
    expect(sliding.roofline!.decode_bytes_per_step).toBe(Math.round(needle2DecodeBytesPerStep(config, 'int4', 16)));
    const again = await profileNeedle2(tiny, { ...opts, precision: 'int4', repetitions: 1, warmups: 0 });
    expect(again.export.cache_hit).toBe(true);
    expect(again.export.key).toBe(r.export.key);
    expect(again.roofline).toBeUndefined();
  }, 60_000);

  it('refuses a prompt plus output longer than max_seq_len, naming the flags', async () => {
    await expect(profileNeedle2(tiny, { ...opts, precision: 'fp32', promptTokens: 60, genTokens: 8 })).rejects.toThrow('--prompt-tokens 60 + --gen-tokens 8 exceed the checkpoint\'s max_seq_len 64');
  });

  it('synthetic prompts: BOS, then no control or marker ids, inside the vocabulary', () => {
    const ids = needle2SyntheticPrompt(3000, 300);
    expect(ids[0]).toBe(2);
    expect(Math.min(...ids.slice(1))).toBeGreaterThanOrEqual(14);
    expect(Math.max(...ids)).toBeLessThan(300);
    expect(new Set(ids).size).toBeGreaterThan(200);
  });

  it('names the preset a config has the geometry of', () => {
    expect(presetOf(resolveNeedle2Config({ d_model: 512, num_heads: 8, num_kv_heads: 4, num_layers: 27 }))).toBe('base');
    expect(presetOf(config)).toBeNull();
  });

  it('runs a matrix row per precision × threads × prompt and renders one table line each', async () => {
    const rows = await runNeedle2Matrix(tiny, { prompts: [8, 16], precisions: ['fp32', 'int8'], threads: [1], genTokens: 3, repetitions: 1, warmups: 0, cacheDir });
    expect(rows.map((r) => `${r.precision}/${r.prompt_tokens}`)).toEqual(['fp32/8', 'fp32/16', 'int8/8', 'int8/16']);
    const table = matrixMarkdown(rows).split('\n');
    expect(table.filter((l) => /^\| (fp32|int8) \| 1 \| (8|16) \|/.test(l))).toHaveLength(4);
  }, 60_000);
});

describe('profile checkpoint detection', () => {
  it('tells Needle 2 (.pkl, .cact) from v1 and refuses the wrong --model', async () => {
    expect((await loadProfileCheckpoint(join(FIX, 'needle2-tiny.pkl'))).generation).toBe(2);
    const cact = await loadProfileCheckpoint(join(FIX, 'needle2-tiny.cact'), 2);
    expect(cact.generation).toBe(2);
    expect(cact.checkpoint.source.format).toBe('cact');
    const v1 = join(GOLDEN_DIR, 'checkpoint.p5.np1.pkl');
    expect((await loadProfileCheckpoint(v1)).generation).toBe(1);
    await expect(loadProfileCheckpoint(v1, 2)).rejects.toThrow('a Needle v1 checkpoint, but --model needle-2 was given');
  });

  it('refuses a truncated .cact with its offset and reason', async () => {
    const bad = join(cacheDir, 'cut.cact');
    writeFileSync(bad, readFileSync(join(FIX, 'needle2-tiny.cact')).subarray(0, 100));
    await expect(loadProfileCheckpoint(bad)).rejects.toThrow(CactError);
    await expect(loadProfileCheckpoint(bad)).rejects.toThrow(`${bad}: at byte 0: truncated: the header needs 120 bytes, the file has 100 left`);
  });
});

describe('needle-bench profile for needle-2 (CLI)', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'profile', ...args], { encoding: 'utf8', timeout: 120_000 });
  const small = ['--prompt-tokens', '20', '--gen-tokens', '4', '--reps', '2', '--warmups', '0', '--threads', '1', '--cache-dir', cacheDir];

  it('profiles a .cact given alone, as JSON with every field', () => {
    const out = cli('--checkpoint', join(FIX, 'needle2-tiny.cact'), '--precision', 'int8', '--json', ...small);
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.model).toBe('needle-2');
    expect(r.format).toBe('cact');
    expect(r.precision).toBe('int8');
    expect(r.decode_tok_s).toBeGreaterThan(0);
    for (const key of ['prefill_tok_s', 'ttft_ms', 'decode_step_ms', 'spread', 'cpu', 'export', 'peak_rss_mb', 'load_average', 'machine', 'config']) expect(r).toHaveProperty(key);
  }, 120_000);

  it('--model needle-2 --checkpoint <pkl> prints the markdown table', () => {
    const out = cli('--model', 'needle-2', '--checkpoint', join(FIX, 'needle2-tiny.pkl'), ...small);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^\| fp32 \| 1 \| 20 \|/m);
    expect(out.stdout).toContain('needle2-tiny.pkl');
  }, 120_000);

  it('refuses a corrupt .cact with its reason, and an unknown preset', () => {
    const bad = join(cacheDir, 'bad.cact');
    const bytes = new Uint8Array(readFileSync(join(FIX, 'needle2-tiny.cact')));
    bytes.set([0x58, 0x58, 0x58, 0x58], 0); // magic
    writeFileSync(bad, bytes);
    const out = cli('--checkpoint', bad, ...small);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain(`${bad}: at byte 0:`);
    const preset = cli('--model', 'needle-2', '--synthetic', '--preset', 'huge', ...small);
    expect(preset.status).not.toBe(0);
    expect(preset.stderr).toContain('--preset: expected one of needle|base, got "huge"');
  }, 120_000);
});
