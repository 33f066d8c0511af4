// A fault-injecting HTTP proxy on 127.0.0.1 for client tests: it forwards to a real upstream server
// and, per request, may instead (or on the way back) break the exchange the way real servers and
// networks do. Every request is counted under a key — its body (a client's retry resends the same
// body) or "GET <path>" — so a test can prove how often a client retried each case.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | 'pass'
  | 'http500'
  | 'http429' // with Retry-After
  | 'http404'
  | 'drop' // the connection closed before any response (a crashed or restarting server)
  | 'stall' // headers sent, then nothing: the client's timeout must end it
  | 'reset' // part of the body, then a TCP reset
  | 'truncate' // an SSE stream ended cleanly before its finish_reason / [DONE]
  | 'invalid-json' // a body (or one SSE event) that is not JSON
  | 'bad-arguments'; // tool-call arguments that are not JSON

export interface RequestContext {
  method: string;
  path: string;
  /** 1-based attempt number of this key. */
  attempt: number;
  body: string;
}

export interface FaultProxy {
  /** Base URL including /v1. */
  baseUrl: string;
  /** Attempts per key, for POSTs (the case's request body) only. */
  attempts(): number[];
  /** Arrival times (ms, performance.now()) per POST key, in key order. */
  arrivals(): number[][];
  /** Every request, GETs included. */
  total(): number;
  setPlan(plan: (ctx: RequestContext) => Fault): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** Seconds in the 429's Retry-After header. */
  retryAfterSeconds?: number;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Rewrites every SSE data event's JSON with `edit`. */
function editEvents(text: string, edit: (chunk: Record<string, unknown>) => void): string {
  return text.replace(/^data: (.+)$/gm, (line, data: string) => {
    if (data.trim() === '[DONE]') return line;
    const chunk = JSON.parse(data) as Record<string, unknown>;
    edit(chunk);
    return `data: ${JSON.stringify(chunk)}`;
  });
}

type Call = { function?: { name?: string; arguments?: string } };

function breakArguments(calls: Call[] | undefined): void {
  for (const c of calls ?? []) if (c.function && c.function.name !== undefined) c.function.arguments = `not json: ${c.function.arguments ?? ''}`;
}

export async function startFaultProxy(upstreamBaseUrl: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const upstream = new URL(upstreamBaseUrl);
  const keys = new Map<string, number[]>();
  let total = 0;
  let plan: (ctx: RequestContext) => Fault = () => 'pass';
  const sockets = new Set<Socket>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    total++;
    const body = await readBody(req);
    const path = req.url ?? '/';
    const key = req.method === 'POST' ? createHash('sha256').update(body).digest('hex') : `${req.method} ${path}`;
    const seen = keys.get(key) ?? [];
    seen.push(performance.now());
    keys.set(key, seen);
    const fault = plan({ method: req.method ?? 'GET', path, attempt: seen.length, body: body.toString('utf8') });

    if (fault === 'http500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return void res.end('{"error":{"message":"injected internal error"}}');
    }
    if (fault === 'http429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(options.retryAfterSeconds ?? 1) });
      return void res.end('{"error":{"message":"injected rate limit"}}');
    }
    if (fault === 'http404') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return void res.end('{"error":{"message":"injected: model not found"}}');
    }
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'stall') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      return; // never answered; close() destroys the socket
    }

    const target = new URL(upstream.pathname.replace(/\/v1\/?$/, '') + path, upstream);
    const up = await fetch(target, { method: req.method, headers: { 'content-type': 'application/json', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) }, body: req.method === 'POST' ? body : undefined });
    let text = await up.text();
    const type = up.headers.get('content-type') ?? 'application/json';
    const sse = type.includes('text/event-stream');

    if (fault === 'reset') {
      res.writeHead(up.status, { 'content-type': type });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      // Let the half reach the client, then reset the connection.
      setTimeout(() => req.socket.resetAndDestroy(), 20);
      return;
    }
    if (fault === 'truncate') {
      // Keep the events before the one that carries the finish_reason, then end the response cleanly.
      const events = text.split('\n\n').filter((e) => e.trim() !== '');
      const cut = events.findIndex((e) => /"finish_reason":"/.test(e));
      text = events.slice(0, Math.max(1, cut < 0 ? events.length - 1 : cut)).map((e) => `${e}\n\n`).join('');
    } else if (fault === 'invalid-json') {
      if (sse) {
        let n = 0;
        text = text.replace(/^data: (\{.+)$/gm, (line, data: string) => (++n === 2 ? `data: ${data.slice(0, Math.floor(data.length / 2))}` : line));
      } else {
        text = text.slice(0, Math.floor(text.length / 2));
      }
    } else if (fault === 'bad-arguments') {
      if (sse) {
        text = editEvents(text, (chunk) => {
          for (const choice of (chunk.choices as { delta?: { tool_calls?: Call[] } }[]) ?? []) breakArguments(choice.delta?.tool_calls);
        });
      } else {
        const json = JSON.parse(text) as { choices: { message: { tool_calls?: Call[] } }[] };
        for (const choice of json.choices) breakArguments(choice.message.tool_calls);
        text = JSON.stringify(json);
      }
    }
    res.writeHead(up.status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `proxy: ${err.message}` } }));
      } else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const posts = () => [...keys.entries()].filter(([k]) => !k.startsWith('GET '));
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    attempts: () => posts().map(([, t]) => t.length),
    arrivals: () => posts().map(([, t]) => t),
    total: () => total,
    setPlan: (p) => {
      plan = p;
      keys.clear();
      total = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
