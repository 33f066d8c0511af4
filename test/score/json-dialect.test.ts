import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dialect } from '../../src/dialects/json.ts';
import type { ToolCall } from '../../src/dialects/types.ts';

const parse = (raw: string) => dialect.parse(raw, []);

describe('JSON-calls dialect', () => {
  it('has id "json"', () => expect(dialect.id).toBe('json'));

  it('parses a list of calls', () => {
    expect(parse('[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {}}]')).toEqual({
      ok: true,
      calls: [{ name: 'a', arguments: { x: 1 } }, { name: 'b', arguments: {} }],
    });
  });

  it('accepts a single object and arguments given as a JSON string', () => {
    expect(parse('{"name": "a", "arguments": "{\\"x\\": 2.0}"}')).toEqual({ ok: true, calls: [{ name: 'a', arguments: { x: 2 }, floatPaths: ['/x'] }] });
  });

  it('keeps integral floats as floatPaths relative to the arguments', () => {
    const r = parse('[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"p": [1.0, 2], "q": {"r": 3.0}}}]');
    expect(r.ok && r.calls.map((c) => c.floatPaths)).toEqual([undefined, ['/p/0', '/q/r']]);
  });

  it('reads plain text and the empty list as no call', () => {
    expect(parse('I cannot do that with the tools I have.')).toEqual({ ok: true, calls: [] });
    expect(parse('[]')).toEqual({ ok: true, calls: [] });
    expect(parse('')).toEqual({ ok: true, calls: [] });
  });

  it('finds the calls inside prose and code fences', () => {
    const r = parse('Here you go:\n```json\n[{"name": "a", "arguments": {"x": 1}}]\n```');
    expect(r).toEqual({ ok: true, calls: [{ name: 'a', arguments: { x: 1 } }] });
  });

  it('reports malformed JSON that is clearly an attempted call, with a reason', () => {
    for (const raw of ['[{"name": "a", "arguments": {"x": 1,}}]', '[{"name": "a", "arguments": {"x": 1}', '{"name": a}']) {
      const r = parse(raw);
      expect(r.ok, raw).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/malformed JSON call|line \d+ column \d+/);
    }
  });

  it('reports structurally wrong calls with the field at fault', () => {
    expect(parse('[{"arguments": {}}]')).toEqual({ ok: false, error: '/0/name: expected the function name as a string, got nothing' });
    expect(parse('[{"name": "a", "arguments": [1]}]')).toEqual({ ok: false, error: '/0/arguments: expected an object, got an array' });
    expect(parse('[1]')).toEqual({ ok: true, calls: [] }); // a list of no objects is prose, not a call
    expect(parse('{"name": "a", "arguments": "not json"}')).toMatchObject({ ok: false });
  });

  it('never throws, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.string().map((s) => `[{"name": ${s}`)), (raw) => {
        const r = parse(raw);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('format writes calls that parse back identically, floats included (property)', () => {
    const argsArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)), { maxKeys: 4 });
    const callArb = fc.record({ name: fc.string({ minLength: 1, maxLength: 10 }), arguments: argsArb }).chain((c) => {
      const ints = Object.keys(c.arguments).filter((k) => typeof c.arguments[k] === 'number' && !Object.is(c.arguments[k], -0));
      return fc.subarray(ints).map((floats) => {
        const call: ToolCall = { name: c.name, arguments: c.arguments };
        if (floats.length) call.floatPaths = floats.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
        return call;
      });
    });
    fc.assert(
      fc.property(fc.array(callArb, { maxLength: 3 }), (calls) => {
        const r = parse(dialect.format(calls));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.calls.map((c) => ({ name: c.name, arguments: c.arguments }))).toEqual(calls.map((c) => ({ name: c.name, arguments: c.arguments })));
        expect(r.calls.map((c) => [...(c.floatPaths ?? [])].sort())).toEqual(calls.map((c) => [...(c.floatPaths ?? [])].sort()));
      }),
      { numRuns: 300 },
    );
  });

  it('format writes floats with a decimal point', () => {
    expect(dialect.format([{ name: 'f', arguments: { x: 5, y: 5 }, floatPaths: ['/x'] }])).toBe('[{"name":"f","arguments":{"x":5.0,"y":5}}]');
  });
});

describe('JSON-calls dialect in prose', () => {
  it('skips JSON that is not call-shaped and keeps looking', () => {
    expect(parse('See [1] and {"units": "metric"}; calling: [{"name": "a", "arguments": {}}]')).toEqual({ ok: true, calls: [{ name: 'a', arguments: {} }] });
    expect(parse('The answer is [1, 2, 3].')).toEqual({ ok: true, calls: [] });
  });
  it('a call-shaped list with a bad element is an error, not prose', () => {
    expect(parse('[{"name": "a"}, 3]')).toMatchObject({ ok: false, error: '/1: expected a call object {"name", "arguments"}, got a number' });
  });
});
