// suites/*.schema.json must describe exactly the fields of src/suite/types.ts. The key lists below are
// typed as Record<keyof T, true>: adding a field to a type fails the typecheck here until it is listed,
// and the test then fails until the JSON Schema has it too.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ExpectedAnswer, ExpectedArg, ExpectedCall, SuiteCase, SuiteManifest, ToolDef } from '../../src/suite/types.ts';

const suitesDir = resolve(import.meta.dirname, '../../suites');
type Schema = { properties: Record<string, unknown>; required?: string[]; definitions?: Record<string, Schema> };
const caseSchema = JSON.parse(readFileSync(resolve(suitesDir, 'case.schema.json'), 'utf8')) as Schema;
const manifestSchema = JSON.parse(readFileSync(resolve(suitesDir, 'suite.schema.json'), 'utf8')) as Schema;

const keys = <T>(record: Record<keyof T, true>) => Object.keys(record).sort();

const caseKeys: Record<keyof SuiteCase, true> = { id: true, category: true, tags: true, query: true, tools: true, expected: true, meta: true };
const toolKeys: Record<keyof ToolDef, true> = { name: true, description: true, parameters: true };
const messageKeys: Record<keyof ChatMessage, true> = { role: true, content: true };
const answerKeys: Record<keyof ExpectedAnswer, true> = { calls: true, anyCall: true };
const callKeys: Record<keyof ExpectedCall, true> = { name: true, args: true };
const argKeys: Record<keyof ExpectedArg, true> = { values: true, optional: true, floatPaths: true };
const manifestKeys: Record<keyof SuiteManifest, true> = { name: true, version: true, source: true, licence: true, description: true };

describe('JSON Schemas match src/suite/types.ts', () => {
  const defs = caseSchema.definitions!;
  it.each([
    ['SuiteCase', caseSchema, keys<SuiteCase>(caseKeys), ['category', 'expected', 'id', 'query', 'tools']],
    ['ToolDef', defs.tool, keys<ToolDef>(toolKeys), ['name', 'parameters']],
    ['ChatMessage', defs.chatMessage, keys<ChatMessage>(messageKeys), ['content', 'role']],
    ['ExpectedAnswer', defs.expectedAnswer, keys<ExpectedAnswer>(answerKeys), ['calls']],
    ['ExpectedCall', defs.expectedCall, keys<ExpectedCall>(callKeys), ['args', 'name']],
    ['ExpectedArg', defs.expectedArg, keys<ExpectedArg>(argKeys), ['values']],
    ['SuiteManifest', manifestSchema, keys<SuiteManifest>(manifestKeys), ['licence', 'name', 'source', 'version']],
  ] as const)('%s: same properties, same required ones', (_name, schema, typeKeys, required) => {
    expect(Object.keys(schema.properties).sort()).toEqual(typeKeys);
    expect([...(schema.required ?? [])].sort()).toEqual(required);
  });
});
