// Small builders for hand-written scoring cases, so each test states only the rule it checks.
import type { ExpectedArg, ExpectedCall, JsonSchema, SuiteCase, ToolDef } from '../../src/suite/types.ts';
import type { ToolCall } from '../../src/dialects/types.ts';
import { dialect } from '../../src/dialects/json.ts';
import { scoreCase } from '../../src/score/score.ts';
import type { Verdict } from '../../src/score/types.ts';

/** A property schema: BFCL type name (kept as x-bfcl-type) and, for arrays, the items' type. */
export function prop(bfclType: string, items?: string, extra: JsonSchema = {}): JsonSchema {
  const jsonType: Record<string, string> = { dict: 'object', float: 'number', tuple: 'array', integer: 'integer', string: 'string', boolean: 'boolean', array: 'array' };
  const s: JsonSchema = { 'x-bfcl-type': bfclType, ...extra };
  if (jsonType[bfclType]) s.type = jsonType[bfclType];
  if (items) s.items = prop(items);
  return s;
}

export function tool(name: string, properties: Record<string, JsonSchema>, required: string[] = []): ToolDef {
  return { name, parameters: { type: 'object', 'x-bfcl-type': 'dict', properties, required } };
}

/** An expected arg from BFCL's list form: "" among the values means "may be omitted". */
export function arg(...acceptable: unknown[]): ExpectedArg {
  const values = acceptable.filter((v) => v !== '');
  return values.length === acceptable.length ? { values } : { values, optional: true };
}

export function call(name: string, args: Record<string, ExpectedArg>): ExpectedCall {
  return { name, args };
}

export function mkCase(
  tools: ToolDef[],
  calls: ExpectedCall[],
  category = 'simple_python',
  extra: Partial<SuiteCase> = {},
): SuiteCase {
  const language = category.includes('javascript') ? 'javascript' : category.includes('java') ? 'java' : 'python';
  return { id: `t_${category}`, category, query: 'q', tools, expected: { calls }, meta: { bfclCategory: category, language }, ...extra };
}

/** Scores calls given directly. */
export function scoreCalls(c: SuiteCase, calls: ToolCall[]): Verdict {
  return scoreCase(c, { kind: 'parsed', calls });
}

/** Scores raw model text read through the JSON dialect (keeps 5.0 apart from 5). */
export function scoreRaw(c: SuiteCase, raw: string): Verdict {
  const parsed = dialect.parse(raw, c.tools);
  return parsed.ok ? scoreCase(c, { kind: 'parsed', calls: parsed.calls }) : scoreCase(c, { kind: 'parse_error', error: parsed.error });
}
