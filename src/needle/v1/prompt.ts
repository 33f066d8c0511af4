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
  return encoderInputFromParts(encode, queryText(testCase.query), toolsJson(testCase.tools));
}

/** encoderInput from the query text and the tools JSON text as written after the separator. */
export function encoderInputFromParts(encode: (text: string) => number[], query: string, toolsText: string): EncoderInput {
  const q = encode(query);
  const kept = q.slice(0, MAX_QUERY_TOKENS);
  const full = [...kept, NEEDLE_IDS.tools, ...encode(toolsText)];
  const ids = full.slice(0, MAX_ENCODER_TOKENS);
  return {
    ids,
    truncatedQueryTokens: q.length - kept.length,
    truncatedTotalTokens: full.length - ids.length,
    queryTokens: kept.length,
  };
}

/** The text of the <tools> separator piece (NEEDLE_IDS.tools) in Needle's vocabulary. */
export const TOOLS_SEPARATOR = '<tools>';

/**
 * Needle's prompt as one text: the query, the <tools> piece written as its text, the tools JSON —
 * exactly what the encoder reads. It is what a client sends to `needle-bench serve`'s
 * /v1/completions ("raw" mode); the server takes it apart again with parsePromptText, encodes the
 * two parts as encoderInput does and constrains decoding to the tools it names.
 */
export function promptText(testCase: Pick<SuiteCase, 'query' | 'tools'>): string {
  return queryText(testCase.query) + TOOLS_SEPARATOR + toolsJson(testCase.tools);
}

export interface ParsedPrompt {
  query: string;
  /** The tools JSON text as given (encoded verbatim, so the ids equal a local run's). */
  toolsText: string;
  tools: FlatTool[];
}

function asFlatTools(value: unknown): FlatTool[] | string {
  if (!Array.isArray(value)) return 'the text after <tools> is not a JSON array';
  const tools: FlatTool[] = [];
  for (const [i, t] of value.entries()) {
    if (t === null || typeof t !== 'object' || typeof (t as FlatTool).name !== 'string') return `tool ${i}: expected an object with a string "name"`;
    const params = (t as FlatTool).parameters ?? {};
    if (params === null || typeof params !== 'object' || Array.isArray(params)) return `tool ${i} (${(t as FlatTool).name}): "parameters" must be an object`;
    tools.push({ name: (t as FlatTool).name, description: String((t as FlatTool).description ?? ''), parameters: params });
  }
  return tools;
}

/**
 * Splits a prompt made by promptText back into query and tools. The separator is the first
 * "<tools>" after which the rest is a JSON array of flat tools (a query may itself contain the
 * string; JSON.stringify never escapes it inside the tools, so the rest would not parse).
 */
export function parsePromptText(text: string): ParsedPrompt | { error: string } {
  let at = text.indexOf(TOOLS_SEPARATOR);
  if (at < 0) return { error: `prompt has no ${TOOLS_SEPARATOR} separator: Needle's prompt is <query>${TOOLS_SEPARATOR}<tools JSON> (docs/serve.md)` };
  let lastProblem = '';
  for (; at >= 0; at = text.indexOf(TOOLS_SEPARATOR, at + 1)) {
    const toolsText = text.slice(at + TOOLS_SEPARATOR.length);
    let value: unknown;
    try {
      value = JSON.parse(toolsText);
    } catch (err) {
      lastProblem = `the text after ${TOOLS_SEPARATOR} is not valid JSON (${(err as Error).message})`;
      continue;
    }
    const tools = asFlatTools(value);
    if (typeof tools === 'string') {
      lastProblem = tools;
      continue;
    }
    return { query: text.slice(0, at), toolsText, tools };
  }
  return { error: `prompt: ${lastProblem}` };
}
