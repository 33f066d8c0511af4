// `needle-bench serve` over real HTTP on loopback, needle-tiny behind it: answers equal a local run's
// (an independently loaded needle provider), streaming adds up to the same answer, errors are clean
// JSON with the right status, the queue bound answers 503 + Retry-After, oversized bodies get 413,
// and a bounded load of concurrent clients is answered or refused without a crash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialect as needleDialect } from '../../src/dialects/needle.ts';
import { modelCacheDir } from '../../src/models/registry.ts';
import { promptText } from '../../src/needle/v1/prompt.ts';
import { NeedleProvider } from '../../src/providers/needle.ts';
import { createProvider } from '../../src/providers/registry.ts';
import { ServedNeedle } from '../../src/serve/served-model.ts';
import { startServer, type NeedleServer } from '../../src/serve/server.ts';
import type { SuiteCase, ToolDef } from '../../src/suite/types.ts';
import { parseJson } from '../../src/util/json-lexeme.ts';
import { scoreCase } from '../../src/score/score.ts';
import type { ToolCall } from '../../src/dialects/types.ts';
import { REPO_ROOT } from '../run/helpers.ts';
import { assembleToolCalls, post, sseEvents, type Chunk } from './http-client.ts';

const smoke = readFileSync(join(REPO_ROOT, 'suites/core-smoke/cases.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SuiteCase);
// One case of each category, so calls, parallel calls and no-call answers are all crossed.
const cases = [...new Map(smoke.map((c) => [c.category, c])).values()].slice(0, 6);

const openaiTools = (tools: ToolDef[]) => tools.map((t) => ({ type: 'function', function: t }));

let model: ServedNeedle;
let local: NeedleProvider;
let server: NeedleServer;
const servers: NeedleServer[] = [];

async function extraServer(options: Partial<Parameters<typeof startServer>[0]>): Promise<NeedleServer> {
  const s = await startServer({ models: [model], ...options });
  servers.push(s);
  return s;
}

beforeAll(async () => {
  model = await ServedNeedle.load('needle-tiny', 'needle-tiny', { threads: 1 });
  local = (await createProvider('needle-tiny', { cacheDir: modelCacheDir(), threads: 1 })) as NeedleProvider;
  await local.load();
  server = await extraServer({});
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await model?.dispose();
  await local?.dispose();
});

describe('serve: answers are a local run\'s', () => {
  it('lists its models and reports health', async () => {
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { object: string; data: { id: string; object: string }[] };
    expect(models.object).toBe('list');
    expect(models.data.map((m) => m.id)).toEqual(['needle-tiny']);
    const one = await fetch(`${server.url}/v1/models/needle-tiny`);
    expect(one.status).toBe(200);
    const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string; queue: { limit: number } };
    expect(health.status).toBe('ok');
    expect(health.queue.limit).toBe(16);
  });

  it('chat completions with tools: tool_calls (or content) equal the local provider\'s parsed output, usage counts its tokens', async () => {
    let sawCalls = 0;
    for (const c of cases) {
      const gen = await local.generate(c);
      const parsed = needleDialect.parse(gen.raw, c.tools);
      const res = await post(`${server.url}/v1/chat/completions`, { model: 'needle-tiny', messages: [{ role: 'user', content: c.query }], tools: openaiTools(c.tools) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        object: string;
        choices: { message: { role: string; content: string | null; tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[];
        usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      };
      expect(body.object).toBe('chat.completion');
      const msg = body.choices[0].message;
      expect(body.usage).toEqual({ prompt_tokens: gen.promptTokens, completion_tokens: gen.generatedTokens, total_tokens: gen.promptTokens! + gen.generatedTokens! });
      if (parsed.ok && parsed.calls.length > 0) {
        sawCalls++;
        expect(body.choices[0].finish_reason).toBe('tool_calls');
        expect(msg.content).toBeNull();
        const got = msg.tool_calls!.map((t) => {
          const args = parseJson(t.function.arguments);
          if (!args.ok) throw new Error(`arguments not JSON: ${t.function.arguments}`);
          return { name: t.function.name, arguments: args.value, floatPaths: args.floatPaths };
        });
        expect(got.map((g) => ({ name: g.name, arguments: g.arguments }))).toEqual(parsed.calls.map((p) => ({ name: p.name, arguments: p.arguments })));
        expect(got.map((g) => g.floatPaths ?? [])).toEqual(parsed.calls.map((p) => p.floatPaths ?? []));
        expect(msg.tool_calls!.every((t) => t.type === 'function' && t.id.startsWith('call_'))).toBe(true);
      } else {
        expect(msg.tool_calls).toBeUndefined();
        expect(msg.content).toBe(gen.raw);
      }
    }
    expect(sawCalls).toBeGreaterThan(0);
  });

  it('completions on Needle\'s prompt text: text is the local raw output, byte for byte; streamed deltas add up to it', async () => {
    for (const c of cases) {
      const gen = await local.generate(c);
      const res = await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(c) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { object: string; choices: { text: string; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number } };
      expect(body.object).toBe('text_completion');
      expect(body.choices[0].text).toBe(gen.raw);
      expect(body.usage.prompt_tokens).toBe(gen.promptTokens);
      expect(body.usage.completion_tokens).toBe(gen.generatedTokens);

      const streamed = await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(c), stream: true, stream_options: { include_usage: true } });
      expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = await sseEvents(streamed);
      expect(events.at(-1)).toBe('[DONE]');
      const chunks = events.slice(0, -1) as Chunk[];
      const text = chunks.map((ch) => ch.choices[0]?.text ?? '').join('');
      expect(text).toBe(gen.raw);
      // Tokens arrive as they are decoded, not in one piece at the end.
      if (gen.generatedTokens! > 3) expect(chunks.filter((ch) => ch.choices[0]?.text).length).toBeGreaterThan(2);
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe(body.choices[0].finish_reason);
      expect(chunks.at(-1)!.choices).toEqual([]);
      expect(chunks.at(-1)!.usage).toEqual({ prompt_tokens: gen.promptTokens, completion_tokens: gen.generatedTokens, total_tokens: gen.promptTokens! + gen.generatedTokens! });
    }
  });

  it('chat streaming: role first, tool_call deltas that assemble to the non-streamed tool_calls, finish reason, usage, [DONE]', async () => {
    const c = cases.find((x) => x.expected.calls.length > 0)!;
    const request = { model: 'needle-tiny', messages: [{ role: 'user', content: c.query }], tools: openaiTools(c.tools) };
    const plain = (await (await post(`${server.url}/v1/chat/completions`, request)).json()) as {
      choices: { message: { content: string | null; tool_calls?: { function: { name: string; arguments: string } }[] }; finish_reason: string }[];
    };
    const events = await sseEvents(await post(`${server.url}/v1/chat/completions`, { ...request, stream: true, stream_options: { include_usage: true } }));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    expect(chunks.every((ch) => ch.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0].choices[0].delta?.role).toBe('assistant');
    const calls = assembleToolCalls(chunks);
    const want = plain.choices[0].message.tool_calls ?? [];
    expect(calls.map((x) => ({ name: x.name, arguments: x.arguments }))).toEqual(want.map((x) => ({ name: x.function.name, arguments: x.function.arguments })));
    if (want.length === 0) expect(chunks.map((ch) => ch.choices[0]?.delta?.content ?? '').join('')).toBe(plain.choices[0].message.content);
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe(plain.choices[0].finish_reason);
    expect(chunks.at(-1)!.usage!.total_tokens).toBeGreaterThan(0);
  });

  it('every core-smoke case: raw text equals the local output and the verdict from tool_calls equals the local verdict', async () => {
    const mismatches: string[] = [];
    for (const c of smoke) {
      const gen = await local.generate(c);
      const parsed = needleDialect.parse(gen.raw, c.tools);
      const localVerdict = scoreCase(c, parsed.ok ? { kind: 'parsed', calls: parsed.calls } : { kind: 'parse_error', error: parsed.error });

      const raw = (await (await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(c) })).json()) as { choices: { text: string }[] };
      if (raw.choices[0].text !== gen.raw) mismatches.push(`${c.id}: raw text differs`);

      const chat = (await (await post(`${server.url}/v1/chat/completions`, { model: 'needle-tiny', messages: [{ role: 'user', content: c.query }], tools: openaiTools(c.tools) })).json()) as {
        choices: { message: { content: string | null; tool_calls?: { function: { name: string; arguments: string } }[] } }[];
      };
      const calls: ToolCall[] = (chat.choices[0].message.tool_calls ?? []).map((t) => {
        const args = parseJson(t.function.arguments);
        if (!args.ok) throw new Error(`${c.id}: arguments not JSON`);
        return { name: t.function.name, arguments: args.value as Record<string, unknown>, ...(args.floatPaths?.length ? { floatPaths: args.floatPaths } : {}) };
      });
      const served = scoreCase(c, { kind: 'parsed', calls });
      if (parsed.ok && served.pass !== localVerdict.pass) mismatches.push(`${c.id}: verdict ${served.pass} served, ${localVerdict.pass} local`);
      if (!parsed.ok && chat.choices[0].message.content !== gen.raw) mismatches.push(`${c.id}: unparsed output not returned as content`);
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('stop strings cut the text, streamed or not', async () => {
    const c = cases[0];
    const full = (await local.generate(c)).raw;
    const stop = full.slice(5, 8);
    const want = full.slice(0, full.indexOf(stop));
    const res = (await (await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(c), stop: [stop] })).json()) as { choices: { text: string; finish_reason: string }[] };
    expect(res.choices[0]).toMatchObject({ text: want, finish_reason: 'stop' });
    const chunks = (await sseEvents(await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(c), stop, stream: true }))).slice(0, -1) as Chunk[];
    expect(chunks.map((ch) => ch.choices[0].text).join('')).toBe(want);
  });

  it('max_tokens lowers the token cap (finish_reason length)', async () => {
    const res = (await (await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(cases[0]), max_tokens: 3 })).json()) as { choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
    expect(res.usage.completion_tokens).toBe(3);
    expect(res.choices[0].finish_reason).toBe('length');
  });
});

describe('serve: any needle checkpoint, under a name', () => {
  it('serves needle:<dir> as "tiny-dir", answering as the registered needle-tiny does; Server header names the harness', async () => {
    const byPath = await ServedNeedle.load('tiny-dir', `needle:${join(REPO_ROOT, 'models/needle-tiny')}`, { threads: 1 });
    try {
      const s = await extraServer({ models: [byPath] });
      const models = (await (await fetch(`${s.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual(['tiny-dir']);
      const res = await post(`${s.url}/v1/completions`, { model: 'tiny-dir', prompt: promptText(cases[2]) });
      expect(res.headers.get('server')).toMatch(/^needle-bench\//);
      expect(((await res.json()) as { choices: { text: string }[] }).choices[0].text).toBe((await local.generate(cases[2])).raw);
      await s.close();
    } finally {
      await byPath.dispose();
    }
  });
});

describe('serve: errors', () => {
  const error = async (res: Response) => ({ status: res.status, body: (await res.json()) as { error: { message: string; type: string; param: string | null; code: string | null } } });

  it('answers bad input with a 4xx JSON error naming the problem', async () => {
    const chat = `${server.url}/v1/chat/completions`;
    const badJson = await error(await post(chat, '{"model": '));
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.message).toMatch(/not valid JSON/);

    const unknown = await error(await post(chat, { model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ param: 'model', code: 'model_not_found' });
    expect(unknown.body.error.message).toMatch(/needle-tiny/);

    const noModel = await error(await post(chat, { messages: [{ role: 'user', content: 'hi' }] }));
    expect(noModel).toMatchObject({ status: 400, body: { error: { param: 'model', type: 'invalid_request_error' } } });
    const noMessages = await error(await post(chat, { model: 'needle-tiny' }));
    expect(noMessages).toMatchObject({ status: 400, body: { error: { param: 'messages' } } });
    const badTool = await error(await post(chat, { model: 'needle-tiny', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { description: 'x' } }] }));
    expect(badTool).toMatchObject({ status: 400, body: { error: { param: 'tools[0].function.name' } } });
    const n2 = await error(await post(chat, { model: 'needle-tiny', messages: [{ role: 'user', content: 'hi' }], n: 2 }));
    expect(n2).toMatchObject({ status: 400, body: { error: { param: 'n' } } });

    const noPrompt = await error(await post(`${server.url}/v1/completions`, { model: 'needle-tiny' }));
    expect(noPrompt).toMatchObject({ status: 400, body: { error: { param: 'prompt' } } });
    const notNeedle = await error(await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: 'Once upon a time' }));
    expect(notNeedle).toMatchObject({ status: 400, body: { error: { param: 'prompt' } } });
    expect(notNeedle.body.error.message).toMatch(/<tools>/);
    const badTools = await error(await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: 'hi<tools>[{"nom":1}]' }));
    expect(badTools.status).toBe(400);
    expect(badTools.body.error.message).toMatch(/tool 0/);

    const route = await error(await fetch(`${server.url}/v2/nothing`));
    expect(route.status).toBe(404);
    const method = await fetch(`${server.url}/v1/chat/completions`);
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('POST');
    await method.body?.cancel();
  });

  it('refuses a body over the size limit with 413 and keeps serving', async () => {
    const small = await extraServer({ maxBodyBytes: 4096 });
    const big = { model: 'needle-tiny', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] };
    const res = await post(`${small.url}/v1/chat/completions`, big);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('request_too_large');
    const ok = await post(`${small.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(cases[0]), max_tokens: 2 });
    expect(ok.status).toBe(200);
    await ok.body?.cancel();
  });

  it('a client that goes away mid-generation does not disturb the next request', async () => {
    const ac = new AbortController();
    const pending = fetch(`${server.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ model: 'needle-tiny', prompt: promptText(cases[1]), stream: true }), signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(pending.then((r) => r.text())).rejects.toThrow();
    const ok = await post(`${server.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(cases[1]) });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { choices: { text: string }[] }).choices[0].text).toBe((await local.generate(cases[1])).raw);
  });
});

describe('serve: under load', () => {
  it('a full queue answers 503 with Retry-After at once; the accepted requests are answered', async () => {
    const tight = await extraServer({ queueLimit: 1 });
    const body = { model: 'needle-tiny', prompt: promptText(cases[0]) };
    const responses = await Promise.all(Array.from({ length: 12 }, () => post(`${tight.url}/v1/completions`, body)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2); // one running, one waiting
    const refused = responses.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('queue_full');
    }
    for (const r of responses.filter((x) => x.status === 200)) await r.body?.cancel();
    expect(tight.stats().queue.refused).toBe(refused.length);
  });

  it('N concurrent clients for a bounded time: every request answered 200 or refused 503, none lost, server healthy after', async () => {
    const loaded = await extraServer({ queueLimit: 4 });
    const clients = 12;
    const until = performance.now() + 2500;
    const counts: Record<string, number> = {};
    const client = async (k: number) => {
      const c = cases[k % cases.length];
      while (performance.now() < until) {
        const stream = k % 3 === 0;
        const res = k % 2 === 0
          ? await post(`${loaded.url}/v1/completions`, { model: 'needle-tiny', prompt: promptText(c), stream })
          : await post(`${loaded.url}/v1/chat/completions`, { model: 'needle-tiny', messages: [{ role: 'user', content: c.query }], tools: openaiTools(c.tools), stream });
        const text = await res.text();
        counts[res.status] = (counts[res.status] ?? 0) + 1;
        if (res.status === 200 && stream) expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
        if (res.status === 503) await new Promise((r) => setTimeout(r, 20));
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, k) => client(k)));
    expect(Object.keys(counts).sort()).toEqual(Object.keys(counts).filter((s) => s === '200' || s === '503').sort());
    expect(counts[200]).toBeGreaterThan(0);
    const stats = loaded.stats();
    expect(stats.answered[200]).toBe(counts[200]);
    expect(stats.answered[503] ?? 0).toBe(counts[503] ?? 0);
    expect(stats.active).toBe(0);
    expect((await fetch(`${loaded.url}/health`)).status).toBe(200);
  });
});
