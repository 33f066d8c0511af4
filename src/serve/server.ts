// `needle-bench serve`'s HTTP server: OpenAI-compatible chat completions (tools → tool_calls) and
// completions (Needle's prompt text → raw output), SSE streaming, /v1/models, /health. Built on
// node:http: the surface is five routes with hand-checked bodies, so a framework would add a
// dependency without removing code that matters here (body limits, SSE, drain are a few lines each).
//
// Load: one bounded queue in front of the CPU (request-queue.ts); a full queue answers 503 with
// Retry-After at once. Bodies over `maxBodyBytes` get 413. close() drains: the port closes, requests
// received after it get 503 + Connection: close, every one received before (reading, queued or
// running) is finished, then the sockets close.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiError,
  chatChunk,
  chatCompletion,
  completion,
  completionChunk,
  parseChatRequest,
  parseCompletionRequest,
  usage,
  usageChunk,
  type ResponseHead,
} from './openai-protocol.ts';
import { QueueFullError, RequestQueue, type QueueStats } from './request-queue.ts';
import { SSE_DONE, SSE_HEADERS, sseFrame } from '../openai/sse.ts';
import { firstStop, type ServedNeedle } from './served-model.ts';
import { NeedlePromptError } from '../providers/needle.ts';
import { harnessVersion } from '../util/version.ts';

export interface ServeOptions {
  models: ServedNeedle[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Requests waiting beyond the running ones; more get 503. Default 16. */
  queueLimit?: number;
  /** Generations at once. Default 1: the engine already uses the cores it is given. */
  workers?: number;
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** close(): how long accepted requests may take before their connections are cut. Default 60 s. */
  drainTimeoutMs?: number;
  /** One line per notable event (errors, drain). */
  log?: (line: string) => void;
}

export interface NeedleServer {
  url: string;
  port: number;
  stats(): ServerStats;
  /** Graceful: refuse new requests, finish accepted ones, close. Idempotent. */
  close(): Promise<void>;
}

export interface ServerStats {
  queue: QueueStats;
  /** Requests being handled (reading, queued, generating, writing). */
  active: number;
  answered: Record<string, number>;
  draining: boolean;
}

export const DEFAULT_QUEUE_LIMIT = 16;
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** Reads a body up to `max` bytes; beyond it the rest is read and dropped (then 413), or the socket cut. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new ApiError(413, `request body exceeds ${max} bytes`, 'invalid_request_error', null, 'request_too_large');
    const declared = Number(req.headers['content-length']);
    const hardCap = max * 16;
    if (declared > hardCap) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= max) chunks.push(chunk);
      else if (total > hardCap) req.destroy();
    });
    req.on('end', () => (total > max ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function parseJsonBody(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new ApiError(400, `body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Server-sent events, OpenAI style: `data: <json>` frames, then `data: [DONE]`. */
class EventStream {
  private started = false;
  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
  ) {}
  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, { ...SSE_HEADERS, ...this.headers });
  }
  get isStarted(): boolean {
    return this.started;
  }
  send(data: unknown): void {
    this.start();
    this.res.write(sseFrame(data));
  }
  done(): void {
    this.start();
    this.res.end(SSE_DONE);
  }
}

/**
 * Turns growing text into deltas, holding back what could still turn out to be the start of a stop
 * string; `finish(final)` emits the rest so the deltas add up to exactly `final`.
 */
class DeltaWriter {
  private emitted = '';
  private readonly hold: number;
  constructor(
    private readonly stop: string[],
    private readonly emit: (delta: string) => void,
  ) {
    this.hold = Math.max(0, ...stop.map((s) => s.length - 1));
  }
  update(text: string): void {
    const cut = firstStop(text, this.stop);
    const visible = cut !== undefined ? text.slice(0, cut) : text.slice(0, Math.max(0, text.length - this.hold));
    this.write(visible);
  }
  finish(final: string): void {
    this.write(final);
  }
  private write(visible: string): void {
    if (visible.length <= this.emitted.length || !visible.startsWith(this.emitted)) return;
    this.emit(visible.slice(this.emitted.length));
    this.emitted = visible;
  }
}

export async function startServer(options: ServeOptions): Promise<NeedleServer> {
  if (options.models.length === 0) throw new Error('serve: no models');
  const models = new Map(options.models.map((m) => [m.id, m]));
  if (models.size !== options.models.length) throw new Error('serve: two models share an id');
  const queue = new RequestQueue(options.queueLimit ?? DEFAULT_QUEUE_LIMIT, options.workers ?? 1);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => {});
  const created = Math.floor(Date.now() / 1000);
  const answered: Record<string, number> = {};
  let draining = false;
  let active = 0;
  let onQuiet: (() => void) | undefined;

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    answered[status] = (answered[status] ?? 0) + 1;
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...(draining ? { Connection: 'close' } : {}),
      ...headers,
    });
    res.end(text);
  };

  const modelOf = (id: string): ServedNeedle => {
    const m = models.get(id);
    if (!m) throw new ApiError(404, `model "${id}" is not served here; GET /v1/models lists ${[...models.keys()].join(', ')}`, 'invalid_request_error', 'model', 'model_not_found');
    return m;
  };

  const modelCard = (m: ServedNeedle) => ({ id: m.id, object: 'model', created, owned_by: 'needle-bench', spec: m.spec, max_model_len: 1024 });

  /** Runs one generation through the queue; aborts it when the client goes away. */
  const generate = async <T>(res: ServerResponse, job: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort(new Error('client closed the connection'));
    };
    res.on('close', onClose);
    try {
      return await queue.run(() => job(gone.signal), gone.signal);
    } catch (err) {
      if (err instanceof QueueFullError) {
        throw new ApiError(503, 'server busy: the request queue is full; retry after the given seconds', 'server_overloaded', null, 'queue_full', { 'Retry-After': String(err.retryAfterSeconds) });
      }
      if (err instanceof NeedlePromptError) throw new ApiError(400, err.message, 'invalid_request_error', 'prompt');
      throw err;
    } finally {
      res.off('close', onClose);
    }
  };

  const chatCompletions = async (res: ServerResponse, body: unknown) => {
    const request = parseChatRequest(body);
    const model = modelOf(request.model);
    const head: ResponseHead = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: model.id };
    if (!request.stream) {
      const out = await generate(res, (signal) => model.chat(request, head.id, signal));
      const content = out.toolCalls.length ? null : out.raw;
      sendJson(res, 200, chatCompletion(head, content, out.toolCalls, out.finish, usage(out.promptTokens, out.completionTokens)));
      return;
    }
    const stream = new EventStream(res, draining ? { Connection: 'close' } : {});
    const role = () => {
      if (!stream.isStarted) stream.send(chatChunk(head, { role: 'assistant', content: '' }));
    };
    const out = await generate(res, (signal) => model.chat(request, head.id, signal, role));
    role();
    if (out.toolCalls.length) {
      out.toolCalls.forEach((call, index) => stream.send(chatChunk(head, { tool_calls: [{ index, ...call }] })));
    } else if (out.raw) {
      stream.send(chatChunk(head, { content: out.raw }));
    }
    stream.send(chatChunk(head, {}, out.finish));
    if (request.includeUsage) stream.send(usageChunk(head, 'chat.completion.chunk', usage(out.promptTokens, out.completionTokens)));
    answered[200] = (answered[200] ?? 0) + 1;
    stream.done();
  };

  const completions = async (res: ServerResponse, body: unknown) => {
    const request = parseCompletionRequest(body);
    const model = modelOf(request.model);
    const head: ResponseHead = { id: `cmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: model.id };
    if (!request.stream) {
      const out = await generate(res, (signal) => model.complete(request, signal));
      sendJson(res, 200, completion(head, out.raw, out.finish, usage(out.promptTokens, out.completionTokens)));
      return;
    }
    const stream = new EventStream(res, draining ? { Connection: 'close' } : {});
    const deltas = new DeltaWriter(request.stop, (text) => stream.send(completionChunk(head, text)));
    const out = await generate(res, (signal) => model.complete(request, signal, (text) => deltas.update(text)));
    deltas.finish(out.raw);
    stream.send(completionChunk(head, '', out.finish));
    if (request.includeUsage) stream.send(usageChunk(head, 'text_completion', usage(out.promptTokens, out.completionTokens)));
    answered[200] = (answered[200] ?? 0) + 1;
    stream.done();
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    const only = (allowed: string) => {
      if (method !== allowed) throw new ApiError(405, `${method} ${path}: use ${allowed}`, 'invalid_request_error', null, 'method_not_allowed', { Allow: allowed });
    };
    if (path === '/health') {
      only('GET');
      const stats = queue.stats();
      // `requests`: being handled besides this one (reading a body, queued, generating, writing).
      sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok', models: [...models.keys()], queue: stats, requests: active - 1 });
      return;
    }
    if (path === '/v1/models') {
      only('GET');
      sendJson(res, 200, { object: 'list', data: [...models.values()].map(modelCard) });
      return;
    }
    if (path.startsWith('/v1/models/')) {
      only('GET');
      sendJson(res, 200, modelCard(modelOf(decodeURIComponent(path.slice('/v1/models/'.length)))));
      return;
    }
    const handler = path === '/v1/chat/completions' ? chatCompletions : path === '/v1/completions' ? completions : undefined;
    if (!handler) throw new ApiError(404, `no route ${method} ${path}; routes: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health`, 'invalid_request_error', null, 'not_found');
    only('POST');
    if (draining) throw new ApiError(503, 'server is shutting down', 'server_shutting_down', null, 'shutting_down', { 'Retry-After': '5' });
    const body = parseJsonBody(await readBody(req, maxBody));
    await handler(res, body);
  };

  const serverHeader = `needle-bench/${harnessVersion()}`;
  const server: Server = createServer((req, res) => {
    active++;
    res.setHeader('Server', serverHeader);
    route(req, res)
      .catch((err: unknown) => {
        if (err instanceof ApiError) {
          sendJson(res, err.status, err.body(), err.headers);
          return;
        }
        const message = err instanceof Error ? err.message : String(err);
        if (res.destroyed) return; // the client left; its generation was aborted
        log(`error: ${req.method} ${req.url}: ${message}`);
        if (res.headersSent) {
          // Mid-stream: the status is already 200, so the error travels as an event.
          res.end(sseFrame(new ApiError(500, message, 'server_error').body()));
          answered[500] = (answered[500] ?? 0) + 1;
        } else sendJson(res, 500, new ApiError(500, message, 'server_error').body());
      })
      .finally(() => {
        active--;
        if (active === 0) onQuiet?.();
      });
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      // Stop listening, but leave idle keep-alive sockets open until the drain ends: a request a
      // client already wrote on one then gets a clean 503 instead of a connection reset.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if (active > 0) {
        log(`draining: ${active} request(s) in flight`);
        const quiet = new Promise<void>((resolve) => (onQuiet = resolve));
        const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), options.drainTimeoutMs ?? 60_000).unref());
        if ((await Promise.race([quiet, timeout])) === 'timeout') {
          log(`drain timeout: cutting ${active} request(s)`);
          server.closeAllConnections();
        }
      }
      server.closeIdleConnections();
      await closed;
    })());

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    stats: () => ({ queue: queue.stats(), active, answered: { ...answered }, draining }),
    close,
  };
}
