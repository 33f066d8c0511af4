// Every case of ../shared/data/bfcl answered the oracle way (first acceptable value of each
// argument the answer or the schema requires, written in the JSON dialect and parsed back) must pass; the same
// answers perturbed (a required argument dropped, a value changed, the function renamed, an
// unknown parameter added) must all fail with the error the perturbation causes.
import { describe, expect, it } from 'vitest';
import type { SuiteCase } from '../../src/suite/types.ts';
import type { ToolCall } from '../../src/dialects/types.ts';
import { dialect } from '../../src/dialects/json.ts';
import { scoreCase } from '../../src/score/score.ts';
import { fromPy, PyFloat, toPy } from '../../src/score/pyvalue.ts';
import { BFCL_CATEGORIES, loadBfclCategory } from './bfcl-local.ts';

function concrete(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat)) {
    const out: Record<string, unknown> = {};
    for (const [k, candidates] of Object.entries(v)) {
      const first = (candidates as unknown[]).find((c) => c !== '');
      if (first !== undefined) out[k] = first;
    }
    return out;
  }
  if (Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) return v.map(concrete);
  return v;
}

function oracleCalls(c: SuiteCase): ToolCall[] {
  return c.expected.calls.map((call) => {
    const args: Record<string, unknown> = {};
    const schemaRequired = (c.tools.find((t) => t.name === call.name)?.parameters.required ?? []) as string[];
    for (const [param, arg] of Object.entries(call.args)) {
      // BFCL checks the schema's required list before the answer: an argument the answer marks
      // omittable but the schema requires must still be given (e.g. parallel_88, simple_python_17).
      if (arg.optional && !(schemaRequired.includes(param) && arg.values.length > 0)) continue;
      args[param] = concrete((toPy(arg.values, arg.floatPaths) as unknown[])[0]);
    }
    const { value, floatPaths } = fromPy(args);
    return floatPaths.length ? { name: call.name, arguments: value as Record<string, unknown>, floatPaths } : { name: call.name, arguments: value as Record<string, unknown> };
  });
}

function score(c: SuiteCase, calls: ToolCall[] | string) {
  const raw = typeof calls === 'string' ? calls : dialect.format(calls);
  const parsed = dialect.parse(raw, c.tools);
  return parsed.ok ? scoreCase(c, { kind: 'parsed', calls: parsed.calls }) : scoreCase(c, { kind: 'parse_error', error: parsed.error });
}

function requiredParam(c: SuiteCase, i: number): string | undefined {
  return Object.entries(c.expected.calls[i].args).find(([, a]) => !a.optional)?.[0];
}

/** A different value of the same Python type that no answer accepts, or undefined. */
function otherValue(v: unknown): unknown {
  if (typeof v === 'string') return `${v} zzqx`;
  if (typeof v === 'boolean') return undefined; // flipping may still be acceptable; skip
  if (typeof v === 'number') return Number.isInteger(v) ? v + 7919 : v + 7919.5;
  if (v instanceof PyFloat) return new PyFloat(v.value + 7919);
  return undefined;
}

function perturbValue(c: SuiteCase, calls: ToolCall[]): ToolCall[] | undefined {
  const out: ToolCall[] = [];
  for (let i = 0; i < calls.length; i++) {
    const args = toPy(calls[i].arguments, calls[i].floatPaths) as Record<string, unknown>;
    const key = Object.keys(args).find((k) => otherValue(args[k]) !== undefined);
    if (key === undefined) return undefined;
    const { value, floatPaths } = fromPy({ ...args, [key]: otherValue(args[key]) });
    out.push({ name: calls[i].name, arguments: value as Record<string, unknown>, floatPaths });
  }
  return out;
}

for (const category of BFCL_CATEGORIES) {
  describe(`BFCL ${category} (../shared/data/bfcl)`, () => {
    const cases = loadBfclCategory(category);

    it('has cases', () => {
      expect(cases.length).toBeGreaterThan(100);
    });

    it('the oracle answer passes every case', () => {
      const failures = cases
        .map((c) => ({ c, v: score(c, category === 'irrelevance' ? 'I cannot help with that using these tools.' : oracleCalls(c)) }))
        .filter(({ v }) => !v.pass)
        .map(({ c, v }) => `${c.id}: ${v.error} ${v.reason}`);
      expect(failures).toEqual([]);
    });

    if (category === 'irrelevance') {
      it('any call fails as spurious_call', () => {
        for (const c of cases) {
          const v = score(c, [{ name: c.tools[0].name, arguments: {} }]);
          expect(v.pass, c.id).toBe(false);
          expect(v.error, c.id).toBe('spurious_call');
        }
      });
      return;
    }

    it('dropping an argument the answer requires fails with missing_required', () => {
      let tried = 0;
      for (const c of cases) {
        const calls = oracleCalls(c);
        if (calls.some((_, i) => requiredParam(c, i) === undefined)) continue;
        const dropped = calls.map((call, i) => {
          const { [requiredParam(c, i)!]: _, ...rest } = call.arguments;
          return { name: call.name, arguments: rest, floatPaths: call.floatPaths?.filter((p) => !p.startsWith(`/${requiredParam(c, i)}`)) };
        });
        const v = score(c, dropped);
        expect(v.pass, c.id).toBe(false);
        expect(v.error, `${c.id}: ${v.reason}`).toBe('missing_required');
        tried++;
      }
      expect(tried).toBeGreaterThan(cases.length * 0.9);
    });

    it('changing a value fails with wrong_value', () => {
      let tried = 0;
      for (const c of cases) {
        const changed = perturbValue(c, oracleCalls(c));
        if (!changed) continue;
        const v = score(c, changed);
        expect(v.pass, c.id).toBe(false);
        expect(v.error, `${c.id}: ${v.reason}`).toBe('wrong_value');
        tried++;
      }
      expect(tried).toBeGreaterThan(cases.length * 0.8);
    });

    it('renaming the function fails with wrong_function', () => {
      for (const c of cases) {
        const v = score(c, oracleCalls(c).map((call) => ({ ...call, name: `${call.name}_v2` })));
        expect(v.pass, c.id).toBe(false);
        expect(v.error, `${c.id}: ${v.reason}`).toBe('wrong_function');
      }
    });

    it('adding an unknown parameter fails with unexpected_param', () => {
      for (const c of cases) {
        const v = score(c, oracleCalls(c).map((call) => ({ ...call, arguments: { ...call.arguments, zz_not_a_param: 1 } })));
        expect(v.pass, c.id).toBe(false);
        expect(v.error, `${c.id}: ${v.reason}`).toBe('unexpected_param');
      }
    });

    it('one call too many or none at all fails on the count', () => {
      for (const c of cases) {
        const calls = oracleCalls(c);
        const more = score(c, [...calls, calls[0]]);
        expect(more.pass, c.id).toBe(false);
        expect(more.error, c.id).toBe('wrong_count');
        const none = score(c, []);
        expect(none.error, c.id).toBe('no_call');
      }
    });
  });
}
