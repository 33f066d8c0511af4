// Needle's fine-tuning data declares tools in a flat form, {"name", "description", "parameters":
// {p: {"type", "description", "required": bool}}}, with Python-ish type names ("str", "int",
// "List[str]", "float, optional"). This converts them to JSON Schema; tools already written as JSON
// Schema (or wrapped OpenAI-style in {"type": "function", "function": ...}) pass through.
import type { JsonSchema, ToolDef } from '../types.ts';

/** The original type name, kept when it is not already a JSON Schema type. */
export const NEEDLE_TYPE_KEY = 'x-needle-type';

const JSON_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'array', 'object', 'null']);

const BASE_TYPES: Record<string, string> = {
  str: 'string', string: 'string', char: 'string',
  int: 'integer', integer: 'integer', long: 'integer',
  float: 'number', double: 'number', number: 'number',
  bool: 'boolean', boolean: 'boolean',
  list: 'array', array: 'array', tuple: 'array', set: 'array', sequence: 'array',
  dict: 'object', object: 'object', mapping: 'object',
};

/** A flat type name as a JSON Schema type; undefined when it names no JSON type (e.g. "any", "Callable"). */
export function jsonTypeOf(name: string): string | undefined {
  const base = name.split(',')[0].trim().toLowerCase().replace(/\[.*$/, '');
  return BASE_TYPES[base];
}

/** Convert one tool declaration; problems are returned as `field: problem` (field relative to the tool). */
export function needleToolToToolDef(raw: unknown): { tool?: ToolDef; problems: string[] } {
  if (isRecord(raw) && raw.type === 'function' && isRecord(raw.function)) return needleToolToToolDef(raw.function);
  if (!isRecord(raw)) return { problems: [': must be an object'] };
  const { name, description, parameters } = raw;
  if (typeof name !== 'string' || name === '') return { problems: ['.name: must be a non-empty string'] };
  if (description !== undefined && typeof description !== 'string') return { problems: ['.description: must be a string'] };
  const params = parameters ?? {};
  if (!isRecord(params)) return { problems: ['.parameters: must be an object'] };
  const converted = isJsonSchemaObject(params) ? { schema: params, problems: [] } : flatToJsonSchema(params);
  if (converted.problems.length > 0) return { problems: converted.problems.map((p) => `.parameters${p}`) };
  const tool: ToolDef = description === undefined ? { name, parameters: converted.schema } : { name, description, parameters: converted.schema };
  return { tool, problems: [] };
}

/** A JSON Schema parameters object, as opposed to a flat map (where "type" would be a parameter's schema). */
function isJsonSchemaObject(params: Record<string, unknown>): boolean {
  return params.type === 'object';
}

function flatToJsonSchema(params: Record<string, unknown>): { schema: JsonSchema; problems: string[] } {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const problems: string[] = [];
  for (const [param, spec] of Object.entries(params)) {
    const field = /^[A-Za-z_$][\w$]*$/.test(param) ? `.${param}` : `[${JSON.stringify(param)}]`;
    if (!isRecord(spec)) {
      problems.push(`${field}: must be an object {type, description, required}`);
      continue;
    }
    const { type, required: isRequired, ...rest } = spec;
    if (isRequired !== undefined && typeof isRequired !== 'boolean') problems.push(`${field}.required: must be true or false`);
    const property: JsonSchema = {};
    if (typeof type === 'string') {
      const jsonType = jsonTypeOf(type);
      if (jsonType !== undefined) property.type = jsonType;
      if (!JSON_TYPES.has(type)) property[NEEDLE_TYPE_KEY] = type;
    } else if (type !== undefined) {
      problems.push(`${field}.type: must be a string`);
    }
    Object.assign(property, rest);
    properties[param] = property;
    if (isRequired === true) required.push(param);
  }
  const schema: JsonSchema = { type: 'object', properties };
  if (required.length > 0) schema.required = required;
  return { schema, problems };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
