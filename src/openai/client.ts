// A small client for OpenAI-compatible servers (vLLM, llama.cpp, Ollama, SGLang, needle-bench serve):
// POST chat/completions and completions, streamed (SSE) or not, and GET models. One call = attempts
// under the retry policy (retry.ts), each with its own per-request timeout covering the whole
// response body. What comes back is checked: a body that is not JSON, a stream that stops before its
// end, a server error event or a response without choices is an error naming what was wrong — the
// runner records it for that case — never a half answer passed on as if whole.
import { parseRetryAfter, RetryableError, withRetries, type RetryPolicy } from './retry.ts';
import { sseEvents } from './sse.ts';

export interface ClientConfig {
  /** e.g. http://127.0.0.1:8000/v1 (no trailing slash needed). */
  baseUrl: string;
  apiKey?: string;
  requestTimeoutMs: number;
  retry: RetryPolicy;
}

/** One tool call as the wire carries it: arguments is a JSON-encoded string (or, leniently, an object). */
export interface WireToolCall {
  id?: string;
  type?: string;
  function: { name: string; arguments: unknown };
}

export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
}

export interface Completion {
  /** chat: message.content; completions: text. */
  text: string;
  toolCalls: WireToolCall[];
  finishReason?: string;
  usage?: Usage;
  /** The model name the response carries. */
  model?: string;
  streamed: boolean;
  /** Events received (streamed answers). */
  events?: number;
  /** From sending the successful attempt to its first assistant-role, text or tool-call delta, ms. */
  firstTokenMs?: number;
  /** From sending the successful attempt to the end of its body, ms. */
  totalMs: number;
  attempts: number;
  waitedMs: number;
  failures: string[];
}

export interface ServerFacts {
  /** The `server` response header, and every header whose name mentions "version". */
  headers: Record<string, string>;
}

/** A response that is not what the API promises: recorded for the case, never retried. */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

const SNIPPET = 200;
const snippet = (text: string) => (text.length > SNIPPET ? `${text.slice(0, SNIPPET)}…` : text);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Why fetch or a body read failed, from undici's TypeError and its cause (ECONNRESET, ...). */
function networkReason(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e.message ?? 'network error'} (${cause})` : (e?.message ?? String(err));
}

function usageOf(v: unknown): Usage | undefined {
  if (!isObject(v)) return undefined;
  const u: Usage = {};
  if (typeof v.prompt_tokens === 'number') u.promptTokens = v.prompt_tokens;
  if (typeof v.completion_tokens === 'number') u.completionTokens = v.completion_tokens;
  return u;
}

/** Reads and type-checks one wire tool call. */
function wireToolCall(v: unknown, where: string): WireToolCall {
  if (!isObject(v) || !isObject(v.function)) throw new MalformedResponseError(`malformed response: ${where} is not a {function: {name, arguments}} object`);
  const fn = v.function;
  if (typeof fn.name !== 'string' || fn.name === '') throw new MalformedResponseError(`malformed response: ${where}.function.name is missing`);
  const call: WireToolCall = { function: { name: fn.name, arguments: fn.arguments ?? '' } };
  if (typeof v.id === 'string') call.id = v.id;
  if (typeof v.type === 'string') call.type = v.type;
  return call;
}

type Kind = 'chat' | 'completions';

/** Accumulates a streamed answer chunk by chunk. */
class StreamAssembler {
  text = '';
  finishReason?: string;
  usage?: Usage;
  model?: string;
  done = false;
  events = 0;
  firstTokenAt?: number;
  private readonly calls = new Map<number, { id?: string; type?: string; name: string; arguments: string }>();

  constructor(private readonly kind: Kind) {}

  add(data: string): void {
    if (data.trim() === '[DONE]') {
      this.done = true;
      return;
    }
    this.events++;
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch (err) {
      throw new MalformedResponseError(`malformed stream: event ${this.events} is not JSON (${(err as Error).message}): ${snippet(data)}`);
    }
    if (!isObject(chunk)) throw new MalformedResponseError(`malformed stream: event ${this.events} is not a JSON object: ${snippet(data)}`);
    if (chunk.error !== undefined) {
      const e = chunk.error;
      throw new MalformedResponseError(`server error in stream: ${isObject(e) && typeof e.message === 'string' ? e.message : snippet(JSON.stringify(e))}`);
    }
    if (typeof chunk.model === 'string') this.model = chunk.model;
    const usage = usageOf(chunk.usage);
    if (usage) this.usage = usage;
    if (!Array.isArray(chunk.choices)) {
      if (usage) return; // the include_usage chunk carries no choices
      throw new MalformedResponseError(`malformed stream: event ${this.events} has no choices: ${snippet(data)}`);
    }
    const choice = chunk.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) as Record<string, unknown> | undefined;
    if (!choice) return;
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    let produced = false;
    if (this.kind === 'completions') {
      if (typeof choice.text === 'string' && choice.text !== '') {
        this.text += choice.text;
        produced = true;
      }
    } else if (isObject(choice.delta)) {
      const delta = choice.delta;
      // The assistant-role delta is sent with the first generated token (vLLM, llama.cpp,
      // needle-bench serve) and counts as it, as vLLM's benchmark_serving counts TTFT: a server
      // that sends tool calls whole after decoding (serve) would otherwise show TTFT = total time
      // and a meaningless decode rate.
      if (typeof delta.role === 'string') produced = true;
      if (typeof delta.content === 'string' && delta.content !== '') {
        this.text += delta.content;
        produced = true;
      }
      if (Array.isArray(delta.tool_calls)) {
        for (const part of delta.tool_calls) produced = this.addCallDelta(part) || produced;
      }
    }
    if (produced) this.firstTokenAt ??= performance.now();
  }

  /** Tool-call deltas: the first one of an index names the function, later ones append arguments. */
  private addCallDelta(part: unknown): boolean {
    if (!isObject(part)) throw new MalformedResponseError(`malformed stream: event ${this.events}: a tool_calls delta is not an object`);
    const index = typeof part.index === 'number' ? part.index : this.calls.size;
    const fn = isObject(part.function) ? part.function : {};
    let call = this.calls.get(index);
    if (!call) {
      call = { name: '', arguments: '' };
      this.calls.set(index, call);
    }
    if (typeof part.id === 'string') call.id = part.id;
    if (typeof part.type === 'string') call.type = part.type;
    if (typeof fn.name === 'string') call.name += fn.name;
    if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
    else if (fn.arguments !== undefined) call.arguments += JSON.stringify(fn.arguments);
    return true;
  }

  toolCalls(): WireToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([i, c]) => wireToolCall({ id: c.id, type: c.type, function: { name: c.name, arguments: c.arguments } }, `tool_calls[${i}]`));
  }
}

/** A non-streamed answer. */
function readJsonAnswer(kind: Kind, text: string): Omit<Completion, 'streamed' | 'totalMs' | 'attempts' | 'waitedMs' | 'failures'> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new MalformedResponseError(`malformed response: not JSON (${(err as Error).message}): ${snippet(text)}`);
  }
  if (!isObject(body)) throw new MalformedResponseError(`malformed response: not a JSON object: ${snippet(text)}`);
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
  if (!isObject(choice)) throw new MalformedResponseError(`malformed response: no choices[0]: ${snippet(text)}`);
  const out = {
    text: '',
    toolCalls: [] as WireToolCall[],
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined,
    usage: usageOf(body.usage),
    model: typeof body.model === 'string' ? body.model : undefined,
  };
  if (kind === 'completions') {
    if (typeof choice.text !== 'string') throw new MalformedResponseError(`malformed response: choices[0].text is not a string`);
    out.text = choice.text;
    return out;
  }
  const message = choice.message;
  if (!isObject(message)) throw new MalformedResponseError(`malformed response: choices[0].message is missing`);
  if (message.content !== undefined && message.content !== null && typeof message.content !== 'string') {
    throw new MalformedResponseError(`malformed response: choices[0].message.content is not a string`);
  }
  out.text = (message.content as string | null | undefined) ?? '';
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    if (!Array.isArray(message.tool_calls)) throw new MalformedResponseError(`malformed response: choices[0].message.tool_calls is not an array`);
    out.toolCalls = message.tool_calls.map((c, i) => wireToolCall(c, `choices[0].message.tool_calls[${i}]`));
  }
  return out;
}

export class OpenAIClient {
  /** Server headers seen on the latest response. */
  readonly server: ServerFacts = { headers: {} };

  constructor(readonly config: ClientConfig) {}

  url(path: string): string {
    return `${this.config.baseUrl.replace(/\/+$/, '')}/${path}`;
  }

  private headers(withBody: boolean): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json, text/event-stream' };
    if (withBody) h['content-type'] = 'application/json';
    if (this.config.apiKey) h.authorization = `Bearer ${this.config.apiKey}`;
    return h;
  }

  private noteServer(res: Response): void {
    for (const [name, value] of res.headers) {
      if (name === 'server' || /version/i.test(name)) this.server.headers[name] = value;
    }
  }

  /**
   * One HTTP exchange with its own timeout; `read` consumes the body. Network failures, a timeout,
   * 429 and 5xx become RetryableError; other statuses an error with the server's words.
   */
  private async exchange<T>(path: string, init: RequestInit, signal: AbortSignal | undefined, read: (res: Response, started: number) => Promise<T>): Promise<T> {
    const ms = this.config.requestTimeoutMs;
    const timeout = AbortSignal.timeout(ms);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const started = performance.now();
    const failed = (err: unknown, stage: string): never => {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted) throw new RetryableError(`request timed out after ${ms} ms (${stage})`);
      if (err instanceof MalformedResponseError) throw err;
      throw new RetryableError(`connection error ${stage}: ${networkReason(err)}`);
    };
    let res: Response;
    try {
      res = await fetch(this.url(path), { ...init, signal: both });
    } catch (err) {
      return failed(err, 'before the response');
    }
    this.noteServer(res);
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      const message = `HTTP ${res.status} ${res.statusText} from ${path}${text ? `: ${snippet(text)}` : ''}`;
      if (res.status === 429 || res.status >= 500) {
        throw new RetryableError(message, parseRetryAfter(res.headers.get('retry-after')));
      }
      throw new Error(message);
    }
    try {
      return await read(res, started);
    } catch (err) {
      return failed(err, 'while reading the response');
    }
  }

  /** POST chat/completions or completions; streamed when body.stream is true and the server streams. */
  async create(kind: Kind, body: Record<string, unknown>, signal?: AbortSignal): Promise<Completion> {
    const path = kind === 'chat' ? 'chat/completions' : 'completions';
    const init: RequestInit = { method: 'POST', headers: this.headers(true), body: JSON.stringify(body) };
    const outcome = await withRetries(
      () =>
        this.exchange(path, init, signal, async (res, started) => {
          const type = res.headers.get('content-type') ?? '';
          if (type.includes('text/event-stream')) {
            const acc = new StreamAssembler(kind);
            for await (const data of sseEvents(res.body as unknown as AsyncIterable<Uint8Array>)) {
              acc.add(data);
              if (acc.done) break;
            }
            const end = performance.now();
            if (!acc.done && acc.finishReason === undefined) {
              throw new MalformedResponseError(`truncated stream: it ended after ${acc.events} event(s) without a finish_reason or [DONE]`);
            }
            return {
              text: acc.text,
              toolCalls: acc.toolCalls(),
              finishReason: acc.finishReason,
              usage: acc.usage,
              model: acc.model,
              streamed: true,
              events: acc.events,
              firstTokenMs: acc.firstTokenAt !== undefined ? acc.firstTokenAt - started : undefined,
              totalMs: end - started,
            };
          }
          const text = await res.text();
          return { ...readJsonAnswer(kind, text), streamed: false, totalMs: performance.now() - started };
        }),
      this.config.retry,
      signal,
    );
    return { ...outcome.value, attempts: outcome.attempts, waitedMs: outcome.waitedMs, failures: outcome.failures };
  }

  /**
   * The server's version where it has a route saying so — vLLM's `/version`, Ollama's `/api/version`,
   * both beside `/v1` — as `{route, version}`; undefined otherwise. One short try each, no retries:
   * provenance, not a requirement.
   */
  async probeVersion(timeoutMs = 2000): Promise<{ route: string; version: string } | undefined> {
    const root = this.config.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    for (const route of ['/version', '/api/version']) {
      try {
        const res = await fetch(root + route, { headers: this.headers(false), signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) {
          await res.body?.cancel();
          continue;
        }
        const body = (await res.json()) as { version?: unknown };
        if (typeof body?.version === 'string') return { route, version: body.version };
      } catch {
        /* no such route, or not JSON: try the next */
      }
    }
    return undefined;
  }

  /** GET models: the ids the server serves (retried like any request). */
  async models(signal?: AbortSignal): Promise<{ id: string; [k: string]: unknown }[]> {
    const outcome = await withRetries(
      () =>
        this.exchange('models', { method: 'GET', headers: this.headers(false) }, signal, async (res) => {
          const text = await res.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            throw new MalformedResponseError(`malformed models list: not JSON: ${snippet(text)}`);
          }
          const data = isObject(body) ? body.data : undefined;
          if (!Array.isArray(data)) throw new MalformedResponseError(`malformed models list: no data[]: ${snippet(text)}`);
          return data.filter((m): m is { id: string } => isObject(m) && typeof m.id === 'string');
        }),
      this.config.retry,
      signal,
    );
    return outcome.value;
  }
}
