// Needle's own tool-call metrics, counted per case so they can be summed and turned into Needle's
// published rates. Source: cactus-compute/needle, needle/training/eval.py, benchmark_tool_calls().
// Our interpretation, where our data differs from Needle's:
// - The reference calls are the case's canonical answer: for every expected argument that may not
//   be omitted (by the answer, or by the schema's required list, which BFCL checks first), its first
//   acceptable value (BFCL-style dict answers {key: [values]} made concrete
//   the same way). Values are taken as written, so 5 and 5.0 differ exactly as in Needle's Python.
// - "Empty prediction" is a parsed output with no call (Needle tests the raw text for "" or "[]";
//   our dialects map a no-call output to an empty list). An unparsable output has no calls, counts
//   as a JSON parse failure, and is never an exact match.
// - Function names are compared exactly (Needle snake-cases both sides because its model emits
//   normalized names; our providers restore the original names before scoring).
// - live_relevance (any call is right) has no reference call: it counts as an empty reference.
import type { ExpectedArg, SuiteCase, ToolDef } from '../suite/types.ts';
import type { ToolCall } from '../dialects/types.ts';
import type { NeedleCounts } from './types.ts';
import { PyFloat, pyFloatRepr, pyParseFloat, toPy } from './pyvalue.ts';

interface RefCall {
  name: string;
  arguments: Record<string, unknown>;
}

function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat);
}

/** The first acceptable value that is not the omission marker "". */
function firstConcrete(candidates: unknown[]): { found: boolean; value?: unknown } {
  for (const c of candidates) if (c !== '') return { found: true, value: c };
  return { found: false };
}

/** A BFCL dict answer {key: [acceptable]} → one concrete dict; other values are kept. */
function concrete(value: unknown): unknown {
  if (isDict(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, candidates] of Object.entries(value)) {
      if (!Array.isArray(candidates)) {
        out[k] = candidates;
        continue;
      }
      const pick = firstConcrete(candidates);
      if (pick.found) out[k] = pick.value;
    }
    return out;
  }
  if (Array.isArray(value) && value.length > 0 && value.every(isDict)) return value.map(concrete);
  return value;
}

function refValue(arg: ExpectedArg, schemaRequired: boolean): { found: boolean; value?: unknown } {
  if ((arg.optional && !schemaRequired) || arg.values.length === 0) return { found: false };
  return { found: true, value: concrete((toPy(arg.values, arg.floatPaths) as unknown[])[0]) };
}

const refCache = new WeakMap<SuiteCase, RefCall[]>();

/** The case's canonical reference calls (cached per case object). */
export function referenceCalls(testCase: SuiteCase): RefCall[] {
  let refs = refCache.get(testCase);
  if (!refs) {
    refs = testCase.expected.calls.map((call) => {
      const args: Record<string, unknown> = {};
      const required = testCase.tools.find((t) => t.name === call.name)?.parameters?.required;
      for (const [param, arg] of Object.entries(call.args)) {
        const v = refValue(arg, Array.isArray(required) && required.includes(param));
        if (v.found) args[param] = v.value;
      }
      return { name: call.name, arguments: args };
    });
    refCache.set(testCase, refs);
  }
  return refs;
}

/**
 * Needle's _normalize_value, applied to top-level argument values only: a string that Python's
 * float() accepts becomes str(float) ("74.0060" → "74.006"); strings are stripped, lower-cased and
 * lose a leading "at " and then "today at "; a float becomes its repr string; the rest is kept.
 */
export function normalizeValue(v: unknown): unknown {
  if (typeof v === 'string') {
    let s = v;
    const f = pyParseFloat(s);
    if (f !== undefined) s = pyFloatRepr(f instanceof PyFloat ? f.value : f);
    s = s.trim().toLowerCase();
    if (s.startsWith('at ')) s = s.slice(3).trim();
    if (s.startsWith('today at ')) s = s.slice('today at '.length).trim();
    return s;
  }
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'number' && !Number.isInteger(v)) return pyFloatRepr(v);
  return v;
}

/**
 * Python json.dumps(v, sort_keys=True) up to an injective re-encoding: equal exactly when Needle's
 * strings are equal (ints, floats and bools stay distinct; keys sorted).
 */
export function canonical(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(', ')}]`;
  const keys = Object.keys(v as object).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}: ${canonical((v as Record<string, unknown>)[k])}`).join(', ')}}`;
}

/** One call, normalized once: Needle's call_key and the canonical form of its arguments and values. */
interface KeyedCall {
  name: string;
  arguments: Record<string, unknown>;
  /** canonical(normalized arguments) — equal iff Needle's json.dumps of them are equal. */
  argsKey: string;
  /** call_key: name + arguments; the composition is injective because names are JSON-quoted. */
  callKey: string;
  /** canonical(normalized value) per argument. */
  valueKeys: Map<string, string>;
}

function keyed(name: string, args: Record<string, unknown>): KeyedCall {
  const valueKeys = new Map<string, string>();
  const keys = Object.keys(args);
  for (const k of keys) valueKeys.set(k, canonical(normalizeValue(args[k])));
  // Same string as canonical(normalized arguments), built from the per-value keys.
  keys.sort();
  let argsKey = '{';
  for (let i = 0; i < keys.length; i++) argsKey += `${i ? ', ' : ''}${JSON.stringify(keys[i])}: ${valueKeys.get(keys[i])}`;
  argsKey += '}';
  return { name, arguments: args, argsKey, callKey: `${JSON.stringify(name)} ${argsKey}`, valueKeys };
}

interface CaseRefs {
  refs: KeyedCall[];
  sortedKeys: string[];
  keySet: Set<string>;
  names: Set<string>;
  byName: Map<string, KeyedCall[]>;
  tools: Map<string, ToolDef>;
}

const caseRefsCache = new WeakMap<SuiteCase, CaseRefs>();

function caseRefs(testCase: SuiteCase): CaseRefs {
  let r = caseRefsCache.get(testCase);
  if (!r) {
    const refs = referenceCalls(testCase).map((c) => keyed(c.name, c.arguments));
    const byName = new Map<string, KeyedCall[]>();
    for (const ref of refs) {
      const list = byName.get(ref.name) ?? [];
      list.push(ref);
      byName.set(ref.name, list);
    }
    r = {
      refs,
      sortedKeys: refs.map((x) => x.callKey).sort(),
      keySet: new Set(refs.map((x) => x.callKey)),
      names: new Set(refs.map((x) => x.name)),
      byName,
      tools: new Map(testCase.tools.map((t) => [t.name, t] as const)),
    };
    caseRefsCache.set(testCase, r);
  }
  return r;
}

const schemaKeysCache = new WeakMap<ToolDef, Set<string>>();

/** The parameter names a tool declares (Needle: the keys of its flat "parameters"). */
function schemaKeys(tool: ToolDef): Set<string> {
  let keys = schemaKeysCache.get(tool);
  if (!keys) {
    const props = tool.parameters?.properties;
    keys = new Set(props !== null && typeof props === 'object' ? Object.keys(props) : []);
    schemaKeysCache.set(tool, keys);
  }
  return keys;
}

export function emptyNeedleCounts(parsed: boolean): NeedleCounts {
  return {
    nameTp: 0, nameFp: 0, nameFn: 0, callTp: 0, callFp: 0, callFn: 0, argsExact: 0, matchedCalls: 0,
    hallucinatedParams: 0, missingParams: 0, matchedParams: 0, valuesRight: 0, exactMatch: false, parsed,
    predParams: 0, refParams: 0,
  };
}

/**
 * Needle's counts for one output. `calls` undefined means the output did not parse (or was not
 * generated).
 */
export function needleCounts(testCase: SuiteCase, calls: ToolCall[] | undefined): NeedleCounts {
  const counts = emptyNeedleCounts(calls !== undefined);
  const ref = caseRefs(testCase);
  const preds = (calls ?? []).map((c) => keyed(c.name, toPy(c.arguments, c.floatPaths) as Record<string, unknown>));

  // Exact match: both empty, or the same multiset of normalized calls.
  const refEmpty = ref.refs.length === 0;
  const predEmpty = calls !== undefined && calls.length === 0;
  if (refEmpty && predEmpty) counts.exactMatch = true;
  else if (!refEmpty && !predEmpty && calls !== undefined && preds.length === ref.refs.length) {
    const predKeys = preds.map((p) => p.callKey).sort();
    counts.exactMatch = predKeys.every((k, i) => k === ref.sortedKeys[i]);
  }

  // Tool names and whole calls: set overlaps (duplicates count once, as in Needle).
  const predNames = new Set(preds.map((p) => p.name));
  for (const n of predNames) if (ref.names.has(n)) counts.nameTp++; else counts.nameFp++;
  for (const n of ref.names) if (!predNames.has(n)) counts.nameFn++;
  const refKeys = ref.keySet;
  const predKeys = new Set(preds.map((p) => p.callKey));
  for (const k of predKeys) if (refKeys.has(k)) counts.callTp++; else counts.callFp++;
  for (const k of refKeys) if (!predKeys.has(k)) counts.callFn++;

  // Arguments of predicted calls whose name the reference has.
  for (const p of preds) {
    const refsOfName = ref.byName.get(p.name);
    if (refsOfName) {
      counts.matchedCalls++;
      if (refsOfName.some((r) => r.argsKey === p.argsKey)) counts.argsExact++;
    }
    const tool = ref.tools.get(p.name);
    if (!tool) continue; // Needle skips parameter counts for calls naming no provided tool
    const declared = schemaKeys(tool);
    for (const k of p.valueKeys.keys()) {
      counts.predParams!++;
      if (!declared.has(k)) counts.hallucinatedParams++;
    }
    if (refsOfName) {
      const first = refsOfName[0]; // Needle compares parameters with the first reference call of that name
      for (const [k, refValueKey] of first.valueKeys) {
        counts.refParams!++;
        const predValueKey = p.valueKeys.get(k);
        if (predValueKey === undefined) {
          counts.missingParams++;
          continue;
        }
        counts.matchedParams++;
        if (predValueKey === refValueKey) counts.valuesRight++;
      }
    }
  }
  return counts;
}
