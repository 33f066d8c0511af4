// The one data-only class the allowlist admits: Needle 2's TransformerConfig, pickled as
// `cls () NEWOBJ {attrs} BUILD` (run.load_checkpoint accepts a config instance as well as a dict).
// It becomes an inert PyRecord; every other way of using the class or its module is refused.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PickleError, PyRecord, unpickle, type PyDict } from '../../src/checkpoint/pickle.ts';
import { toPlain } from '../../src/checkpoint/tree.ts';

const fixture = resolve(import.meta.dirname, '../fixtures/needle2/config-object.pkl');
const golden = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/needle2/golden-checkpoint.json'), 'utf8')) as Record<string, { config_state: Record<string, unknown> }>;

// hand-assembled protocol-4 pieces
const u = (s: string) => Buffer.concat([Buffer.from([0x8c, Buffer.byteLength(s)]), Buffer.from(s)]);
const CLS = Buffer.concat([u('needle.model.architecture'), u('TransformerConfig'), Buffer.from([0x93])]);
const P4 = Buffer.from([0x80, 0x04]);
const STOP = Buffer.from('.');
const state = Buffer.concat([Buffer.from('}('), u('d_model'), Buffer.from([0x4b, 40]), Buffer.from('u')]);
const pk = (...parts: Buffer[]) => new Uint8Array(Buffer.concat([P4, ...parts, STOP]));

describe('data-only class TransformerConfig', () => {
  it('reads a pickled config instance as its attribute dict (the golden fixture)', () => {
    const root = unpickle(readFileSync(fixture)) as PyDict;
    const config = root.get('config');
    expect(config).toBeInstanceOf(PyRecord);
    expect((config as PyRecord).cls).toBe('needle.model.architecture.TransformerConfig');
    expect(toPlain(config as PyRecord, 'config-object.pkl')).toEqual(golden['config-object.pkl'].config_state);
  });

  it('builds from NEWOBJ with no arguments and one BUILD dict', () => {
    const rec = unpickle(pk(CLS, Buffer.from(')\x81', 'latin1'), state, Buffer.from('b')));
    expect(toPlain(rec, 'x')).toEqual({ d_model: 40 });
  });

  it.each([
    ['calling the class (REDUCE)', pk(CLS, Buffer.from(')R')), 'cannot be called'],
    ['NEWOBJ with arguments', pk(CLS, Buffer.from([0x4b, 1, 0x85, 0x81])), 'only the no-argument form'],
    ['a second BUILD', pk(CLS, Buffer.from(')\x81', 'latin1'), state, Buffer.from('b'), state, Buffer.from('b')), 'already built'],
    ['a slots-style (tuple) state', pk(CLS, Buffer.from(')\x81', 'latin1'), Buffer.from('N}\x86b', 'latin1')), 'expected an attribute dict'],
  ])('refuses %s', (_name, bytes, message) => {
    expect(() => unpickle(bytes)).toThrow(PickleError);
    expect(() => unpickle(bytes)).toThrow(message);
  });

  it('an instance that never got its state is not config data', () => {
    const rec = unpickle(pk(CLS, Buffer.from(')\x81', 'latin1')));
    expect(() => toPlain(rec, 'x.pkl')).toThrow('x.pkl: config holds a needle.model.architecture.TransformerConfig instance');
  });
});
