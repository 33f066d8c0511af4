// The OpenAI wire format as `needle-bench serve` speaks it: request validation (a bad field is a
// 400 naming it), and the response / stream-chunk shapes of chat completions and completions.
// Only what Needle can honour is accepted; options it cannot honour are refused by name rather than
// silently ignored, except sampling knobs (temperature, top_p, seed…): Needle decodes greedily.
import type { ChatMessage, ToolDef } from '../suite/types.ts';

/** An HTTP error with an OpenAI-style body. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

const bad = (param: string, message: string) => new ApiError(400, `${param}: ${message}`, 'invalid_request_error', param);

export interface CommonRequest {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** Lower cap on generated tokens, when the client gives one. */
  maxTokens?: number;
  stop: string[];
}

export interface ChatRequest extends CommonRequest {
  messages: ChatMessage[];
  tools: ToolDef[];
}

export interface CompletionRequest extends CommonRequest {
  prompt: string;
}

function object(value: unknown, param: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(param, 'expected a JSON object');
  return value as Record<string, unknown>;
}

function common(body: Record<string, unknown>): CommonRequest {
  if (typeof body.model !== 'string' || body.model === '') throw bad('model', 'required, a model id from GET /v1/models');
  if (body.stream !== undefined && typeof body.stream !== 'boolean') throw bad('stream', 'expected a boolean');
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw bad('n', 'only n=1 is supported (Needle decodes greedily: every choice would be the same)');
  const so = body.stream_options === undefined || body.stream_options === null ? {} : object(body.stream_options, 'stream_options');
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max !== undefined && max !== null && !(Number.isInteger(max) && (max as number) > 0)) throw bad(body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens', 'expected a positive integer');
  let stop: string[] = [];
  if (typeof body.stop === 'string') stop = [body.stop];
  else if (Array.isArray(body.stop)) {
    if (!body.stop.every((s) => typeof s === 'string' && s !== '')) throw bad('stop', 'expected a string or an array of non-empty strings');
    stop = body.stop as string[];
  } else if (body.stop !== undefined && body.stop !== null) throw bad('stop', 'expected a string or an array of strings');
  if (body.logprobs !== undefined && body.logprobs !== null && body.logprobs !== false) throw bad('logprobs', 'not supported by needle-bench serve');
  return {
    model: body.model,
    stream: body.stream === true,
    includeUsage: so.include_usage === true,
    ...(typeof max === 'number' ? { maxTokens: max } : {}),
    stop,
  };
}

/** Message content: a string, null, or an array of content parts of which the text ones count. */
function contentText(value: unknown, param: string): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    return value
      .map((part, i) => {
        const p = object(part, `${param}[${i}]`);
        if (p.type !== 'text' || typeof p.text !== 'string') throw bad(`${param}[${i}]`, 'only {"type":"text","text":...} parts are supported');
        return p.text;
      })
      .join('');
  }
  throw bad(param, 'expected a string, null or an array of text parts');
}

function tool(value: unknown, i: number): ToolDef {
  const t = object(value, `tools[${i}]`);
  if (t.type !== 'function') throw bad(`tools[${i}].type`, 'only "function" tools are supported');
  const f = object(t.function, `tools[${i}].function`);
  if (typeof f.name !== 'string' || f.name === '') throw bad(`tools[${i}].function.name`, 'required, a string');
  if (f.description !== undefined && f.description !== null && typeof f.description !== 'string') throw bad(`tools[${i}].function.description`, 'expected a string');
  const parameters = f.parameters === undefined || f.parameters === null ? { type: 'object', properties: {} } : object(f.parameters, `tools[${i}].function.parameters`);
  return { name: f.name, ...(typeof f.description === 'string' ? { description: f.description } : {}), parameters };
}

export function parseChatRequest(raw: unknown): ChatRequest {
  const body = object(raw, 'body');
  const req = common(body);
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw bad('messages', 'required, a non-empty array');
  const messages = body.messages.map((m, i) => {
    const msg = object(m, `messages[${i}]`);
    if (typeof msg.role !== 'string') throw bad(`messages[${i}].role`, 'required, a string');
    return { role: msg.role, content: contentText(msg.content, `messages[${i}].content`) };
  });
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) throw bad('tools', 'expected an array');
  const tools = ((body.tools as unknown[] | undefined) ?? []).map(tool);
  return { ...req, messages, tools };
}

export function parseCompletionRequest(raw: unknown): CompletionRequest {
  const body = object(raw, 'body');
  const req = common(body);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1) prompt = prompt[0];
  if (typeof prompt !== 'string') throw bad('prompt', 'required, one string (token-id prompts and batches are not supported)');
  if (body.echo === true) throw bad('echo', 'not supported by needle-bench serve');
  return { ...req, prompt };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** The head every chunk and response of one request shares. */
export interface ResponseHead {
  id: string;
  created: number;
  model: string;
}

export function chatCompletion(head: ResponseHead, content: string | null, toolCalls: ToolCallOut[], finish: FinishReason, u: Usage) {
  return {
    ...head,
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }, logprobs: null, finish_reason: finish }],
    usage: u,
  };
}

export function chatChunk(head: ResponseHead, delta: Record<string, unknown>, finish: FinishReason | null = null) {
  return { ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

export function completion(head: ResponseHead, text: string, finish: FinishReason, u: Usage) {
  return { ...head, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }], usage: u };
}

export function completionChunk(head: ResponseHead, text: string, finish: FinishReason | null = null) {
  return { ...head, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] };
}

/** The last chunk of a stream asked for with stream_options.include_usage: no choices, the usage. */
export function usageChunk(head: ResponseHead, object: 'chat.completion.chunk' | 'text_completion', u: Usage) {
  return { ...head, object, choices: [], usage: u };
}
