// BFCL's Java and JavaScript value converters, checked against the expectations BFCL's own test
// functions state (test_java_type_converter, test_js_type_converter* in type_convertor/*.py).
// Python floats are compared by value; where int vs float matters the type is checked too.
import { describe, expect, it } from 'vitest';
import { javaTypeConverter as java, parseJavaValue } from '../../src/score/bfcl-java.ts';
import { jsTypeConverter as js } from '../../src/score/bfcl-js.ts';
import { PyFloat, pyEq, pyType } from '../../src/score/pyvalue.ts';

/** Python equality including types of numbers (1 vs 1.0 differ here, as BFCL's checks see them). */
function same(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => same(actual[i], e));
  if (expected instanceof PyFloat || typeof expected === 'number') return pyType(actual) === pyType(expected) && pyEq(actual, expected);
  if (expected && typeof expected === 'object') {
    return !!actual && typeof actual === 'object' && Object.keys(expected).length === Object.keys(actual).length && Object.entries(expected).every(([k, v]) => same((actual as Record<string, unknown>)[k], v));
  }
  return actual === expected;
}
const f = (n: number) => new PyFloat(n);

describe('Java converter (BFCL test_java_type_converter)', () => {
  const cases: [string, string, unknown, string?][] = [
    ['true', 'boolean', true], ['false', 'boolean', false], ['123', 'integer', 123], ['-123', 'integer', -123],
    ['3.14f', 'float', 3.14], ['-3.14f', 'float', -3.14], ['3.14', 'double', 3.14], ['-3.14', 'double', -3.14],
    ['123L', 'long', 123], ['-123L', 'long', -123], ['a', 'char', 'a'], ['abc', 'String', 'abc'],
    ['new int[]{1, 2, 3}', 'Array', [1, 2, 3]], ['new ArrayList<>(Arrays.asList("a", "b"))', 'ArrayList', ['a', 'b']],
    ['new HashMap<String, String>() {{ put("key", "value"); }}', 'HashMap', { key: 'value' }],
    ['3f', 'float', f(3)], ['3e3F', 'float', f(3000)], ['3e-3F', 'float', 0.003], ['3.14e2', 'double', f(314)], ['3.14e-2', 'double', 0.0314],
    ['127', 'byte', 127], ['-128', 'byte', -128], ['32767', 'short', 32767], ['123', 'any', '123'], ['abc', 'any', 'abc'],
    ['new int[]{}', 'Array', []], ['new ArrayList<>()', 'ArrayList', []], ['new HashMap<>()', 'HashMap', {}],
    ['new Object[]{1, "abc", true}', 'Array', [1, 'abc', true]],
    ['new ArrayList<>(Arrays.asList(1, "abc", true))', 'ArrayList', [1, 'abc', true]],
    ['new HashMap<String, Object>() {{ put("key1", 1); put("key2", "value"); put("key3", true); }}', 'HashMap', { key1: 1, key2: 'value', key3: true }],
    ['new int[] { 1, 2, 3 }', 'Array', [1, 2, 3]], ['new int[] { }', 'Array', []],
    ['new HashMap<>() {}', 'HashMap', {}], ['new HashMap<>() {{}}', 'HashMap', {}], ['new HashMap<>() {{ }}', 'HashMap', {}],
    ['new HashMap<String, String>() { { put("key", "value"); } }', 'HashMap', { key: 'value' }],
    ['new HashMap<String, Object>() {{ put("key1", 123); put("key2", true); }}', 'HashMap', { key1: 123, key2: true }],
    ['new long[]{1L, 2L, 3L}', 'Array', [1, 2, 3], 'long'],
    ['new long[]{1L, 2, 3L}', 'Array', [1, '2', 3], 'long'],
    ['new long[]{1L, 2.0, 3L}', 'Array', [1, '2.0', 3], 'long'],
    ['new ArrayList<Integer>(Arrays.asList(1, 2, 3))', 'ArrayList', [1, 2, 3], 'integer'],
    ['new ArrayList<Float>() {{ add(1.0f); add(2.0f); add(3.0f); }}', 'ArrayList', [f(1), f(2), f(3)], 'float'],
    ['new ArrayList<Double>() {{ add(1.0); add(2.0); add(3.0); }}', 'ArrayList', [f(1), f(2), f(3)], 'double'],
    // Not from BFCL's tests, but its code: a literal of the wrong form stays a string.
    ['3.14', 'float', '3.14'], ['3.14f', 'double', '3.14f'], ['abc', 'integer', 'abc'], ['True', 'boolean', 'True'], ['9', 'long', '9'],
  ];
  for (const [input, type, expected, nested] of cases) {
    it(`${type}${nested ? `<${nested}>` : ''} ${input}`, () => {
      const actual = java(input, type, nested);
      expect(same(actual, expected), `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`).toBe(true);
    });
  }
  it('refuses what BFCL does not implement', () => {
    expect(() => java('x', 'Set')).toThrow(/not implemented/);
    expect(() => java('x', 'Queue')).toThrow(/not implemented/);
    expect(() => java('x', 'Nope')).toThrow(/Unsupported/);
  });
  it('parse_java_value reads untyped literals', () => {
    expect(same(parseJavaValue('"hi"'), 'hi')).toBe(true);
    expect(same(parseJavaValue('2.5f'), 2.5)).toBe(true);
    expect(same(parseJavaValue('7'), 7)).toBe(true);
    expect(same(parseJavaValue('7.0'), f(7))).toBe(true);
    expect(parseJavaValue('someVar')).toBe('someVar');
  });
});

describe('JavaScript converter (BFCL test_js_type_converter*)', () => {
  const cases: [string, string, unknown, string?][] = [
    ['true', 'Boolean', true], ['false', 'Boolean', false], ['123', 'integer', 123], ['3.14', 'float', 3.14], ['123n', 'Bigint', 123],
    ['abc', 'String', 'abc'], ['[1, 2, 3]', 'array', [1, 2, 3]], ['new Array(1, 2, 3)', 'array', [1, 2, 3]],
    ["{'key': 'value'}", 'dict', { key: 'value' }], ["{'key': 123}", 'dict', { key: 123 }], ["{'key': true}", 'dict', { key: true }],
    ['[]', 'array', []], ['{}', 'dict', {}], ["[1, 'two', true]", 'array', [1, 'two', true]],
    ["{'key1': 123, 'key2': 'value', 'key3': false}", 'dict', { key1: 123, key2: 'value', key3: false }],
    ['-123', 'integer', -123], ['-3.14', 'float', -3.14],
    ['[1, 2, 3]', 'array', [1, 2, 3], 'integer'], ['new Array(4, 5, 6)', 'array', [4, 5, 6], 'integer'],
    ['[1.1, 2.2, 3.3]', 'array', [1.1, 2.2, 3.3], 'float'], ['[1n, 2n, 3n]', 'array', [1, 2, 3], 'Bigint'],
    ['[true, false, true]', 'array', [true, false, true], 'Boolean'], ['["hello", "world", "!"]', 'array', ['hello', 'world', '!'], 'String'],
    ['new Array("foo", "bar", "baz")', 'array', ['foo', 'bar', 'baz'], 'String'], ['new Array(3.14, "pi", false)', 'array', [3.14, 'pi', false]],
    [' [ [ 1, 2 ], [ 3,   4], [5, 6]]', 'array', [[1, 2], [3, 4], [5, 6]], 'array'],
    ['new Array([1, 2], [3, 4], [5, 6])', 'array', [[1, 2], [3, 4], [5, 6]], 'array'],
    // Not from BFCL's tests, but its code: wrong forms stay strings.
    ['3.0', 'integer', '3.0'], ['7', 'Bigint', '7'], ['yes', 'Boolean', 'yes'], ["'quoted'", 'String', 'quoted'],
  ];
  for (const [input, type, expected, nested] of cases) {
    it(`${type}${nested ? `<${nested}>` : ''} ${input}`, () => {
      const actual = js(input, type, nested);
      expect(same(actual, expected), `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`).toBe(true);
    });
  }
  it('reads a dict holding arrays and bare identifiers', () => {
    const d = js('{"initialState": initialStateObject, "reducers": reducersMap, "middlewares": ["loggerMiddleware"], "enhancers": ["applyMiddleware", "myMiddleWare"]}', 'dict') as Record<string, unknown>;
    expect(d.initialState).toBe('initialStateObject');
    expect(d.reducers).toBe('reducersMap');
    expect(d.middlewares).toEqual(['loggerMiddleware']);
    expect(d.enhancers).toEqual(['applyMiddleware', 'myMiddleWare']);
  });
});
