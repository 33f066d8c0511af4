import { describe, expect, it } from 'vitest';
import { oracleCalls } from '../../src/providers/oracle-answer.ts';
import type { SuiteCase, ToolDef } from '../../src/suite/types.ts';

const tool: ToolDef = {
  name: 'f',
  parameters: {
    type: 'object',
    properties: {
      n: { type: 'integer' },
      x: { type: 'number' },
      xs: { type: 'array', items: { type: 'number' } },
      ns: { type: 'array', items: { type: 'integer' } },
      opts: { type: 'object', properties: { rate: { type: 'number' }, name: { type: 'string' } } },
      rows: { type: 'array', items: { type: 'object', properties: { w: { type: 'number' } } } },
      s: { type: 'string', enum: ['a', 'b'] },
    },
    required: ['n', 's'],
  },
};

function kase(expected: SuiteCase['expected'], tools: ToolDef[] = [tool]): SuiteCase {
  return { id: 't', category: 'simple', query: 'q', tools, expected };
}

describe('oracle answers', () => {
  it('takes the first acceptable value, omits optional args, and marks integral numbers of number params as floats', () => {
    const [call] = oracleCalls(kase({ calls: [{ name: 'f', args: {
      n: { values: [3, 4] }, x: { values: [2, 2.5] }, opts: { values: [{ name: ['b'] }], optional: true }, ns: { values: [[1, 2]] }, xs: { values: [[1, 2.5]] },
    } }] }));
    expect(call.name).toBe('f');
    expect(call.arguments).toEqual({ n: 3, x: 2, ns: [1, 2], xs: [1, 2.5] });
    expect(call.floatPaths).toEqual(['/x', '/xs/0']);
  });

  it('turns a BFCL answer dict {key: [values]} into one concrete dict, skipping "" (omittable) candidates', () => {
    const [call] = oracleCalls(kase({ calls: [{ name: 'f', args: {
      opts: { values: [{ rate: ['', 3], name: ['', ''], extra: ['z'] }] },
      rows: { values: [[{ w: [1] }, { w: [0.5, 1] }]] },
    } }] }));
    expect(call.arguments).toEqual({ opts: { rate: 3, extra: 'z' }, rows: [{ w: 1 }, { w: 0.5 }] });
    expect(call.floatPaths).toEqual(['/opts/rate', '/rows/0/w']);
  });

  it('makes every expected call in order, and none for a no-call case', () => {
    const calls = oracleCalls(kase({ calls: [{ name: 'f', args: { n: { values: [1] } } }, { name: 'f', args: { n: { values: [2] } } }] }));
    expect(calls.map((c) => c.arguments.n)).toEqual([1, 2]);
    expect(oracleCalls(kase({ calls: [] }))).toEqual([]);
  });

  it('answers an any-call case with the first tool and schema-valid placeholders for required params', () => {
    const calls = oracleCalls(kase({ calls: [], anyCall: true }));
    expect(calls).toEqual([{ name: 'f', arguments: { n: 0, s: 'a' } }]);
  });

  it('escapes JSON-pointer characters in float paths', () => {
    const t: ToolDef = { name: 'g', parameters: { type: 'object', properties: { 'a/b~c': { type: 'number' } } } };
    const [call] = oracleCalls(kase({ calls: [{ name: 'g', args: { 'a/b~c': { values: [1] } } }] }, [t]));
    expect(call.floatPaths).toEqual(['/a~1b~0c']);
  });
});

describe('oracle answers: floats the source wrote', () => {
  it('writes a value as a float where the answer says the source did, unless the parameter is an integer', () => {
    const t: ToolDef = { name: 'g', parameters: { type: 'object', properties: { any: {}, n: { type: 'integer' }, d: { type: 'object' } } } };
    const [call] = oracleCalls(kase({ calls: [{ name: 'g', args: {
      any: { values: [7, [1, 2]], floatPaths: ['/1/0'] },
      n: { values: [3], floatPaths: ['/0'] },
      d: { values: [{ k: ['', 4, 5] }], floatPaths: ['/0/k/1'] },
    } }] }, [t]));
    expect(call.arguments).toEqual({ any: 7, n: 3, d: { k: 4 } });
    expect(call.floatPaths).toEqual(['/d/k']);
    const [second] = oracleCalls(kase({ calls: [{ name: 'g', args: { any: { values: [[1, 2]], floatPaths: ['/0/0'] } } }] }, [t]));
    expect(second.floatPaths).toEqual(['/any/0']);
  });
});

describe('oracle answers: schema-required but omittable', () => {
  it('writes an argument the answer marks omittable when the function schema requires it', () => {
    const [call] = oracleCalls(kase({ calls: [{ name: 'f', args: { n: { values: [0], optional: true }, x: { values: [9.8], optional: true } } }] }));
    expect(call.arguments).toEqual({ n: 0 });
  });
});

describe('oracle provider output under the scorer', () => {
  it('passes an any-call (live_relevance) case with a schema-valid call, and a no-call case with plain text', async () => {
    const { factory } = await import('../../src/providers/oracle.ts');
    const { getDialect } = await import('../../src/dialects/registry.ts');
    const { scoreCase } = await import('../../src/score/score.ts');
    const oracle = factory.create('oracle', { cacheDir: '' });
    await oracle.load();
    const json = await getDialect('json');
    for (const c of [kase({ calls: [], anyCall: true }), kase({ calls: [] })]) {
      const { raw } = await oracle.generate(c);
      const parsed = json.parse(raw, c.tools);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.calls.length).toBe(c.expected.anyCall ? 1 : 0);
      const verdict = scoreCase(c, { kind: 'parsed', calls: parsed.calls });
      expect(verdict.pass, verdict.reason).toBe(true);
      expect(verdict.schemaValid).toBe(true);
    }
  });

  it('honours delayMs and the abort signal', async () => {
    const { factory } = await import('../../src/providers/oracle.ts');
    expect(() => factory.create('oracle', { cacheDir: '', delayMs: -1 })).toThrow(/delayMs/);
    const slow = factory.create('oracle', { cacheDir: '', delayMs: 10_000 });
    const ac = new AbortController();
    const started = performance.now();
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(slow.generate(kase({ calls: [] }), ac.signal)).rejects.toThrow('stop');
    expect(performance.now() - started).toBeLessThan(5000);
    const timed = await factory.create('oracle', { cacheDir: '', delayMs: '30' }).generate(kase({ calls: [] }));
    expect(timed.timings.totalMs).toBeGreaterThanOrEqual(25);
  });
});
