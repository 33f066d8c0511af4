// A small, independent reader of BFCL v4 files for the scorer's tests (it must not depend on the
// importer under test elsewhere): question lines → SuiteCase, ground truth → ExpectedAnswer with
// floatPaths, BFCL type names kept as "x-bfcl-type" at every depth.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExpectedArg, ExpectedCall, JsonSchema, SuiteCase, ToolDef } from '../../src/suite/types.ts';
import { parseJson, pointerTokens } from '../../src/util/json-lexeme.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bfclDir = path.resolve(repoRoot, '../shared/data/bfcl');

const JSON_TYPE: Record<string, string | undefined> = {
  dict: 'object', float: 'number', tuple: 'array', any: undefined, integer: 'integer', string: 'string',
  boolean: 'boolean', array: 'array', String: 'string', HashMap: 'object', ArrayList: 'array', Array: 'array',
  long: 'integer', double: 'number', Boolean: 'boolean', Bigint: 'integer', char: 'string',
};

export function toJsonSchema(p: Record<string, unknown>): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'type') {
      out['x-bfcl-type'] = v;
      const t = JSON_TYPE[v as string];
      if (t) out.type = t;
    } else if (k === 'properties' && v && typeof v === 'object') {
      out.properties = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, toJsonSchema(s as Record<string, unknown>)]));
    } else if (k === 'items' && v && typeof v === 'object') {
      out.items = toJsonSchema(v as Record<string, unknown>);
    } else out[k] = v;
  }
  return out;
}

function groundTruth(line: string): ExpectedCall[] {
  const parsed = parseJson(line);
  if (!parsed.ok) throw new Error(parsed.error);
  const gt = (parsed.value as { ground_truth: Record<string, Record<string, unknown[]>>[] }).ground_truth;
  return gt.map((entry, i) => {
    const [name, params] = Object.entries(entry)[0];
    const args: Record<string, ExpectedArg> = {};
    for (const [param, acceptable] of Object.entries(params)) {
      const keep: number[] = [];
      acceptable.forEach((v, j) => v !== '' && keep.push(j));
      const prefix = ['ground_truth', String(i), name, param];
      const floatPaths: string[] = [];
      for (const p of parsed.floatPaths) {
        const t = pointerTokens(p);
        if (prefix.every((x, k) => t[k] === x)) {
          const rest = t.slice(4);
          rest[0] = String(keep.indexOf(Number(rest[0])));
          floatPaths.push('/' + rest.map((x) => x.replace(/~/g, '~0').replace(/\//g, '~1')).join('/'));
        }
      }
      const arg: ExpectedArg = { values: keep.map((j) => acceptable[j]) };
      if (keep.length !== acceptable.length) arg.optional = true;
      if (floatPaths.length) arg.floatPaths = floatPaths;
      args[param] = arg;
    }
    return { name, args };
  });
}

export function loadBfclCategory(category: string): SuiteCase[] {
  const q = path.join(bfclDir, `BFCL_v4_${category}.json`);
  const a = path.join(bfclDir, 'possible_answer', `BFCL_v4_${category}.json`);
  const answers = new Map<string, ExpectedCall[]>();
  if (existsSync(a)) {
    for (const line of readFileSync(a, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const id = (JSON.parse(line) as { id: string }).id;
      answers.set(id, groundTruth(line));
    }
  }
  return readFileSync(q, 'utf8').split('\n').filter((l) => l.trim()).map((line) => {
    const raw = JSON.parse(line) as { id: string; question: { role: string; content: string }[][]; function: Record<string, unknown>[] };
    const tools: ToolDef[] = raw.function.map((f) => ({
      name: f.name as string,
      description: f.description as string,
      parameters: toJsonSchema(f.parameters as Record<string, unknown>),
    }));
    return {
      id: raw.id,
      category,
      query: raw.question[0],
      tools,
      expected: { calls: answers.get(raw.id) ?? [] },
      meta: { source: 'bfcl', bfclCategory: category, language: category.includes('javascript') ? 'javascript' : category.includes('java') ? 'java' : 'python' },
    };
  });
}

export const BFCL_CATEGORIES = ['simple_python', 'multiple', 'parallel', 'irrelevance'];
