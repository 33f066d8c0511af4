// Needle 2's output (cactus-needle 2.0.8, the target finetune.render_example trains):
//   <think>{reasoning}</think>\n<tool_call>[{"name":…,"arguments":{…}},…]</tool_call><|im_end|>
// The list is compact JSON (Python's json.dumps), names exactly as the tools declared them; the
// empty list `[]` is the refusal (the package's contract for a request no tool serves). The
// reasoning is free text and is not read. Parsing starts right after <tool_call> and reads one JSON
// value in place, so a string argument that happens to contain "</tool_call>" does not cut it; an
// unclosed block (generation stopped at the cap) is read to the end. Output with no <tool_call> is
// read as the JSON dialect reads text (a bare list of calls, or no call). Numbers keep their float
// lexemes (`5.0` stays a float, see src/util/json-lexeme.ts).
import { renderTarget } from '../needle/v2/prompt.ts';
import { THINK_END, TOOL_CALL_END, TOOL_CALL_START } from '../needle/v2/markers.ts';
import { parseJsonCalls } from './json.ts';
import type { Dialect, ParseResult, ToolCall } from './types.ts';

export function parseNeedle2(raw: string): ParseResult {
  const open = raw.indexOf(TOOL_CALL_START);
  if (open < 0) {
    const thinkEnd = raw.indexOf(THINK_END);
    return parseJsonCalls(thinkEnd < 0 ? raw : raw.slice(thinkEnd + THINK_END.length));
  }
  const body = raw.slice(open + TOOL_CALL_START.length);
  const close = body.indexOf(TOOL_CALL_END);
  if (!(close < 0 ? body : body.slice(0, close)).trim()) return { ok: false, error: 'the <tool_call> block is empty (expected a JSON list of calls, [] to refuse)' };
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) {
    return { ok: false, error: `<tool_call> is not followed by a JSON list of calls (starts ${JSON.stringify(trimmed.slice(0, 20))})` };
  }
  const parsed = parseJsonCalls(body);
  if (!parsed.ok) return { ok: false, error: `<tool_call> block: ${parsed.error}` };
  return parsed;
}

export const dialect: Dialect = {
  id: 'needle2',
  parse: (raw) => parseNeedle2(raw),
  /** The target as the model is trained to write it, with an empty reasoning. */
  format: (calls: ToolCall[]) => renderTarget(calls),
};
