// `needle-bench profile --model a --model b ...`: every model profiled in one process, through the
// provider a suite run uses, on synthetic weights at its true size where its real weights are absent.
// Measurements are interleaved (round-robin over models within each repetition and each suite case,
// the starting model rotating), so a noisy neighbour hurts every model alike; the kernel rates that
// set each model's roofline are measured in the same run, before and after. Ratios are against each
// reference model (needle, and any other given by --ratio-to, e.g. needle-2 once registered) that
// finished.
//
// Definitions (the same for every model): prefill = prompt processing (Needle's encoder with cross K/V;
// a decoder-only model's prompt forward, which also yields the first token); TTFT = call → first
// token; TPOT = median interval between consecutive tokens after the first; decode tok/s = (steps − 1)
// ÷ (last token − first token). Decode steps are forced (end tokens ignored). Per-case latency = wall
// time of the provider's generate() on a suite case in the model's own prompt format, stopping at the
// model's own end tokens or the stated cap.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDialect } from '../dialects/registry.ts';
import { oracleCalls } from '../providers/oracle-answer.ts';
import { loadSuite } from '../suite/load.ts';
import type { SuiteCase } from '../suite/types.ts';
import { spread, quantileSorted } from '../stats/percentiles.ts';
import { measureKernelRates, type KernelRates } from './roofline.ts';
import { prepareSubject, type PrepareOptions, type Subject } from './subjects.ts';
import { directoryBytes, type BuildProgress } from './synthetic/baseline-folder.ts';
import { existsSync } from 'node:fs';

export interface CompareOptions {
  models: string[];
  threads: number;
  promptTokens: number;
  genTokens: number;
  repetitions: number;
  warmups: number;
  suite?: string;
  cases: number;
  caseMaxNewTokens: number;
  /**
   * 'expected': each case generates exactly the tokens of its expected answer written in the model's
   * own dialect, plus one end token (synthetic weights cannot say when a real model would stop);
   * 'own-stop': the model's own end tokens, at most caseMaxNewTokens.
   */
  caseOutput: 'expected' | 'own-stop';
  cacheRoot: string;
  /** Reference models for ratios (those that finished). */
  ratioTo: string[];
  /** Measure each model's RSS in a child process (default true). */
  rssProbe: boolean;
  log: (line: string) => void;
  onProgress?: (id: string) => BuildProgress;
  /** Overrides for the architectures built (tests: small configs). */
  prepare?: Pick<PrepareOptions, 'trueSize' | 'needleConfig' | 'needle2Config'>;
}

export interface Summary {
  min: number;
  p25: number;
  median: number;
  p75: number;
  p90: number;
  max: number;
  iqr: number;
  n: number;
}

function summary(values: number[]): Summary {
  const s = spread(values);
  if (!s) return { min: NaN, p25: NaN, median: NaN, p75: NaN, p90: NaN, max: NaN, iqr: NaN, n: 0 };
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const sorted = [...values].sort((a, b) => a - b);
  return { min: r(s.min), p25: r(s.p25), median: r(s.p50), p75: r(s.p75), p90: r(quantileSorted(sorted, 0.9)), max: r(s.max), iqr: r(s.iqr), n: values.length };
}

export interface CaseRecord {
  case_id: string;
  prompt_tokens: number;
  output_tokens: number;
  wall_ms: number;
  ttft_ms?: number;
  stopped_by?: string;
}

export interface ModelRow {
  id: string;
  status: 'ok' | 'failed';
  error?: string;
  /** Where it failed: build, load, forced, cases. */
  failed_at?: string;
  display_name?: string;
  weights?: 'synthetic' | 'real';
  /** Speed-only: synthetic weights say nothing about accuracy. */
  accuracy_meaningful?: boolean;
  provider?: string;
  dtype?: string;
  parameter_count?: number;
  parameter_count_graph?: number;
  file_bytes?: number;
  synthetic_cache?: { dir: string; config_hash: string; reused: boolean; build_ms: number; disk_bytes: number; onnx_export?: { reused: boolean; ms: number } };
  tokenizer?: { kind: string; note: string; vocab: number };
  load_ms?: number;
  memory?: { method: string; peak_rss_mb?: number; rss_after_load_mb?: number; rss_before_load_mb?: number; load_delta_mb?: number; probe_load_ms?: number; in_process_rss_delta_mb: number };
  prefill_tok_s?: Summary;
  decode_tok_s?: Summary;
  ttft_ms?: Summary;
  tpot_ms?: Summary;
  roofline?: { decode_bytes_per_step: number; gemv_gb_s: number; decode_tok_s_bound: number; share_reached: number };
  cases?: {
    n: number;
    cap_new_tokens: number | null;
    stop_rule: string;
    latency_ms: Summary;
    prompt_tokens: Summary;
    output_tokens: Summary;
    stopped_by: Record<string, number>;
    per_case: CaseRecord[];
  };
}

export interface Ratios {
  decode_tok_s?: number;
  case_latency_median?: number;
  case_latency_p90?: number;
  peak_rss?: number;
  file_bytes?: number;
  parameters?: number;
}

export interface CompareResult {
  kind: 'needle-bench-profile-compare';
  version: 1;
  settings: Omit<CompareOptions, 'log' | 'onProgress' | 'cacheRoot' | 'prepare'> & { cache_root: string };
  definitions: Record<string, string>;
  machine: { cpu: string; cores: number; node: string };
  kernel_rates: { before: KernelRates; after: KernelRates; gemv_gb_s: number };
  load_average: { before: number[]; after: number[] };
  models: ModelRow[];
  /** ratios[reference][model]: model ÷ reference for each figure (latency, RSS, size: > 1 = bigger). */
  ratios: Record<string, Record<string, Ratios>>;
  /** Disk of the profiled models' synthetic folders. */
  synthetic_cache_bytes: number;
  /** Everything under <cache>/synthetic after the run (incl. Needle's exported ONNX graphs). */
  synthetic_dir_bytes: number;
  wall_s: number;
  timestamp: string;
}

export const DEFINITIONS: Record<string, string> = {
  prefill_tok_s: "prompt tokens ÷ prompt processing time (Needle: encoder + cross K/V; decoder-only: the prompt forward, which also yields the first token)",
  decode_tok_s: '(forced steps − 1) ÷ time from the first to the last token; end tokens ignored',
  ttft_ms: 'call → first generated token',
  tpot_ms: 'median interval between consecutive tokens after the first',
  case_latency: "wall time of the provider's generate() on a suite case in the model's own prompt format; output length per settings.caseOutput (expected: the expected answer's tokens in the model's own dialect + 1 end token; own-stop: own end tokens, at most caseMaxNewTokens)",
  roofline: 'decode bound = bytes one step reads (every weight incl. the tied fp32 output layer, plus KV cache at mid-run) ÷ fp32 GEMV bandwidth measured in this run',
  memory: "peak_rss_mb: VmHWM (peak RSS of its own address space) of a child process that loads only this model and runs one short forced generation, probed before the parent loads any model (Needle's ONNX exports are written during the build, so this is a load from the cache); in_process_rss_delta_mb: RSS growth of this process when the model was loaded",
};

const PROBE = fileURLToPath(new URL('./load-probe.ts', import.meta.url));

function probeMemory(s: Subject): Record<string, number> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', PROBE, JSON.stringify(s.providerSpec)], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`memory probe exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Record<string, number>;
}

interface Live {
  subject: Subject;
  row: ModelRow;
  prefill: number[];
  decode: number[];
  ttft: number[];
  tpot: number[];
  cases: CaseRecord[];
}

function fail(row: ModelRow, at: string, e: unknown): void {
  row.status = 'failed';
  row.failed_at = at;
  row.error = e instanceof Error ? e.message : String(e);
}

/** Runs `fn` for each live model in round-robin order starting at `start`; a throw fails that model only. */
async function roundRobin(live: Live[], start: number, at: string, fn: (l: Live) => Promise<void>, log: (s: string) => void): Promise<void> {
  const n = live.length;
  for (let k = 0; k < n; k++) {
    const l = live[(start + k) % n];
    if (l.row.status !== 'ok') continue;
    try {
      await fn(l);
    } catch (e) {
      fail(l.row, at, e);
      log(`${l.row.id}: failed during ${at}: ${l.row.error}`);
      await l.subject.provider.dispose().catch(() => undefined);
    }
  }
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function compareModels(o: CompareOptions): Promise<CompareResult> {
  const t0 = performance.now();
  const loadBefore = loadavg();
  o.log(`kernel rates (${o.threads} threads)…`);
  const ratesBefore = await measureKernelRates(o.threads);
  const rows: ModelRow[] = [];
  const live: Live[] = [];
  // 1. Build (or reuse) every model's files.
  const prepared: { subject: Subject; row: ModelRow }[] = [];
  for (const id of o.models) {
    const row: ModelRow = { id, status: 'ok' };
    rows.push(row);
    let subject: Subject;
    try {
      subject = await prepareSubject(id, { ...o.prepare, cacheRoot: o.cacheRoot, threads: o.threads, caseMaxNewTokens: o.caseMaxNewTokens, onProgress: o.onProgress, log: o.log });
    } catch (e) {
      fail(row, 'build', e);
      o.log(`${id}: failed: ${row.error}`);
      continue;
    }
    const f = subject.folder;
    Object.assign(row, {
      display_name: subject.entry.displayName,
      weights: subject.weights,
      accuracy_meaningful: subject.weights === 'real',
      provider: subject.entry.provider,
      dtype: subject.dtype,
      parameter_count: f.parameterCount,
      parameter_count_graph: f.graphParameterCount,
      file_bytes: f.diskBytes,
      synthetic_cache: subject.weights === 'synthetic' ? { dir: f.root, config_hash: f.configHash, reused: f.reused, build_ms: f.buildMs, disk_bytes: f.diskBytes } : undefined,
      tokenizer: { kind: subject.weights === 'real' ? 'real' : f.tokenizer.kind, note: f.tokenizer.note, vocab: f.tokenizer.vocab },
    } satisfies Partial<ModelRow>);
    o.log(`${id}: ${f.reused ? 'reusing' : 'wrote'} ${f.root} (${(f.diskBytes / 1e6).toFixed(0)} MB${f.reused ? '' : `, ${(f.buildMs / 1000).toFixed(1)} s`})`);
    if (subject.exportOnnx) {
      try {
        const e = await subject.exportOnnx();
        if (row.synthetic_cache) row.synthetic_cache.onnx_export = e;
        if (!e.reused) o.log(`${id}: exported its ONNX graphs in ${(e.ms / 1000).toFixed(1)} s (cached for later runs)`);
      } catch (e) {
        fail(row, 'build', e);
        o.log(`${id}: ONNX export failed: ${row.error}`);
        continue;
      }
    }
    prepared.push({ subject, row });
  }
  // 2. Memory, one child process per model, while this process holds no model yet.
  const probes = new Map<string, Record<string, number>>();
  if (o.rssProbe) {
    for (const { subject, row } of prepared) {
      try {
        probes.set(row.id, probeMemory(subject));
        o.log(`${row.id}: peak RSS ${probes.get(row.id)!.peak_rss_mb} MB alone (child process)`);
      } catch (e) {
        o.log(`${row.id}: memory probe failed (${e instanceof Error ? e.message : e}); in-process RSS delta only`);
      }
    }
  }
  // 3. Load every model in this process.
  for (const { subject, row } of prepared) {
    const id = row.id;
    const probe = probes.get(id);
    try {
      const rssBefore = process.memoryUsage().rss;
      const tl = performance.now();
      await subject.provider.load();
      row.load_ms = Math.round(performance.now() - tl);
      const delta = Math.round((process.memoryUsage().rss - rssBefore) / 1e5) / 10;
      row.memory = probe
        ? { method: 'child process per model', peak_rss_mb: probe.peak_rss_mb, rss_after_load_mb: probe.rss_after_load_mb, rss_before_load_mb: probe.rss_before_load_mb, load_delta_mb: Math.round((probe.rss_after_load_mb - probe.rss_before_load_mb) * 10) / 10, probe_load_ms: probe.load_ms, in_process_rss_delta_mb: delta }
        : { method: 'in-process RSS delta only', in_process_rss_delta_mb: delta };
      o.log(`${id}: loaded in ${(row.load_ms / 1000).toFixed(1)} s`);
    } catch (e) {
      fail(row, 'load', e);
      o.log(`${id}: failed to load: ${row.error}`);
      continue;
    }
    live.push({ subject, row, prefill: [], decode: [], ttft: [], tpot: [], cases: [] });
  }

  // Forced decode, interleaved.
  for (let rep = 0; rep < o.warmups + o.repetitions; rep++) {
    await roundRobin(live, rep, 'forced decode', async (l) => {
      const r = await l.subject.provider.forcedRun(o.promptTokens, o.genTokens);
      if (rep < o.warmups) return;
      const decodeMs = r.stepMs.reduce((a, b) => a + b, 0);
      l.prefill.push((o.promptTokens / r.prefillMs) * 1000);
      l.decode.push(((o.genTokens - 1) / decodeMs) * 1000);
      l.ttft.push(r.firstTokenMs);
      l.tpot.push(summary(r.stepMs).median);
    }, o.log);
    o.log(`forced decode: repetition ${rep + 1}/${o.warmups + o.repetitions}${rep < o.warmups ? ' (warm-up)' : ''}`);
  }

  // Suite cases, interleaved.
  let cases: SuiteCase[] = [];
  if (o.suite) cases = (await loadSuite(o.suite)).cases.slice(0, o.cases);
  for (const [i, c] of cases.entries()) {
    await roundRobin(live, i, 'suite cases', async (l) => {
      const g =
        o.caseOutput === 'expected'
          ? await l.subject.provider.forcedCase(c, (await getDialect(l.subject.entry.dialect)).format(oracleCalls(c)))
          : await l.subject.provider.generate(c);
      l.cases.push({ case_id: c.id, prompt_tokens: g.promptTokens ?? NaN, output_tokens: g.generatedTokens ?? NaN, wall_ms: r3(g.timings.totalMs), ttft_ms: g.timings.firstTokenMs === undefined ? undefined : r3(g.timings.firstTokenMs), stopped_by: g.info?.stoppedBy as string | undefined });
    }, o.log);
    if ((i + 1) % 5 === 0 || i + 1 === cases.length) o.log(`suite cases: ${i + 1}/${cases.length}`);
  }

  const ratesAfter = await measureKernelRates(o.threads);
  const gemv = (ratesBefore.gemvGBs + ratesAfter.gemvGBs) / 2;
  for (const l of live) {
    if (l.row.status !== 'ok') continue;
    const row = l.row;
    row.prefill_tok_s = summary(l.prefill);
    row.decode_tok_s = summary(l.decode);
    row.ttft_ms = summary(l.ttft);
    row.tpot_ms = summary(l.tpot);
    const bytes = l.subject.bytesPerStep(o.promptTokens, o.genTokens / 2);
    const bound = (gemv * 1e9) / bytes;
    row.roofline = { decode_bytes_per_step: Math.round(bytes), gemv_gb_s: Math.round(gemv * 100) / 100, decode_tok_s_bound: Math.round(bound * 10) / 10, share_reached: r3(row.decode_tok_s.median / bound) };
    if (o.suite) {
      const stopped: Record<string, number> = {};
      for (const c of l.cases) stopped[c.stopped_by ?? 'unknown'] = (stopped[c.stopped_by ?? 'unknown'] ?? 0) + 1;
      row.cases = {
        n: l.cases.length,
        cap_new_tokens: o.caseOutput === 'own-stop' ? o.caseMaxNewTokens : null,
        stop_rule:
          o.caseOutput === 'expected'
            ? "exactly the expected answer's tokens in the model's own dialect and tokenizer + 1 end token (end tokens ignored before)"
            : "the model's own end tokens (Needle: EOS; baselines: generation_config eos + the entry's stopTokens), or the cap",
        latency_ms: summary(l.cases.map((c) => c.wall_ms)),
        prompt_tokens: summary(l.cases.map((c) => c.prompt_tokens)),
        output_tokens: summary(l.cases.map((c) => c.output_tokens)),
        stopped_by: stopped,
        per_case: l.cases,
      };
    }
  }
  for (const l of live) await l.subject.provider.dispose().catch(() => undefined);
  const ratios = computeRatios(rows, o.ratioTo);
  const cacheBytes = rows.reduce((n, r) => n + (r.synthetic_cache?.disk_bytes ?? 0), 0);
  const { log: _log, onProgress: _p, prepare: _prep, cacheRoot, ...settings } = o;
  return {
    kind: 'needle-bench-profile-compare',
    version: 1,
    settings: { ...settings, cache_root: join(cacheRoot, 'synthetic') },
    definitions: DEFINITIONS,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version },
    kernel_rates: { before: ratesBefore, after: ratesAfter, gemv_gb_s: Math.round(gemv * 100) / 100 },
    load_average: { before: loadBefore.map((x) => Math.round(x * 100) / 100), after: loadavg().map((x) => Math.round(x * 100) / 100) },
    models: rows,
    ratios,
    synthetic_cache_bytes: cacheBytes,
    synthetic_dir_bytes: existsSync(join(cacheRoot, 'synthetic')) ? directoryBytes(join(cacheRoot, 'synthetic')) : 0,
    wall_s: Math.round((performance.now() - t0) / 100) / 10,
    timestamp: new Date().toISOString(),
  };
}

/** model ÷ reference for every reference in `refs` that finished (and every model that did). */
export function computeRatios(rows: ModelRow[], refs: string[]): Record<string, Record<string, Ratios>> {
  const out: Record<string, Record<string, Ratios>> = {};
  // Every figure is positive when measured; an in-process RSS delta (--no-rss-probe) can be ≤ 0 when the
  // GC frees an earlier model's load transient (Needle 2's export), and gives no ratio.
  const div = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b <= 0 ? undefined : r3(a / b));
  for (const refId of refs) {
    const ref = rows.find((r) => r.id === refId && r.status === 'ok');
    if (!ref) continue;
    out[refId] = {};
    for (const r of rows) {
      if (r.status !== 'ok') continue;
      out[refId][r.id] = {
        decode_tok_s: div(r.decode_tok_s?.median, ref.decode_tok_s?.median),
        case_latency_median: div(r.cases?.latency_ms.median, ref.cases?.latency_ms.median),
        case_latency_p90: div(r.cases?.latency_ms.p90, ref.cases?.latency_ms.p90),
        peak_rss: div(r.memory?.peak_rss_mb ?? r.memory?.in_process_rss_delta_mb, ref.memory?.peak_rss_mb ?? ref.memory?.in_process_rss_delta_mb),
        file_bytes: div(r.file_bytes, ref.file_bytes),
        parameters: div(r.parameter_count, ref.parameter_count),
      };
    }
  }
  return out;
}
