import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SuiteError } from '../../src/suite/errors.ts';
import { importer } from '../../src/suite/importers/needle.ts';
import { jsonTypeOf, needleToolToToolDef } from '../../src/suite/importers/needle-tools.ts';
import { loadSuite } from '../../src/suite/load.ts';
import { writeSuite } from '../../src/suite/write.ts';
import { tempDir } from './helpers.ts';

const SAMPLE = resolve(import.meta.dirname, '../fixtures/needle/sample.jsonl');

describe('needle importer on test/fixtures/needle/sample.jsonl', () => {
  it('imports every line with ids, categories and queries', async () => {
    const { cases, manifest } = await importer.import(SAMPLE, {});
    expect(manifest).toMatchObject({ name: 'sample', licence: 'unknown' });
    expect(cases.map((c) => [c.id, c.category])).toEqual([
      ['sample-1', 'simple'],
      ['sample-2', 'parallel'],
      ['sample-3', 'irrelevance'],
      ['cite-1', 'simple'],
      ['sample-5', 'nearby'],
    ]);
    expect(cases[3].query).toEqual([
      { role: 'system', content: 'You extract citations.' },
      { role: 'user', content: 'Bantilan, N. (2018). Themis. Journal of Technology in Human Services, 36(1).' },
    ]);
    expect(cases[3].meta).toEqual({ source: 'needle', reasoning: 'authors precede the year; title follows the year; publisher is the journal segment' });
  });

  it('converts flat tools to JSON Schema with the required list from the booleans', async () => {
    const { cases } = await importer.import(SAMPLE, {});
    expect(cases[0].tools).toEqual([
      {
        name: 'set_timer',
        description: 'Set a timer for the specified duration or end time.',
        parameters: { type: 'object', properties: { time_human: { type: 'string', description: 'The duration or target end time in human readable format.' } }, required: ['time_human'] },
      },
      { name: 'stop_timer', description: 'Stop the currently running timer.', parameters: { type: 'object', properties: {} } },
    ]);
    expect(cases[1].tools[0].parameters.required).toEqual(['time_hours', 'time_minutes']);
    // JSON-Schema tools pass through unchanged.
    expect(cases[3].tools[0].parameters).toEqual({
      type: 'object', properties: { authors: { type: 'string' }, title: { type: 'string' }, publisher: { type: 'string' } }, required: ['authors', 'title'],
    });
    // Wrapped OpenAI tools are unwrapped; Python-ish type names keep their original spelling.
    expect(cases[4].tools[0].parameters.properties).toEqual({
      coords: { type: 'array', 'x-needle-type': 'List[float]', description: 'Latitude and longitude.' },
      kind: { type: 'string', 'x-needle-type': 'str, optional', description: 'Kind of place.' },
    });
  });

  it('turns answers into exact expected values, keeping float-written numbers', async () => {
    const { cases } = await importer.import(SAMPLE, {});
    expect(cases[0].expected).toEqual({ calls: [{ name: 'set_timer', args: { time_human: { values: ['45 minutes'] } } }] });
    expect(cases[1].expected.calls).toEqual([
      { name: 'set_alarm', args: { time_hours: { values: [6] }, time_minutes: { values: [30] } } },
      { name: 'set_brightness', args: { level: { values: [40], floatPaths: ['/0'] } } },
    ]);
    expect(cases[2].expected.calls).toEqual([]);
    expect(cases[2].meta).toEqual({ source: 'needle', extra: { language: 'en' } });
    expect(cases[4].expected.calls[0].args).toEqual({ coords: { values: [[37.77, -122]], floatPaths: ['/0/1'] }, kind: { values: ['restaurant'] } });
  });

  it('writes a suite that loads without problems', async () => {
    const { cases, manifest } = await importer.import(SAMPLE, { name: 'needle-sample' });
    const dir = join(tempDir(), 'needle');
    writeSuite(dir, manifest, cases);
    const suite = await loadSuite(dir);
    expect(suite.manifest.name).toBe('needle-sample');
    expect(suite.cases).toEqual(cases);
  });

  it('reports bad lines as file:line: field: problem', async () => {
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, [
      JSON.stringify({ query: 'q', tools: '[{"name": "f", "parameters": {}}', answers: [] }),
      JSON.stringify({ query: 1, tools: [{ name: 'f', parameters: { x: { type: 'int', required: 'yes' } } }], answers: [{ arguments: {} }] }),
    ].join('\n'));
    try {
      await importer.import(file, {});
      throw new Error('expected failure');
    } catch (err) {
      expect(err).toBeInstanceOf(SuiteError);
      const problems = (err as SuiteError).problems;
      expect(problems[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: tools: invalid JSON string: `));
      expect(problems.slice(1)).toEqual([
        `${file}:2: query: must be a string`,
        `${file}:2: tools[0].parameters.x.required: must be true or false`,
        `${file}:2: answers[0].name: must be a non-empty string`,
      ]);
    }
  });
});

describe('needle type names', () => {
  it('maps Python-ish names to JSON types', () => {
    expect(['str', 'int', 'float', 'bool', 'List[str]', 'tuple', 'Dict[str, int]', 'float, optional', 'number', 'Callable', 'any'].map(jsonTypeOf)).toEqual([
      'string', 'integer', 'number', 'boolean', 'array', 'array', 'object', 'number', 'number', undefined, undefined,
    ]);
  });

  it('treats a flat parameter named "type" as a parameter, not a keyword', () => {
    const { tool } = needleToolToToolDef({ name: 'todo', parameters: { type: { type: 'string', required: true } } });
    expect(tool?.parameters).toEqual({ type: 'object', properties: { type: { type: 'string' } }, required: ['type'] });
  });
});
