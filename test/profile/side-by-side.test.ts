// The side-by-side profile end to end on small configs of the true-size machinery (the real providers,
// real transformers.js and onnxruntime sessions, a child process per model for memory): the JSON has
// every field for every model that finished (needle-2 included, on its own provider), a model whose
// synthetic build fails (and one that is not registered) is reported as failed while the others
// finish, ratios are against needle and needle-2, and a second run reuses the cached folders. Speed
// figures themselves are not asserted: `npm run bench:compare` measures them.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/needle/v1/config.ts';
import { countParameters as countNeedle2Parameters, resolveNeedle2Config } from '../../src/needle/v2/config.ts';
import { compareMarkdown } from '../../src/profile/compare-markdown.ts';
import { compareModels, computeRatios, type CompareOptions, type ModelRow } from '../../src/profile/side-by-side.ts';
import { SMALL, smallTrueSize } from '../helpers/small-true-size.ts';
import { getDialect } from '../../src/dialects/registry.ts';
import { loadSentencePiece } from '../../src/sentencepiece/index.ts';
import { oracleCalls } from '../../src/providers/oracle-answer.ts';
import { loadSuite } from '../../src/suite/load.ts';

const cacheRoot = mkdtempSync(join(tmpdir(), 'nb-side-by-side-'));
afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

const needleConfig = resolveConfig({ vocab_size: 2100, d_model: 64, num_heads: 4, num_kv_heads: 2, num_encoder_layers: 2, num_decoder_layers: 2 });
// Needle 2 with the release config's structure (engram site, mHC lanes, GQA, a window shorter than the prompts).
const needle2Config = resolveNeedle2Config({ vocab_size: 1024, d_model: 64, num_heads: 4, num_kv_heads: 2, num_layers: 3, engram_layers: [1], engram_slots: 64, kv_window: 32, contrastive_dim: 16 });
// Granite with a hidden size that is no multiple of the q4 block (32): its build must fail.
const broken = { ...SMALL['granite-4.0-350m'], dims: { ...(SMALL['granite-4.0-350m'].dims as object), hidden: 40 } } as (typeof SMALL)['granite-4.0-350m'];
const lines: string[] = [];
const base: CompareOptions = {
  models: ['needle', 'needle-2', 'qwen3-0.6b', 'granite-4.0-350m', 'functiongemma-270m', 'no-such-model'],
  threads: 1,
  promptTokens: 8,
  genTokens: 4,
  repetitions: 2,
  warmups: 1,
  suite: 'suites/core-smoke',
  cases: 2,
  caseMaxNewTokens: 6,
  caseOutput: 'expected',
  cacheRoot,
  ratioTo: ['needle', 'needle-2'],
  rssProbe: true,
  log: (l) => lines.push(l),
  prepare: { needleConfig, needle2Config, trueSize: smallTrueSize({ 'granite-4.0-350m': broken }) },
};

const OK_FIELDS: (keyof ModelRow)[] = [
  'id', 'status', 'display_name', 'weights', 'accuracy_meaningful', 'provider', 'dtype', 'parameter_count', 'parameter_count_graph', 'file_bytes',
  'synthetic_cache', 'tokenizer', 'load_ms', 'memory', 'prefill_tok_s', 'decode_tok_s', 'ttft_ms', 'tpot_ms', 'roofline', 'cases',
];

describe('side-by-side profile', () => {
  it('reports every field for every finished model, the failed ones with their reason, ratios against needle and needle-2', async () => {
    const res = await compareModels(base);
    expect(res.models.map((m) => [m.id, m.status, m.error])).toEqual([
      ['needle', 'ok', undefined], ['needle-2', 'ok', undefined], ['qwen3-0.6b', 'ok', undefined], ['granite-4.0-350m', 'failed', expect.anything()], ['functiongemma-270m', 'ok', undefined], ['no-such-model', 'failed', expect.anything()],
    ]);
    const granite = res.models[3];
    expect(granite.failed_at).toBe('build');
    expect(granite.error).toMatch(/multiple of 32/);
    // The failed build left nothing half-written in the cache.
    expect(readdirSync(join(cacheRoot, 'synthetic')).filter((n) => n.includes('partial') || n.startsWith('granite'))).toEqual([]);
    expect(res.models[5].error).toMatch(/not a registered model/);
    for (const m of res.models.filter((r) => r.status === 'ok')) {
      for (const k of OK_FIELDS) expect(m[k], `${m.id}.${k}`).toBeDefined();
      expect(m.weights).toBe('synthetic');
      expect(m.accuracy_meaningful).toBe(false);
      expect(m.parameter_count_graph).toBe(m.parameter_count);
      for (const s of [m.prefill_tok_s!, m.decode_tok_s!, m.ttft_ms!, m.tpot_ms!]) {
        expect(s.n).toBe(2);
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.max);
        expect(s.median).toBeGreaterThan(0);
      }
      expect(m.memory!.method).toBe('child process per model');
      expect(m.memory!.peak_rss_mb).toBeGreaterThan(m.memory!.rss_before_load_mb!);
      // gemv_gb_s is rounded to 0.01 GB/s: the bound agrees to that precision.
      const bound = (m.roofline!.gemv_gb_s * 1e9) / m.roofline!.decode_bytes_per_step;
      expect(Math.abs(m.roofline!.decode_tok_s_bound - bound) / bound).toBeLessThan(0.005 / m.roofline!.gemv_gb_s + 1e-3);
      expect(m.roofline!.share_reached).toBeCloseTo(m.decode_tok_s!.median / m.roofline!.decode_tok_s_bound, 1);
      expect(m.cases!.n).toBe(2);
      expect(m.cases!.per_case.map((c) => c.case_id)).toHaveLength(2);
      for (const c of m.cases!.per_case) {
        expect(c.prompt_tokens).toBeGreaterThan(0);
        expect(c.output_tokens).toBeGreaterThan(0); // expected answer's tokens + 1 end token
        expect(c.wall_ms).toBeGreaterThan(0);
      }
      expect(existsSync(m.synthetic_cache!.dir)).toBe(true);
      expect(m.synthetic_cache!.dir).toMatch(new RegExp(`synthetic/${m.id.replace('.', '\\.')}@[0-9a-f]{12}$`));
      expect(m.tokenizer!.note).toMatch(/not shipped/);
      if (m.id === 'needle-2') expect(m.tokenizer!.vocab).toBe(1024);
      else if (m.id !== 'needle') expect(m.tokenizer!.vocab).toBe(2048); // padded to the model's vocabulary
    }
    const row = (id: string) => res.models.find((m) => m.id === id)!;
    // Needle 2: the config's parameter count, equal to the tensors written (read back by the loader).
    expect(row('needle-2').parameter_count).toBe(countNeedle2Parameters(needle2Config));
    expect(row('needle-2').provider).toBe('needle2');
    expect(row('needle-2').dtype).toBe('fp32');
    expect(row('needle-2').tokenizer!.note).toMatch(/stand-in/);
    // --case-output expected: each Needle generates exactly its answer's tokens (its dialect, its tokenizer) + 1.
    const suite = await loadSuite('suites/core-smoke');
    for (const [id, dialectId] of [['needle', 'needle'], ['needle-2', 'needle2']]) {
      const tok = loadSentencePiece(join(row(id).synthetic_cache!.dir, 'model', 'tokenizer.model'));
      const dialect = await getDialect(dialectId);
      for (const c of row(id).cases!.per_case) {
        const answer = dialect.format(oracleCalls(suite.cases.find((x) => x.id === c.case_id)!));
        expect(c.output_tokens, `${id} ${c.case_id}`).toBe(tok.encode(answer).length + 1);
      }
    }
    expect(Object.keys(res.ratios)).toEqual(['needle', 'needle-2']);
    for (const ref of ['needle', 'needle-2']) {
      expect(Object.keys(res.ratios[ref]).sort()).toEqual(['functiongemma-270m', 'needle', 'needle-2', 'qwen3-0.6b']);
      expect(res.ratios[ref][ref].decode_tok_s).toBe(1);
      for (const [id, r] of Object.entries(res.ratios[ref])) for (const k of ['decode_tok_s', 'case_latency_median', 'case_latency_p90', 'peak_rss', 'file_bytes', 'parameters'] as const) expect(r[k], `${id} ÷ ${ref}: ${k}`).toBeGreaterThan(0);
    }
    const q = res.ratios.needle['qwen3-0.6b'];
    expect(q.decode_tok_s).toBeCloseTo(row('qwen3-0.6b').decode_tok_s!.median / row('needle').decode_tok_s!.median, 2);
    expect(q.file_bytes).toBeCloseTo(row('qwen3-0.6b').file_bytes! / row('needle').file_bytes!, 2);
    expect(res.ratios['needle-2'].needle.parameters).toBeCloseTo(row('needle').parameter_count! / row('needle-2').parameter_count!, 2);
    expect(res.synthetic_cache_bytes).toBe(['needle', 'needle-2', 'qwen3-0.6b', 'functiongemma-270m'].reduce((n, id) => n + row(id).file_bytes!, 0));
    // Both Needles' ONNX exports were written during the build, with the options their engines use:
    // the probe and the load found them (one export each, none added by a load under another key).
    for (const [id, dir] of [['needle', 'needle-onnx'], ['needle-2', 'needle2-onnx']]) {
      expect(row(id).synthetic_cache!.onnx_export, id).toEqual({ reused: false, ms: expect.any(Number) });
      expect(readdirSync(join(cacheRoot, 'synthetic', dir)), id).toHaveLength(1);
    }
    expect(res.kernel_rates.gemv_gb_s).toBeGreaterThan(0);

    const md = compareMarkdown(res);
    expect(md).toMatch(/\| granite-4\.0-350m \| \*\*failed\*\* \(build\)/);
    expect(md).toMatch(/Ratios against needle/);
    expect(md).toMatch(/Ratios against needle-2/);
    expect(md).toMatch(/synthetic \(speed only\)/);
  }, 240_000);

  it('a second run reuses the cached folders; own-stop cases stay within the cap', async () => {
    const res = await compareModels({ ...base, models: ['needle', 'needle-2', 'qwen3-0.6b'], rssProbe: false, caseOutput: 'own-stop', repetitions: 1, warmups: 0 });
    for (const m of res.models) {
      expect(m.status).toBe('ok');
      expect(m.synthetic_cache!.reused).toBe(true);
      if (m.id.startsWith('needle')) expect(m.synthetic_cache!.onnx_export!.reused, m.id).toBe(true);
      expect(m.memory!.method).toBe('in-process RSS delta only');
      for (const c of m.cases!.per_case) expect(c.output_tokens).toBeLessThanOrEqual(6);
      expect(m.cases!.cap_new_tokens).toBe(6);
    }
  }, 240_000);

  it('an in-process RSS delta that is not positive gives no RSS ratio (the other ratios stay)', () => {
    const mem = (delta: number) => ({ method: 'in-process RSS delta only', in_process_rss_delta_mb: delta });
    const rows: ModelRow[] = [
      { id: 'needle-2', status: 'ok', memory: mem(1237), file_bytes: 91e6, parameter_count: 45_211_383 },
      { id: 'needle', status: 'ok', memory: mem(-406), file_bytes: 53e6, parameter_count: 26_315_421 },
    ];
    const r = computeRatios(rows, ['needle-2', 'needle']);
    expect(r['needle-2'].needle.peak_rss).toBeUndefined();
    expect(r.needle['needle-2'].peak_rss).toBeUndefined();
    expect(r['needle-2'].needle.file_bytes).toBeCloseTo(53 / 91, 3);
    expect(r['needle-2']['needle-2'].peak_rss).toBe(1);
  });
});
