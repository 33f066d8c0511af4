// What BFCL's checker reads from a function declaration: each parameter's BFCL type name (and its
// items' type), and the `required` list. Our tools are JSON Schema; the BFCL importer keeps the
// original type name of every property as "x-bfcl-type". Suites not from BFCL get it derived
// from the JSON Schema type (object→dict, number→float, ...).
import type { JsonSchema, ToolDef } from '../suite/types.ts';

export const BFCL_TYPE_KEY = 'x-bfcl-type';

const FROM_JSON_SCHEMA: Record<string, string> = {
  object: 'dict', number: 'float', integer: 'integer', string: 'string', boolean: 'boolean', array: 'array',
};

export interface BfclParam {
  /** BFCL type name (dict, float, tuple, any, String, HashMap, ...), undefined when the schema has none. */
  type?: string;
  /** The items' BFCL type name, for array-like parameters. */
  itemsType?: string;
  /** JSON Schema type of the parameter, used when `type` is unknown to the case's language. */
  derivedType?: string;
  derivedItemsType?: string;
}

export interface BfclTool {
  name: string;
  params: Map<string, BfclParam>;
  required: string[];
}

function derivedType(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  let t = (schema as JsonSchema).type;
  if (Array.isArray(t)) t = t.find((x) => x !== 'null');
  return typeof t === 'string' ? FROM_JSON_SCHEMA[t] : undefined;
}

function bfclType(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const declared = (schema as JsonSchema)[BFCL_TYPE_KEY];
  return typeof declared === 'string' ? declared : derivedType(schema);
}

const cache = new WeakMap<ToolDef, BfclTool>();

/** BFCL's view of a tool, computed once per tool object. */
export function bfclTool(tool: ToolDef): BfclTool {
  let info = cache.get(tool);
  if (info) return info;
  const params = new Map<string, BfclParam>();
  const properties = (tool.parameters?.properties ?? {}) as Record<string, unknown>;
  for (const [name, schema] of Object.entries(properties)) {
    const items = schema !== null && typeof schema === 'object' ? (schema as JsonSchema).items : undefined;
    params.set(name, {
      type: bfclType(schema),
      itemsType: bfclType(items),
      derivedType: derivedType(schema),
      derivedItemsType: derivedType(items),
    });
  }
  const required = Array.isArray(tool.parameters?.required) ? (tool.parameters.required as unknown[]).filter((r): r is string => typeof r === 'string') : [];
  info = { name: tool.name, params, required };
  cache.set(tool, info);
  return info;
}
