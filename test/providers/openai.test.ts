// The openai provider against a real OpenAI-compatible server on loopback: both modes, streamed and
// not, give every case the verdict the suite's answer deserves; raw mode sends exactly the prompt the
// local run renders; timings, usage and provenance are recorded; the API key goes out on the wire
// and nowhere else; a registry endpoint entry is "not present" until its URL variable is set.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelDir, modelRegistry } from '../../src/models/registry.ts';
import { rawTemplate } from '../../src/openai/raw-prompt.ts';
import { promptText } from '../../src/needle/v1/prompt.ts';
import { backoffMs, DEFAULT_RETRY, parseRetryAfter } from '../../src/openai/retry.ts';
import { resolveSettings } from '../../src/openai/settings.ts';
import { sseEvents } from '../../src/openai/sse.ts';
import { renderPrompt } from '../../src/prompts/chat-template.ts';
import { conversationFor } from '../../src/prompts/conversation.ts';
import { readRunInfo } from '../../src/run/provenance.ts';
import { writeReport } from '../../src/report/write-report.ts';
import type { Suite, SuiteCase } from '../../src/suite/types.ts';
import { startTestServer, type TestServer } from '../helpers/openai-test-server.ts';
import { makeSuite, tempDir } from '../run/helpers.ts';
import { oneRecordPerCase, runOne, smokeCases } from './openai-helpers.ts';

const CASES = 8;
const tmp = tempDir('openai');
let suite: Suite;
let server: TestServer;
/** A case whose answer is a list of floats: `[1.0, 2.5]` written as `[1, 2.5]` fails BFCL's checker. */
const FLOAT_CASE: SuiteCase = {
  id: 'floats-0',
  category: 'simple',
  query: 'Plot the points one and two and a half',
  tools: [{ name: 'plot', description: 'Plot numbers', parameters: { type: 'object', properties: { values: { type: 'array', items: { type: 'number' } } }, required: ['values'] } }],
  expected: { calls: [{ name: 'plot', args: { values: { values: [[1, 2.5]], floatPaths: ['/0/0'] } } }] },
};

beforeAll(async () => {
  ({ suite } = await makeSuite(tmp.path, 'smoke-floats', [...smokeCases(CASES - 1), FLOAT_CASE]));
  server = await startTestServer({ cases: suite.cases, models: ['qwen3-0.6b', 'Qwen/Qwen3-0.6B'], rawDialect: 'hermes', chunkDelayMs: 3 });
});
afterAll(async () => {
  await server?.close();
  tmp.cleanup();
});

/** Every file under `dir`, recursively, as text. */
function allText(dir: string): string {
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .map((p) => (statSync(p).isDirectory() ? allText(p) : readFileSync(p, 'utf8')))
    .join('\n');
}

describe('openai provider over loopback', () => {
  const verdicts = new Map<string, string>();

  it.each([
    ['tools', true],
    ['tools', false],
    ['raw', true],
    ['raw', false],
  ] as const)('mode %s, stream %s: one passing record per case', async (mode, stream) => {
    const from = server.bodies.length;
    const out = join(tmp.path, `${mode}-${stream}`);
    const { result, records } = await runOne(suite, `openai:${server.baseUrl}#qwen3-0.6b`, out, { mode, stream });
    expect(result.models[0].status).toBe('ok');
    expect(oneRecordPerCase(records, suite)).toBe(true);
    for (const r of records) {
      expect(r.verdict.pass, `${r.id}: ${r.raw}`).toBe(true);
      expect(r.dialect).toBe(mode === 'tools' ? 'openai-tool-calls' : 'hermes');
      expect(r.generatedTokens).toBeGreaterThan(0); // usage.completion_tokens
      expect(r.promptTokens).toBeGreaterThan(0);
      expect(r.info).toMatchObject({ mode, streamed: stream, attempts: 1 });
      if (stream) {
        expect(r.timings!.firstTokenMs).toBeGreaterThan(0);
        expect(r.timings!.firstTokenMs!).toBeLessThan(r.timings!.totalMs); // chunks arrive 3 ms apart
      } else {
        expect(r.timings!.firstTokenMs).toBeUndefined();
      }
      verdicts.set(`${mode}-${stream}:${r.id}`, JSON.stringify(r.verdict));
    }
    const bodies = server.bodies.slice(from);
    expect(bodies).toHaveLength(CASES);
    const entry = modelRegistry().get('qwen3-0.6b')!;
    for (const body of bodies) {
      expect(body).toMatchObject({ model: 'qwen3-0.6b', temperature: 0, max_tokens: 512 });
      expect(body.stream === true).toBe(stream);
      if (stream) expect(body.stream_options).toEqual({ include_usage: true });
      if (mode === 'raw') {
        // The exact text the transformers provider would feed the local model (same entry, same cache).
        const c = suite.cases.find((x) => String(body.prompt).includes(x.query as string))!;
        expect(body.prompt).toBe(renderPrompt(entry, c, modelDir(entry, join(out, 'no-cache'))).prompt);
        expect(body).toMatchObject({ add_special_tokens: false, skip_special_tokens: false });
      } else {
        const c = suite.cases.find((x) => (body.messages as { content: string }[]).some((m) => m.content === x.query))!;
        const conversation = conversationFor(c, entry.prompt);
        expect(body.messages).toEqual(conversation.messages);
        expect(body.tools).toEqual(conversation.tools);
        expect(body.chat_template_kwargs).toEqual({ enable_thinking: false });
      }
    }
  });

  it('gives the same verdict for every case in every mode', () => {
    for (const c of suite.cases) {
      const all = ['tools-true', 'tools-false', 'raw-true', 'raw-false'].map((k) => verdicts.get(`${k}:${c.id}`));
      expect(new Set(all).size, c.id).toBe(1);
    }
  });

  it('records provenance (base URL, served model, server header) and puts latency percentiles in the report', async () => {
    const out = join(tmp.path, 'tools-true');
    const model = readRunInfo(out)!.models[0] as unknown as { provenance: Record<string, unknown> };
    expect(model.provenance).toMatchObject({
      dialect: 'openai-tool-calls',
      promptFormatOf: 'qwen3-0.6b',
      endpoint: { baseUrl: server.baseUrl, model: 'qwen3-0.6b', serverModel: 'qwen3-0.6b', serverHeaders: { 'x-test-server-version': '0.9.1' }, serverVersion: '0.9.1', serverVersionRoute: '/version', apiKey: 'none' },
      generation: { mode: 'tools', stream: true, temperature: 0 },
    });
    const report = join(tmp.path, 'report');
    const { summary } = await writeReport({ runDirs: [out], outDir: report });
    const all = summary.groups.find((g) => g.category === 'all')!;
    expect(all.latency.totalMs!.n).toBe(CASES);
    expect(all.latency.firstTokenMs!.n).toBe(CASES);
    expect(all.latency.totalMs!.p90).toBeGreaterThan(0);
    expect(all.throughput.decodeTokPerS!.n).toBe(CASES);
  });
});

describe('openai provider: API key, registry entries, settings', () => {
  it('sends the key from the named variable and writes it nowhere', async () => {
    const KEY = 'sk-test-5ecret-9f8e7d';
    const guarded = await startTestServer({ cases: suite.cases, models: ['qwen3-0.6b'], apiKey: KEY });
    try {
      process.env.NB_TEST_OPENAI_KEY = KEY;
      const out = join(tmp.path, 'keyed');
      const { result, records } = await runOne(suite, `openai:${guarded.baseUrl}#qwen3-0.6b`, out, { apiKeyEnv: 'NB_TEST_OPENAI_KEY' });
      expect(result.models[0].status).toBe('ok');
      expect(records.every((r) => r.verdict.pass)).toBe(true);
      await writeReport({ runDirs: [out], outDir: join(out, 'report') });
      const written = allText(out);
      expect(written).toContain('NB_TEST_OPENAI_KEY'); // the variable's name is provenance
      expect(written).not.toContain(KEY);
      expect(written).not.toContain('5ecret');

      delete process.env.NB_TEST_OPENAI_KEY; // the server now refuses: a load failure that says why
      const refused = join(tmp.path, 'refused');
      const { result: r2, records: rec2 } = await runOne(suite, `openai:${guarded.baseUrl}#qwen3-0.6b`, refused, { apiKeyEnv: 'NB_TEST_OPENAI_KEY' });
      expect(r2.models[0].status).toBe('load_failed');
      expect(r2.models[0].error).toMatch(/HTTP 401 .*is NB_TEST_OPENAI_KEY set to the server's key\?/);
      expect(rec2).toHaveLength(0);
    } finally {
      delete process.env.NB_TEST_OPENAI_KEY;
      await guarded.close();
    }
  });

  it('qwen3-0.6b@vllm is not present until NEEDLE_BENCH_VLLM_URL is set, then runs against that server', async () => {
    const saved = process.env.NEEDLE_BENCH_VLLM_URL;
    try {
      delete process.env.NEEDLE_BENCH_VLLM_URL;
      const absent = await runOne(suite, 'qwen3-0.6b@vllm', join(tmp.path, 'vllm-absent'), {});
      expect(absent.result.models[0].status).toBe('not_present');
      expect(absent.result.models[0].error).toMatch(/set NEEDLE_BENCH_VLLM_URL to its server's base URL/);
      expect(absent.records).toHaveLength(0);

      process.env.NEEDLE_BENCH_VLLM_URL = 'gpu-box:8000';
      const bad = await runOne(suite, 'qwen3-0.6b@vllm', join(tmp.path, 'vllm-bad-url'), {});
      expect(bad.result.models[0]).toMatchObject({ status: 'load_failed', error: '$NEEDLE_BENCH_VLLM_URL: base URL "gpu-box:8000" must be http(s)' });

      process.env.NEEDLE_BENCH_VLLM_URL = server.baseUrl;
      const out = join(tmp.path, 'vllm');
      const { result, records } = await runOne(suite, 'qwen3-0.6b@vllm', out, {});
      expect(result.models[0].status).toBe('ok');
      expect(records.every((r) => r.verdict.pass && r.dialect === 'openai-tool-calls')).toBe(true);
      expect(readRunInfo(out)!.models[0]).toMatchObject({
        provenance: { endpoint: { baseUrlEnv: 'NEEDLE_BENCH_VLLM_URL', model: 'Qwen/Qwen3-0.6B', serverModel: 'Qwen/Qwen3-0.6B' } },
        registry: { provider: 'openai' },
      });
      // A server that does not serve the entry's model: not present there, nothing run.
      const other = await startTestServer({ cases: suite.cases, models: ['granite'] });
      process.env.NEEDLE_BENCH_VLLM_URL = other.baseUrl;
      const wrong = await runOne(suite, 'qwen3-0.6b@vllm', join(tmp.path, 'vllm-other'), {});
      await other.close();
      expect(wrong.result.models[0].status).toBe('not_present');
      expect(wrong.result.models[0].error).toMatch(/serves "granite", not "Qwen\/Qwen3-0.6B"/);
    } finally {
      if (saved === undefined) delete process.env.NEEDLE_BENCH_VLLM_URL;
      else process.env.NEEDLE_BENCH_VLLM_URL = saved;
    }
  });

  it('falls back to unstreamed requests when the server refuses streaming, and says so per case', async () => {
    const plain = await startTestServer({ cases: suite.cases, models: ['qwen3-0.6b'], refuseStream: true });
    try {
      const { result, records } = await runOne(suite, `openai:${plain.baseUrl}#qwen3-0.6b`, join(tmp.path, 'no-stream'), {}, 1);
      expect(result.models[0].status).toBe('ok');
      expect(records.every((r) => r.verdict.pass && r.info?.streamed === false)).toBe(true);
      expect((records[0].info!.warnings as string[])[0]).toMatch(/^sent unstreamed: the server refused streaming \(HTTP 400 .*'stream'/);
      // One refused streamed request, then every case unstreamed.
      expect(plain.bodies.filter((b) => b.stream).length).toBe(1);
      expect(plain.bodies.length).toBe(CASES + 1);
    } finally {
      await plain.close();
    }
  });

  it('raw mode needs the prompt format\'s chat template on disk, and records which one it used', async () => {
    const qwen = modelRegistry().get('qwen3-0.6b')!;
    // An entry with no template anywhere: the load refuses it (rawTemplate runs in load()).
    expect(() => rawTemplate({ ...qwen, id: 'no-template', chatTemplate: undefined, hub: { ...qwen.hub!, repo: 'nobody/nothing' } }, tmp.path)).toThrow(
      /^no-template: no chat template in .* and the registry entry names none/,
    );
    const model = readRunInfo(join(tmp.path, 'raw-true'))!.models[0] as unknown as { provenance: { generation: { template: { sha256: string; source: string } } } };
    expect(model.provenance.generation.template).toEqual(rawTemplate(qwen, join(tmp.path, 'raw-true', 'no-cache')));
    expect(model.provenance.generation.template.source).toMatch(/models\/chat-templates\/qwen3-0\.6b\.jinja$/);
  });

  it('every @vllm entry names a local prompt format with the same dialect', () => {
    const endpoints = [...modelRegistry().values()].filter((e) => e.provider === 'openai');
    expect(endpoints.map((e) => e.id).sort()).toEqual(['functiongemma-270m@vllm', 'granite-4.0-350m@vllm', 'lfm2.5-350m@vllm', 'qwen3-0.6b@vllm']);
    for (const e of endpoints) {
      const s = resolveSettings(e.id, { cacheDir: tmp.path, model: e });
      expect(s.promptFormat!.dialect, e.id).toBe(e.dialect);
      expect(s.baseUrlEnv).toBe('NEEDLE_BENCH_VLLM_URL');
    }
  });

  it('refuses bad specs and options with the reason', () => {
    const o = { cacheDir: tmp.path };
    expect(() => resolveSettings('openai:http://x:1/v1', o)).toThrow(/expected openai:<base-url>#<model>/);
    expect(() => resolveSettings('openai:ftp://x/v1#m', o)).toThrow(/must be http\(s\)/);
    expect(() => resolveSettings('openai:http://x:1/v1#some-model', { ...o, mode: 'raw' })).toThrow(/promptFormat=<registered id>/);
    expect(() => resolveSettings('openai:http://x:1/v1#m', { ...o, mode: 'fast' })).toThrow(/mode "fast": expected one of tools, raw/);
    expect(() => resolveSettings('openai:http://x:1/v1#m', { ...o, maxRetries: -1 })).toThrow(/maxRetries: expected a number ≥ 0/);
    // Ollama-style names keep their colon; the prompt format can be named apart from the model.
    const s = resolveSettings('openai:http://127.0.0.1:11434/v1#qwen3:0.6b', { ...o, mode: 'raw', promptFormat: 'qwen3-0.6b' });
    expect(s).toMatchObject({ model: 'qwen3:0.6b', baseUrl: 'http://127.0.0.1:11434/v1', mode: 'raw' });
    expect(s.promptFormat!.id).toBe('qwen3-0.6b');
  });

  it('raw mode for a Needle-format model sends its encoder input as text and parses the answer with the needle dialect', async () => {
    const c = suite.cases[0];
    const text = promptText(c);
    expect(text.startsWith(`${c.query}<tools>[{"name":`)).toBe(true);
    expect(JSON.parse(text.slice(text.indexOf('<tools>') + 7))).toHaveLength(c.tools.length);

    const needleServer = await startTestServer({ cases: suite.cases, models: ['needle-tiny'], rawDialect: 'needle' });
    try {
      const { result, records } = await runOne(suite, `openai:${needleServer.baseUrl}#needle-tiny`, join(tmp.path, 'needle-raw'), { mode: 'raw' });
      expect(result.models[0].status).toBe('ok');
      expect(oneRecordPerCase(records, suite)).toBe(true);
      for (const r of records) expect(r.verdict.pass && r.dialect === 'needle', `${r.id}: ${r.raw}`).toBe(true);
      expect(needleServer.bodies.map((b) => b.prompt).sort()).toEqual(suite.cases.map(promptText).sort());
    } finally {
      await needleServer.close();
    }
  });
});

describe('retry and SSE pieces', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(10_000 + 3000).toUTCString(), 10_000)).toBe(3000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('backs off exponentially, capped, jittered into [50%, 100%]', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(p, n, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([0, 1, 2, 3, 4].map((n) => backoffMs(p, n, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });

  it('splits SSE events however the bytes are chunked (CRLF, multi-byte UTF-8, comments)', async () => {
    const text = ': keep-alive\r\ndata: {"a":"é€😀"}\r\n\r\ndata: line1\ndata: line2\n\ndata: [DONE]\n\n';
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 7, bytes.length]) {
      async function* chunks() {
        for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
      }
      const events: string[] = [];
      for await (const e of sseEvents(chunks())) events.push(e);
      expect(events, `chunk size ${size}`).toEqual(['{"a":"é€😀"}', 'line1\nline2', '[DONE]']);
    }
  });
});
