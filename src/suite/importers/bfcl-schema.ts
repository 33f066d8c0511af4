// BFCL writes parameter schemas with Python (and Java / JavaScript) type names. These convert them to
// JSON Schema and back. Every converted schema that had a type keeps it as "x-bfcl-type", so a
// BFCL-faithful checker can still apply BFCL's own type rules (tuple, float, any, long, HashMap...).
import type { JsonSchema } from '../types.ts';

export const BFCL_TYPE_KEY = 'x-bfcl-type';

/** BFCL type name → JSON Schema type; undefined means "no type" (any value). */
const JSON_TYPE: Record<string, string | undefined> = {
  dict: 'object', object: 'object', HashMap: 'object', Hashtable: 'object',
  float: 'number', number: 'number', double: 'number',
  integer: 'integer', int: 'integer', long: 'integer', short: 'integer', byte: 'integer', Bigint: 'integer',
  string: 'string', String: 'string', char: 'string',
  boolean: 'boolean', bool: 'boolean', Boolean: 'boolean',
  array: 'array', list: 'array', tuple: 'array', ArrayList: 'array', Array: 'array', Queue: 'array', Stack: 'array', Set: 'array',
  any: undefined, Any: undefined,
};

/** Whether a BFCL type name is known; unknown names still import, as an untyped schema. */
export function isKnownBfclType(name: string): boolean {
  return Object.hasOwn(JSON_TYPE, name);
}

/**
 * Convert one BFCL schema (a parameters object or a property) to JSON Schema. Keys other than
 * type / properties / items / additionalProperties are kept as they are, in their order.
 */
export function bfclToJsonSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'type' && typeof value === 'string') {
      const jsonType = JSON_TYPE[value];
      if (jsonType !== undefined) out.type = jsonType;
      out[BFCL_TYPE_KEY] = value;
    } else if (key === 'properties' && isObject(value)) {
      out.properties = mapValues(value, (p) => (isObject(p) ? bfclToJsonSchema(p) : p));
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
      out[key] = bfclToJsonSchema(value);
    } else if (key === 'items' && Array.isArray(value)) {
      out.items = value.map((p) => (isObject(p) ? bfclToJsonSchema(p) : p));
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The inverse of bfclToJsonSchema: gives back BFCL's original schema. */
export function jsonSchemaToBfcl(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  const bfclType = schema[BFCL_TYPE_KEY];
  for (const [key, value] of Object.entries(schema)) {
    if (key === BFCL_TYPE_KEY) continue;
    if (key === 'type' && typeof bfclType === 'string') {
      out.type = bfclType;
    } else if (key === 'properties' && isObject(value)) {
      out.properties = mapValues(value, (p) => (isObject(p) ? jsonSchemaToBfcl(p) : p));
    } else if ((key === 'items' || key === 'additionalProperties') && isObject(value)) {
      out[key] = jsonSchemaToBfcl(value);
    } else if (key === 'items' && Array.isArray(value)) {
      out.items = value.map((p) => (isObject(p) ? jsonSchemaToBfcl(p) : p));
    } else {
      out[key] = value;
    }
  }
  // An untyped ("any") schema has no "type" key to hang the original name on.
  if (typeof bfclType === 'string' && !('type' in out)) return { type: bfclType, ...out };
  return out;
}

function isObject(v: unknown): v is JsonSchema {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function mapValues(o: JsonSchema, f: (v: unknown) => unknown): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(o)) out[k] = f(v);
  return out;
}
