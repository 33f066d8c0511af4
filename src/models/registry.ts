// The model registry: one JSON file per model under models/ (id, where its weights come from, its
// dialect, licence, size, generation settings). Providers read their entry; `needle-bench models`
// lists entries and whether each is present locally; `pull` downloads what an entry names.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HubSource {
  repo: string;
  /**
   * Pinned commit; pulls and runs record it. null when no commit could be verified yet: the entry
   * then says why in `revisionNote`, and `pull` refuses it unless given an explicit --revision.
   */
  revision: string | null;
  revisionNote?: string;
  /** Files the provider needs, relative to the repo root. */
  files: string[];
}

/**
 * A model served by an OpenAI-compatible server (provider "openai"): nothing to pull; the entry says
 * where to reach it, usually through environment variables so one file serves every deployment.
 */
export interface EndpointSource {
  /** Base URL, e.g. http://127.0.0.1:8000/v1; or, preferably, */
  baseUrl?: string;
  /** the environment variable holding it (the model is "not present" while it is unset). */
  baseUrlEnv?: string;
  /** The server's name for the model (vLLM: the --served-model-name, default the HF repo). */
  model: string;
  /** Environment variable holding the API key, sent as a Bearer token; never recorded. */
  apiKeyEnv?: string;
  /** "tools" (the server parses tool calls) or "raw" (our chat template, our dialect parser). */
  mode?: 'tools' | 'raw';
  /** Registered local model whose chat template, prompt settings and dialect apply. */
  promptFormatOf?: string;
  /** Stream responses (SSE) to measure time to first token; default true. */
  stream?: boolean;
}

export interface PromptSettings {
  /** Extra template variables, e.g. {"enable_thinking": false} for Qwen3. */
  templateKwargs?: Record<string, unknown>;
  /** A developer turn prepended to every conversation (FunctionGemma's function-calling preamble). */
  developerPrompt?: string;
  /**
   * Special-token strings the template reads (bos_token, eos_token, ...), used only when the model's
   * tokenizer_config.json is not on disk, so `needle-bench prompt` works before a pull.
   */
  specialTokens?: Record<string, string>;
}

export interface ModelEntry {
  id: string;
  displayName: string;
  /** Provider prefix that runs it ("needle", "transformers", ...). */
  provider: string;
  /** For a provider that serves several model generations, which one (e.g. "needle-2"); absent = its default. */
  architecture?: string;
  dialect: string;
  licence: string;
  parameterCount?: number;
  /** Weights shipped inside this repository (path relative to the repo root). */
  local?: string;
  /** Weights fetched from the Hugging Face hub by `needle-bench pull`. */
  hub?: HubSource;
  /** Served by an OpenAI-compatible server instead (provider "openai"). */
  endpoint?: EndpointSource;
  /** Other places the same model is published (e.g. the original, non-ONNX repo). */
  origin?: { repo: string; licence?: string; note?: string };
  /** dtype / precision to load (e.g. "fp32", "q4"). */
  dtype?: string;
  /**
   * Chat template used when the model folder carries none (chat_template.jinja or tokenizer_config's
   * chat_template): a path relative to the repository root (models/chat-templates/...).
   */
  chatTemplate?: string;
  /** How the provider builds the prompt for this family (see src/prompts/conversation.ts). */
  prompt?: PromptSettings;
  generation: Record<string, unknown>;
  notes?: string;
  /** The file this entry was read from. */
  file: string;
}

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const MODELS_DIR = join(REPO_ROOT, 'models');

/** Where pulled weights live: $NEEDLE_BENCH_CACHE, else ~/.cache/needle-bench/models. */
export function modelCacheDir(): string {
  return process.env.NEEDLE_BENCH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'needle-bench', 'models');
}

function required(entry: Record<string, unknown>, key: string, file: string): void {
  if (entry[key] === undefined) throw new Error(`${file}: ${key}: required field missing`);
}

export function parseEntry(text: string, file: string): ModelEntry {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  for (const key of ['id', 'displayName', 'provider', 'dialect', 'licence', 'generation']) required(raw, key, file);
  if (!raw.local && !raw.hub && !raw.endpoint) throw new Error(`${file}: needs "local", "hub" or "endpoint"`);
  const endpoint = raw.endpoint as EndpointSource | undefined;
  if (endpoint) {
    if (typeof endpoint.model !== 'string' || !endpoint.model) throw new Error(`${file}: endpoint: model: required (the server's name for the model)`);
    if (!endpoint.baseUrl && !endpoint.baseUrlEnv) throw new Error(`${file}: endpoint: needs baseUrl or baseUrlEnv`);
    if (endpoint.mode !== undefined && endpoint.mode !== 'tools' && endpoint.mode !== 'raw') throw new Error(`${file}: endpoint: mode: expected "tools" or "raw", got ${JSON.stringify(endpoint.mode)}`);
  }
  const hub = raw.hub as HubSource | undefined;
  if (hub && (!hub.repo || !Array.isArray(hub.files))) throw new Error(`${file}: hub: needs repo and files[]`);
  if (hub && hub.revision === null) {
    if (typeof hub.revisionNote !== 'string' || !hub.revisionNote.trim()) {
      throw new Error(`${file}: hub: an unpinned revision (null) needs a revisionNote saying why`);
    }
  } else if (hub && !/^[0-9a-f]{40}$/.test(hub.revision ?? '')) {
    throw new Error(`${file}: hub: needs a 40-hex pinned revision (or null with a revisionNote)`);
  }
  return { ...(raw as unknown as ModelEntry), file };
}

let cache: Map<string, ModelEntry> | undefined;

export function modelRegistry(dir = MODELS_DIR): Map<string, ModelEntry> {
  if (dir === MODELS_DIR && cache) return cache;
  const map = new Map<string, ModelEntry>();
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
      const entry = parseEntry(readFileSync(join(dir, f), 'utf8'), join(dir, f));
      if (map.has(entry.id)) throw new Error(`${join(dir, f)}: id: duplicate model id "${entry.id}"`);
      map.set(entry.id, entry);
    }
  }
  if (dir === MODELS_DIR) cache = map;
  return map;
}

/** Folder holding an entry's files: the shipped folder, or the pulled snapshot in the cache. */
/** Short form for listings: repo@abc1234, or repo@unpinned. */
export function hubLabel(hub: HubSource): string {
  return `${hub.repo}@${hub.revision ? hub.revision.slice(0, 7) : 'unpinned'}`;
}

export function modelDir(entry: ModelEntry, cacheDir = modelCacheDir()): string {
  if (entry.local) return join(REPO_ROOT, entry.local);
  if (!entry.hub) throw new Error(`${entry.id} is served by an endpoint; it has no model folder`);
  return join(cacheDir, entry.hub!.repo);
}

export interface Presence {
  present: boolean;
  dir: string;
  missing: string[];
  /** Revision recorded by `pull`, if any. */
  revision?: string;
}

export const REVISION_FILE = '.needle-bench-revision';

/** An endpoint entry's base URL: written in the entry, or read from the variable it names. */
export function endpointUrl(endpoint: EndpointSource): string | undefined {
  return endpoint.baseUrl ?? (endpoint.baseUrlEnv ? process.env[endpoint.baseUrlEnv] || undefined : undefined);
}

export function presence(entry: ModelEntry, cacheDir = modelCacheDir()): Presence {
  if (entry.endpoint && !entry.local && !entry.hub) {
    // "Present" = reachable in principle: its base URL is known. `dir` names where it is looked for.
    const url = endpointUrl(entry.endpoint);
    const dir = entry.endpoint.baseUrl ?? `$${entry.endpoint.baseUrlEnv}`;
    return { present: url !== undefined, dir, missing: url ? [] : [`$${entry.endpoint.baseUrlEnv}`] };
  }
  const dir = modelDir(entry, cacheDir);
  if (entry.local) {
    return { present: existsSync(dir), dir, missing: existsSync(dir) ? [] : [entry.local] };
  }
  const missing = entry.hub!.files.filter((f) => !existsSync(join(dir, f)));
  const revFile = join(dir, REVISION_FILE);
  const revision = existsSync(revFile) ? readFileSync(revFile, 'utf8').trim() : undefined;
  return { present: missing.length === 0, dir, missing, revision };
}
