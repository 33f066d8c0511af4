import { describe, expect, it } from 'vitest';
import { CallJsonTracker, ToolCallConstraint } from '../../../src/needle/v1/constraints.ts';

// A toy vocabulary in SentencePiece spelling: multi-character pieces, a "▁" piece, a byte piece.
const pieces = ['<pad>', '</s>', '<s>', '<unk>', '[{"', 'name', '":"', 'get', '_weather', '_time', 'set', '_alarm',
  '","', 'arguments', '":{"', 'city', 'unit', 'time', '":"', 'Paris', '"}}]', '"', '\u2581city', 'ci', 'ty', 'c',
  '<0x41>', 'get_weather"', 'cit', 'y":', '1', '}}]', ',"', 'x'];
// What SentencePieceTokenizer.tokenStrings() yields for them: control/unknown empty, ▁ as a space, bytes as chars.
const texts = pieces.map((p, id) => (id <= 3 ? '' : p === '<0x41>' ? 'A' : p.replaceAll('\u2581', ' ')));
const index = ToolCallConstraint.indexTexts(texts);
const tools = [
  { name: 'get_weather', params: ['city', 'unit'] },
  { name: 'get_time', params: ['city'] },
  { name: 'set_alarm', params: ['time'] },
];
const id = (p: string) => pieces.indexOf(p);

function allowedAfter(prefix: string[]): string[] {
  const c = new ToolCallConstraint(tools, texts, index);
  for (const p of prefix) c.accept(id(p));
  const logits = new Float32Array(pieces.length).fill(1);
  c.mask(logits);
  return pieces.filter((_, i) => logits[i] !== -Infinity);
}

describe('CallJsonTracker', () => {
  it('enters name mode after "name":" and key mode at the arguments level only', () => {
    const t = new CallJsonTracker();
    t.feed('[{"name":"');
    expect(t.mode).toBe('name');
    t.feed('get_weather"');
    expect(t.mode).toBe('free');
    expect(t.currentFunction).toBe('get_weather');
    t.feed(',"arguments":{"');
    expect(t.mode).toBe('key');
    t.feed('city":"Par{"');
    // inside a string value: braces and quotes-after-brace do not start a key
    expect(t.mode).toBe('free');
    t.feed(',"');
    expect(t.mode).toBe('key');
    t.feed('unit":{"a":"b"},"');
    expect(t.mode).toBe('key');
  });

  it('does not treat keys of nested objects in values as argument keys', () => {
    const t = new CallJsonTracker();
    t.feed('[{"name":"f","arguments":{"loc":{"');
    expect(t.mode).toBe('free');
    t.feed('lat":1,"');
    expect(t.mode).toBe('free');
    t.feed('lon":2},"');
    expect(t.mode).toBe('key');
  });

  it('leaves the arguments object when it closes, so a second call name is constrained again', () => {
    const t = new CallJsonTracker();
    t.feed('[{"name":"f","arguments":{"a":["x}"]}},{"name":"');
    expect(t.mode).toBe('name');
  });
});

describe('ToolCallConstraint', () => {
  it('allows only continuations of declared tool names inside "name"', () => {
    const allowed = allowedAfter(['[{"', 'name', '":"']);
    expect(allowed.sort()).toEqual(['get', 'get_weather"', 'set'].sort());
  });

  it('follows the trie and allows the closing quote only on a complete name', () => {
    expect(allowedAfter(['[{"', 'name', '":"', 'get']).sort()).toEqual(['_time', '_weather'].sort());
    const afterFull = allowedAfter(['[{"', 'name', '":"', 'get', '_weather']);
    expect(afterFull).toContain('"');
    expect(afterFull).toContain('"}}]');
    expect(afterFull).not.toContain('x');
  });

  it('constrains argument keys to the current function\'s parameters, spaces never allowed', () => {
    const allowed = allowedAfter(['[{"', 'name', '":"', 'get', '_time', '","', 'arguments', '":{"']);
    expect(allowed.sort()).toEqual(['c', 'ci', 'cit', 'city'].sort());
    expect(allowed).not.toContain('\u2581city');
    expect(allowed).not.toContain('unit'); // a parameter of another tool
  });

  it('leaves values free', () => {
    const c = new ToolCallConstraint(tools, texts, index);
    for (const p of ['[{"', 'name', '":"', 'get', '_time', '","', 'arguments', '":{"', 'city', '":"']) c.accept(id(p));
    const logits = new Float32Array(pieces.length).fill(1);
    expect(c.mask(logits)).toBe(false);
    expect(logits.every((v) => v === 1)).toBe(true);
  });

  it('counts a fallback when no token fits instead of masking everything', () => {
    const c = new ToolCallConstraint([{ name: 'zzz', params: [] }], texts, index);
    for (const p of ['[{"', 'name', '":"']) c.accept(id(p));
    const logits = new Float32Array(pieces.length).fill(1);
    expect(c.mask(logits)).toBe(false);
    expect(c.stats.fallbacks).toBe(1);
    expect(logits.every((v) => v === 1)).toBe(true);
  });
});
