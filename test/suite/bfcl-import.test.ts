// The BFCL importer on the real BFCL v4 data in ../shared: every case imports and every fact BFCL
// scores with (ground truth, schemas with their BFCL type names, messages) converts back exactly.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callsToGroundTruth } from '../../src/suite/importers/bfcl-answers.ts';
import { jsonSchemaToBfcl } from '../../src/suite/importers/bfcl-schema.ts';
import { importer } from '../../src/suite/importers/bfcl.ts';
import type { ImportResult } from '../../src/suite/importers/types.ts';
import type { SuiteCase } from '../../src/suite/types.ts';
import { parseJson } from '../../src/util/json-lexeme.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const BFCL_DIR = resolve(repoRoot, '../shared/data/bfcl');

type Json = Record<string, unknown>;
const jsonLines = (file: string): Json[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Json);

/** Lines parsed keeping float-ness: every integral number written as a float becomes {float: n}. */
const typedJsonLines = (file: string): Json[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => {
    const parsed = parseJson(l);
    if (!parsed.ok) throw new Error(parsed.error);
    return tagFloats(parsed.value, parsed.floatPaths) as Json;
  });

/** A copy of value with the numbers at the given pointers replaced by {float: n}. */
function tagFloats(value: unknown, floatPaths: readonly string[], at = ''): unknown {
  if (typeof value === 'number') return floatPaths.includes(at) ? { float: value } : value;
  if (Array.isArray(value)) return value.map((v, i) => tagFloats(v, floatPaths, `${at}/${i}`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tagFloats(v, floatPaths, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)]));
  }
  return value;
}

/** BFCL's omission marker "" may sit anywhere in a list; its position carries no meaning. */
function omitMarkerLast(groundTruth: unknown): unknown {
  return (groundTruth as Record<string, Record<string, unknown[]>>[]).map((call) =>
    Object.fromEntries(
      Object.entries(call).map(([name, params]) => [
        name,
        Object.fromEntries(Object.entries(params).map(([p, vs]) => [p, [...vs.filter((v) => v !== ''), ...vs.filter((v) => v === '')]])),
      ]),
    ),
  );
}

/** The case back in BFCL's question form. */
function toBfclQuestion(c: SuiteCase): Json {
  const messages = typeof c.query === 'string' ? [{ role: 'user', content: c.query }] : c.query;
  return {
    id: c.id,
    question: [messages],
    function: c.tools.map((t) => ({ ...t, parameters: jsonSchemaToBfcl(t.parameters) })),
  };
}

const questionFiles = readdirSync(BFCL_DIR).filter((f) => /^BFCL_v4_.*\.json$/.test(f)).sort();

describe('BFCL import of ../shared/data/bfcl', () => {
  let result: ImportResult;
  let byId: Map<string, SuiteCase>;
  beforeAll(async () => {
    result = await importer.import(BFCL_DIR, {});
    byId = new Map(result.cases.map((c) => [c.id, c]));
  });

  it('finds the four shared categories', () => {
    expect(questionFiles).toEqual(['BFCL_v4_irrelevance.json', 'BFCL_v4_multiple.json', 'BFCL_v4_parallel.json', 'BFCL_v4_simple_python.json']);
    expect(result.manifest.licence).toBe('Apache-2.0');
    expect(result.manifest.source).toContain('6ea57973c7a6097fd7c5915698c54c17c5b1b6c8');
  });

  for (const file of questionFiles) {
    const category = file.replace(/^BFCL_v4_|\.json$/g, '');
    it(`${category}: one case per question, ids, questions and functions convert back exactly`, () => {
      const questions = jsonLines(join(BFCL_DIR, file));
      const cases = result.cases.filter((c) => c.category === category);
      expect(cases).toHaveLength(questions.length);
      for (const q of questions) {
        const c = byId.get(q.id as string)!;
        expect(c.meta).toEqual({ source: 'bfcl', bfclCategory: category, language: 'python' });
        expect(toBfclQuestion(c)).toEqual(q);
      }
    });

    it(`${category}: every possible answer converts back to BFCL's ground truth, float-written numbers included`, () => {
      const cases = result.cases.filter((c) => c.category === category);
      if (category === 'irrelevance') {
        expect(cases.every((c) => c.expected.calls.length === 0 && c.expected.anyCall === undefined)).toBe(true);
        return;
      }
      const answers = typedJsonLines(join(BFCL_DIR, 'possible_answer', file));
      expect(answers).toHaveLength(cases.length);
      for (const a of answers) {
        const c = byId.get(a.id as string)!;
        const back = callsToGroundTruth(c.expected.calls);
        expect(omitMarkerLast(tagFloats(back.groundTruth, back.floatPaths))).toEqual(omitMarkerLast(a.ground_truth));
      }
    });
  }

  it('marks "" as optional and keeps the other acceptable values', () => {
    // simple_python_0: {"base": [10], "height": [5], "unit": ["units", ""]}
    expect(byId.get('simple_python_0')!.expected.calls).toEqual([
      { name: 'calculate_triangle_area', args: { base: { values: [10] }, height: { values: [5] }, unit: { values: ['units'], optional: true } } },
    ]);
  });

  it('records integral floats of the answers as floatPaths, on exactly the cases that have them', () => {
    const expectedIds: string[] = [];
    for (const file of questionFiles.filter((f) => f !== 'BFCL_v4_irrelevance.json')) {
      for (const l of readFileSync(join(BFCL_DIR, 'possible_answer', file), 'utf8').split('\n').filter((x) => x.trim())) {
        const parsed = parseJson(l);
        if (parsed.ok && parsed.floatPaths.some((p) => p.startsWith('/ground_truth/'))) expectedIds.push((parsed.value as Json).id as string);
      }
    }
    const withFloats = result.cases.filter((c) => c.expected.calls.some((call) => Object.values(call.args).some((a) => a.floatPaths)));
    expect(expectedIds.length).toBeGreaterThan(0);
    expect(withFloats.map((c) => c.id).sort()).toEqual(expectedIds.sort());
  });

  it('converts BFCL types and keeps the original name as x-bfcl-type at every depth', () => {
    const types = new Set<string>();
    const walk = (s: Json) => {
      if (typeof s['x-bfcl-type'] === 'string') types.add(`${s['x-bfcl-type']}->${String(s.type)}`);
      for (const p of Object.values((s.properties ?? {}) as Record<string, Json>)) walk(p);
      if (s.items) walk(s.items as Json);
    };
    for (const c of result.cases) for (const t of c.tools) walk(t.parameters);
    expect([...types].sort()).toEqual([
      'any->undefined', 'array->array', 'boolean->boolean', 'dict->object', 'float->number', 'integer->integer', 'string->string', 'tuple->array',
    ]);
  });

  it('produces no warnings: every expected argument is a schema property in this data', async () => {
    const { writeSuite } = await import('../../src/suite/write.ts');
    const { loadSuite } = await import('../../src/suite/load.ts');
    const { tempDir } = await import('./helpers.ts');
    const dir = join(tempDir(), 'bfcl');
    writeSuite(dir, result.manifest, result.cases, { splitByCategory: true });
    const suite = await loadSuite(dir);
    expect(suite.cases).toHaveLength(1040);
    expect(suite.warnings).toBeUndefined();
  });
});
