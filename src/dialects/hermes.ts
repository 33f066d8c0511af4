// Hermes-style tool calls (Qwen3, Granite 4.0): one `<tool_call>\n{"name": …, "arguments": {…}}\n
// </tool_call>` block per call. Text outside the blocks (including an empty <think></think>) is
// ignored; text with no block is a plain answer. Numbers keep their float lexemes.
import { parseJsonCalls } from './json.ts';
import type { Dialect, ParseResult, ToolCall } from './types.ts';
import { stringifyJson } from '../util/json-lexeme.ts';

export const OPEN = '<tool_call>';
export const CLOSE = '</tool_call>';

export function parseHermes(raw: string): ParseResult {
  const calls: ToolCall[] = [];
  let from = raw.indexOf(OPEN);
  let n = 0;
  while (from >= 0) {
    n++;
    const bodyStart = from + OPEN.length;
    const closeAt = raw.indexOf(CLOSE, bodyStart);
    // An unclosed last block (generation cut at the cap) is parsed up to the end of the output.
    const body = raw.slice(bodyStart, closeAt < 0 ? raw.length : closeAt);
    if (!body.trim()) return { ok: false, error: `tool_call block ${n} is empty` };
    const parsed = parseJsonCalls(body);
    if (!parsed.ok) return { ok: false, error: `tool_call block ${n}: ${parsed.error}` };
    if (parsed.calls.length === 0) return { ok: false, error: `tool_call block ${n} holds no {"name", "arguments"} object` };
    calls.push(...parsed.calls);
    if (closeAt < 0) break;
    from = raw.indexOf(OPEN, closeAt + CLOSE.length);
  }
  return { ok: true, calls };
}

export function formatHermes(calls: ToolCall[]): string {
  return calls
    .map((c) => {
      const floats = (c.floatPaths ?? []).map((p) => `/arguments${p}`);
      return `${OPEN}\n${stringifyJson({ name: c.name, arguments: c.arguments }, floats)}\n${CLOSE}`;
    })
    .join('\n');
}

export const dialect: Dialect = {
  id: 'hermes',
  parse: (raw) => parseHermes(raw),
  format: formatHermes,
};
