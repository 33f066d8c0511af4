// Needle 2's prompt and target, rendered as the package renders them (cactus-needle 2.0.8,
// needle/model/finetune.py render_example — the one renderer in its source, used for every
// fine-tuning example; its engine compacts the tools JSON the same way before it renders a turn):
//
//   [<|im_start|>system\n{system}<|im_end|>\n]                       only when system is non-empty
//   <|im_start|>user\n<tools>{tools JSON}</tools>\n{query}<|im_end|>\n<|im_start|>assistant\n
//   target: <think>{reasoning}</think>\n<tool_call>{calls JSON}</tool_call><|im_end|>
//
// Both JSONs are json.dumps(…, separators=(",", ":")) with Python's defaults (prompt-json.ts): the
// tools exactly as declared (raw JSON Schema dicts, key order kept, names not rewritten), the calls
// as [{"name", "arguments"}]. Token ids: [BOS] + encode(prompt); training appends encode(target) +
// [EOS] (finetune._encode); generation starts after the prompt (run.generate / decode.generate_cached).
import type { ToolCall } from '../../dialects/types.ts';
import type { ChatMessage, SuiteCase, ToolDef } from '../../suite/types.ts';
import { IM_END, IM_START, NEEDLE2_SPECIAL_IDS, THINK_END, THINK_START, TOOL_CALL_END, TOOL_CALL_START, TOOLS_END, TOOLS_START } from './markers.ts';
import { pythonCompactJson } from './prompt-json.ts';

/** TransformerConfig.max_seq_len's default; a checkpoint's config may say otherwise. */
export const DEFAULT_MAX_SEQ_LEN = 2048;

export interface Needle2Turn {
  query: string;
  tools: readonly ToolDef[] | readonly Record<string, unknown>[];
  /** Environment facts (`Needle(system=…)`); omitted from the prompt when empty. */
  system?: string;
}

/** The tools JSON shown between <tools> and </tools>. */
export function toolsJson(tools: Needle2Turn['tools']): string {
  return pythonCompactJson(tools);
}

/** The prompt text the model continues (render_example's first half). */
export function renderPrompt(turn: Needle2Turn): string {
  const prefix = turn.system ? `${IM_START}system\n${turn.system}${IM_END}\n` : '';
  return `${prefix}${IM_START}user\n${TOOLS_START}${toolsJson(turn.tools)}${TOOLS_END}\n${turn.query}${IM_END}\n${IM_START}assistant\n`;
}

/** The calls JSON as the model is trained to write it: [{"name":…,"arguments":{…}}], floats kept. */
export function callsJson(calls: readonly ToolCall[]): string {
  const floats: string[] = [];
  calls.forEach((c, i) => {
    for (const p of c.floatPaths ?? []) floats.push(`/${i}/arguments${p}`);
  });
  return pythonCompactJson(
    calls.map((c) => ({ name: c.name, arguments: c.arguments })),
    floats,
  );
}

/** The assistant's answer (render_example's second half): reasoning, then the calls. */
export function renderTarget(calls: readonly ToolCall[], reasoning = ''): string {
  return `${THINK_START}${reasoning}${THINK_END}\n${TOOL_CALL_START}${callsJson(calls)}${TOOL_CALL_END}${IM_END}`;
}

/**
 * A suite case as one Needle 2 turn: the last user message is the query (the harness is single
 * shot), system messages become the system facts, the tools are passed through as declared.
 */
export function turnOf(testCase: Pick<SuiteCase, 'query' | 'tools'>): Needle2Turn {
  if (typeof testCase.query === 'string') return { query: testCase.query, tools: testCase.tools };
  const messages: ChatMessage[] = testCase.query;
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n');
  const users = messages.filter((m) => m.role === 'user');
  const query = (users.at(-1) ?? messages.at(-1))?.content ?? '';
  return system ? { query, tools: testCase.tools, system } : { query, tools: testCase.tools };
}

export interface Needle2PromptInput {
  /** [BOS] + encode(prompt), cut to maxSeqLen - 1 as the package cuts it (decode.generate_cached). */
  ids: number[];
  /** Tokens cut off the end to fit; never silent: callers warn and count it. */
  truncatedTokens: number;
}

export function promptInput(encode: (text: string) => number[], turn: Needle2Turn, maxSeqLen = DEFAULT_MAX_SEQ_LEN): Needle2PromptInput {
  const full = [NEEDLE2_SPECIAL_IDS.bos, ...encode(renderPrompt(turn))];
  const ids = full.slice(0, Math.max(1, maxSeqLen - 1));
  return { ids, truncatedTokens: full.length - ids.length };
}
