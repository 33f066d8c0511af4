// Needle's counts (cactus-compute/needle, needle/training/eval.py) on hand-worked cases: each
// expected number below is derived in the comment next to it from Needle's definitions.
import { describe, expect, it } from 'vitest';
import { arg, call, mkCase, prop, tool } from './case-builder.ts';
import { needleCounts, normalizeValue } from '../../src/score/needle-metrics.ts';
import { PyFloat } from '../../src/score/pyvalue.ts';
import { scoreCase } from '../../src/score/score.ts';

const weather = tool('get_weather', { city: prop('string'), unit: prop('string') }, ['city']);
const email = tool('send_email', { to: prop('string'), body: prop('string') }, ['to', 'body']);
const c = mkCase(
  [weather, email],
  [call('get_weather', { city: arg('Paris'), unit: arg('celsius', '') }), call('send_email', { to: arg('bob@x.com'), body: arg('Hi') })],
  'parallel_multiple',
);

describe('Needle counts', () => {
  it('an exactly right output (order-free, strings normalized)', () => {
    // Reference: get_weather{city} (unit may be omitted) and send_email{to, body}.
    const n = needleCounts(c, [
      { name: 'send_email', arguments: { to: 'bob@x.com', body: 'Hi' } },
      { name: 'get_weather', arguments: { city: ' PARIS' } }, // normalized: stripped, lower-cased
    ]);
    expect(n).toEqual({
      nameTp: 2, nameFp: 0, nameFn: 0, callTp: 2, callFp: 0, callFn: 0, argsExact: 2, matchedCalls: 2,
      hallucinatedParams: 0, missingParams: 0, matchedParams: 3, valuesRight: 3, exactMatch: true, parsed: true,
      predParams: 3, refParams: 3,
    });
  });

  it('a partly wrong output', () => {
    const n = needleCounts(c, [
      { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius', zip: 75 } },
      { name: 'get_time', arguments: { tz: 'CET' } },
    ]);
    expect(n).toEqual({
      nameTp: 1, nameFp: 1, nameFn: 1, // {get_weather, get_time} vs {get_weather, send_email}
      callTp: 0, callFp: 2, callFn: 2, // get_weather carries extra args, so no call key matches
      argsExact: 0, matchedCalls: 1, // only get_weather has a reference of its name
      hallucinatedParams: 1, predParams: 3, // zip is not in get_weather's schema; get_time is no provided tool
      refParams: 1, missingParams: 0, matchedParams: 1, valuesRight: 1, // city right
      exactMatch: false, parsed: true,
    });
  });

  it('an unparsable output counts as no calls and no parse', () => {
    const n = needleCounts(c, undefined);
    expect(n).toMatchObject({ parsed: false, exactMatch: false, nameFn: 2, callFn: 2, nameTp: 0, callTp: 0, matchedCalls: 0 });
  });

  it('no call where none is expected is an exact match', () => {
    const irrelevant = mkCase([weather], [], 'irrelevance');
    expect(needleCounts(irrelevant, [])).toMatchObject({ exactMatch: true, parsed: true, nameFp: 0, callFp: 0 });
    expect(needleCounts(irrelevant, [{ name: 'get_weather', arguments: { city: 'x' } }])).toMatchObject({ exactMatch: false, nameFp: 1, callFp: 1 });
    expect(needleCounts(c, [])).toMatchObject({ exactMatch: false, nameFn: 2 });
  });

  it('keeps 5 and 5.0 apart, as Python json.dumps does', () => {
    const t = tool('f', { n: prop('float') });
    const cf = mkCase([t], [call('f', { n: arg(5) })]);
    expect(needleCounts(cf, [{ name: 'f', arguments: { n: 5 } }])).toMatchObject({ valuesRight: 1, exactMatch: true });
    expect(needleCounts(cf, [{ name: 'f', arguments: { n: 5 }, floatPaths: ['/n'] }])).toMatchObject({ valuesRight: 0, exactMatch: false });
    // ...but a numeric string equals the float it spells ("5" → str(float("5")) = "5.0").
    const cfl = mkCase([t], [call('f', { n: { values: [5], floatPaths: ['/0'] } })]);
    expect(needleCounts(cfl, [{ name: 'f', arguments: { n: '5' } }])).toMatchObject({ valuesRight: 1 });
  });

  it('scoreCase carries the counts', () => {
    expect(scoreCase(c, { kind: 'parse_error', error: 'x' }).needle.parsed).toBe(false);
    expect(scoreCase(c, { kind: 'parsed', calls: [] }).needle.nameFn).toBe(2);
  });
});

describe("Needle's value normalization", () => {
  it('follows _normalize_value', () => {
    expect(normalizeValue('74.0060')).toBe('74.006');
    expect(normalizeValue(' At 9am ')).toBe('9am');
    expect(normalizeValue('today at 21:00')).toBe('21:00');
    expect(normalizeValue('1e-5')).toBe('1e-05');
    expect(normalizeValue('1_000')).toBe('1000.0');
    expect(normalizeValue(new PyFloat(5))).toBe('5.0');
    expect(normalizeValue(0.1)).toBe('0.1');
    expect(normalizeValue(1e16 + 0.5)).toBe(normalizeValue(1e16)); // same double
    expect(normalizeValue(5)).toBe(5);
    expect(normalizeValue(true)).toBe(true);
  });
});
