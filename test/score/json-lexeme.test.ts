import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findJson, findJsonWithError, formatIntegralFloat, parseJson, pointerTokens, stringifyJson } from '../../src/util/json-lexeme.ts';

describe('parseJson', () => {
  it('round-trips anything JSON.stringify writes (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        const r = parseJson(text);
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.parse on acceptance of arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)))), (text) => {
        let expected: boolean;
        try {
          JSON.parse(text);
          expected = true;
        } catch {
          expected = false;
        }
        expect(parseJson(text).ok).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('lists integral numbers written as floats, as JSON pointers', () => {
    const r = parseJson('{"a": 5.0, "b": 5, "c": [1e3, 2.5, 7E0, -0.0], "d/e": {"~f": 3.00}}');
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.floatPaths).toEqual(['/a', '/c/0', '/c/2', '/c/3', '/d~1e/~0f']);
    const top = parseJson('12.0');
    expect(top.ok && top.floatPaths).toEqual(['']);
  });

  it('stringifyJson(value, floatPaths) parses back to the same value and float paths (property)', () => {
    // Arbitrary JSON with some integral numbers marked as floats.
    const arb = fc.jsonValue().chain((v) => {
      const paths: string[] = [];
      const walk = (x: unknown, p: string) => {
        if (typeof x === 'number' && Number.isInteger(x) && !Object.is(x, -0)) paths.push(p);
        else if (Array.isArray(x)) x.forEach((y, i) => walk(y, `${p}/${i}`));
        else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      };
      walk(v, '');
      return fc.subarray(paths).map((chosen) => ({ v, chosen }));
    });
    fc.assert(
      fc.property(arb, ({ v, chosen }) => {
        const r = parseJson(stringifyJson(v, chosen));
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(r.value).toEqual(JSON.parse(JSON.stringify(v)));
        // JSON.stringify writes integers from 1e21 up in exponent form, which reads back as a float.
        const exponent: string[] = [];
        const walk = (x: unknown, p: string) => {
          if (typeof x === 'number' && Number.isInteger(x) && /e/.test(String(x))) exponent.push(p);
          else if (Array.isArray(x)) x.forEach((y, i) => walk(y, `${p}/${i}`));
          else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, `${p}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
        };
        walk(v, '');
        expect([...r.floatPaths].sort()).toEqual([...new Set([...chosen, ...exponent])].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('is strict', () => {
    for (const bad of ['{"a": 1,}', '[1,]', "{'a': 1}", '[NaN]', '01', '-', '1.', '.5', '"\t"', '{"a" 1}', '[1] x', '', 'tru', '"\\x"', '[1e]']) {
      expect(parseJson(bad).ok, bad).toBe(false);
    }
  });

  it('names line, column and position of an error', () => {
    const r = parseJson('{\n  "a": 1,\n}');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain('line 3 column 1');
      expect(r.position).toBe(12);
    }
  });

  it('keeps "__proto__" as an own key', () => {
    const r = parseJson('{"__proto__": {"x": 1}}');
    expect(r.ok && Object.keys(r.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    expect(parseJson('['.repeat(100000)).ok).toBe(false);
  });
});

describe('findJson', () => {
  it('finds the first complete array or object in surrounding text', () => {
    const found = findJson('Sure! ```json\n[{"name": "f", "arguments": {"x": 2.0}}]\n``` done');
    expect(found?.value).toEqual([{ name: 'f', arguments: { x: 2 } }]);
    expect(found?.floatPaths).toEqual(['/0/arguments/x']);
  });

  it('skips bracketed prose that is not JSON, but not into a broken JSON value', () => {
    expect(findJson('use {braces} like [this]: {"a": 1}')?.value).toEqual({ a: 1 });
    const broken = findJsonWithError('[{"name": "f", "arguments": {"x": 1}},]');
    expect(broken.found).toBeUndefined();
    expect(broken.firstError).toContain('line 1');
  });

  it('returns undefined when there is none', () => {
    expect(findJson('no json here')).toBeUndefined();
    expect(findJson('[1, 2')).toBeUndefined();
  });
});

describe('helpers', () => {
  it('formatIntegralFloat writes integral numbers so they read back as floats', () => {
    expect(formatIntegralFloat(5)).toBe('5.0');
    expect(formatIntegralFloat(1e21)).toBe('1e+21');
    expect(formatIntegralFloat(-3)).toBe('-3.0');
  });
  it('pointerTokens unescapes', () => {
    expect(pointerTokens('/a~1b/~0c/0')).toEqual(['a/b', '~c', '0']);
    expect(pointerTokens('')).toEqual([]);
  });
});
