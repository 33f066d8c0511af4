// `needle-bench tokenize`: line handling of the command (the encoding itself is golden-tested).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tokenizeLine, benchEncode } from '../../src/cli/commands/tokenize.ts';
import { loadSentencePiece } from '../../src/sentencepiece/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/spm');
const tok = loadSentencePiece(path.join(fixtures, 'needle-settings.model'));
const golden = JSON.parse(readFileSync(path.join(fixtures, 'golden-needle-settings.json'), 'utf8')) as {
  encode: { text: string; ids: number[]; pieces: string[] }[];
};

describe('tokenize command lines', () => {
  const sample = golden.encode.filter((c) => !c.text.includes('\n') && !c.text.includes('\r')).slice(0, 60);

  it('prints one JSON id array per line, as the reference encodes it', () => {
    for (const c of sample) expect(tokenizeLine(tok, c.text, 'ids', 1)).toBe(JSON.stringify(c.ids));
  });

  it('prints pieces with --pieces', () => {
    for (const c of sample) expect(tokenizeLine(tok, c.text, 'pieces', 1)).toBe(JSON.stringify(c.pieces));
  });

  it('decodes id arrays with --decode (raw or JSON-quoted)', () => {
    const ids = tok.encode('Set an alarm <tools> for 7:30 👍');
    expect(tokenizeLine(tok, JSON.stringify(ids), 'decode', 1)).toBe('Set an alarm <tools> for 7:30 👍');
    expect(tokenizeLine(tok, JSON.stringify(tok.encode('two\nlines')), 'decode-json', 1)).toBe('"two\\nlines"');
  });

  it('names the line of a malformed --decode input', () => {
    expect(() => tokenizeLine(tok, 'not json', 'decode', 7)).toThrow(/^stdin:7: expected a JSON array/);
    expect(() => tokenizeLine(tok, '[1, "x"]', 'decode', 3)).toThrow(/stdin:3: element 1 .* not an integer/);
    expect(() => tokenizeLine(tok, '[99999]', 'decode', 2)).toThrow(/stdin:2: decode: id 99999 is out of range/);
  });
});

describe('tokenize --bench', () => {
  it('reports ids and throughput consistent with a direct encode', () => {
    const file = path.join(fixtures, 'golden-needle-settings.json');
    const r = benchEncode(tok, 'needle-settings', file, 5000, 1);
    const text = new TextDecoder().decode(readFileSync(file).subarray(0, 5000));
    expect(r.text_bytes).toBe(5000);
    expect(r.ids).toBe(tok.encode(text).length);
    expect(r.lines).toBe(text.split('\n').length);
    expect(r.line_ids).toBe(text.split('\n').reduce((n, line) => n + tok.encode(line).length, 0));
    expect(r.per_line_ids_per_cpu_s).toBeGreaterThan(0);
    expect(r.ids_per_s).toBeGreaterThan(0);
    expect(r.median_ms).toBeGreaterThanOrEqual(r.min_ms);
  });
});
