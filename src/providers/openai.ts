// The `openai` provider: a model behind an OpenAI-compatible HTTP server (vLLM, SGLang, llama.cpp,
// Ollama, needle-bench serve). Spec "openai:<base-url>#<model>", or a registered entry with
// "provider": "openai" and an `endpoint` block (models/*@vllm.json). Two modes:
// - tools: the case's tools go in the request's `tools`, the server's own tool parser answers with
//   `tool_calls`; the assistant message is kept verbatim as raw text in the openai-tool-calls dialect.
// - raw: the prompt format's own chat template is rendered here (src/openai/raw-prompt.ts) and sent to
//   /v1/completions; the text is parsed by that model's own dialect, as a local run would be.
// Requests: greedy (temperature 0), streamed when the server streams (TTFT and decode tok/s per case),
// bounded retries (src/openai/retry.ts). The runner's p-limit (--concurrency) sets how many are in flight.
// See docs/openai.md.
import { endpointUrl } from '../models/registry.ts';
import { conversationFor } from '../prompts/conversation.ts';
import { OpenAIClient, type Completion } from '../openai/client.ts';
import { rawPrompt, rawTemplate } from '../openai/raw-prompt.ts';
import { checkUrl, publicUrl, resolveSettings, type OpenAISettings } from '../openai/settings.ts';
import type { SuiteCase } from '../suite/types.ts';
import { ModelNotPresentError } from './not-present.ts';
import type { Generation, ModelProvenance, Provider, ProviderFactory, ProviderOptions } from './types.ts';

export const TOOLS_DIALECT = 'openai-tool-calls';

export class OpenAIProvider implements Provider {
  readonly dialect: string;
  readonly settings: OpenAISettings;
  private client?: OpenAIClient;
  /** Why the server refused a streamed request, once it has. */
  private streamRefused?: string;

  constructor(readonly id: string, private readonly options: ProviderOptions) {
    this.settings = resolveSettings(id, options);
    this.dialect = this.settings.mode === 'tools' ? TOOLS_DIALECT : this.settings.promptFormat!.dialect;
  }

  /** The base URL, or why the model is not present (its variable is unset). */
  private baseUrl(): string {
    const s = this.settings;
    if (s.baseUrl) return s.baseUrl;
    const url = this.options.model?.endpoint ? endpointUrl(this.options.model.endpoint) : undefined;
    if (!url) throw new ModelNotPresentError(`${this.id} is not present: set ${s.baseUrlEnv} to its server's base URL (e.g. http://127.0.0.1:8000/v1); see docs/openai.md`);
    checkUrl(url, `$${s.baseUrlEnv}`);
    return url;
  }

  async load(): Promise<ModelProvenance> {
    const s = this.settings;
    // Raw mode without a template would fail every case alike: fail the load instead, before any request.
    const template = s.mode === 'raw' ? rawTemplate(s.promptFormat!, this.options.cacheDir) : undefined;
    const baseUrl = this.baseUrl();
    const apiKey = s.apiKeyEnv ? process.env[s.apiKeyEnv] || undefined : undefined;
    const client = new OpenAIClient({ baseUrl, apiKey, requestTimeoutMs: s.requestTimeoutMs, retry: s.retry });
    // The served model list doubles as a reachability and authorisation check. A server without the
    // route (404) is allowed; one that lists other models does not serve this one: not present here.
    let serverModels: string[] | null = null;
    let modelsError: string | undefined;
    try {
      serverModels = (await client.models()).map((m) => m.id);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!/^HTTP 404\b/.test(message)) {
        const hint = /^HTTP 40[13]\b/.test(message) ? (s.apiKeyEnv ? ` (is ${s.apiKeyEnv} set to the server's key?)` : ' (the server wants an API key: name its variable with apiKeyEnv)') : '';
        throw new Error(`${publicUrl(baseUrl)}: ${message}${hint}`);
      }
      modelsError = message;
    }
    if (serverModels && serverModels.length > 0 && !serverModels.includes(s.model)) {
      throw new ModelNotPresentError(
        `${this.id}: ${publicUrl(baseUrl)} serves ${serverModels.slice(0, 10).map((m) => `"${m}"`).join(', ')}, not "${s.model}" (choose one with --provider-option servedModel=<name>; llama.cpp: start it with --alias ${s.model})`,
      );
    }
    const version = await client.probeVersion();
    this.client = client;
    const entry = this.options.model;
    const format = s.promptFormat;
    return {
      id: this.id,
      displayName: entry?.displayName ?? `${s.model} (${publicUrl(baseUrl)}, ${s.mode} mode)`,
      parameterCount: entry?.parameterCount ?? format?.parameterCount,
      dialect: this.dialect,
      ...(format ? { promptFormatOf: format.id } : {}),
      generation: {
        greedy: true,
        temperature: 0,
        mode: s.mode,
        maxTokens: s.maxTokens,
        stream: s.stream,
        requestTimeoutMs: s.requestTimeoutMs,
        retry: s.retry,
        ...(Object.keys(s.extraBody).length ? { extraBody: s.extraBody } : {}),
        ...(format && s.mode === 'raw' ? { prompt: format.prompt ?? {}, chatTemplateFallback: format.chatTemplate, ...(template ? { template } : {}) } : {}),
      },
      endpoint: {
        baseUrl: publicUrl(baseUrl),
        ...(s.baseUrlEnv ? { baseUrlEnv: s.baseUrlEnv } : {}),
        model: s.model,
        serverModel: serverModels ? s.model : null,
        serverModels: serverModels ? serverModels.slice(0, 20) : null,
        ...(modelsError ? { modelsError } : {}),
        serverHeaders: { ...client.server.headers },
        ...(version ? { serverVersion: version.version, serverVersionRoute: version.route } : {}),
        // Whether a key was sent, and from which variable; the key itself is never written anywhere.
        apiKey: apiKey ? `from $${s.apiKeyEnv}` : 'none',
      },
    };
  }

  private request(testCase: SuiteCase): { kind: 'chat' | 'completions'; body: Record<string, unknown>; info: Record<string, unknown> } {
    const s = this.settings;
    const common: Record<string, unknown> = {
      model: s.model,
      temperature: 0,
      max_tokens: s.maxTokens,
      ...(s.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      ...(typeof this.options.seed === 'number' ? { seed: this.options.seed } : {}),
    };
    if (s.mode === 'raw') {
      const raw = rawPrompt(s.promptFormat!, testCase, this.options.cacheDir);
      // The template already wrote every special token (BOS included); special tokens in the output
      // are kept because some dialects are made of them (LFM2's tool-call markers). vLLM reads both.
      const body = { ...common, prompt: raw.prompt, add_special_tokens: false, skip_special_tokens: false, ...(raw.stop.length ? { stop: raw.stop } : {}), ...s.extraBody };
      return { kind: 'completions', body, info: { promptSha256: raw.promptSha256, ...(raw.template ? { templateSha256: raw.template.sha256, templateSource: raw.template.source } : {}) } };
    }
    const conversation = conversationFor(testCase, s.promptFormat?.prompt);
    const kwargs = s.promptFormat?.prompt?.templateKwargs;
    const body = {
      ...common,
      messages: conversation.messages,
      ...(conversation.tools.length ? { tools: conversation.tools, tool_choice: 'auto' } : {}),
      ...(kwargs && s.chatTemplateKwargs ? { chat_template_kwargs: kwargs } : {}),
      ...s.extraBody,
    };
    return { kind: 'chat', body, info: {} };
  }

  /** The record's raw text: the completion text, or (tools mode) the assistant message as JSON. */
  private rawText(c: Completion): string {
    if (this.settings.mode === 'raw') return c.text;
    return JSON.stringify({ content: c.text === '' ? null : c.text, tool_calls: c.toolCalls.length ? c.toolCalls : undefined });
  }

  /**
   * Sends one case. A server that refuses streaming (a 400 naming stream or stream_options) is asked
   * again without it, and from then on every case goes unstreamed (no TTFT, recorded per case).
   */
  private async send(kind: 'chat' | 'completions', body: Record<string, unknown>, signal?: AbortSignal): Promise<{ c: Completion; streamRefused?: string }> {
    const unstreamed = () => {
      const { stream: _s, stream_options: _o, ...rest } = body;
      return rest;
    };
    if (this.streamRefused) return { c: await this.client!.create(kind, unstreamed(), signal), streamRefused: this.streamRefused };
    try {
      return { c: await this.client!.create(kind, body, signal) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!body.stream || !/^HTTP 400\b.*stream/i.test(message)) throw err;
      this.streamRefused = message;
      return { c: await this.client!.create(kind, unstreamed(), signal), streamRefused: message };
    }
  }

  async generate(testCase: SuiteCase, signal?: AbortSignal): Promise<Generation> {
    if (!this.client) throw new Error('openai provider: generate() before load()');
    const { kind, body, info } = this.request(testCase);
    const { c, streamRefused } = await this.send(kind, body, signal);
    const warnings: string[] = [];
    if (streamRefused) warnings.push(`sent unstreamed: the server refused streaming (${streamRefused})`);
    if (c.finishReason === 'length') warnings.push(`stopped at the ${this.settings.maxTokens}-token cap (finish_reason "length")`);
    if (c.usage?.completionTokens === undefined) warnings.push('the server reported no usage.completion_tokens');
    return {
      raw: this.rawText(c),
      promptTokens: c.usage?.promptTokens,
      generatedTokens: c.usage?.completionTokens,
      // Timings of the attempt that answered: time spent on failed attempts and backoff is in info.
      timings: { totalMs: c.totalMs, ...(c.firstTokenMs !== undefined ? { firstTokenMs: c.firstTokenMs } : {}) },
      info: {
        ...info,
        mode: this.settings.mode,
        streamed: c.streamed,
        ...(c.finishReason ? { finishReason: c.finishReason } : {}),
        ...(c.model ? { responseModel: c.model } : {}),
        attempts: c.attempts,
        ...(c.attempts > 1 ? { retryWaitMs: c.waitedMs, failedAttempts: c.failures } : {}),
        ...(warnings.length ? { warnings } : {}),
      },
    };
  }

  async dispose(): Promise<void> {
    this.client = undefined;
  }
}

export const factory: ProviderFactory = {
  prefix: 'openai',
  description: 'a model on an OpenAI-compatible server: openai:<base-url>#<model>; options mode=tools|raw, promptFormat, apiKeyEnv, requestTimeoutMs, maxRetries (docs/openai.md)',
  create: (spec, options) => new OpenAIProvider(spec, options),
};
