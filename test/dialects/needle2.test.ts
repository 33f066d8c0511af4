// Needle 2's output syntax: the forms its training target and its engine produce, refusals, float
// lexemes, and malformed blocks.
import { describe, expect, it } from 'vitest';
import { getDialect } from '../../src/dialects/registry.ts';

const d = await getDialect('needle2');
const tools = [{ name: 'set_timer', parameters: { type: 'object' } }];

describe('needle2 dialect', () => {
  it('reads the trained form: reasoning, then the compact list, then <|im_end|>', () => {
    const raw = `<think>'ten minutes' -> minutes 10</think>\n<tool_call>[{"name":"set_timer","arguments":{"minutes":10}}]</tool_call><|im_end|>`;
    expect(d.parse(raw, tools)).toEqual({ ok: true, calls: [{ name: 'set_timer', arguments: { minutes: 10 } }] });
  });

  it('keeps 5 and 5.0 apart', () => {
    const r = d.parse('<think></think>\n<tool_call>[{"name":"f","arguments":{"a":5,"b":5.0,"c":[1.0,2]}}]</tool_call>', tools);
    expect(r).toEqual({ ok: true, calls: [{ name: 'f', arguments: { a: 5, b: 5, c: [1, 2] }, floatPaths: ['/b', '/c/0'] }] });
    if (r.ok) expect(d.format(r.calls)).toContain('{"a":5,"b":5.0,"c":[1.0,2]}');
  });

  it('reads several calls in one list, names exactly as declared (dots kept)', () => {
    const r = d.parse('<tool_call>[{"name":"notes.create","arguments":{"title":"A"}},{"name":"phone.call","arguments":{"contact":"Bo"}}]</tool_call>', tools);
    expect(r.ok && r.calls.map((c) => c.name)).toEqual(['notes.create', 'phone.call']);
  });

  it('reads the refusal [] as no call', () => {
    expect(d.parse('<think>No relevant tool found</think>\n<tool_call>[]</tool_call><|im_end|>', tools)).toEqual({ ok: true, calls: [] });
  });

  it('decodes \\u escapes (the model writes non-ASCII as Python does) and a "</tool_call>" inside a string', () => {
    const r = d.parse('<tool_call>[{"name":"f","arguments":{"city":"Z\\u00fcrich","note":"a</tool_call>b"}}]</tool_call>', tools);
    expect(r).toEqual({ ok: true, calls: [{ name: 'f', arguments: { city: 'Zürich', note: 'a</tool_call>b' } }] });
  });

  it('reads an unclosed block (stopped at the token cap) to the end', () => {
    expect(d.parse('<think>x</think>\n<tool_call>[{"name":"f","arguments":{}}]', tools)).toEqual({ ok: true, calls: [{ name: 'f', arguments: {} }] });
  });

  it('reads output without <tool_call> as text: a bare list is calls, prose is no call', () => {
    expect(d.parse('<think>r</think>\n[{"name":"f","arguments":{"x":1}}]', tools)).toEqual({ ok: true, calls: [{ name: 'f', arguments: { x: 1 } }] });
    expect(d.parse('<think>nothing to do</think>', tools)).toEqual({ ok: true, calls: [] });
  });

  it('refuses an empty block, a block that is not JSON, and a malformed list, saying why', () => {
    const empty = d.parse('<tool_call></tool_call>', tools);
    expect(empty.ok === false && empty.error).toMatch(/block is empty/);
    const prose = d.parse('<tool_call>set_timer(10)</tool_call>', tools);
    expect(prose.ok === false && prose.error).toMatch(/not followed by a JSON list/);
    const broken = d.parse('<tool_call>[{"name":"f","arguments":{"x":}}]</tool_call>', tools);
    expect(broken.ok === false && broken.error).toMatch(/<tool_call> block: malformed JSON call/);
    const noName = d.parse('<tool_call>[{"arguments":{}}]</tool_call>', tools);
    expect(noName.ok === false && noName.error).toMatch(/name/);
  });

  it('formats calls as the training target with an empty reasoning', () => {
    expect(d.format([{ name: 'f', arguments: { x: 'é' } }])).toBe('<think></think>\n<tool_call>[{"name":"f","arguments":{"x":"\\u00e9"}}]</tool_call><|im_end|>');
    expect(d.format([])).toBe('<think></think>\n<tool_call>[]</tool_call><|im_end|>');
  });
});
