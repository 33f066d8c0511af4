// The chat a baseline is given for one suite case, in the shape Hugging Face chat templates take:
// messages [{role, content}] and tools [{type: "function", function: {name, description, parameters}}].
// Family-specific touches come from the registry entry's `prompt` settings, not from code here.
import type { PromptSettings } from '../models/registry.ts';
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

export function chatTool(tool: ToolDef): ChatTool {
  // No description key at all when the suite has none: templates then see it undefined, as they
  // would for a tool dict without the key.
  const fn = tool.description !== undefined
    ? { name: tool.name, description: tool.description, parameters: tool.parameters }
    : { name: tool.name, parameters: tool.parameters };
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
