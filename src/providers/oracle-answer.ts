// The oracle's answer to a case: the first acceptable value of every argument the answer requires,
// typed the way BFCL's checker will read it back.
//
// Two BFCL facts shape this:
// - A dict-typed argument's acceptable value is itself a dict of key -> [acceptable values] (and a
//   list of dicts is a list of such dicts); the model must write one concrete value per key.
// - Python keeps 1 and 1.0 apart. A number-typed value must be written as a float (`1.0`): BFCL
//   auto-converts an int to float only at the top level, so `[1, 2]` fails a list of floats. An
//   integer-typed value must be written without a decimal point.
import type { ToolCall } from '../dialects/types.ts';
import type { ExpectedCall, JsonSchema, SuiteCase, ToolDef } from '../suite/types.ts';

/** What the oracle says when the right answer is to make no call. */
export const ORACLE_REFUSAL = 'None of the available tools can answer this request, so I will not call any.';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function hasType(schema: JsonSchema | undefined, type: string): boolean {
  const t = schema?.type;
  return t === type || (Array.isArray(t) && t.includes(type));
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function propertySchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  const props = schema?.properties;
  return isPlainObject(props) && isPlainObject(props[key]) ? (props[key] as JsonSchema) : undefined;
}

function itemsSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  return isPlainObject(schema?.items) ? (schema.items as JsonSchema) : undefined;
}

/** The first candidate that is not BFCL's "may be omitted" marker "". */
function firstConcrete(candidates: unknown[]): { found: boolean; value?: unknown } {
  for (const c of candidates) if (c !== '') return { found: true, value: c };
  return { found: false };
}

/**
 * A concrete value as written (no more candidate lists), recording where an integral number must be
 * written as a float. Used below the first dict level, where BFCL compares values literally.
 */
function literal(schema: JsonSchema | undefined, value: unknown, path: string, floatPaths: string[]): unknown {
  if (typeof value === 'number' && Number.isInteger(value) && hasType(schema, 'number') && !hasType(schema, 'integer')) {
    floatPaths.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => literal(itemsSchema(schema), v, pointer(path, i), floatPaths));
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) literal(propertySchema(schema, k), v, pointer(path, k), floatPaths);
  }
  return value;
}

/** A BFCL answer dict {key: [acceptable values]} -> one concrete dict (keys that may be omitted are). */
function concreteDict(schema: JsonSchema | undefined, answer: Record<string, unknown>, path: string, floatPaths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, candidates] of Object.entries(answer)) {
    if (!Array.isArray(candidates)) {
      out[key] = literal(propertySchema(schema, key), candidates, pointer(path, key), floatPaths);
      continue;
    }
    const pick = firstConcrete(candidates);
    if (pick.found) out[key] = literal(propertySchema(schema, key), pick.value, pointer(path, key), floatPaths);
  }
  return out;
}

/** One acceptable value of an argument, made concrete for its parameter schema. */
function concreteArg(schema: JsonSchema | undefined, value: unknown, path: string, floatPaths: string[]): unknown {
  if (hasType(schema, 'object') && isPlainObject(value)) return concreteDict(schema, value, path, floatPaths);
  const items = itemsSchema(schema);
  if (hasType(schema, 'array') && hasType(items, 'object') && Array.isArray(value) && value.every(isPlainObject)) {
    return value.map((v, i) => concreteDict(items, v as Record<string, unknown>, pointer(path, i), floatPaths));
  }
  return literal(schema, value, path, floatPaths);
}

export function oracleCall(expected: ExpectedCall, tools: ToolDef[]): ToolCall {
  const tool = tools.find((t) => t.name === expected.name);
  const args: Record<string, unknown> = {};
  const floatPaths: string[] = [];
  for (const [name, arg] of Object.entries(expected.args)) {
    if (arg.optional) continue;
    const pick = firstConcrete(arg.values);
    if (!pick.found) continue;
    args[name] = concreteArg(propertySchema(tool?.parameters, name), pick.value, pointer('', name), floatPaths);
  }
  const call: ToolCall = { name: expected.name, arguments: args };
  if (floatPaths.length > 0) call.floatPaths = floatPaths;
  return call;
}

/** A schema-valid placeholder for a required parameter (for "any call is right" cases). */
function placeholder(schema: JsonSchema | undefined): unknown {
  if (Array.isArray(schema?.enum) && schema.enum.length > 0) return schema.enum[0];
  if (hasType(schema, 'string')) return 'unspecified';
  if (hasType(schema, 'integer') || hasType(schema, 'number')) return 0;
  if (hasType(schema, 'boolean')) return false;
  if (hasType(schema, 'array')) return [];
  if (hasType(schema, 'object')) return placeholderArgs(schema);
  return null;
}

function placeholderArgs(schema: JsonSchema | undefined): Record<string, unknown> {
  const required = Array.isArray(schema?.required) ? (schema.required as string[]) : [];
  return Object.fromEntries(required.map((name) => [name, placeholder(propertySchema(schema, name))]));
}

/** The calls the oracle makes for a case; empty means it answers in plain text. */
export function oracleCalls(testCase: SuiteCase): ToolCall[] {
  const { expected, tools } = testCase;
  if (expected.anyCall) {
    // BFCL live_relevance: any call is right; call the first tool with schema-valid placeholders.
    const tool = tools[0];
    return tool ? [{ name: tool.name, arguments: placeholderArgs(tool.parameters) }] : [];
  }
  return expected.calls.map((c) => oracleCall(c, tools));
}
