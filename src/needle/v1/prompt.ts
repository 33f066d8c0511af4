// Needle's prompt format (cactus-compute/needle, encoder-decoder release): the encoder reads the
// query, the <tools> separator and the tools as compact JSON in Needle's flat tool format; tool names
// are given to the model in snake_case and mapped back to the suite's names when parsing.
import type { ChatMessage, JsonSchema, SuiteCase, ToolDef } from '../../suite/types.ts';

export const NEEDLE_IDS = { pad: 0, eos: 1, bos: 2, unk: 3, toolCall: 4, tools: 5 } as const;
export const MAX_ENCODER_TOKENS = 1024;
export const MAX_QUERY_TOKENS = 1022;

/** One parameter in Needle's flat tool format. */
export interface FlatParam {
  type: string;
  description: string;
  required: boolean;
}

export interface FlatTool {
  name: string;
  description: string;
  parameters: Record<string, FlatParam>;
}

/**
 * snake_case as Needle's data uses it: camelCase boundaries become "_", every character that is not
 * a letter, digit or "_" becomes "_" (so dotted names like "math.hypot" become "math_hypot"), runs
 * of "_" collapse, and the result is lower-cased.
 */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_(?=.)|(?<=.)_$/g, '')
    .toLowerCase();
}

/** JSON Schema type → the single type name Needle's flat format carries. */
function flatType(schema: JsonSchema): string {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const first = t.find((x) => x !== 'null');
    if (typeof first === 'string') return first;
  }
  if (Array.isArray(schema.enum)) return 'string';
  return 'any';
}

export function toFlatTool(tool: ToolDef): FlatTool {
  const props = (tool.parameters.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(tool.parameters.required) ? (tool.parameters.required as string[]) : []);
  const parameters: Record<string, FlatParam> = {};
  for (const [key, schema] of Object.entries(props)) {
    parameters[key] = {
      type: flatType(schema ?? {}),
      description: typeof schema?.description === 'string' ? schema.description : '',
      required: required.has(key),
    };
  }
  return { name: toSnakeCase(tool.name), description: tool.description ?? '', parameters };
}

/** Maps the snake_case names shown to the model back to the suite's tool names. */
export function snakeNameMap(tools: ToolDef[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const tool of tools) {
    const snake = toSnakeCase(tool.name);
    // On a collision the first tool keeps the name; the model cannot tell the two apart anyway.
    if (!map.has(snake)) map.set(snake, tool.name);
  }
  return map;
}

/** The compact tools JSON Needle reads after the <tools> separator. */
export function toolsJson(tools: ToolDef[]): string {
  return JSON.stringify(tools.map(toFlatTool));
}

/** Needle is single-shot: the query is the last user message (system turns are not part of its format). */
export function queryText(query: string | ChatMessage[]): string {
  if (typeof query === 'string') return query;
  const users = query.filter((m) => m.role === 'user');
  return (users.at(-1) ?? query.at(-1))?.content ?? '';
}

export interface EncoderInput {
  ids: number[];
  /** Tokens dropped to fit MAX_QUERY_TOKENS / MAX_ENCODER_TOKENS; never silent: runs count and warn. */
  truncatedQueryTokens: number;
  truncatedTotalTokens: number;
  queryTokens: number;
}

/** query ids (≤ 1022) + [<tools>] + tool ids, the whole truncated to 1024. */
export function encoderInput(encode: (text: string) => number[], testCase: Pick<SuiteCase, 'query' | 'tools'>): EncoderInput {
  const q = encode(queryText(testCase.query));
  const query = q.slice(0, MAX_QUERY_TOKENS);
  const full = [...query, NEEDLE_IDS.tools, ...encode(toolsJson(testCase.tools))];
  const ids = full.slice(0, MAX_ENCODER_TOKENS);
  return {
    ids,
    truncatedQueryTokens: q.length - query.length,
    truncatedTotalTokens: full.length - ids.length,
    queryTokens: query.length,
  };
}
