// Every BFCL v4 AST-checker rule, each with an output that passes and one that fails. Expected
// verdicts are those of BFCL's ast_checker.py / eval_runner.py for the same inputs.
import { describe, expect, it } from 'vitest';
import { arg, call, mkCase, prop, scoreCalls, scoreRaw, tool } from './case-builder.ts';
import { scoreCase } from '../../src/score/score.ts';
import { standardizeString } from '../../src/score/bfcl.ts';

const area = tool('geometry.area', { radius: prop('integer'), unit: prop('string') }, ['radius']);
const areaCase = mkCase([area], [call('geometry.area', { radius: arg(5), unit: arg('cm', '') })]);

describe('function name', () => {
  it('must match exactly (dots kept, case-sensitive)', () => {
    expect(scoreCalls(areaCase, [{ name: 'geometry.area', arguments: { radius: 5 } }]).pass).toBe(true);
    const v = scoreCalls(areaCase, [{ name: 'geometry_area', arguments: { radius: 5 } }]);
    expect(v).toMatchObject({ pass: false, error: 'wrong_function', bfclError: 'simple_function_checker:wrong_func_name' });
    expect(scoreCalls(areaCase, [{ name: 'Geometry.Area', arguments: { radius: 5 } }]).error).toBe('wrong_function');
  });
});

describe('parameters', () => {
  const t = tool('f', { a: prop('integer'), b: prop('string'), c: prop('string') }, ['a']);
  const c = mkCase([t], [call('f', { a: arg(1), b: arg('x', '') })]);

  it('a parameter the answer does not list is unexpected, even if the schema declares it', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { a: 1, b: 'x' } }]).pass).toBe(true);
    const v = scoreCalls(c, [{ name: 'f', arguments: { a: 1, c: 'y' } }]);
    expect(v).toMatchObject({ pass: false, error: 'unexpected_param', bfclError: 'simple_function_checker:unexpected_param' });
    expect(v.reason).toContain('"c"');
  });

  it('a parameter the schema does not declare is unexpected', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { a: 1, zzz: 1 } }]).error).toBe('unexpected_param');
  });

  it('an answer parameter without the omit marker is required even if the schema makes it optional', () => {
    const c2 = mkCase([t], [call('f', { a: arg(1), b: arg('x') })]);
    expect(scoreCalls(c2, [{ name: 'f', arguments: { a: 1, b: 'x' } }]).pass).toBe(true);
    const v = scoreCalls(c2, [{ name: 'f', arguments: { a: 1 } }]);
    expect(v).toMatchObject({ pass: false, error: 'missing_required', bfclError: 'simple_function_checker:missing_optional' });
  });

  it('an answer parameter with the omit marker may be left out', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { a: 1 } }]).pass).toBe(true);
  });

  it('a schema-required parameter must be given even when the answer marks it omittable', () => {
    const c3 = mkCase([t], [call('f', { a: arg(1, '') })]);
    expect(scoreCalls(c3, [{ name: 'f', arguments: { a: 1 } }]).pass).toBe(true);
    expect(scoreCalls(c3, [{ name: 'f', arguments: {} }])).toMatchObject({ pass: false, error: 'missing_required', bfclError: 'simple_function_checker:missing_required' });
  });

  it('an optional parameter whose only acceptable value is "" must not be given a value', () => {
    const c4 = mkCase([t], [call('f', { a: arg(1), b: arg('') })]);
    expect(scoreCalls(c4, [{ name: 'f', arguments: { a: 1 } }]).pass).toBe(true);
    expect(scoreCalls(c4, [{ name: 'f', arguments: { a: 1, b: 'x' } }])).toMatchObject({ pass: false, error: 'wrong_value' });
  });
});

describe('types', () => {
  const t = tool('f', { n: prop('integer'), x: prop('float'), ok: prop('boolean'), s: prop('string'), xs: prop('array', 'float') }, []);
  const c = mkCase([t], [call('f', { n: arg(5, ''), x: arg(2.5, 5, ''), ok: arg(true, ''), s: arg('a', ''), xs: arg([1.5, 2.5], '') })]);

  it('a boolean is not an integer', () => {
    const ci = mkCase([t], [call('f', { n: arg(1) })]);
    expect(scoreCalls(ci, [{ name: 'f', arguments: { n: 1 } }]).pass).toBe(true);
    expect(scoreCalls(ci, [{ name: 'f', arguments: { n: true } }])).toMatchObject({ pass: false, error: 'wrong_type', bfclError: 'type_error:simple' });
  });

  it('an integer is not a boolean', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { ok: true } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { ok: 1 } }]).error).toBe('wrong_type');
  });

  it('null never matches', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { s: 'a' } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { s: null } }])).toMatchObject({ pass: false, error: 'wrong_type' });
    expect(scoreCalls(c, [{ name: 'f', arguments: { n: null } }]).pass).toBe(false);
  });

  it('an integer is accepted for a top-level float parameter', () => {
    expect(scoreRaw(c, '[{"name": "f", "arguments": {"x": 5}}]').pass).toBe(true);
    expect(scoreRaw(c, '[{"name": "f", "arguments": {"x": 5.0}}]').pass).toBe(true);
    expect(scoreRaw(c, '[{"name": "f", "arguments": {"x": 6}}]')).toMatchObject({ pass: false, error: 'wrong_value' });
  });

  it('but not inside an array of floats whose answer is written with floats', () => {
    // BFCL's nested check compares element types with the answer's element type (float here).
    const cf = mkCase([t], [call('f', { xs: { values: [[12, 15]], floatPaths: ['/0/0', '/0/1'] } })]);
    expect(scoreRaw(cf, '[{"name": "f", "arguments": {"xs": [12.0, 15.0]}}]').pass).toBe(true);
    expect(scoreRaw(cf, '[{"name": "f", "arguments": {"xs": [12, 15]}}]')).toMatchObject({ pass: false, error: 'wrong_type', bfclError: 'type_error:nested' });
    // Written with ints, the same answer accepts both (the element type falls back to the answer's).
    const ci = mkCase([t], [call('f', { xs: arg([12, 15]) })]);
    expect(scoreRaw(ci, '[{"name": "f", "arguments": {"xs": [12, 15]}}]').pass).toBe(true);
    expect(scoreRaw(ci, '[{"name": "f", "arguments": {"xs": [12.0, 15.0]}}]').pass).toBe(true);
  });

  it('a number written 5.0 is a float and does not match an integer parameter', () => {
    expect(scoreRaw(c, '[{"name": "f", "arguments": {"n": 5}}]').pass).toBe(true);
    const v = scoreRaw(c, '[{"name": "f", "arguments": {"n": 5.0}}]');
    expect(v).toMatchObject({ pass: false, error: 'wrong_type' });
    expect(v.reason).toContain('5.0');
    expect(scoreRaw(c, '[{"name": "f", "arguments": {"n": 5e0}}]').pass).toBe(false);
  });

  it('a value of the answer\'s own type passes as a "variable" (BFCL quirk)', () => {
    // The answer "n_items" is a variable name standing for an integer.
    const cv = mkCase([t], [call('f', { n: arg('n_items') })]);
    expect(scoreCalls(cv, [{ name: 'f', arguments: { n: 'n_items' } }]).pass).toBe(true);
    // Variables are compared without string standardization.
    expect(scoreCalls(cv, [{ name: 'f', arguments: { n: 'N_ITEMS' } }]).pass).toBe(false);
  });

  it('"any" means a string and "tuple" means a list', () => {
    const ta = tool('g', { v: prop('any'), p: prop('tuple', 'integer') });
    const ca = mkCase([ta], [call('g', { v: arg('x'), p: arg([1, 2]) })]);
    expect(scoreCalls(ca, [{ name: 'g', arguments: { v: 'X', p: [1, 2] } }]).pass).toBe(true);
    expect(scoreCalls(ca, [{ name: 'g', arguments: { v: 1, p: [1, 2] } }]).error).toBe('wrong_type');
    expect(scoreCalls(ca, [{ name: 'g', arguments: { v: 'x', p: [1, '2'] } }]).error).toBe('wrong_type');
  });
});

describe('string standardization', () => {
  it('removes spaces and , . / - _ * ^, lower-cases, and turns \' into "', () => {
    expect(standardizeString("New York, N.Y. / a-b_c*d^e It's")).toBe('newyorknyabcdeit"s');
    expect(standardizeString('tab\tstays')).toBe('tab\tstays');
  });

  const t = tool('f', { city: prop('string'), cities: prop('array', 'string'), where: prop('dict') });
  const c = mkCase([t], [call('f', { city: arg('New York, NY', ''), cities: arg(['San Francisco', 'LA'], ''), where: arg({ city: ['New York'] }, '') })]);

  it('applies to string parameters', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { city: 'new york ny' } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { city: 'NEW-YORK,NY.' } }]).pass).toBe(true);
    const v = scoreCalls(c, [{ name: 'f', arguments: { city: 'NYC' } }]);
    expect(v).toMatchObject({ pass: false, error: 'wrong_value', bfclError: 'value_error:string' });
    expect(v.reason).toBe('arg "city": "NYC" is not one of ["New York, NY", ""]');
  });

  it('applies one level inside arrays', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { cities: ['san_francisco', 'L.A.'] } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { cities: ['Oakland', 'LA'] } }])).toMatchObject({ pass: false, error: 'wrong_value', bfclError: 'value_error:list/tuple' });
  });

  it('applies one level inside objects', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { where: { city: 'new_york' } } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { where: { city: 'Boston' } } }])).toMatchObject({ pass: false, error: 'wrong_value', bfclError: 'value_error:dict_value' });
  });

  it('does not apply two levels deep', () => {
    const t2 = tool('g', { grid: prop('array', 'array') });
    const c2 = mkCase([t2], [call('g', { grid: arg([['A B']]) })]);
    expect(scoreCalls(c2, [{ name: 'g', arguments: { grid: [['A B']] } }]).pass).toBe(true);
    expect(scoreCalls(c2, [{ name: 'g', arguments: { grid: [['a b']] } }]).pass).toBe(false);
  });
});

describe('arrays', () => {
  const t = tool('f', { xs: prop('array', 'integer') });
  const c = mkCase([t], [call('f', { xs: arg([1, 2, 3], [3, 2, 1, 0]) })]);
  it('compare in order against each acceptable list', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { xs: [1, 2, 3] } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { xs: [3, 2, 1, 0] } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { xs: [3, 2, 1] } }])).toMatchObject({ pass: false, error: 'wrong_value' });
  });
  it('check element types one level deep', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { xs: [1, 2, '3'] } }])).toMatchObject({ pass: false, error: 'wrong_type' });
  });
  it('lists of dicts compare dict by dict, in order', () => {
    const td = tool('g', { people: prop('array', 'dict') });
    const cd = mkCase([td], [call('g', { people: arg([{ name: ['Ann'], age: [30, ''] }, { name: ['Bob'] }]) })]);
    expect(scoreCalls(cd, [{ name: 'g', arguments: { people: [{ name: 'ann' }, { name: 'Bob' }] } }]).pass).toBe(true);
    expect(scoreCalls(cd, [{ name: 'g', arguments: { people: [{ name: 'Bob' }, { name: 'Ann' }] } }]).pass).toBe(false);
    expect(scoreCalls(cd, [{ name: 'g', arguments: { people: [{ name: 'Ann' }] } }])).toMatchObject({ pass: false, bfclError: 'value_error:list_dict_count' });
  });
});

describe('nested dict answers', () => {
  const t = tool('f', { opts: prop('dict') });
  const c = mkCase([t], [call('f', { opts: arg({ limit: [50], filter: ['public', ''] }) })]);
  it('keys with "" may be omitted, the others are required, values standardized', () => {
    expect(scoreCalls(c, [{ name: 'f', arguments: { opts: { limit: 50 } } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { opts: { limit: 50, filter: 'PUBLIC' } } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'f', arguments: { opts: { filter: 'public' } } }])).toMatchObject({ pass: false, error: 'wrong_value', bfclError: 'value_error:dict_key' });
    expect(scoreCalls(c, [{ name: 'f', arguments: { opts: { limit: 50, other: 1 } } }])).toMatchObject({ pass: false, bfclError: 'value_error:dict_key' });
    expect(scoreCalls(c, [{ name: 'f', arguments: { opts: { limit: 51 } } }])).toMatchObject({ pass: false, bfclError: 'value_error:dict_value' });
  });
  it('a key answered with a lone value: BFCL reads its characters (its simple_java_64 fails so); other suites read it as the value', () => {
    const answer = { values: [{ format: 'epoch_millis' }] };
    const fromBfcl = mkCase([t], [call('f', { opts: answer })], 'simple_python', { meta: { source: 'bfcl', bfclCategory: 'simple_python', language: 'python' } });
    expect(scoreCalls(fromBfcl, [{ name: 'f', arguments: { opts: { format: 'epoch_millis' } } }])).toMatchObject({ pass: false, bfclError: 'value_error:dict_value' });
    const generated = mkCase([t], [call('f', { opts: { values: [{ format: 'epoch_millis' }] } })], 'simple', { meta: { source: 'generator' } });
    expect(scoreCalls(generated, [{ name: 'f', arguments: { opts: { format: 'epoch_millis' } } }]).pass).toBe(true);
    expect(scoreCalls(generated, [{ name: 'f', arguments: { opts: { format: 'iso' } } }]).pass).toBe(false);
  });

  it('a dict parameter whose answer is only "" fails when given (BFCL quirk)', () => {
    const c2 = mkCase([t], [call('f', { opts: arg('') })]);
    expect(scoreCalls(c2, [{ name: 'f', arguments: {} }]).pass).toBe(true);
    expect(scoreCalls(c2, [{ name: 'f', arguments: { opts: {} } }])).toMatchObject({ pass: false, bfclError: 'dict_checker:unclear' });
  });
});

describe('categories', () => {
  const a = tool('a', { x: prop('integer') }, ['x']);
  const b = tool('b', { x: prop('integer') }, ['x']);

  it('simple: exactly one call', () => {
    const c = mkCase([a], [call('a', { x: arg(1) })]);
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 1 } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 1 } }, { name: 'a', arguments: { x: 1 } }])).toMatchObject({ pass: false, error: 'wrong_count' });
    expect(scoreCalls(c, [])).toMatchObject({ pass: false, error: 'no_call' });
  });

  it('multiple: exactly one call, of the right function', () => {
    const c = mkCase([a, b], [call('b', { x: arg(1) })], 'multiple');
    expect(scoreCalls(c, [{ name: 'b', arguments: { x: 1 } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 1 } }])).toMatchObject({ pass: false, error: 'wrong_function' });
    expect(scoreCalls(c, [{ name: 'b', arguments: { x: 1 } }, { name: 'a', arguments: { x: 1 } }])).toMatchObject({ pass: false, error: 'wrong_count', bfclError: 'multiple_function_checker:wrong_count' });
  });

  it('parallel: the number of calls must match; order does not matter', () => {
    const c = mkCase([a, b], [call('a', { x: arg(1) }), call('b', { x: arg(2) })], 'parallel_multiple');
    expect(scoreCalls(c, [{ name: 'b', arguments: { x: 2 } }, { name: 'a', arguments: { x: 1 } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 1 } }])).toMatchObject({ pass: false, error: 'wrong_count' });
    const v = scoreCalls(c, [{ name: 'a', arguments: { x: 1 } }, { name: 'b', arguments: { x: 3 } }]);
    expect(v).toMatchObject({ pass: false, error: 'wrong_value', bfclError: 'parallel_function_checker_no_order:cannot_find_match' });
  });

  it('parallel: matching is greedy first-fit, without backtracking', () => {
    // Expected 1 accepts x=1 or x=2, expected 2 only x=1. A perfect matching exists for [1, 2], but
    // BFCL gives call #1 (x=1) to expected 1 and then finds nothing for expected 2.
    const c = mkCase([a], [call('a', { x: arg(1, 2) }), call('a', { x: arg(1) })], 'parallel');
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 2 } }, { name: 'a', arguments: { x: 1 } }]).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 1 } }, { name: 'a', arguments: { x: 2 } }]).pass).toBe(false);
  });

  it('irrelevance: passes iff the output holds no call (an undecodable output counts as none)', () => {
    const c = mkCase([a], [], 'irrelevance');
    expect(scoreCalls(c, []).pass).toBe(true);
    expect(scoreRaw(c, 'Sorry, no tool for that.').pass).toBe(true);
    expect(scoreCase(c, { kind: 'parse_error', error: 'bad' }).pass).toBe(true);
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 1 } }])).toMatchObject({ pass: false, error: 'spurious_call' });
  });

  it('live_relevance: any call passes, no call fails', () => {
    const c = mkCase([a], [], 'live_relevance', { expected: { calls: [], anyCall: true } });
    expect(scoreCalls(c, [{ name: 'a', arguments: { x: 99 } }]).pass).toBe(true);
    expect(scoreCalls(c, [])).toMatchObject({ pass: false, error: 'no_call' });
    expect(scoreCase(c, { kind: 'parse_error', error: 'bad' })).toMatchObject({ pass: false, error: 'parse_error' });
  });

  it('parse and generation errors fail with their own types', () => {
    const c = mkCase([a], [call('a', { x: arg(1) })]);
    expect(scoreRaw(c, '[{"name": "a", "arguments": {"x": 1,}}]')).toMatchObject({ pass: false, error: 'parse_error', bfclError: 'ast_decoder:decoder_failed' });
    expect(scoreCase(c, { kind: 'generation_error', error: 'timeout' })).toMatchObject({ pass: false, error: 'generation_error', reason: 'timeout' });
    expect(scoreCase(mkCase([a], [], 'irrelevance'), { kind: 'generation_error', error: 'crash' }).pass).toBe(false);
  });
});

describe('Java values (source strings converted as BFCL does)', () => {
  const t = tool('Svc.run', {
    n: prop('integer'), big: prop('long'), ratio: prop('double'), f: prop('float'), on: prop('boolean'),
    names: { 'x-bfcl-type': 'ArrayList', type: 'array', items: { 'x-bfcl-type': 'String', type: 'string' } },
    ids: { 'x-bfcl-type': 'Array', type: 'array', items: { 'x-bfcl-type': 'integer', type: 'integer' } },
    meta: { 'x-bfcl-type': 'HashMap', type: 'object' }, label: { 'x-bfcl-type': 'String', type: 'string' },
  });
  const c = mkCase([t], [call('Svc.run', {
    n: arg(5, ''), big: arg(9, ''), ratio: arg(0.5, ''), f: arg(3.5, ''), on: arg(true, ''), names: arg(['a', 'b'], ''),
    ids: arg([101, 202], ''), meta: arg({ k: ['v'] }, ''), label: arg('Hello World', ''),
  })], 'simple_java');
  const ok = (args: Record<string, unknown>) => scoreCalls(c, [{ name: 'Svc.run', arguments: args }]);

  it('typed literals convert and compare', () => {
    expect(ok({ n: '5', big: '9L', ratio: '0.5', f: '3.5f', on: 'true' }).pass).toBe(true);
    expect(ok({ names: 'new ArrayList<>(Arrays.asList("a", "b"))' }).pass).toBe(true);
    expect(ok({ names: 'new ArrayList<String>() {{ add("a"); add("b"); }}' }).pass).toBe(true);
    expect(ok({ ids: 'new int[]{101, 202}' }).pass).toBe(true);
    expect(ok({ meta: 'new HashMap<String, String>() {{ put("k", "v"); }}' }).pass).toBe(true);
    expect(ok({ label: 'hello world' }).pass).toBe(true);
  });

  it('a value that is not a source string is a type error', () => {
    expect(ok({ n: 5 })).toMatchObject({ pass: false, error: 'wrong_type', bfclError: 'type_error:java' });
  });

  it('a literal of the wrong form stays a string and fails', () => {
    expect(ok({ big: '9' })).toMatchObject({ pass: false, error: 'wrong_type' }); // long needs the L suffix
    expect(ok({ f: '3.5' }).pass).toBe(false); // float needs the f suffix
    expect(ok({ n: '5.0' }).pass).toBe(false);
    expect(ok({ on: 'True' }).pass).toBe(false);
    expect(ok({ ids: 'new int[]{202, 101}' })).toMatchObject({ pass: false, error: 'wrong_value' });
  });
});

describe('JavaScript values (source strings converted as BFCL does)', () => {
  const t = tool('render', {
    flag: { 'x-bfcl-type': 'Boolean', type: 'boolean' }, count: prop('integer'), label: { 'x-bfcl-type': 'String', type: 'string' },
    xs: { 'x-bfcl-type': 'array', type: 'array', items: { 'x-bfcl-type': 'integer', type: 'integer' } },
    opts: prop('dict'), big: { 'x-bfcl-type': 'Bigint', type: 'integer' },
  });
  const c = mkCase([t], [call('render', {
    flag: arg(false, ''), count: arg(3, ''), label: arg('main', ''), xs: arg([1, 2], ''), opts: arg({ mode: ['dark'] }, ''), big: arg(7, ''),
  })], 'simple_javascript');
  const ok = (args: Record<string, unknown>) => scoreCalls(c, [{ name: 'render', arguments: args }]);

  it('typed literals convert and compare', () => {
    expect(ok({ flag: 'false', count: '3', label: "'main'", xs: '[1, 2]', opts: "{'mode': 'dark'}", big: '7n' }).pass).toBe(true);
    expect(ok({ xs: 'new Array(1, 2)' }).pass).toBe(true);
  });

  it('wrong types and values fail', () => {
    expect(ok({ flag: false })).toMatchObject({ pass: false, bfclError: 'type_error:js' });
    expect(ok({ count: '3.0' }).pass).toBe(false);
    expect(ok({ big: '7' }).pass).toBe(false);
    expect(ok({ xs: '[2, 1]' }).pass).toBe(false);
  });
});

describe('suites not from BFCL (no x-bfcl-type)', () => {
  it('derive BFCL types from the JSON Schema', () => {
    const t = { name: 'set_timer', parameters: { type: 'object', properties: { minutes: { type: 'integer' }, label: { type: 'string' }, volume: { type: 'number' } }, required: ['minutes'] } };
    const c = mkCase([t], [call('set_timer', { minutes: arg(10), label: arg('Tea', ''), volume: arg(0.5, '') })], 'simple');
    expect(scoreCalls(c, [{ name: 'set_timer', arguments: { minutes: 10, label: 'tea' } }]).pass).toBe(true);
    expect(scoreRaw(c, '{"name": "set_timer", "arguments": {"minutes": 10.0}}').error).toBe('wrong_type');
    expect(scoreCalls(c, [{ name: 'set_timer', arguments: { minutes: '10' } }]).error).toBe('wrong_type');
  });
});
