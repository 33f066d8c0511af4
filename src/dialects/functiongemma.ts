// FunctionGemma: `<start_function_call>call:name{key:<escape>text<escape>,n:15,flag:true,
// nested:{k:v},list:[…]}<end_function_call>` per call. Strings sit between <escape> markers; values
// outside them are numbers, booleans, nested objects or arrays (as the model's chat template renders
// arguments: keys bare, sorted). A bare word that is none of those is read as a string, as Google's
// reference parser does; None/null read as null. Text with no call block is a plain answer. A call
// is read with or without the end-of-turn token after it, and a block the model ends with
// <end_of_turn> (or by starting a function response) instead of <end_function_call> ends there.
import { escapePointerToken, formatIntegralFloat } from '../util/json-lexeme.ts';
import { setOwn } from '../util/objects.ts';
import { at, blockEnd, Scanner, SyntaxFault } from './scanner.ts';
import type { Dialect, ParseResult, ToolCall } from './types.ts';

export const START = '<start_function_call>';
export const END = '<end_function_call>';
const ESC = '<escape>';
/** What may end a call block besides END: the end of the turn, or the model answering for the tool. */
const CLOSERS = [END, '<end_of_turn>', '<start_function_response>', '<eos>'] as const;

function escaped(s: Scanner): string {
  s.i += ESC.length;
  const close = s.text.indexOf(ESC, s.i);
  if (close < 0 || close >= s.end) s.fail('unterminated <escape> string');
  const text = s.text.slice(s.i, close);
  s.i = close + ESC.length;
  return text;
}

function key(s: Scanner): string {
  s.skipWs();
  if (s.startsWith(ESC)) return escaped(s);
  const m = /^[^:,{}[\]<]+/.exec(s.text.slice(s.i, Math.min(s.end, s.i + 300)));
  if (!m || !m[0].trim()) s.fail(`expected an argument name, found ${s.describe()}`);
  s.i += m[0].length;
  return m[0].trim();
}

function mapping(s: Scanner): Record<string, unknown> {
  s.expect('{');
  const out: Record<string, unknown> = {};
  s.skipWs();
  while (!s.startsWith('}')) {
    const k = key(s);
    s.skipWs();
    s.expect(':');
    if (Object.hasOwn(out, k)) s.fail(`argument ${k} given twice`);
    setOwn(out, k, s.within(k, () => value(s)));
    s.skipWs();
    if (s.startsWith(',')) {
      s.i++;
      s.skipWs();
    } else if (!s.startsWith('}')) s.fail(`expected "," or "}", found ${s.describe()}`);
  }
  s.i++;
  return out;
}

function value(s: Scanner): unknown {
  s.skipWs();
  if (s.startsWith(ESC)) return escaped(s);
  const c = s.peek();
  if (c === '{') return mapping(s);
  if (c === '[') {
    s.i++;
    const items: unknown[] = [];
    s.skipWs();
    while (!s.startsWith(']')) {
      items.push(s.within(items.length, () => value(s)));
      s.skipWs();
      if (s.startsWith(',')) {
        s.i++;
        s.skipWs();
      } else if (!s.startsWith(']')) s.fail(`expected "," or "]", found ${s.describe()}`);
    }
    s.i++;
    return items;
  }
  const bare = /^[^,{}[\]<]*/.exec(s.text.slice(s.i, Math.min(s.end, s.i + 1000)))![0];
  const word = bare.trim();
  if (word === 'true' || word === 'false') {
    s.i += bare.length;
    return word === 'true';
  }
  if (word === 'null' || word === 'None') {
    s.i += bare.length;
    return null;
  }
  if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(word)) {
    const start = s.i;
    const n = s.number()!;
    s.i = start + bare.length;
    return n;
  }
  if (!word) s.fail(`expected a value, found ${s.describe()}`);
  s.i += bare.length;
  return word;
}

function call(s: Scanner, index: number): ToolCall {
  s.skipWs();
  s.expect('call:');
  const m = /^[^{\s]+/.exec(s.text.slice(s.i, Math.min(s.end, s.i + 300)));
  if (!m) s.fail(`expected a function name after "call:", found ${s.describe()}`);
  const name = m[0];
  s.i += name.length;
  s.skipWs();
  const args = s.within(index, () => mapping(s));
  s.skipWs();
  if (!s.done()) s.fail(`unexpected ${s.describe()} after the call`);
  const floats = s.floatsUnder(`/${index}`);
  return floats.length ? { name, arguments: args, floatPaths: floats } : { name, arguments: args };
}

export function parseFunctionGemma(raw: string): ParseResult {
  try {
    const calls: ToolCall[] = [];
    let from = raw.indexOf(START);
    while (from >= 0) {
      const bodyStart = from + START.length;
      const end = blockEnd(raw, bodyStart, CLOSERS);
      const s = new Scanner(raw, end.at < 0 ? raw.length : end.at);
      s.i = bodyStart;
      const c = call(s, 0);
      calls.push(c);
      if (end.at < 0) break;
      from = raw.indexOf(START, end.at + end.length);
    }
    return { ok: true, calls };
  } catch (err) {
    if (err instanceof SyntaxFault) return { ok: false, error: `FunctionGemma call: ${err.message} ${at(raw, err.position)}` };
    return { ok: false, error: `FunctionGemma call: internal error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function formatValue(v: unknown, pointer: string, floats: Set<string>): string {
  if (typeof v === 'string') return ESC + v + ESC;
  if (v === true || v === false) return String(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return floats.has(pointer) && Number.isInteger(v) ? formatIntegralFloat(v) : String(v);
  if (Array.isArray(v)) return '[' + v.map((x, i) => formatValue(x, `${pointer}/${i}`, floats)).join(',') + ']';
  return formatMapping(v as Record<string, unknown>, pointer, floats);
}

/** Keys sorted and bare, as the chat template renders arguments. */
function formatMapping(obj: Record<string, unknown>, pointer: string, floats: Set<string>): string {
  const keys = Object.keys(obj).sort();
  return '{' + keys.map((k) => `${/^[^:,{}[\]<\s][^:,{}[\]<]*$/.test(k) && k.trim() === k ? k : ESC + k + ESC}:${formatValue(obj[k], `${pointer}/${escapePointerToken(k)}`, floats)}`).join(',') + '}';
}

export function formatFunctionGemma(calls: ToolCall[]): string {
  return calls.map((c) => `${START}call:${c.name}${formatMapping(c.arguments, '', new Set(c.floatPaths ?? []))}${END}`).join('');
}

export const dialect: Dialect = {
  id: 'functiongemma',
  parse: (raw) => parseFunctionGemma(raw),
  format: formatFunctionGemma,
};
