// A small but real OpenAI-compatible server on 127.0.0.1 (node:http, port 0) for the openai
// provider's tests: GET /v1/models, POST /v1/chat/completions (tools → tool_calls) and
// /v1/completions (prompt → text), each streamed (SSE, several chunks) or not. It answers every
// case of the suites it is given with the case's first acceptable answer (the oracle's), found by
// the query text the request carries — so a correct client scores 100%, and any loss on the way
// (a dropped call, a mangled argument, a float turned into an int) shows as a failed case.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getDialect } from '../../src/dialects/registry.ts';
import { queryText } from '../../src/needle/v1/prompt.ts';
import { ORACLE_REFUSAL, oracleCalls } from '../../src/providers/oracle-answer.ts';
import type { SuiteCase } from '../../src/suite/types.ts';
import { stringifyJson } from '../../src/util/json-lexeme.ts';

export interface TestServerOptions {
  cases: SuiteCase[];
  /** Names GET /v1/models lists (any name is answered, as llama.cpp does). */
  models?: string[];
  /** Dialect the /v1/completions text is written in (the prompt format's). */
  rawDialect?: string;
  /** When set, every request must carry "Authorization: Bearer <apiKey>". */
  apiKey?: string;
  /** Delay before answering each POST, ms (to have requests in flight when a client is killed). */
  delayMs?: number;
  /** Pause between streamed chunks, ms. */
  chunkDelayMs?: number;
  /** Refuse streamed requests with a 400, as servers without SSE support do. */
  refuseStream?: boolean;
}

export interface TestServer {
  /** Base URL including /v1. */
  baseUrl: string;
  /** Every POST body received, in order. */
  readonly bodies: Record<string, unknown>[];
  /** POSTs being answered right now. */
  inFlight(): number;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-test-server-version': '0.9.1' });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Splits text into about `n` pieces (at least one), so streams have several chunks. */
function pieces(text: string, n = 3): string[] {
  if (text.length <= 1) return [text];
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const byQuery = new Map(options.cases.map((c) => [queryText(c.query), c]));
  // Longest query first, so a query that is a prefix of another cannot steal its prompt.
  const queries = [...byQuery.keys()].sort((a, b) => b.length - a.length);
  const rawDialect = options.rawDialect ? await getDialect(options.rawDialect) : undefined;
  const bodies: Record<string, unknown>[] = [];
  let inFlight = 0;

  const caseFor = (text: string, exact: boolean): SuiteCase | undefined => (exact ? byQuery.get(text) : byQuery.get(queries.find((q) => text.includes(q)) ?? ''));

  async function stream(res: ServerResponse, model: string, chunks: Record<string, unknown>[], usage: Record<string, number>, includeUsage: boolean, object: string): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-test-server-version': '0.9.1' });
    const id = `cmpl-${bodies.length}`;
    for (const choice of chunks) {
      res.write(`data: ${JSON.stringify({ id, object, model, choices: [{ index: 0, ...choice }] })}\n\n`);
      if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
    }
    if (includeUsage) res.write(`data: ${JSON.stringify({ id, object, model, choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  async function chat(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const messages = body.messages as { role: string; content: string }[];
    const user = [...messages].reverse().find((m) => m.role === 'user');
    const testCase = user ? caseFor(user.content, true) : undefined;
    if (!testCase) return send(res, 400, { error: { message: 'no case has this query', type: 'invalid_request_error' } });
    const calls = oracleCalls(testCase).map((c, i) => ({ id: `call_${i}`, type: 'function', function: { name: c.name, arguments: stringifyJson(c.arguments, c.floatPaths ?? []) } }));
    const content = calls.length ? null : ORACLE_REFUSAL;
    const model = String(body.model);
    const completionTokens = calls.length ? calls.reduce((n, c) => n + c.function.arguments.length, 0) : ORACLE_REFUSAL.length;
    const usage = { prompt_tokens: JSON.stringify(messages).length, completion_tokens: completionTokens, total_tokens: 0 };
    const finish = calls.length ? 'tool_calls' : 'stop';
    if (!body.stream) {
      return send(res, 200, { id: 'chat-1', object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content, ...(calls.length ? { tool_calls: calls } : {}) }, finish_reason: finish }], usage });
    }
    const chunks: Record<string, unknown>[] = [{ delta: { role: 'assistant', content: '' }, finish_reason: null }];
    if (content) for (const p of pieces(content)) chunks.push({ delta: { content: p }, finish_reason: null });
    calls.forEach((c, index) => {
      chunks.push({ delta: { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }, finish_reason: null });
      for (const p of pieces(c.function.arguments)) chunks.push({ delta: { tool_calls: [{ index, function: { arguments: p } }] }, finish_reason: null });
    });
    chunks.push({ delta: {}, finish_reason: finish });
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    return stream(res, model, chunks, usage, includeUsage, 'chat.completion.chunk');
  }

  async function completions(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const prompt = String(body.prompt);
    const testCase = caseFor(prompt, false);
    if (!testCase || !rawDialect) return send(res, 400, { error: { message: 'no case has this prompt (or no rawDialect configured)', type: 'invalid_request_error' } });
    const calls = oracleCalls(testCase);
    const text = calls.length ? rawDialect.format(calls) : ORACLE_REFUSAL;
    const model = String(body.model);
    const usage = { prompt_tokens: prompt.length, completion_tokens: text.length, total_tokens: prompt.length + text.length };
    if (!body.stream) return send(res, 200, { id: 'cmpl-1', object: 'text_completion', model, choices: [{ index: 0, text, finish_reason: 'stop' }], usage });
    const chunks: Record<string, unknown>[] = pieces(text, 4).map((p) => ({ text: p, finish_reason: null }));
    chunks.push({ text: '', finish_reason: 'stop' });
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    return stream(res, model, chunks, usage, includeUsage, 'text_completion');
  }

  const server = createServer((req, res) => {
    void (async () => {
      if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        await readBody(req);
        return send(res, 401, { error: { message: 'invalid API key', type: 'authentication_error' } });
      }
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && path === '/v1/models') {
        return send(res, 200, { object: 'list', data: (options.models ?? ['test-model']).map((id) => ({ id, object: 'model', owned_by: 'test' })) });
      }
      if (req.method === 'GET' && path === '/version') return send(res, 200, { version: '0.9.1' }); // as vLLM's
      if (req.method !== 'POST') return send(res, 404, { error: { message: `no route ${req.method} ${path}` } });
      const text = await readBody(req);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return send(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
      }
      bodies.push(body);
      if (options.refuseStream && body.stream) return send(res, 400, { error: { message: "Unsupported parameter: 'stream'", type: 'invalid_request_error' } });
      inFlight++;
      try {
        if (options.delayMs) await sleep(options.delayMs);
        if (path === '/v1/chat/completions') return await chat(body, res);
        if (path === '/v1/completions') return await completions(body, res);
        return send(res, 404, { error: { message: `no route POST ${path}` } });
      } finally {
        inFlight--;
      }
    })().catch((err: Error) => {
      if (!res.headersSent) send(res, 500, { error: { message: err.message } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    bodies,
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
