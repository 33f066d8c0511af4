// Schema validity, apart from accuracy: every call names a provided tool and its arguments validate
// against that tool's JSON Schema. A call can be schema-valid and wrong (a valid but different
// city), or right by BFCL's rules and schema-invalid (BFCL ignores enum, pattern, bounds...).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ToolDef } from '../suite/types.ts';
import type { ToolCall } from '../dialects/types.ts';

// ajv-formats is CommonJS; under NodeNext its default import may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

// strict: false — importer annotations such as "x-bfcl-type" are unknown keywords and must be
// ignored, not fatal. Formats are checked where ajv-formats knows them. Every case brings its own
// tools, so compile time matters more than the last percent of validation speed: skipping ajv's
// code optimization passes halves compile time (measured on suites/bfcl).
const ajv = new Ajv({ strict: false, allErrors: false, logger: false, validateSchema: false, code: { optimize: false } });
addFormats(ajv);

type Compiled = ValidateFunction | { broken: string };

/** One compiled validator per tool object, and per distinct schema text across tool objects
 * (compiling is the slow part; the same BFCL tool recurs across cases and runs). */
const byTool = new WeakMap<ToolDef, Compiled>();
const bySchemaText = new Map<string, Compiled>();
const MAX_SCHEMA_TEXTS = 50_000;

function compile(tool: ToolDef): Compiled {
  let v = byTool.get(tool);
  if (v) return v;
  const text = JSON.stringify(tool.parameters ?? {});
  v = bySchemaText.get(text);
  if (!v) {
    try {
      v = ajv.compile(tool.parameters ?? {});
    } catch (err) {
      v = { broken: err instanceof Error ? err.message : String(err) };
    }
    if (bySchemaText.size >= MAX_SCHEMA_TEXTS) bySchemaText.clear();
    bySchemaText.set(text, v);
  }
  byTool.set(tool, v);
  return v;
}

export interface SchemaCheck {
  valid: boolean;
  /** Why not, for the first failing call. */
  reason?: string;
}

const indexes = new WeakMap<ToolDef[], Map<string, ToolDef>>();

function toolIndex(tools: ToolDef[]): Map<string, ToolDef> {
  let index = indexes.get(tools);
  if (!index) {
    index = new Map(tools.map((t) => [t.name, t] as const));
    indexes.set(tools, index);
  }
  return index;
}

/** Checks every call against the tools offered. No calls is trivially valid. */
export function checkSchemas(tools: ToolDef[], calls: ToolCall[]): SchemaCheck {
  const index = toolIndex(tools);
  for (const call of calls) {
    const tool = index.get(call.name);
    if (!tool) return { valid: false, reason: `"${call.name}" is not a provided tool` };
    const validate = compile(tool);
    if ('broken' in validate) return { valid: false, reason: `tool "${tool.name}" has an invalid schema: ${validate.broken}` };
    if (!validate(call.arguments)) {
      const e = validate.errors?.[0];
      return { valid: false, reason: `"${call.name}" arguments${e?.instancePath ?? ''} ${e?.message ?? 'do not match the schema'}` };
    }
  }
  return { valid: true };
}

/** Compiles the validators of these tools ahead of time (benchmarks separate this from scoring). */
export function precompileSchemas(tools: ToolDef[]): void {
  for (const t of tools) compile(t);
}
