import { describe, expect, it } from 'vitest';
import { arg, call, mkCase, prop, scoreCalls, tool } from './case-builder.ts';
import { checkSchemas } from '../../src/score/schema-valid.ts';
import { scoreCase } from '../../src/score/score.ts';

const t = tool(
  'book',
  {
    city: prop('string', undefined, { enum: ['New York, NY', 'Boston, MA'] }),
    nights: prop('integer', undefined, { minimum: 1 }),
  },
  ['city'],
);
const c = mkCase([t], [call('book', { city: arg('New York, NY'), nights: arg(2, '') })]);

describe('schema validity', () => {
  it('a right and valid call is both', () => {
    expect(scoreCalls(c, [{ name: 'book', arguments: { city: 'New York, NY', nights: 2 } }])).toMatchObject({ pass: true, schemaValid: true });
  });

  it('schema-valid but wrong', () => {
    const v = scoreCalls(c, [{ name: 'book', arguments: { city: 'Boston, MA', nights: 2 } }]);
    expect(v).toMatchObject({ pass: false, error: 'wrong_value', schemaValid: true });
  });

  it('right by BFCL but schema-invalid (BFCL standardizes strings and ignores enum)', () => {
    const v = scoreCalls(c, [{ name: 'book', arguments: { city: 'new york ny' } }]);
    expect(v).toMatchObject({ pass: true, schemaValid: false });
    expect(v.schemaReason).toContain('/city');
  });

  it('a call naming no provided tool is invalid', () => {
    expect(checkSchemas([t], [{ name: 'other', arguments: {} }])).toEqual({ valid: false, reason: '"other" is not a provided tool' });
  });

  it('reports the failing field', () => {
    const r = checkSchemas([t], [{ name: 'book', arguments: { city: 'Boston, MA', nights: 0 } }]);
    expect(r.valid).toBe(false);
    expect(r.reason).toContain('/nights');
  });

  it('a missing required argument is invalid; no calls is trivially valid', () => {
    expect(checkSchemas([t], [{ name: 'book', arguments: {} }]).valid).toBe(false);
    expect(checkSchemas([t], []).valid).toBe(true);
  });

  it('unknown keywords such as x-bfcl-type do not break validation', () => {
    const odd = { name: 'odd', parameters: { type: 'object', 'x-bfcl-type': 'dict', 'x-anything': [1], properties: { a: { 'x-bfcl-type': 'HashMap', type: 'object' } } } };
    expect(checkSchemas([odd], [{ name: 'odd', arguments: { a: {} } }]).valid).toBe(true);
    expect(checkSchemas([odd], [{ name: 'odd', arguments: { a: 1 } }]).valid).toBe(false);
  });

  it('an invalid tool schema makes calls to it invalid instead of throwing', () => {
    const broken = { name: 'broken', parameters: { type: 'object', properties: { a: { type: 'no-such-type' } } } };
    const r = checkSchemas([broken], [{ name: 'broken', arguments: { a: 1 } }]);
    expect(r.valid).toBe(false);
    expect(r.reason).toContain('invalid schema');
  });

  it('an unparsable output is not schema-valid; an output with no call is', () => {
    expect(scoreCase(c, { kind: 'parse_error', error: 'x' }).schemaValid).toBe(false);
    expect(scoreCalls(c, []).schemaValid).toBe(true);
  });
});
