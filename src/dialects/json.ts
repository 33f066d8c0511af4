// The JSON-calls dialect: `[{"name": "...", "arguments": {...}}, ...]`, the format Needle emits and a
// common denominator of prompt-based baselines. Lenient where models commonly drift (a single
// object instead of a list, arguments given as a JSON-encoded string, prose or code fences around
// the JSON), strict where leniency would hide a wrong answer.
import type { Dialect, ParseResult, ToolCall } from './types.ts';
import { findJsonWithError, parseJson, stringifyJson, type JsonValue } from '../util/json-lexeme.ts';

function isObject(v: unknown): v is Record<string, JsonValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Float paths under `prefix`, made relative to it. */
function under(floatPaths: string[], prefix: string): string[] {
  const out: string[] = [];
  for (const p of floatPaths) if (p.startsWith(prefix + '/')) out.push(p.slice(prefix.length));
  return out;
}

/** One call object → ToolCall, or a reason it is not a well-formed call. */
function toCall(item: JsonValue, pointer: string, floatPaths: string[]): ToolCall | string {
  if (!isObject(item)) return `${pointer || 'value'}: expected a call object {"name", "arguments"}, got ${jsonKind(item)}`;
  const name = item.name;
  if (typeof name !== 'string') {
    return `${pointer}/name: expected the function name as a string, got ${name === undefined ? 'nothing' : jsonKind(name)}`;
  }
  const args = item.arguments;
  if (args === undefined) return { name, arguments: {} };
  if (isObject(args)) {
    const paths = under(floatPaths, `${pointer}/arguments`);
    return paths.length ? { name, arguments: args, floatPaths: paths } : { name, arguments: args };
  }
  if (typeof args === 'string') {
    // Some models (and OpenAI's wire format) encode the arguments object as a JSON string.
    const inner = parseJson(args);
    if (!inner.ok) return `${pointer}/arguments: a string that is not valid JSON (${inner.error})`;
    if (!isObject(inner.value)) return `${pointer}/arguments: a JSON string holding ${jsonKind(inner.value)}, expected an object`;
    return inner.floatPaths.length
      ? { name, arguments: inner.value, floatPaths: inner.floatPaths }
      : { name, arguments: inner.value };
  }
  return `${pointer}/arguments: expected an object, got ${jsonKind(args)}`;
}

function jsonKind(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Text that looks like the model tried to write a call: JSON brackets near a "name" key. */
function looksLikeAttemptedCall(raw: string): boolean {
  return /[[{]/.test(raw) && /"(name|arguments)"\s*:/.test(raw);
}

/** Whether a JSON value found in the text is meant as calls: a list of objects (or empty), or an object with call keys. */
function isCallShaped(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.length === 0 || value.some(isObject);
  return isObject(value) && ('name' in value || 'arguments' in value);
}

export function parseJsonCalls(raw: string): ParseResult {
  try {
    // JSON that is not call-shaped ("see [1]", {"units": "metric"}) is prose; keep looking after it.
    let from = 0;
    let firstError: string | undefined;
    for (;;) {
      const search = findJsonWithError(raw, from);
      firstError ??= search.firstError;
      const found = search.found;
      if (!found) break;
      if (!isCallShaped(found.value)) {
        from = found.end;
        continue;
      }
      const { value, floatPaths } = found;
      if (Array.isArray(value)) {
        const calls: ToolCall[] = [];
        for (let i = 0; i < value.length; i++) {
          const call = toCall(value[i], `/${i}`, floatPaths);
          if (typeof call === 'string') return { ok: false, error: call };
          calls.push(call);
        }
        return { ok: true, calls };
      }
      const call = toCall(value, '', floatPaths);
      return typeof call === 'string' ? { ok: false, error: call } : { ok: true, calls: [call] };
    }
    if (looksLikeAttemptedCall(raw)) return { ok: false, error: `malformed JSON call: ${firstError ?? 'no JSON list of calls found'}` };
    return { ok: true, calls: [] }; // plain text: the model chose not to call
  } catch (err) {
    // The contract is "never throws"; a bug here must surface as a parse error, not a crash.
    return { ok: false, error: `internal JSON dialect error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

export function formatJsonCalls(calls: ToolCall[]): string {
  const floatPaths: string[] = [];
  calls.forEach((c, i) => {
    for (const p of c.floatPaths ?? []) floatPaths.push(`/${i}/arguments${p}`);
  });
  return stringifyJson(
    calls.map((c) => ({ name: c.name, arguments: c.arguments })),
    floatPaths,
  );
}

export const dialect: Dialect = {
  id: 'json',
  parse: (raw) => parseJsonCalls(raw),
  format: formatJsonCalls,
};
