// OpenAI wire tool calls: what an OpenAI-compatible server's own tool parser returned (vLLM
// --tool-call-parser, llama.cpp --jinja, Ollama). The openai provider's `tools` mode stores the
// assistant message as it came — `{"content": …, "tool_calls": [{"type": "function", "function":
// {"name", "arguments": "<JSON text>"}}]}` — so the record keeps the server's exact bytes and a
// re-score reads them again. `arguments` must be a JSON object written as a string (the API's
// contract; an object is accepted too); text that is not JSON is a parse error for that case.
// Float lexemes inside the arguments string survive (`5.0` stays a float).
import { parseJson, stringifyJson } from '../util/json-lexeme.ts';
import type { Dialect, ParseResult, ToolCall } from './types.ts';
import { isObject } from '../util/objects.ts';


function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function toCall(item: unknown, i: number): ToolCall | string {
  const at = `tool_calls[${i}]`;
  if (!isObject(item) || !isObject(item.function)) return `${at}: expected {"function": {"name", "arguments"}}, got ${kind(item)}`;
  const { name, arguments: args } = item.function;
  if (typeof name !== 'string' || name === '') return `${at}.function.name: expected the function name, got ${kind(name)}`;
  if (args === undefined || (typeof args === 'string' && args.trim() === '')) return { name, arguments: {} };
  if (isObject(args)) return { name, arguments: args };
  if (typeof args !== 'string') return `${at}.function.arguments: expected a JSON string, got ${kind(args)}`;
  const parsed = parseJson(args);
  if (!parsed.ok) return `${at}.function.arguments is not valid JSON (${parsed.error}): ${args.length > 120 ? `${args.slice(0, 120)}…` : args}`;
  if (!isObject(parsed.value)) return `${at}.function.arguments: JSON ${kind(parsed.value)}, expected an object`;
  return parsed.floatPaths.length ? { name, arguments: parsed.value, floatPaths: parsed.floatPaths } : { name, arguments: parsed.value };
}

export function parseOpenAIToolCalls(raw: string): ParseResult {
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch (err) {
    return { ok: false, error: `not an assistant message in JSON: ${(err as Error).message}` };
  }
  if (!isObject(message)) return { ok: false, error: `expected an assistant message object, got ${kind(message)}` };
  const list = message.tool_calls;
  if (list === undefined || list === null) return { ok: true, calls: [] }; // a plain answer
  if (!Array.isArray(list)) return { ok: false, error: `tool_calls: expected an array, got ${kind(list)}` };
  const calls: ToolCall[] = [];
  for (let i = 0; i < list.length; i++) {
    const call = toCall(list[i], i);
    if (typeof call === 'string') return { ok: false, error: call };
    calls.push(call);
  }
  return { ok: true, calls };
}

export function formatOpenAIToolCalls(calls: ToolCall[]): string {
  return JSON.stringify({
    content: null,
    tool_calls: calls.map((c, i) => ({
      id: `call_${i}`,
      type: 'function',
      function: { name: c.name, arguments: stringifyJson(c.arguments, c.floatPaths ?? []) },
    })),
  });
}

export const dialect: Dialect = {
  id: 'openai-tool-calls',
  parse: (raw) => parseOpenAIToolCalls(raw),
  format: formatOpenAIToolCalls,
};
