import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { factory, parseReplayFile } from '../../src/providers/replay.ts';
import { sampleCases, tempDir } from './helpers.ts';

const tmp = tempDir('replay');
afterAll(() => tmp.cleanup());

describe('replay provider', () => {
  it('parses lines, passing optional fields through', () => {
    const lines = parseReplayFile('r.jsonl', [
      JSON.stringify({ id: 'a', raw: '[]' }),
      '',
      JSON.stringify({ id: 'b', raw: 'x', dialect: 'json', promptTokens: 3, generatedTokens: 4, timings: { totalMs: 12 } }),
    ].join('\n'));
    expect([...lines.keys()]).toEqual(['a', 'b']);
    expect(lines.get('b')).toMatchObject({ raw: 'x', dialect: 'json', promptTokens: 3, generatedTokens: 4, timings: { totalMs: 12 }, line: 3 });
  });

  it.each([
    ['{"id": "a", "raw": 1}', 'r.jsonl:1: raw: expected a string'],
    ['{"raw": "x"}', 'r.jsonl:1: id: expected a non-empty string'],
    ['not json', 'r.jsonl:1: not valid JSON'],
    ['{"id": "a", "raw": "", "timings": {}}', 'r.jsonl:1: timings:'],
    ['{"id": "a", "raw": "", "generatedTokens": -1}', 'r.jsonl:1: generatedTokens:'],
    ['{"id": "a", "raw": ""}\n{"id": "a", "raw": ""}', 'r.jsonl:2: id: "a" already recorded at line 1'],
  ])('rejects %s naming file:line and field', (text, message) => {
    expect(() => parseReplayFile('r.jsonl', text)).toThrow(message);
  });

  it('fails generate for an unrecorded case and load for a missing file', async () => {
    const path = join(tmp.path, 'rec.jsonl');
    const [c0, c1] = sampleCases(2);
    writeFileSync(path, JSON.stringify({ id: c0.id, raw: 'hello', generatedTokens: 2 }) + '\n');
    const p = factory.create(`replay:${path}`, { cacheDir: tmp.path });
    expect(p.dialect).toBe('json');
    const prov = await p.load();
    expect(prov.weightHashes?.[path]).toMatch(/^[0-9a-f]{64}$/);
    const gen = await p.generate(c0);
    expect(gen).toMatchObject({ raw: 'hello', generatedTokens: 2, timingsMeasured: false });
    await expect(p.generate(c1)).rejects.toThrow(`no recorded output for case ${c1.id} in ${path}`);
    const missing = factory.create(`replay:${join(tmp.path, 'nope.jsonl')}`, { cacheDir: tmp.path });
    await expect(missing.load()).rejects.toThrow(/replay: cannot read .*nope\.jsonl: ENOENT/);
    expect(() => factory.create('replay:', { cacheDir: tmp.path })).toThrow(/replay needs a file/);
  });

  it('fails to load when a line names an unknown dialect, and passes a known line dialect on to the runner', async () => {
    const [c0] = sampleCases(1);
    const bad = join(tmp.path, 'klingon.jsonl');
    writeFileSync(bad, JSON.stringify({ id: c0.id, raw: 'x', dialect: 'klingon' }) + '\n');
    await expect(factory.create(`replay:${bad}`, { cacheDir: tmp.path }).load()).rejects.toThrow(/unknown dialect "klingon"; available: .*json/);
    const good = join(tmp.path, 'json.jsonl');
    writeFileSync(good, JSON.stringify({ id: c0.id, raw: 'x', dialect: 'json' }) + '\n');
    const p = factory.create(`replay:${good}`, { cacheDir: tmp.path });
    await p.load();
    expect((await p.generate(c0)).dialect).toBe('json');
    expect(() => factory.create(`replay:${good}`, { cacheDir: tmp.path, dialect: 3 })).toThrow(/option dialect/);
  });
});
