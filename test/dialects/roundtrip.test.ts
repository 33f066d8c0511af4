// Every dialect: calls written in its syntax parse back to the same calls (unicode, quotes and
// escapes, nested objects, arrays, numbers of every kind, integral floats), and garbage gives parse
// errors or no calls, never an exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dialects } from '../../src/dialects/registry.ts';
import type { ToolCall } from '../../src/dialects/types.ts';

const all = await dialects();
const ids = ['json', 'needle', 'needle2', 'hermes', 'functiongemma', 'lfm2-pythonic', 'openai-tool-calls'];

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}(\.[a-z][a-z0-9_]{0,8})?$/);
const key = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,11}$/);
// Strings: any unicode, except FunctionGemma's own delimiter (no syntax can carry it verbatim).
const text = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('<escape>') && !s.includes('<|') && !s.includes('<end_function_call>') && !s.includes('</tool_call>'));
const number = fc.oneof(fc.integer({ min: -1e9, max: 1e9 }), fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)));
const leaf = fc.oneof(text, number, fc.boolean(), fc.constant(null));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 3 })),
})).v;

/** Collect pointers of integral numbers, marking some of them as written-as-float. */
function pointers(v: unknown, p = ''): string[] {
  if (typeof v === 'number' && Number.isInteger(v)) return [p];
  if (Array.isArray(v)) return v.flatMap((x, i) => pointers(x, `${p}/${i}`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => pointers(x, `${p}/${k}`));
  return [];
}

const call: fc.Arbitrary<ToolCall> = fc
  .record({ name, arguments: fc.dictionary(key, value, { maxKeys: 4 }), seed: fc.integer() })
  .map(({ name, arguments: args, seed }) => {
    const ints = pointers(args);
    const floatPaths = ints.filter((_, i) => (seed >> i) & 1);
    return floatPaths.length ? { name, arguments: args, floatPaths } : { name, arguments: args };
  });

/** Dialect-specific normalizations a syntax cannot avoid (needle maps names through snake_case). */
function tools(calls: ToolCall[]) {
  return calls.map((c) => ({ name: c.name, parameters: { type: 'object' } }));
}

describe.each(ids)('dialect %s', (id) => {
  const d = all.get(id)!;
  it('is registered', () => expect(d).toBeDefined());

  it('round-trips generated calls', () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 3 }), (calls) => {
        // Needle shows the model snake_case names; only names that survive that mapping round-trip.
        const usable = id === 'needle' ? calls.map((c) => ({ ...c, name: c.name.replace(/\./g, '_') })) : calls;
        const text = d.format(usable);
        const parsed = d.parse(text, tools(usable));
        // floatPaths is a set: compare it sorted.
        expect(parsed.ok && { ok: true, calls: parsed.calls.map(sortFloats) }).toEqual({ ok: true, calls: usable.map(sortFloats) });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on garbage', () => {
    const markers = ['<tool_call>', '</tool_call>', '<start_function_call>', 'call:', '<escape>', '<end_function_call>', '<|tool_call_start|>', '<|tool_call_end|>', '[', ']', '{', '}', '(', ')', '"', "'", ':', ',', '=', 'True', '1.0e', '\\'];
    const garbage = fc.array(fc.oneof(fc.constantFrom(...markers), fc.string({ maxLength: 6 })), { maxLength: 30 }).map((a) => a.join(''));
    fc.assert(
      fc.property(garbage, (g) => {
        const r = d.parse(g, []);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });
});

function sortFloats(c: ToolCall): ToolCall {
  return c.floatPaths ? { ...c, floatPaths: [...c.floatPaths].sort() } : c;
}
