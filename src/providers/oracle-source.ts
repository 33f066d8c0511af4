// BFCL's Java and JavaScript categories take every argument as a string of source code, which the
// checker turns back into a Python value with regex converters (src/score/bfcl-java.ts, bfcl-js.ts).
// These write a concrete answer value as the source text those converters read back as that value,
// by the parameter's BFCL type name (x-bfcl-type). A string answer of a non-string type is a
// variable name or an expression (BFCL: "mapController", "new Path('/a')") and is written as it is.
import type { JsonSchema } from '../suite/types.ts';

export type SourceLanguage = 'java' | 'javascript';

const BFCL_TYPE_KEY = 'x-bfcl-type';

function bfclType(schema: JsonSchema | undefined): string | undefined {
  const t = schema?.[BFCL_TYPE_KEY];
  return typeof t === 'string' ? t : undefined;
}

function itemsOf(schema: JsonSchema | undefined): JsonSchema | undefined {
  const items = schema?.items;
  return items !== null && typeof items === 'object' && !Array.isArray(items) ? (items as JsonSchema) : undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The source text of one argument value for a parameter of this schema. */
export function toSource(language: SourceLanguage, value: unknown, schema: JsonSchema | undefined): string {
  return language === 'java' ? javaSource(value, schema) : jsSource(value, schema);
}

// ---- Java ---------------------------------------------------------------------------------------

/** Java element type names for `new T[]{...}`, by BFCL type name. */
const JAVA_ARRAY_ELEMENT: Record<string, string> = {
  integer: 'int', long: 'long', short: 'short', byte: 'byte', float: 'float', double: 'double', boolean: 'boolean', char: 'char', String: 'String',
};

function javaSource(value: unknown, schema: JsonSchema | undefined): string {
  const type = bfclType(schema);
  if (typeof value === 'string') return value; // String/char/any are taken as written; else a variable
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (type === 'long') return `${value}L`;
    if (type === 'float') return `${value}f`;
    return String(value);
  }
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    const itemType = bfclType(items);
    if (type === 'Array') {
      // BFCL converts Array elements with the element type, String ones keeping their text as is.
      return `new ${JAVA_ARRAY_ELEMENT[itemType ?? ''] ?? 'Object'}[]{${value.map((v) => javaSource(v, items)).join(', ')}}`;
    }
    if (value.length === 0) return 'new ArrayList<>()';
    // ArrayList elements: String and char ones lose their first and last character (the quotes).
    const element = (v: unknown) => (itemType === 'String' || itemType === 'char' ? `"${String(v)}"` : javaSource(v, items));
    return `new ArrayList<>(Arrays.asList(${value.map(element).join(', ')}))`;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return 'new HashMap<>()';
    // HashMap values are read without a declared type (BFCL's parse_java_value).
    const puts = entries.map(([k, v]) => `put("${k}", ${javaLiteral(v)});`).join(' ');
    return `new HashMap<String, Object>() {{ ${puts} }}`;
  }
  return String(value);
}

/** A Java literal as parse_java_value reads it: "quoted" strings, true/false, numbers. */
function javaLiteral(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : String(v);
}

// ---- JavaScript ---------------------------------------------------------------------------------

function jsSource(value: unknown, schema: JsonSchema | undefined): string {
  const type = bfclType(schema);
  if (typeof value === 'string') return type === 'String' ? `"${value}"` : value; // String is unquoted when quoted
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return type === 'Bigint' ? `${value}n` : String(value);
  return jsLiteral(value);
}

/** Arrays and objects in JS literal syntax; inner strings quoted (BFCL strips the quotes). */
function jsLiteral(v: unknown): string {
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return `[${v.map(jsLiteral).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `"${k}": ${jsLiteral(x)}`).join(', ')}}`;
  return String(v);
}
