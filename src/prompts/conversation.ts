// The chat a baseline is given for one suite case, in the shape Hugging Face chat templates take:
// messages [{role, content}] and tools [{type: "function", function: {name, description, parameters}}].
// Family-specific touches come from the registry entry's `prompt` settings, not from code here.
import type { PromptSettings } from '../models/registry.ts';
import { BFCL_TYPE_KEY } from '../score/bfcl-tool.ts';
import type { SuiteCase, ToolDef } from '../suite/types.ts';

export interface ChatTurn {
  role: string;
  content: string;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface Conversation {
  messages: ChatTurn[];
  tools: ChatTool[];
}

/**
 * The schema without the importer's "x-bfcl-type" annotations (at every depth): they are harness
 * metadata for the BFCL checker, which BFCL never shows a model, and they would reach the prompt as
 * bogus parameters (FunctionGemma's template lists unknown keys of an object schema as properties).
 */
export function withoutAnnotations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAnnotations);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== BFCL_TYPE_KEY) out[k] = withoutAnnotations(v);
    return out;
  }
  return value;
}

export function chatTool(tool: ToolDef): ChatTool {
  // No description key at all when the suite has none: templates then see it undefined, as they
  // would for a tool dict without the key.
  const parameters = withoutAnnotations(tool.parameters) as Record<string, unknown>;
  const fn = tool.description !== undefined
    ? { name: tool.name, description: tool.description, parameters }
    : { name: tool.name, parameters };
  return { type: 'function', function: fn };
}

/**
 * A query string becomes one user turn; a message list is kept as given. With a `developerPrompt`
 * (FunctionGemma) the conversation opens with a developer turn carrying it — Google's notebook does
 * exactly this. When the case brings its own system/developer turn, that text comes first and the
 * preamble last, so the preamble still directly precedes the function declarations as in training.
 */
export function conversationFor(testCase: SuiteCase, settings: PromptSettings = {}): Conversation {
  let messages: ChatTurn[] =
    typeof testCase.query === 'string'
      ? [{ role: 'user', content: testCase.query }]
      : testCase.query.map((m) => ({ role: m.role, content: m.content }));
  const preamble = settings.developerPrompt;
  if (preamble) {
    const first = messages[0];
    if (first && (first.role === 'system' || first.role === 'developer')) {
      messages = [{ role: 'developer', content: `${first.content}\n\n${preamble}` }, ...messages.slice(1)];
    } else {
      messages = [{ role: 'developer', content: preamble }, ...messages];
    }
  }
  return { messages, tools: testCase.tools.map(chatTool) };
}
