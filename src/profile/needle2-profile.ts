// Throughput profile of Needle 2 in onnxruntime-node, with v1's measurement discipline
// (needle-profile.ts): a deterministic synthetic prompt, one prefill, a fixed number of forced decode
// steps (EOS ignored, so every repetition does the same work), warm-ups, repetitions, medians and
// spread, process CPU time per phase, and the machine state (load average, peak RSS).
//
// Definitions: prefill_tok_s = prompt_tokens / prefill wall time (one graph run over the prompt);
// ttft_ms = prefill + the argmax of its last position (Needle 2 is decoder-only: the prefill already
// yields the first token); decode_tok_s = gen_tokens / wall time of gen_tokens decode steps (feed the
// previous token through the KV-cached graph, argmax its logits). The attention window of the
// checkpoint applies (the .cact header's, else effective_kv_window) and the whole prompt is pinned as
// KV sinks by default, as a real prompt's tools are (`sinkLen: 0` lets the window slide over it).
import { cpus, loadavg } from 'node:os';
import { argmax } from '../needle/v1/engine.ts';
import { needle2ParameterCount, type Needle2Checkpoint } from '../needle/v2/checkpoint.ts';
import { NEEDLE2_PRESETS, type Needle2Config } from '../needle/v2/config.ts';
import { Needle2Engine } from '../needle/v2/engine.ts';
import type { Needle2Precision } from '../needle/v2/export.ts';
import { needle2PresetConfig, needle2SyntheticPrompt, syntheticNeedle2Checkpoint, type Needle2PresetName } from '../needle/v2/synthetic.ts';
import { quantileSorted, spread, type Spread } from '../stats/percentiles.ts';
import { needle2Roofline } from './needle2-roofline.ts';
import { peakRssMb } from './peak-rss.ts';
import type { SpreadSummary } from './needle-profile.ts';
import { withFractions, type KernelRates, type Roofline } from './roofline.ts';

export interface Needle2ProfileOptions {
  precision: Needle2Precision;
  threads: number;
  promptTokens: number;
  genTokens: number;
  repetitions: number;
  warmups: number;
  /** Export cache directory (default: the engine's, <repo>/.cache/onnx-needle2). */
  cacheDir?: string;
  /** Attention window override (default: the checkpoint's). */
  window?: number;
  /**
   * Leading prompt positions pinned as KV sinks (default: the whole prompt, as a real prompt's tools
   * are pinned — a case's prompt is mostly its tools; 0 lets the window slide over the prompt).
   */
  sinkLen?: number;
  /** Kernel rates measured on this machine (measureKernelRates, same thread count): adds `roofline`. */
  kernelRates?: KernelRates;
  /** Name of the preset the weights were generated at (synthetic weights), for the report. */
  preset?: string;
}

export interface Needle2ProfileResult {
  model: 'needle-2';
  weights: string;
  format: string;
  config: { d_model: number; heads: number; kv_heads: number; layers: number; vocab: number; window: number; max_seq_len: number; engram_layers: number[]; mhc_lanes: number; preset: string | null; params: number };
  precision: Needle2Precision;
  threads: number;
  prompt_tokens: number;
  /** Leading prompt positions pinned as KV sinks. */
  sink_len: number;
  gen_tokens: number;
  repetitions: number;
  warmups: number;
  prefill_tok_s: number;
  decode_tok_s: number;
  ttft_ms: number;
  prefill_ms: number;
  decode_step_ms: number;
  spread: { prefill_tok_s: Needle2Spread; decode_tok_s: Needle2Spread; ttft_ms: Needle2Spread; decode_step_ms: Needle2Spread };
  /** What this machine allows (needle2-roofline.ts) and the share of it reached, when measured. */
  roofline?: Roofline & { decode_fraction: number; prefill_fraction: number };
  /** Process CPU time (all threads): what the work costs regardless of how busy the machine is. */
  cpu: { prefill_ms: number; decode_ms_per_step: number; prefill_tok_per_cpu_s: number; decode_tok_per_cpu_s: number };
  export: { cache_hit: boolean; export_ms: number; session_create_ms: number; key: string };
  /** Process peak RSS (VmHWM where /proc exists, else getrusage), and the RSS once loaded / after the runs. */
  peak_rss_mb: number;
  rss_mb: { after_load: number; after_runs: number };
  load_average: { before: number[]; after: number[] };
  machine: { cpu: string; cores: number; node: string };
  timestamp: string;
}

/** Random weights at a preset's true shapes (the release `base` preset: 45,211,383 parameters). */
export function syntheticNeedle2(preset: Needle2PresetName = 'base', seed = 1): Needle2Checkpoint {
  return syntheticNeedle2Checkpoint(needle2PresetConfig(preset), seed);
}

/** The preset a config has the geometry of, if any. */
export function presetOf(c: Needle2Config): string | null {
  for (const [name, p] of Object.entries(NEEDLE2_PRESETS)) {
    if (p.d_model === c.d_model && p.num_heads === c.num_heads && p.num_kv_heads === c.num_kv_heads && p.num_layers === c.num_layers && p.engram_layers.join() === c.engram_layers.join()) return name;
  }
  return null;
}

/** v1's spread summary plus p10 (the low tail a loaded machine produces). */
export type Needle2Spread = SpreadSummary & { p10: number };

function summary(values: number[]): Needle2Spread {
  const s = spread(values) as Spread;
  const r = (x: number): number => Math.round(x * 1000) / 1000;
  const p10 = quantileSorted([...values].sort((a, b) => a - b), 0.1);
  return { min: r(s.min), p10: r(p10), p25: r(s.p25), median: r(s.p50), p75: r(s.p75), max: r(s.max), iqr: r(s.iqr) };
}

const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;

const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + b.system - a.system) / 1000;

export async function profileNeedle2(checkpoint: Needle2Checkpoint, o: Needle2ProfileOptions): Promise<Needle2ProfileResult> {
  const c = checkpoint.config;
  if (o.promptTokens + o.genTokens > c.max_seq_len) {
    throw new Error(`--prompt-tokens ${o.promptTokens} + --gen-tokens ${o.genTokens} exceed the checkpoint's max_seq_len ${c.max_seq_len}`);
  }
  const loadBefore = loadavg();
  const created = performance.now();
  const engine = await Needle2Engine.create(checkpoint, { precision: o.precision, threads: o.threads, cacheDir: o.cacheDir, ...(o.window ? { window: o.window } : {}) });
  const sessionCreateMs = performance.now() - created - engine.exported.exportMs;
  const afterLoad = process.memoryUsage().rss;
  try {
    const prompt = needle2SyntheticPrompt(o.promptTokens, c.vocab_size);
    const sinkLen = Math.min(o.sinkLen ?? o.promptTokens, o.promptTokens);
    const prefill: number[] = [];
    const decode: number[] = [];
    const ttft: number[] = [];
    const stepMs: number[] = [];
    const prefillCpu: number[] = [];
    const decodeCpu: number[] = [];
    for (let rep = 0; rep < o.warmups + o.repetitions; rep++) {
      // The decoder driven directly (not generate()) so CPU time can be taken per phase.
      const dec = engine.decoder(sinkLen);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await dec.feed(prompt);
      let token = argmax(out[out.length - 1]);
      const t1 = performance.now();
      const cpu1 = process.cpuUsage();
      for (let step = 0; step < o.genTokens; step++) token = argmax((await dec.feed([token]))[0]);
      const t2 = performance.now();
      const cpu2 = process.cpuUsage();
      if (rep < o.warmups) continue;
      prefill.push((o.promptTokens / (t1 - t0)) * 1000);
      ttft.push(t1 - t0);
      decode.push((o.genTokens / (t2 - t1)) * 1000);
      stepMs.push((t2 - t1) / o.genTokens);
      prefillCpu.push(cpuMs(cpu0, cpu1));
      decodeCpu.push(cpuMs(cpu1, cpu2) / o.genTokens);
    }
    const sp = { prefill_tok_s: summary(prefill), decode_tok_s: summary(decode), ttft_ms: summary(ttft), decode_step_ms: summary(stepMs) };
    // process.cpuUsage counts microseconds; a floor keeps the rates finite on a tiny config.
    const cpuPrefill = Math.max(summary(prefillCpu).median, 0.001);
    const cpuStep = Math.max(summary(decodeCpu).median, 0.001);
    const roof = o.kernelRates
      ? withFractions(needle2Roofline(o.kernelRates, c, { precision: o.precision, promptTokens: o.promptTokens, genTokens: o.genTokens, window: engine.window, sinkLen }), sp.prefill_tok_s.median, sp.decode_tok_s.median)
      : undefined;
    return {
      model: 'needle-2',
      weights: checkpoint.source.path,
      format: checkpoint.source.format,
      config: {
        d_model: c.d_model, heads: c.num_heads, kv_heads: c.num_kv_heads, layers: c.num_layers, vocab: c.vocab_size, window: engine.window,
        max_seq_len: c.max_seq_len, engram_layers: [...c.engram_layers], mhc_lanes: c.mhc_lanes, preset: o.preset ?? presetOf(c), params: needle2ParameterCount(checkpoint),
      },
      precision: o.precision,
      threads: o.threads,
      prompt_tokens: o.promptTokens,
      sink_len: sinkLen,
      gen_tokens: o.genTokens,
      repetitions: o.repetitions,
      warmups: o.warmups,
      prefill_tok_s: sp.prefill_tok_s.median,
      decode_tok_s: sp.decode_tok_s.median,
      ttft_ms: sp.ttft_ms.median,
      prefill_ms: Math.round((o.promptTokens / sp.prefill_tok_s.median) * 1e6) / 1000,
      decode_step_ms: sp.decode_step_ms.median,
      spread: sp,
      ...(roof ? { roofline: roof } : {}),
      cpu: {
        prefill_ms: cpuPrefill,
        decode_ms_per_step: cpuStep,
        prefill_tok_per_cpu_s: Math.round((o.promptTokens / cpuPrefill) * 1000),
        decode_tok_per_cpu_s: Math.round(1000 / cpuStep),
      },
      export: { cache_hit: engine.exported.hit, export_ms: Math.round(engine.exported.exportMs), session_create_ms: Math.round(sessionCreateMs), key: engine.exported.key },
      peak_rss_mb: peakRssMb(),
      rss_mb: { after_load: mb(afterLoad), after_runs: mb(process.memoryUsage().rss) },
      load_average: { before: loadBefore.map((x) => Math.round(x * 100) / 100), after: loadavg().map((x) => Math.round(x * 100) / 100) },
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
      timestamp: new Date().toISOString(),
    };
  } finally {
    await engine.dispose();
  }
}
