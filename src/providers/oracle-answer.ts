// The oracle's answer to a case: the first acceptable value of every argument the answer requires,
// typed the way BFCL's checker will read it back.
//
// Two BFCL facts shape this:
// - A dict-typed argument's acceptable value is itself a dict of key -> [acceptable values] (and a
//   list of dicts is a list of such dicts); the model must write one concrete value per key.
// - Python keeps 1 and 1.0 apart. A number-typed value must be written as a float (`1.0`): BFCL
//   auto-converts an int to float only at the top level, so `[1, 2]` fails a list of floats. An
//   integer-typed value must be written without a decimal point. Where the schema does not say
//   (e.g. BFCL's "any"), the value is written as the source wrote it (ExpectedArg.floatPaths).
import type { ToolCall } from '../dialects/types.ts';
import type { ExpectedCall, JsonSchema, SuiteCase, ToolDef } from '../suite/types.ts';
import { bfclLanguage } from '../score/bfcl.ts';
import { type SourceLanguage, toSource } from './oracle-source.ts';

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

/** The first candidate that is not BFCL's "may be omitted" marker "", with its index. */
function firstConcrete(candidates: unknown[]): { found: boolean; index: number; value?: unknown } {
  const index = candidates.findIndex((c) => c !== '');
  return index < 0 ? { found: false, index } : { found: true, index, value: candidates[index] };
}

/**
 * Where we are: `src` points into the argument's acceptable `values` (to look up the floats the
 * source wrote, ExpectedArg.floatPaths), `out` into the call's arguments (for ToolCall.floatPaths).
 */
interface Walk {
  expectedFloats: Set<string>;
  floatPaths: string[];
}

/** Written as a float: the parameter is a float, or the source wrote it as one (never for an integer parameter). */
function isFloat(schema: JsonSchema | undefined, src: string, walk: Walk): boolean {
  if (hasType(schema, 'integer')) return false;
  return hasType(schema, 'number') || walk.expectedFloats.has(src);
}

/** A concrete value as written (no candidate lists below here: BFCL compares these literally). */
function literal(schema: JsonSchema | undefined, value: unknown, src: string, out: string, walk: Walk): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (isFloat(schema, src, walk)) walk.floatPaths.push(out);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => literal(itemsSchema(schema), v, pointer(src, i), pointer(out, i), walk));
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) literal(propertySchema(schema, k), v, pointer(src, k), pointer(out, k), walk);
  }
  return value;
}

/** A BFCL answer dict {key: [acceptable values]} -> one concrete dict (keys that may be omitted are). */
function concreteDict(schema: JsonSchema | undefined, answer: Record<string, unknown>, src: string, out: string, walk: Walk): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const [key, candidates] of Object.entries(answer)) {
    const keySchema = propertySchema(schema, key);
    if (!Array.isArray(candidates)) {
      dict[key] = literal(keySchema, candidates, pointer(src, key), pointer(out, key), walk);
      continue;
    }
    const pick = firstConcrete(candidates);
    if (pick.found) dict[key] = literal(keySchema, pick.value, pointer(pointer(src, key), pick.index), pointer(out, key), walk);
  }
  return dict;
}

/** One acceptable value of an argument, made concrete for its parameter schema. */
function concreteArg(schema: JsonSchema | undefined, value: unknown, src: string, out: string, walk: Walk): unknown {
  if (hasType(schema, 'object') && isPlainObject(value)) return concreteDict(schema, value, src, out, walk);
  const items = itemsSchema(schema);
  if (hasType(schema, 'array') && hasType(items, 'object') && Array.isArray(value) && value.every(isPlainObject)) {
    return value.map((v, i) => concreteDict(items, v as Record<string, unknown>, pointer(src, i), pointer(out, i), walk));
  }
  return literal(schema, value, src, out, walk);
}

/**
 * The oracle's call for one expected call. For BFCL's Java and JavaScript cases every argument is
 * then written as the source string BFCL's converters read back as that value.
 */
export function oracleCall(expected: ExpectedCall, tools: ToolDef[], language: 'python' | SourceLanguage = 'python'): ToolCall {
  const tool = tools.find((t) => t.name === expected.name);
  const args: Record<string, unknown> = {};
  const floatPaths: string[] = [];
  // BFCL checks the schema's required list before the answer: an argument the answer lets us omit
  // must still be written when the function declares it required (BFCL parallel_88).
  const schemaRequired = new Set(Array.isArray(tool?.parameters.required) ? (tool.parameters.required as string[]) : []);
  for (const [name, arg] of Object.entries(expected.args)) {
    if (arg.optional && !schemaRequired.has(name)) continue;
    const pick = firstConcrete(arg.values);
    if (!pick.found) {
      // Required by the schema, and the answer's only value is BFCL's "" (live_simple_70-34-0):
      // "" is then the value to write, since BFCL tests it like any other acceptable string.
      if (arg.optional) args[name] = '';
      continue;
    }
    const walk: Walk = { expectedFloats: new Set(arg.floatPaths ?? []), floatPaths };
    const schema = propertySchema(tool?.parameters, name);
    const value = concreteArg(schema, pick.value, `/${pick.index}`, pointer('', name), walk);
    args[name] = language === 'python' ? value : toSource(language, value, schema);
  }
  if (language !== 'python') floatPaths.length = 0; // source strings carry their own float-ness
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
  const language = bfclLanguage(testCase);
  return expected.calls.map((c) => oracleCall(c, tools, language));
}
