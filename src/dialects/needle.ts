// Needle's output: an optional leading <tool_call>, then a compact JSON list of calls whose names are
// the snake_case names the model was shown; they are mapped back to the suite's tool names here.
import { snakeNameMap, toSnakeCase } from '../needle/v1/prompt.ts';
import type { ToolDef } from '../suite/types.ts';
import { stringifyJson } from '../util/json-lexeme.ts';
import { parseJsonCalls } from './json.ts';
import type { Dialect, ParseResult, ToolCall } from './types.ts';

export const TOOL_CALL_MARKER = '<tool_call>';

export const dialect: Dialect = {
  id: 'needle',
  parse(raw: string, tools: ToolDef[]): ParseResult {
    const body = raw.trimStart().startsWith(TOOL_CALL_MARKER) ? raw.trimStart().slice(TOOL_CALL_MARKER.length) : raw;
    const parsed = parseJsonCalls(body);
    if (!parsed.ok) return parsed;
    const names = snakeNameMap(tools);
    // A name the model wrote that is not a shown snake name is kept as written (and scored wrong).
    return { ok: true, calls: parsed.calls.map((c) => ({ ...c, name: names.get(c.name) ?? c.name })) };
  },
  format(calls: ToolCall[]): string {
    const list = calls.map((c) => ({ name: toSnakeCase(c.name), arguments: c.arguments }));
    const floatPaths = calls.flatMap((c, i) => (c.floatPaths ?? []).map((p) => `/${i}/arguments${p}`));
    return TOOL_CALL_MARKER + stringifyJson(list, floatPaths);
  },
};
