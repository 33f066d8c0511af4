// Throughput profile of Needle in onnxruntime-node: prefill (encoder + cross K/V) tokens/s, decode
// tokens/s over a fixed number of forced steps (EOS ignored, so every run does the same work), time to
// first token, with warm-ups, repetitions, medians and spread, and the machine state (load average,
// peak RSS) so a figure measured on a busy shared box is recognisable as such.
//
// Definitions: prefill_tok_s = prompt_tokens / prefill wall time; decode_tok_s = gen_tokens / wall time
// of the gen_tokens decode steps (one decoder run + argmax each; the first step yields the first
// token); ttft_ms = prefill + first step. Medians over repetitions; spread = min/max/p25/p75/IQR.
// `cpu` repeats the medians in process CPU time (summed over threads).
import { cpus, loadavg } from 'node:os';
import { NEEDLE_RELEASE_CONFIG } from '../needle/v1/config.ts';
import { argmax, NeedleEngine, type Precision } from '../needle/v1/engine.ts';
import { syntheticCheckpoint } from '../needle/v1/synthetic.ts';
import type { NeedleCheckpoint } from '../needle/v1/types.ts';
import { spread, type Spread } from '../stats/percentiles.ts';
import { peakRssMb } from './peak-rss.ts';
import { roofline, withFractions, type KernelRates, type Roofline } from './roofline.ts';

export interface ProfileOptions {
  precision: Precision;
  threads: number;
  promptTokens: number;
  genTokens: number;
  repetitions: number;
  warmups: number;
  quantizeLogits?: boolean;
  /** Also time run.py's no-KV-cache scheme (whole decoder over `referenceBuffer` slots per step). */
  referenceScheme?: { steps: number; buffer: number; repetitions: number };
  cacheDir?: string;
  /** Kernel rates measured on this machine (measureKernelRates, same thread count): adds `roofline`. */
  kernelRates?: KernelRates;
}

export interface SpreadSummary {
  min: number;
  p25: number;
  median: number;
  p75: number;
  max: number;
  iqr: number;
}

export interface ProfileResult {
  model: 'needle';
  weights: string;
  config: { d_model: number; heads: number; kv_heads: number; encoder_layers: number; decoder_layers: number; vocab: number };
  precision: Precision;
  quantize_logits: boolean;
  threads: number;
  prompt_tokens: number;
  gen_tokens: number;
  repetitions: number;
  warmups: number;
  prefill_tok_s: number;
  decode_tok_s: number;
  ttft_ms: number;
  prefill_ms: number;
  decode_step_ms: number;
  spread: { prefill_tok_s: SpreadSummary; decode_tok_s: SpreadSummary; ttft_ms: SpreadSummary; decode_step_ms: SpreadSummary };
  reference_scheme?: {
    description: string;
    buffer_slots: number;
    steps: number;
    repetitions: number;
    decode_tok_s: number;
    spread: SpreadSummary;
    /** KV-cached decode_tok_s ÷ reference decode_tok_s, medians of this run. */
    speedup: number;
  };
  /** What this machine allows (src/profile/roofline.ts) and the share of it reached, when measured. */
  roofline?: Roofline & { decode_fraction: number; prefill_fraction: number };
  /** Process CPU time (all threads): what the work costs regardless of how busy the machine is. */
  cpu: { prefill_ms: number; decode_ms_per_step: number; prefill_tok_per_cpu_s: number; decode_tok_per_cpu_s: number };
  export: { cache_hit: boolean; export_ms: number; session_create_ms: number; key: string };
  peak_rss_mb: number;
  load_average: { before: number[]; after: number[] };
  machine: { cpu: string; cores: number; node: string };
  timestamp: string;
}

function summary(values: number[]): SpreadSummary {
  const s = spread(values) as Spread;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { min: r(s.min), p25: r(s.p25), median: r(s.p50), p75: r(s.p75), max: r(s.max), iqr: r(s.iqr) };
}

/** Deterministic prompt ids avoiding the special tokens 0..5. */
export function syntheticPrompt(tokens: number, vocab: number): number[] {
  return Array.from({ length: tokens }, (_, i) => 6 + ((i * 7919 + 13) % (vocab - 6)));
}

export function releaseSyntheticCheckpoint(seed = 0): NeedleCheckpoint {
  return syntheticCheckpoint(NEEDLE_RELEASE_CONFIG, seed);
}

export async function profileNeedle(checkpoint: NeedleCheckpoint, o: ProfileOptions): Promise<ProfileResult> {
  const loadBefore = loadavg();
  const created = performance.now();
  const engine = await NeedleEngine.create(checkpoint, { precision: o.precision, threads: o.threads, quantizeLogits: o.quantizeLogits, cacheDir: o.cacheDir });
  const sessionCreateMs = performance.now() - created - engine.exported.exportMs;
  try {
    const prompt = syntheticPrompt(o.promptTokens, engine.dims.vocab);
    const prefill: number[] = [];
    const decode: number[] = [];
    const ttft: number[] = [];
    const stepMs: number[] = [];
    const prefillCpu: number[] = [];
    const decodeCpu: number[] = [];
    for (let rep = 0; rep < o.warmups + o.repetitions; rep++) {
      // generate()'s loop spelled out so CPU time can be taken per phase (wall time alone misleads on a
      // shared machine: CPU time shows the work, wall time what a user waits).
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const state = await engine.encode(prompt);
      const t1 = performance.now();
      const cpu1 = process.cpuUsage();
      let token = 1;
      let firstTokenMs = 0;
      for (let step = 0; step < o.genTokens; step++) {
        token = argmax(await engine.step(state, token));
        if (step === 0) firstTokenMs = performance.now() - t0;
      }
      const t2 = performance.now();
      const cpu2 = process.cpuUsage();
      if (rep < o.warmups) continue;
      const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
      prefill.push((o.promptTokens / (t1 - t0)) * 1000);
      decode.push((o.genTokens / (t2 - t1)) * 1000);
      ttft.push(firstTokenMs);
      stepMs.push((t2 - t1) / o.genTokens);
      prefillCpu.push(cpuMs(cpu0, cpu1));
      decodeCpu.push(cpuMs(cpu1, cpu2) / o.genTokens);
    }

    let reference: ProfileResult['reference_scheme'];
    if (o.referenceScheme) {
      const { steps, buffer, repetitions } = o.referenceScheme;
      const rates: number[] = [];
      for (let rep = 0; rep < repetitions + 1; rep++) {
        const state = await engine.encode(prompt);
        const slots = new Array(buffer).fill(0);
        slots[0] = 1;
        const t0 = performance.now();
        for (let pos = 0; pos < steps; pos++) {
          const logits = await engine.stepWithoutCache(state, slots, pos);
          let best = 0;
          for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
          slots[pos + 1] = best;
        }
        if (rep > 0) rates.push((steps / (performance.now() - t0)) * 1000); // rep 0 is the warm-up
      }
      const s = summary(rates);
      reference = {
        description: "run.py's scheme: no KV cache, the whole decoder over a fixed buffer every step (cross K/V still precomputed, so this is a lower bound on the reference's cost)",
        buffer_slots: buffer,
        steps,
        repetitions,
        decode_tok_s: s.median,
        spread: s,
        speedup: Math.round((summary(decode).median / s.median) * 100) / 100,
      };
    }

    const d = engine.dims;
    const sp = { prefill_tok_s: summary(prefill), decode_tok_s: summary(decode), ttft_ms: summary(ttft), decode_step_ms: summary(stepMs) };
    return {
      model: 'needle',
      weights: checkpoint.source.path,
      config: { d_model: d.dModel, heads: d.heads, kv_heads: d.kvHeads, encoder_layers: d.encLayers, decoder_layers: d.decLayers, vocab: d.vocab },
      precision: o.precision,
      quantize_logits: o.quantizeLogits ?? false,
      threads: o.threads,
      prompt_tokens: o.promptTokens,
      gen_tokens: o.genTokens,
      repetitions: o.repetitions,
      warmups: o.warmups,
      prefill_tok_s: sp.prefill_tok_s.median,
      decode_tok_s: sp.decode_tok_s.median,
      ttft_ms: sp.ttft_ms.median,
      prefill_ms: Math.round((o.promptTokens / sp.prefill_tok_s.median) * 1e6) / 1000,
      decode_step_ms: sp.decode_step_ms.median,
      spread: sp,
      ...(reference ? { reference_scheme: reference } : {}),
      ...(o.kernelRates ? { roofline: withFractions(roofline(o.kernelRates, d, { precision: o.precision, quantizeLogits: o.quantizeLogits ?? false, promptTokens: o.promptTokens, genTokens: o.genTokens }), sp.prefill_tok_s.median, sp.decode_tok_s.median) } : {}),
      cpu: {
        prefill_ms: summary(prefillCpu).median,
        decode_ms_per_step: summary(decodeCpu).median,
        prefill_tok_per_cpu_s: Math.round((o.promptTokens / summary(prefillCpu).median) * 1000),
        decode_tok_per_cpu_s: Math.round(1000 / summary(decodeCpu).median),
      },
      export: { cache_hit: engine.exported.hit, export_ms: Math.round(engine.exported.exportMs), session_create_ms: Math.round(sessionCreateMs), key: engine.exported.key },
      peak_rss_mb: peakRssMb(),
      load_average: { before: loadBefore.map((x) => Math.round(x * 100) / 100), after: loadavg().map((x) => Math.round(x * 100) / 100) },
      machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
      timestamp: new Date().toISOString(),
    };
  } finally {
    await engine.dispose();
  }
}
