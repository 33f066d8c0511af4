// Every BFCL v4 single-turn category imports: the categories missing from ../shared come from small
// real-format fixtures in test/fixtures/bfcl (see its README). Also BFCL type conversion and errors.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SuiteError } from '../../src/suite/errors.ts';
import { callsToGroundTruth } from '../../src/suite/importers/bfcl-answers.ts';
import { bfclToJsonSchema, jsonSchemaToBfcl } from '../../src/suite/importers/bfcl-schema.ts';
import { importer } from '../../src/suite/importers/bfcl.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { writeSuite } from '../../src/suite/write.ts';
import { scoreCase } from '../../src/score/score.ts';
import { tempDir } from './helpers.ts';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/bfcl');
const SHARED = resolve(import.meta.dirname, '../../../shared/data/bfcl');

const ALL_SINGLE_TURN = [
  'simple_python', 'simple_java', 'simple_javascript', 'multiple', 'parallel', 'parallel_multiple', 'irrelevance',
  'live_simple', 'live_multiple', 'live_parallel', 'live_parallel_multiple', 'live_irrelevance', 'live_relevance',
];

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));

describe('every BFCL v4 single-turn category imports', () => {
  const available = new Map<string, string>();
  for (const dir of [SHARED, FIXTURES]) {
    for (const f of readdirSync(dir)) if (/^BFCL_v4_.*\.json$/.test(f)) available.set(f.slice(8, -5), join(dir, f));
  }

  it('has data for all 13 categories between ../shared and the fixtures', () => {
    expect([...available.keys()].sort()).toEqual([...ALL_SINGLE_TURN].sort());
  });

  for (const category of ALL_SINGLE_TURN) {
    it(category, async () => {
      const file = available.get(category)!;
      const { cases } = await importer.import(file, {});
      const questions = lines(file);
      expect(cases.map((c) => c.id)).toEqual(questions.map((q) => q.id));
      const language = category.includes('javascript') ? 'javascript' : category.includes('java') ? 'java' : 'python';
      for (const c of cases) {
        expect(c.category).toBe(category);
        expect(c.meta).toEqual({ source: 'bfcl', bfclCategory: category, language });
      }
      if (category.endsWith('irrelevance')) {
        expect(cases.every((c) => c.expected.calls.length === 0 && !c.expected.anyCall)).toBe(true);
      } else if (category === 'live_relevance') {
        expect(cases.every((c) => c.expected.calls.length === 0 && c.expected.anyCall === true)).toBe(true);
      } else {
        const answers = new Map(lines(file.replace(/BFCL_v4_/, 'possible_answer/BFCL_v4_')).map((a) => [a.id, a.ground_truth]));
        for (const c of cases) {
          const back = callsToGroundTruth(c.expected.calls).groundTruth;
          const sortOmit = (gt: unknown) => JSON.parse(JSON.stringify(gt), (_k, v) => (Array.isArray(v) && v.includes('') ? [...v.filter((x) => x !== ''), ...v.filter((x) => x === '')] : v));
          expect(sortOmit(back)).toEqual(sortOmit(answers.get(c.id)));
        }
      }
      // The imported cases are a valid suite.
      const dir = join(tempDir(), category);
      writeSuite(dir, { name: category, version: '4', source: 'test', licence: 'Apache-2.0' }, cases);
      expect((await loadSuite(dir)).cases).toHaveLength(cases.length);
    });
  }

  it('keeps system messages as a message list, and a lone user message as a string', async () => {
    const { cases } = await importer.import(join(FIXTURES, 'BFCL_v4_live_multiple.json'), {});
    expect(cases[0].query).toEqual([
      { role: 'system', content: 'You are an agent that is used for ordering food on your customers behalf using your functions' },
      { role: 'user', content: "NO SUGAR in my coffee loll. Can you change my drink with drink id '1234' order to have no sweetness, and also make sure it's served hot?" },
    ]);
    expect(cases[1].query).toBe('Get weather of Ha Noi for me');
  });

  it('keeps nested dict answers exactly and records float-written numbers', async () => {
    const { cases } = await importer.import(join(FIXTURES, 'BFCL_v4_live_parallel.json'), {});
    const food = cases.find((c) => c.id === 'live_parallel_11-7-0')!;
    expect(food.expected.calls[0].args.portion_amount).toEqual({ values: [8], floatPaths: ['/0'] });
    expect(food.expected.calls[0].args.meal_type).toEqual({ values: ['snack'], optional: true });
    const { cases: multi } = await importer.import(join(FIXTURES, 'BFCL_v4_live_multiple.json'), {});
    expect(multi[0].expected.calls[0].args.new_preferences).toEqual({ values: [{ sweetness_level: ['none'], temperature: ['hot'] }] });
  });

  it('imports the fixture folder as one suite, one category per question file', async () => {
    const { cases, manifest } = await importer.import(FIXTURES, { name: 'bfcl-fixtures' });
    expect(manifest.name).toBe('bfcl-fixtures');
    expect(new Set(cases.map((c) => c.category)).size).toBe(9);
    expect(cases).toHaveLength(27);
  });

  it('imports the live quirks as BFCL has them: "" beside values or alone, [] and {} answers, nested and list-of-dict answers', async () => {
    const { cases } = await importer.import(join(FIXTURES, 'BFCL_v4_live_simple.json'), {});
    const args = (id: string) => cases.find((c) => c.id === id)!.expected.calls[0].args;
    // A required argument with no acceptable value at all: imported as it is (it can never pass).
    expect(args('live_simple_106-63-0').auto_loan_payment_start).toEqual({ values: [] });
    // "" alone: may be omitted, and "" itself is the only value BFCL accepts when given.
    expect(args('live_simple_70-34-0').t1).toEqual({ values: [], optional: true });
    expect(args('live_simple_70-34-0').startingAfter).toEqual({ values: [null], optional: true });
    expect(args('live_simple_110-67-0').outofscope).toEqual({ values: [[]], optional: true });
    expect(args('live_simple_132-85-0').params).toEqual({ values: [{}], optional: true });
    expect(args('live_simple_114-70-0').profile_data).toEqual({ values: [{ email: ['john.doe@example.com'], age: [30], bio: [''] }] });
    const { cases: multi } = await importer.import(join(FIXTURES, 'BFCL_v4_live_multiple.json'), {});
    expect(multi.find((c) => c.id === 'live_multiple_900-0-0')!.expected.calls[0].args.items).toEqual({
      values: [[{ name: ['latte'], quantity: [2], notes: ['extra hot'] }, { name: ['bagel', 'plain bagel'], quantity: [1], notes: [''] }]],
    });
  });

  it('scores the unpassable case as BFCL does: every output fails, with the reason', async () => {
    const { cases } = await importer.import(join(FIXTURES, 'BFCL_v4_live_simple.json'), {});
    const c = cases.find((x) => x.id === 'live_simple_106-63-0')!;
    const full = Object.fromEntries(Object.entries(c.expected.calls[0].args).map(([k, a]) => [k, a.values.length > 0 ? a.values[0] : []]));
    const outputs: Record<string, unknown>[] = [
      full, // [] for the two unanswerable lists
      { ...full, auto_loan_payment_start: ['Can I pay my car loan here?'], bank_hours_start: ['When do you open?'] },
      Object.fromEntries(Object.entries(full).filter(([k]) => k !== 'auto_loan_payment_start' && k !== 'bank_hours_start')),
    ];
    const note = 'the answer accepts no value for "auto_loan_payment_start" of "record", "bank_hours_start" of "record": no output can pass this case, as in BFCL';
    for (const args of outputs) {
      const v = scoreCase(c, { kind: 'parsed', calls: [{ name: 'record', arguments: args }] });
      expect(v.pass).toBe(false);
      expect(v.reason).toContain(note);
    }
    expect(scoreCase(c, { kind: 'parsed', calls: [] }).reason).toContain(note);
  });

  it('loads a suite with an unpassable case, warning once for that case', async () => {
    const { cases } = await importer.import(join(FIXTURES, 'BFCL_v4_live_simple.json'), {});
    const dir = join(tempDir(), 'live_simple');
    writeSuite(dir, { name: 'ls', version: '4', source: 'test', licence: 'Apache-2.0' }, cases);
    const suite = await loadSuite(dir);
    expect(suite.cases.map((c) => c.id)).toContain('live_simple_106-63-0');
    expect(suite.warnings?.filter((w) => w.includes('no answer can match'))).toHaveLength(1);
    expect(suite.warnings?.[0]).toContain('case "live_simple_106-63-0" is kept and every output fails it, as in BFCL');
  });
});

describe('BFCL type conversion', () => {
  it('maps Python, Java and JavaScript type names, keeping each as x-bfcl-type at every depth', () => {
    const bfcl = {
      type: 'dict',
      properties: {
        f: { type: 'float', description: 'x', default: 0.5 },
        t: { type: 'tuple', items: { type: 'float' } },
        a: { type: 'any' },
        m: { type: 'HashMap', description: 'map' },
        l: { type: 'long' },
        s: { type: 'String', enum: ['a', 'b'] },
        b: { type: 'Boolean' },
        arr: { type: 'ArrayList', items: { type: 'dict', properties: { k: { type: 'integer' } }, required: ['k'] } },
        odd: { type: 'Widget' },
      },
      required: ['f'],
    };
    const json = bfclToJsonSchema(bfcl);
    expect(json).toEqual({
      type: 'object', 'x-bfcl-type': 'dict',
      properties: {
        f: { type: 'number', 'x-bfcl-type': 'float', description: 'x', default: 0.5 },
        t: { type: 'array', 'x-bfcl-type': 'tuple', items: { type: 'number', 'x-bfcl-type': 'float' } },
        a: { 'x-bfcl-type': 'any' },
        m: { type: 'object', 'x-bfcl-type': 'HashMap', description: 'map' },
        l: { type: 'integer', 'x-bfcl-type': 'long' },
        s: { type: 'string', 'x-bfcl-type': 'String', enum: ['a', 'b'] },
        b: { type: 'boolean', 'x-bfcl-type': 'Boolean' },
        arr: {
          type: 'array', 'x-bfcl-type': 'ArrayList',
          items: { type: 'object', 'x-bfcl-type': 'dict', properties: { k: { type: 'integer', 'x-bfcl-type': 'integer' } }, required: ['k'] },
        },
        odd: { 'x-bfcl-type': 'Widget' },
      },
      required: ['f'],
    });
    expect(jsonSchemaToBfcl(json)).toEqual(bfcl);
  });

  it('does not treat a property named "type" as a keyword', () => {
    const bfcl = { type: 'dict', properties: { type: { type: 'string', enum: ['plus'] } } };
    expect(bfclToJsonSchema(bfcl).properties).toEqual({ type: { type: 'string', 'x-bfcl-type': 'string', enum: ['plus'] } });
  });
});

describe('BFCL import errors', () => {
  function brokenFolder(question: string, answer?: string, category = 'simple_python'): string {
    const dir = tempDir('bfcl-bad-');
    writeFileSync(join(dir, `BFCL_v4_${category}.json`), question + '\n');
    if (answer !== undefined) {
      mkdirSync(join(dir, 'possible_answer'));
      writeFileSync(join(dir, 'possible_answer', `BFCL_v4_${category}.json`), answer + '\n');
    }
    return dir;
  }
  const q = (id: string, turns = 1) =>
    JSON.stringify({ id, question: Array.from({ length: turns }, () => [{ role: 'user', content: 'hi' }]), function: [{ name: 'f', description: 'd', parameters: { type: 'dict', properties: { x: { type: 'integer' } }, required: ['x'] } }] });

  async function problems(input: string): Promise<string[]> {
    try {
      await importer.import(input, {});
    } catch (err) {
      expect(err).toBeInstanceOf(SuiteError);
      return (err as SuiteError).problems;
    }
    throw new Error('import unexpectedly succeeded');
  }

  it('names a missing possible_answer file', async () => {
    const dir = brokenFolder(q('a'));
    const file = join(dir, 'BFCL_v4_simple_python.json');
    expect(await problems(dir)).toEqual([`${file}: category "simple_python" needs its ground truth, ${join(dir, 'possible_answer', 'BFCL_v4_simple_python.json')} does not exist`]);
  });

  it('names ids without ground truth and ground truth without question', async () => {
    const dir = brokenFolder(q('a'), JSON.stringify({ id: 'b', ground_truth: [{ f: { x: [1] } }] }));
    const file = join(dir, 'BFCL_v4_simple_python.json');
    expect(await problems(dir)).toEqual([
      `${file}:1: id: no ground truth for "a" in ${join(dir, 'possible_answer', 'BFCL_v4_simple_python.json')}`,
      `${join(dir, 'possible_answer', 'BFCL_v4_simple_python.json')}:1: id: "b" has no question in ${file}`,
    ]);
  });

  it('refuses multi-turn questions and malformed ground truth with file:line', async () => {
    const dir = brokenFolder(q('a', 2), JSON.stringify({ id: 'a', ground_truth: [{ f: { x: 1 } }] }));
    expect(await problems(dir)).toEqual([`${join(dir, 'BFCL_v4_simple_python.json')}:1: question: has 2 turns; only single-turn data imports`]);
    const dir2 = brokenFolder(q('a'), JSON.stringify({ id: 'a', ground_truth: [{ f: { x: 1 } }] }));
    expect(await problems(dir2)).toEqual([`${join(dir2, 'possible_answer', 'BFCL_v4_simple_python.json')}:1: ground_truth[0].f.x: must be a list of acceptable values`]);
  });

  it('imports only the newest BFCL version of a category left twice in a folder, with a note', async () => {
    const dir = brokenFolder(q('a'), JSON.stringify({ id: 'a', ground_truth: [{ f: { x: [1] } }] }));
    writeFileSync(join(dir, 'BFCL_v3_simple_python.json'), q('a') + '\n');
    const result = await importer.import(dir, {});
    expect(result.cases.map((c) => c.id)).toEqual(['a']);
    expect(result.notes).toEqual(['skipped BFCL_v3_simple_python.json: BFCL_v4_simple_python.json is a newer version of the same category']);
  });

  it('skips multi-turn files in a folder with a note, and refuses one given directly', async () => {
    const dir = brokenFolder(q('a'), JSON.stringify({ id: 'a', ground_truth: [{ f: { x: [1] } }] }));
    writeFileSync(join(dir, 'BFCL_v4_multi_turn_base.json'), q('m', 3) + '\n');
    const result = await importer.import(dir, {});
    expect(result.cases.map((c) => c.id)).toEqual(['a']);
    expect(result.notes).toEqual(['skipped BFCL_v4_multi_turn_base.json: not a single-turn category']);
    expect(await problems(join(dir, 'BFCL_v4_multi_turn_base.json'))).toEqual([
      `${join(dir, 'BFCL_v4_multi_turn_base.json')}: category "multi_turn_base" is not single-turn; only single-turn categories import`,
    ]);
  });
});

describe('BFCL ground truth round trip (property)', () => {
  it('callsToGroundTruth inverts groundTruthToCalls, "" markers and float-written numbers included', async () => {
    const fc = await import('fast-check');
    const { groundTruthToCalls } = await import('../../src/suite/importers/bfcl-answers.ts');
    const { parseJson, stringifyJson } = await import('../../src/util/json-lexeme.ts');
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.constant(''));
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(fc.string({ minLength: 1 }), fc.array(scalar, { maxLength: 2 }), { maxKeys: 2 }));
    const groundTruth = fc.array(fc.dictionary(fc.string({ minLength: 1 }), fc.dictionary(fc.string({ minLength: 1 }), fc.array(value, { maxLength: 4 })), { minKeys: 1, maxKeys: 1 }), { maxLength: 3 });
    const floatText = fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 3 }).map((ns) => `[{"f": {"x": [${ns.map((n) => `${n}.0`).join(', ')}, ""]}}]`);
    // Generated structures: with "" moved last (and a repeated "" counted once: it is a flag, BFCL
    // only tests membership) the lists come back exactly.
    fc.assert(
      fc.property(groundTruth, (gt) => {
        const { calls, problems } = groundTruthToCalls(gt);
        expect(problems).toEqual([]);
        const back = callsToGroundTruth(calls).groundTruth;
        const omitLast = (g: typeof gt) => g.map((call) => Object.fromEntries(Object.entries(call).map(([n, ps]) => [n, Object.fromEntries(Object.entries(ps).map(([p, vs]) => [p, [...vs.filter((v) => v !== ''), ...(vs.includes('') ? [''] : [])]]))])));
        expect(back).toEqual(omitLast(gt));
      }),
      { numRuns: 200 },
    );
    // A parameter or function named "__proto__" is data like any other (found by the property above).
    const proto = JSON.parse('[{"__proto__": {"__proto__": [1, ""]}}]');
    expect(callsToGroundTruth(groundTruthToCalls(proto).calls).groundTruth).toEqual(proto);
    // Float-written integers survive text → calls → text.
    fc.assert(
      fc.property(floatText, (text) => {
        const parsed = parseJson(text);
        if (!parsed.ok) throw new Error(parsed.error);
        const { calls } = groundTruthToCalls(parsed.value, parsed.floatPaths);
        const back = callsToGroundTruth(calls);
        expect(stringifyJson(back.groundTruth, back.floatPaths)).toBe(text.replace(/ /g, ''));
      }),
      { numRuns: 100 },
    );
  });
});
