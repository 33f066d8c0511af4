// Small builders for suite tests: a valid case and a temporary suite folder.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SuiteCase, SuiteManifest } from '../../src/suite/types.ts';

export const MANIFEST: SuiteManifest = { name: 'tiny', version: '1', source: 'test', licence: 'Apache-2.0' };

export function validCase(id: string, overrides: Partial<SuiteCase> = {}): SuiteCase {
  return {
    id,
    category: 'simple',
    query: 'What is the weather in Paris?',
    tools: [
      {
        name: 'get_weather',
        description: 'Current weather of a city.',
        parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
      },
    ],
    expected: { calls: [{ name: 'get_weather', args: { city: { values: ['Paris'] }, unit: { values: ['celsius'], optional: true } } }] },
    ...overrides,
  };
}

export function tempDir(prefix = 'suite-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A suite folder with a manifest and one cases.jsonl holding the given raw lines. */
export function suiteDir(lines: string[], manifest: unknown = MANIFEST, file = 'cases.jsonl'): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'suite.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, file), lines.join('\n') + '\n');
  return dir;
}
