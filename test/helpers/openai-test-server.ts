// A small but real OpenAI-compatible server on 127.0.0.1 (node:http, port 0) for the openai
// provider's tests: GET /v1/models, POST /v1/chat/completions (tools → tool_calls) and
// /v1/completions (prompt → text), each streamed (SSE, several chunks) or not. Its responses and
// frames are built by the module `needle-bench serve` uses (src/serve/openai-protocol.ts,
// src/openai/sse.ts), so the client is tested against the shapes serve sends. It answers every
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
import { SSE_DONE, SSE_HEADERS, sseFrame } from '../../src/openai/sse.ts';
import { chatChunk, chatCompletion, completion, completionChunk, usage as usageOf, usageChunk, type FinishReason, type ResponseHead, type ToolCallOut, type Usage } from '../../src/serve/openai-protocol.ts';

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

  const headOf = (prefix: string, model: string): ResponseHead => ({ id: `${prefix}-${bodies.length}`, created: Math.floor(Date.now() / 1000), model });

  /** Writes the stream: `chunks` (chat.completion.chunk or text_completion events), usage, [DONE]. */
  async function stream(res: ServerResponse, chunks: unknown[], usage: unknown | undefined): Promise<void> {
    res.writeHead(200, { ...SSE_HEADERS, 'x-test-server-version': '0.9.1' });
    for (const chunk of chunks) {
      res.write(sseFrame(chunk));
      if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
    }
    if (usage) res.write(sseFrame(usage));
    res.end(SSE_DONE);
  }

  const includeUsage = (body: Record<string, unknown>) => (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;

  async function chat(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const messages = body.messages as { role: string; content: string }[];
    const user = [...messages].reverse().find((m) => m.role === 'user');
    const testCase = user ? caseFor(user.content, true) : undefined;
    if (!testCase) return send(res, 400, { error: { message: 'no case has this query', type: 'invalid_request_error' } });
    const calls: ToolCallOut[] = oracleCalls(testCase).map((c, i) => ({ id: `call_${i}`, type: 'function', function: { name: c.name, arguments: stringifyJson(c.arguments, c.floatPaths ?? []) } }));
    const content = calls.length ? null : ORACLE_REFUSAL;
    const head = headOf('chatcmpl', String(body.model));
    const completionTokens = calls.length ? calls.reduce((n, c) => n + c.function.arguments.length, 0) : ORACLE_REFUSAL.length;
    const usage: Usage = usageOf(JSON.stringify(messages).length, completionTokens);
    const finish: FinishReason = calls.length ? 'tool_calls' : 'stop';
    if (!body.stream) return send(res, 200, chatCompletion(head, content, calls, finish, usage));
    const chunks: unknown[] = [chatChunk(head, { role: 'assistant', content: '' })];
    if (content) for (const p of pieces(content)) chunks.push(chatChunk(head, { content: p }));
    calls.forEach((c, index) => {
      chunks.push(chatChunk(head, { tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }));
      for (const p of pieces(c.function.arguments)) chunks.push(chatChunk(head, { tool_calls: [{ index, function: { arguments: p } }] }));
    });
    chunks.push(chatChunk(head, {}, finish));
    return stream(res, chunks, includeUsage(body) ? usageChunk(head, 'chat.completion.chunk', usage) : undefined);
  }

  async function completions(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const prompt = String(body.prompt);
    const testCase = caseFor(prompt, false);
    if (!testCase || !rawDialect) return send(res, 400, { error: { message: 'no case has this prompt (or no rawDialect configured)', type: 'invalid_request_error' } });
    const calls = oracleCalls(testCase);
    const text = calls.length ? rawDialect.format(calls) : ORACLE_REFUSAL;
    const head = headOf('cmpl', String(body.model));
    const usage = usageOf(prompt.length, text.length);
    if (!body.stream) return send(res, 200, completion(head, text, 'stop', usage));
    const chunks: unknown[] = pieces(text, 4).map((p) => completionChunk(head, p));
    chunks.push(completionChunk(head, '', 'stop'));
    return stream(res, chunks, includeUsage(body) ? usageChunk(head, 'text_completion', usage) : undefined);
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
