// What an `openai` model spec means: where the server is, which model it serves, how cases are sent
// (mode), whose prompt format applies, and the request policy. Sources, later ones winning: the
// registry entry's `endpoint` block, the spec "openai:<base-url>#<model>", then --provider-option.
// The base URL and API key may come from environment variables the entry names; only the variable
// names are ever recorded, never the key.
import { modelRegistry, type EndpointSource, type ModelEntry } from '../models/registry.ts';
import type { ProviderOptions } from '../providers/types.ts';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';

export type OpenAIMode = 'tools' | 'raw';
export const MODES: OpenAIMode[] = ['tools', 'raw'];

export interface OpenAISettings {
  mode: OpenAIMode;
  /** The base URL as given, or undefined when it comes from `baseUrlEnv` (read at load time). */
  baseUrl?: string;
  baseUrlEnv?: string;
  /** Model name sent in requests (the server's name for it). */
  model: string;
  apiKeyEnv?: string;
  /** The registered entry whose chat template, prompt settings and dialect apply (raw mode needs one). */
  promptFormat?: ModelEntry;
  stream: boolean;
  maxTokens: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  /** Send the prompt format's templateKwargs as chat_template_kwargs (tools mode; vLLM, SGLang read it). */
  chatTemplateKwargs: boolean;
  /** Extra request fields, merged last (e.g. {"top_k": 1}). */
  extraBody: Record<string, unknown>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** "openai:<base-url>#<model>" → its parts; the model may itself hold ':' or '/' (Ollama's qwen3:0.6b). */
export function parseSpec(spec: string): { baseUrl: string; model: string } {
  const arg = spec.slice(spec.indexOf(':') + 1);
  const hash = arg.lastIndexOf('#');
  if (!spec.startsWith('openai:') || hash < 1 || hash === arg.length - 1) {
    throw new Error(`"${spec}": expected openai:<base-url>#<model>, e.g. openai:http://127.0.0.1:8000/v1#Qwen/Qwen3-0.6B`);
  }
  const baseUrl = arg.slice(0, hash);
  checkUrl(baseUrl, spec);
  return { baseUrl, model: arg.slice(hash + 1) };
}

export function checkUrl(url: string, where: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${where}: base URL "${url}" is not a URL (e.g. http://127.0.0.1:8000/v1)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${where}: base URL "${url}" must be http(s)`);
}

/** The URL as recorded: user name and password (if any were written into it) removed. */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}

function number(options: ProviderOptions, key: string, fallback: number, min: number): number {
  const v = options[key];
  if (v === undefined) return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < min) throw new Error(`openai: option ${key}: expected a number ≥ ${min}, got ${JSON.stringify(v)}`);
  return n;
}

function bool(options: ProviderOptions, key: string, fallback: boolean): boolean {
  const v = options[key];
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  throw new Error(`openai: option ${key}: expected true or false, got ${JSON.stringify(v)}`);
}

function text(options: ProviderOptions, key: string): string | undefined {
  const v = options[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new Error(`openai: option ${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function promptFormatEntry(id: string, where: string): ModelEntry {
  const entry = modelRegistry().get(id);
  if (!entry) throw new Error(`${where}: prompt format "${id}" is not a registered model id (one of ${[...modelRegistry().keys()].sort().join(', ')})`);
  if (entry.provider === 'openai') throw new Error(`${where}: prompt format "${id}" is itself an endpoint entry; name the local model whose template applies`);
  return entry;
}

export function resolveSettings(spec: string, options: ProviderOptions): OpenAISettings {
  const entry = options.model;
  const endpoint: EndpointSource | undefined = entry?.endpoint;
  if (entry && !endpoint) throw new Error(`${entry.file}: provider "openai" needs an "endpoint" block`);
  const fromSpec = entry ? undefined : parseSpec(spec);
  const where = entry ? entry.id : spec;

  const mode = (text(options, 'mode') ?? endpoint?.mode ?? 'tools') as OpenAIMode;
  if (!MODES.includes(mode)) throw new Error(`${where}: mode "${mode}": expected one of ${MODES.join(', ')}`);
  const model = text(options, 'servedModel') ?? fromSpec?.model ?? endpoint!.model;
  const baseUrl = text(options, 'baseUrl') ?? fromSpec?.baseUrl ?? endpoint?.baseUrl;
  if (baseUrl) checkUrl(baseUrl, where);
  const baseUrlEnv = baseUrl ? undefined : endpoint?.baseUrlEnv;

  // Whose prompt format: named explicitly, else a registered id equal to the served model's name.
  const formatId = text(options, 'promptFormat') ?? endpoint?.promptFormatOf ?? (modelRegistry().has(model) ? model : undefined);
  const promptFormat = formatId ? promptFormatEntry(formatId, where) : undefined;
  if (mode === 'raw' && !promptFormat) {
    throw new Error(`${where}: raw mode renders a registered model's own chat template; say whose with --provider-option promptFormat=<registered id> (e.g. qwen3-0.6b)`);
  }
  const generation = (entry?.generation ?? promptFormat?.generation ?? {}) as { maxNewTokens?: number };
  const extra = options.extraBody;
  if (extra !== undefined && (extra === null || typeof extra !== 'object' || Array.isArray(extra))) {
    throw new Error(`openai: option extraBody: expected a JSON object, got ${JSON.stringify(extra)}`);
  }
  return {
    mode,
    baseUrl,
    baseUrlEnv,
    model,
    apiKeyEnv: text(options, 'apiKeyEnv') ?? endpoint?.apiKeyEnv,
    promptFormat,
    stream: bool(options, 'stream', endpoint?.stream ?? true),
    maxTokens: number(options, 'maxTokens', generation.maxNewTokens ?? 512, 1),
    requestTimeoutMs: number(options, 'requestTimeoutMs', DEFAULT_REQUEST_TIMEOUT_MS, 1),
    retry: {
      maxRetries: number(options, 'maxRetries', DEFAULT_RETRY.maxRetries, 0),
      baseDelayMs: number(options, 'retryBaseMs', DEFAULT_RETRY.baseDelayMs, 0),
      maxDelayMs: number(options, 'retryMaxMs', DEFAULT_RETRY.maxDelayMs, 0),
      maxRetryAfterMs: number(options, 'maxRetryAfterMs', DEFAULT_RETRY.maxRetryAfterMs, 0),
    },
    chatTemplateKwargs: bool(options, 'chatTemplateKwargs', true),
    extraBody: (extra as Record<string, unknown> | undefined) ?? {},
  };
}
