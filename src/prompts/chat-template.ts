// Renders a baseline's prompt with its own chat template through @huggingface/jinja — the engine
// transformers.js uses — and with the same variables transformers.js's apply_chat_template passes:
// messages, tools, documents (null), add_generation_prompt, the special tokens of tokenizer_config.json,
// then the entry's extra kwargs (enable_thinking ...).
//
// Which template: the model folder's chat_template.jinja (what HF transformers prefers), else
// tokenizer_config.json's chat_template (the only one transformers.js's AutoTokenizer reads — hence we
// pass the template explicitly), else the file the registry entry names, shipped with the project.
import { Template } from '@huggingface/jinja';
import './jinja-compat.ts';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { REPO_ROOT, type ModelEntry } from '../models/registry.ts';
import type { SuiteCase } from '../suite/types.ts';
import { conversationFor, type Conversation } from './conversation.ts';

export const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

export interface ChatTemplate {
  text: string;
  /** Where it came from: a file path, or "<file>#chat_template" for tokenizer_config.json. */
  source: string;
  sha256: string;
}

export interface RenderedPrompt extends Conversation {
  prompt: string;
  promptSha256: string;
  template: ChatTemplate;
  /** Every variable given to the template besides messages and tools. */
  variables: Record<string, unknown>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function readJson(path: string): Record<string, unknown> | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : undefined;
}

/** tokenizer_config.json's chat_template: a string, or a named list (transformers picks tool_use / default). */
function configTemplate(config: Record<string, unknown>, withTools: boolean): string | undefined {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = new Map((t as { name: string; template: string }[]).map((x) => [x.name, x.template]));
    return (withTools && named.get('tool_use')) || named.get('default');
  }
  return undefined;
}

export function resolveChatTemplate(entry: ModelEntry, modelDir: string | undefined, withTools = true): ChatTemplate {
  const make = (text: string, source: string): ChatTemplate => ({ text, source, sha256: sha256(text) });
  if (modelDir) {
    const jinja = join(modelDir, 'chat_template.jinja');
    if (existsSync(jinja)) return make(readFileSync(jinja, 'utf8'), jinja);
    const configPath = join(modelDir, 'tokenizer_config.json');
    const config = readJson(configPath);
    const fromConfig = config && configTemplate(config, withTools);
    if (fromConfig) return make(fromConfig, `${configPath}#chat_template`);
  }
  if (!entry.chatTemplate) throw new Error(`${entry.id}: no chat template in ${modelDir ?? '(no model folder)'} and the registry entry names none`);
  const path = isAbsolute(entry.chatTemplate) ? entry.chatTemplate : join(REPO_ROOT, entry.chatTemplate);
  if (!existsSync(path)) {
    throw new Error(`${entry.id}: chat template ${entry.chatTemplate} not found (${path}); pull the model (its own template is used) or restore the file`);
  }
  return make(readFileSync(path, 'utf8'), path);
}

/** Special tokens as transformers.js reads them (string or AddedToken {content}); the entry's as fallback. */
export function specialTokens(entry: ModelEntry, modelDir: string | undefined): Record<string, string> {
  const config = modelDir ? readJson(join(modelDir, 'tokenizer_config.json')) : undefined;
  if (!config) return { ...(entry.prompt?.specialTokens ?? {}) };
  const out: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const v = config[key] as string | { content?: string } | null | undefined;
    const text = typeof v === 'string' ? v : v && typeof v === 'object' ? v.content : undefined;
    if (text) out[key] = text;
  }
  return out;
}

const compiled = new Map<string, Template>();

export function renderChat(template: ChatTemplate, conversation: Conversation, variables: Record<string, unknown>): string {
  let t = compiled.get(template.text);
  if (!t) {
    t = new Template(template.text);
    compiled.set(template.text, t);
  }
  return t.render({ messages: conversation.messages, tools: conversation.tools.length ? conversation.tools : null, ...variables });
}

/** The exact prompt text the entry's model receives for one case. */
export function renderPrompt(entry: ModelEntry, testCase: SuiteCase, modelDir?: string): RenderedPrompt {
  const conversation = conversationFor(testCase, entry.prompt);
  const template = resolveChatTemplate(entry, modelDir, conversation.tools.length > 0);
  const variables = {
    documents: null,
    add_generation_prompt: true,
    ...specialTokens(entry, modelDir),
    ...(entry.prompt?.templateKwargs ?? {}),
  };
  const prompt = renderChat(template, conversation, variables);
  return { ...conversation, prompt, promptSha256: sha256(prompt), template, variables };
}
