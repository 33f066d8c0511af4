import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SuiteError, loadSuite, loadSuites } from '../../src/suite/load.ts';
import { writeSuite } from '../../src/suite/write.ts';
import { MANIFEST, suiteDir, tempDir, validCase } from './helpers.ts';

/** The problems of a load that must fail. */
async function problemsOf(path: string): Promise<string[]> {
  try {
    await loadSuite(path);
  } catch (err) {
    expect(err).toBeInstanceOf(SuiteError);
    return (err as SuiteError).problems;
  }
  throw new Error(`loading ${path} unexpectedly succeeded`);
}

const line = (v: unknown) => JSON.stringify(v);

describe('loadSuite: valid suites', () => {
  it('loads a folder in sorted file order, with manifest and hash', async () => {
    const dir = suiteDir([line(validCase('b1'))], MANIFEST, 'b.jsonl');
    writeFileSync(join(dir, 'a.jsonl'), line(validCase('a1')) + '\n\n' + line(validCase('a2', { query: [{ role: 'system', content: 's' }, { role: 'user', content: 'u' }] })) + '\n');
    const suite = await loadSuite(dir);
    expect(suite.manifest).toEqual(MANIFEST);
    expect(suite.cases.map((c) => c.id)).toEqual(['a1', 'a2', 'b1']);
    expect(suite.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(suite.warnings).toBeUndefined();
  });

  it('loads a lone .jsonl file with default manifest (licence unknown)', async () => {
    const dir = tempDir();
    const file = join(dir, 'my-cases.jsonl');
    writeFileSync(file, line(validCase('x')) + '\n');
    const suite = await loadSuite(file);
    expect(suite.manifest.name).toBe('my-cases');
    expect(suite.manifest.licence).toBe('unknown');
  });

  it('takes a lone .jsonl file\'s manifest from a sibling suite.json', async () => {
    const dir = suiteDir([line(validCase('x'))]);
    const suite = await loadSuite(join(dir, 'cases.jsonl'));
    expect(suite.manifest).toEqual(MANIFEST);
  });

  it('ignores a byte-order mark at the start of a case file', async () => {
    const dir = suiteDir(['\uFEFF' + line(validCase('bom'))]);
    expect((await loadSuite(dir)).cases.map((c) => c.id)).toEqual(['bom']);
  });

  it('accepts anyCall answers and CRLF line ends', async () => {
    const c = validCase('r', { category: 'live_relevance', expected: { calls: [], anyCall: true } });
    const dir = suiteDir([line(c) + '\r']);
    expect((await loadSuite(dir)).cases[0].expected.anyCall).toBe(true);
  });
});

describe('loadSuite: errors name file:line: field', () => {
  it('reports a wrong type at a dotted path', async () => {
    const bad = validCase('c2') as unknown as { expected: { calls: { name: unknown }[] } };
    bad.expected.calls[0].name = 42;
    const dir = suiteDir([line(validCase('c1')), line(bad)]);
    expect(await problemsOf(dir)).toEqual([`${join(dir, 'cases.jsonl')}:2: expected.calls[0].name: must be string`]);
  });

  it('reports missing and unknown fields', async () => {
    const bad: Record<string, unknown> = { ...validCase('c1'), colour: 'red' };
    delete bad.tools;
    const dir = suiteDir([line(bad)]);
    const f = join(dir, 'cases.jsonl');
    expect(await problemsOf(dir)).toEqual([`${f}:1: tools: is required`, `${f}:1: colour: unknown field`]);
  });

  it('reports a bad query with one readable message, or the deeper problem of a message list', async () => {
    const dir = suiteDir([line({ ...validCase('q'), query: 5 }), line({ ...validCase('r'), query: [] }), line({ ...validCase('s'), query: [{ role: 'user' }] })]);
    const f = join(dir, 'cases.jsonl');
    expect(await problemsOf(dir)).toEqual([
      `${f}:1: query: must be a string or a non-empty list of {role, content} chat messages`,
      `${f}:2: query: must be a string or a non-empty list of {role, content} chat messages`,
      `${f}:3: query[0].content: is required`,
    ]);
  });

  it('reports invalid JSON lines and keeps going', async () => {
    const dir = suiteDir([line(validCase('a')), '{"id": "b",', line({ ...validCase('c'), category: 7 })]);
    const problems = await problemsOf(dir);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^${escape(join(dir, 'cases.jsonl'))}:2: invalid JSON: `));
    expect(problems[1]).toBe(`${join(dir, 'cases.jsonl')}:3: category: must be string`);
  });

  it('reports duplicate ids with the first occurrence', async () => {
    const dir = suiteDir([line(validCase('x')), line(validCase('y')), line(validCase('x'))]);
    expect(await problemsOf(dir)).toEqual([`${join(dir, 'cases.jsonl')}:3: id: duplicate id "x" (first at line 1)`]);
  });

  it('reports duplicate ids across files with the other file', async () => {
    const dir = suiteDir([line(validCase('x'))], MANIFEST, 'a.jsonl');
    writeFileSync(join(dir, 'b.jsonl'), line(validCase('x')) + '\n');
    expect(await problemsOf(dir)).toEqual([`${join(dir, 'b.jsonl')}:1: id: duplicate id "x" (first at ${join(dir, 'a.jsonl')}:1)`]);
  });

  it('reports an expected call to a tool the case does not offer', async () => {
    const c = validCase('t');
    c.expected.calls[0].name = 'get_time';
    const dir = suiteDir([line(c)]);
    expect(await problemsOf(dir)).toEqual([
      `${join(dir, 'cases.jsonl')}:1: expected.calls[0].name: "get_time" is not one of the case's tools ("get_weather")`,
    ]);
  });

  it('warns (does not fail) on an expected argument missing from the tool schema', async () => {
    const c = validCase('w');
    c.expected.calls[0].args.country = { values: ['FR'] };
    const dir = suiteDir([line(c)]);
    const suite = await loadSuite(dir);
    expect(suite.warnings).toEqual([`${join(dir, 'cases.jsonl')}:1: expected.calls[0].args.country: not a parameter of tool "get_weather"`]);
  });

  it('accepts floatPaths that point at integral numbers and reports ones that do not', async () => {
    const good = validCase('f1');
    good.tools[0].parameters = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' }, at: { type: 'array' } } };
    good.expected.calls[0].args.at = { values: [[12, 15.5]], floatPaths: ['/0/0'] };
    const bad = structuredClone(good);
    bad.id = 'f2';
    bad.expected.calls[0].args.at.floatPaths = ['/0/1'];
    expect((await loadSuite(suiteDir([line(good)]))).cases[0].expected.calls[0].args.at.floatPaths).toEqual(['/0/0']);
    const dir = suiteDir([line(good), line(bad)]);
    expect(await problemsOf(dir)).toEqual([
      `${join(dir, 'cases.jsonl')}:2: expected.calls[0].args.at.floatPaths[0]: "/0/1" does not point to an integral number in values`,
    ]);
  });

  it('reports an empty suite', async () => {
    const dir = suiteDir(['', '']);
    expect(await problemsOf(dir)).toEqual([`${dir}: suite has zero cases`]);
  });

  it('reports a bad manifest field', async () => {
    const dir = suiteDir([line(validCase('a'))], { ...MANIFEST, licence: 3 });
    expect(await problemsOf(dir)).toEqual([`${join(dir, 'suite.json')}: licence: must be string`]);
  });

  it('names the available suites when the path does not exist', async () => {
    const problems = await problemsOf('suites/no-such-suite');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^suites\/no-such-suite: no such suite file or folder; suites in .*: .*suites\/bfcl/);
  });

  it('lists at most 20 problems in the message, with a count of the rest', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => line({ ...validCase(`c${i}`), category: 1 }));
    const dir = suiteDir(lines);
    try {
      await loadSuite(dir);
      throw new Error('expected failure');
    } catch (err) {
      const e = err as SuiteError;
      expect(e.problems).toHaveLength(25);
      expect(e.message).toContain('... and 5 more problems');
      expect(e.message).toContain(':20: category');
      expect(e.message).not.toContain(':21: category');
    }
  });
});

describe('loadSuites', () => {
  it('rejects two suites with the same name', async () => {
    const a = suiteDir([line(validCase('a'))]);
    const b = suiteDir([line(validCase('b'))]);
    await expect(loadSuites([a, b])).rejects.toThrow(`suite name "tiny" is also the name of ${a}`);
    const c = suiteDir([line(validCase('c'))], { ...MANIFEST, name: 'other' });
    expect((await loadSuites([a, c])).map((s) => s.manifest.name)).toEqual(['tiny', 'other']);
  });
});

describe('hash', () => {
  it('is stable across loads and rewrites, and changes with any byte of cases or manifest', async () => {
    const cases = [validCase('a'), validCase('b')];
    const d1 = join(tempDir(), 's');
    const d2 = join(tempDir(), 's');
    writeSuite(d1, MANIFEST, cases);
    writeSuite(d2, MANIFEST, structuredClone(cases));
    const h1 = (await loadSuite(d1)).hash;
    expect((await loadSuite(d1)).hash).toBe(h1);
    expect((await loadSuite(d2)).hash).toBe(h1);

    const d3 = join(tempDir(), 's');
    writeSuite(d3, MANIFEST, [validCase('a'), validCase('b', { query: 'What is the weather in Lyon?' })]);
    expect((await loadSuite(d3)).hash).not.toBe(h1);

    const d4 = join(tempDir(), 's');
    writeSuite(d4, { ...MANIFEST, version: '2' }, cases);
    expect((await loadSuite(d4)).hash).not.toBe(h1);
  });
});

describe('writeSuite', () => {
  it('writes one case a line and round-trips exactly', async () => {
    const dir = join(tempDir(), 'out');
    const cases = [validCase('a'), validCase('b', { category: 'parallel', tags: ['x'], meta: { source: 't' } })];
    writeSuite(dir, MANIFEST, cases, { splitByCategory: true });
    expect(readFileSync(join(dir, 'simple.jsonl'), 'utf8').split('\n')).toHaveLength(2);
    const suite = await loadSuite(dir);
    expect(suite.cases).toEqual([cases[1], cases[0]]); // parallel.jsonl sorts before simple.jsonl
  });

  it('names the path it cannot write', () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    expect(() => writeSuite(join(file, 'suite'), MANIFEST, [validCase('a')])).toThrow(`${join(file, 'suite')}: cannot write the suite (ENOTDIR)`);
  });

  it('refuses invalid cases and removes stale files on rewrite', async () => {
    const dir = join(tempDir(), 'out');
    expect(() => writeSuite(dir, MANIFEST, [validCase('a'), validCase('a')])).toThrow('id: duplicate id "a" (first at line 1)');
    writeSuite(dir, MANIFEST, [validCase('a', { category: 'old' })], { splitByCategory: true });
    writeSuite(dir, MANIFEST, [validCase('a')], { splitByCategory: true });
    mkdirSync(join(dir, 'sub'));
    expect((await loadSuite(dir)).cases.map((c) => c.category)).toEqual(['simple']);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
