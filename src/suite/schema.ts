// The JSON Schemas of the suite format (suites/case.schema.json, suites/suite.schema.json), compiled
// once, and ajv's errors turned into `field: problem` text with the field as a dotted path.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { SuiteCase, SuiteManifest } from './types.ts';

const SCHEMA_DIR = new URL('../../suites/', import.meta.url);

export const CASE_SCHEMA_PATH = new URL('case.schema.json', SCHEMA_DIR);
export const MANIFEST_SCHEMA_PATH = new URL('suite.schema.json', SCHEMA_DIR);

interface Validators {
  case: ValidateFunction<SuiteCase>;
  manifest: ValidateFunction<SuiteManifest>;
}

let compiled: Validators | undefined;

function validators(): Validators {
  if (compiled) return compiled;
  // allErrors: report every problem of a line at once. verbose: gives parentSchema, for x-error.
  const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true });
  // x-error: a human message for a compound rule (anyOf) whose raw ajv errors would be noise.
  ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });
  const load = (url: URL) => JSON.parse(readFileSync(url, 'utf8')) as object;
  compiled = {
    case: ajv.compile<SuiteCase>(load(CASE_SCHEMA_PATH)),
    manifest: ajv.compile<SuiteManifest>(load(MANIFEST_SCHEMA_PATH)),
  };
  return compiled;
}

/** Schema problems of one case, each as `field: problem`; empty when the case is valid. */
export function caseSchemaProblems(value: unknown): string[] {
  const validate = validators().case;
  return validate(value) ? [] : formatAjvErrors(value, validate.errors ?? []);
}

/** Schema problems of a manifest, each as `field: problem`; empty when valid. */
export function manifestSchemaProblems(value: unknown): string[] {
  const validate = validators().manifest;
  return validate(value) ? [] : formatAjvErrors(value, validate.errors ?? []);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A JSON pointer as a dotted path (`/expected/calls/0/name` → `expected.calls[0].name`). The data is
 * walked along so an array index and an object key that looks like a number are told apart.
 */
export function pointerToField(data: unknown, pointer: string): string {
  if (pointer === '') return '';
  let field = '';
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field = appendKey(field, key, Array.isArray(node));
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return field;
}

function appendKey(field: string, key: string, isIndex: boolean): string {
  if (isIndex) return `${field}[${key}]`;
  if (IDENTIFIER.test(key)) return field ? `${field}.${key}` : key;
  return `${field}[${JSON.stringify(key)}]`;
}

function formatAjvErrors(data: unknown, errors: ErrorObject[]): string[] {
  // A failed anyOf with an x-error message stands for the errors of its branches at its own level
  // (e.g. "must be string" from the string branch). When a branch got further and failed deeper
  // (query[0].content missing), those deeper errors are more useful and replace the summary.
  const hidden = new Set<ErrorObject>();
  for (const s of errors) {
    if (s.keyword !== 'anyOf' || typeof s.parentSchema?.['x-error'] !== 'string') continue;
    const at = errors.filter((e) => e !== s && e.instancePath === s.instancePath && e.schemaPath.startsWith(s.schemaPath));
    const deeper = errors.some((e) => e.instancePath.startsWith(`${s.instancePath}/`));
    for (const e of at) hidden.add(e);
    if (deeper) hidden.add(s);
  }
  const out: string[] = [];
  for (const e of errors) {
    if (hidden.has(e)) continue;
    const field = pointerToField(data, e.instancePath);
    let text: string;
    if (e.keyword === 'required') {
      text = `${appendKey(field, String(e.params.missingProperty), false)}: is required`;
    } else if (e.keyword === 'additionalProperties') {
      text = `${appendKey(field, String(e.params.additionalProperty), false)}: unknown field`;
    } else if (e.keyword === 'anyOf' && typeof e.parentSchema?.['x-error'] === 'string') {
      text = `${field || '(case)'}: ${e.parentSchema['x-error']}`;
    } else {
      text = `${field || '(case)'}: ${e.message ?? e.keyword}`;
    }
    if (!out.includes(text)) out.push(text);
  }
  return out;
}
