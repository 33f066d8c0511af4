// LFM2 / LFM2.5: `<|tool_call_start|>[get_weather(location="Paris"), f(x=1)]<|tool_call_end|>`, a
// Python-style list of calls with keyword arguments. Values are Python literals (True/False/None;
// JSON's true/false/null are seen in practice too), strings in either quote, lists, tuples, dicts.
// Names may be dotted. Text with no call block is a plain answer (no call). Like LFM2's reference
// parser, a bare `[f(a=1), g(b="x")]` without the markers is read as calls when it is the whole
// output (before the end-of-turn token <|im_end|>), never when it sits inside prose. A block the
// model ends with <|im_end|> instead of <|tool_call_end|> ends there.
import { escapePointerToken, formatIntegralFloat } from '../util/json-lexeme.ts';
import { setOwn } from '../util/objects.ts';
import { at, blockEnd, Scanner, SyntaxFault } from './scanner.ts';
import type { Dialect, ParseResult, ToolCall } from './types.ts';

export const START = '<|tool_call_start|>';
export const END = '<|tool_call_end|>';
/** LFM2's end-of-turn token, which a model may emit right after its calls. */
export const END_OF_TURN = '<|im_end|>';
const TRAILING_END_OF_TURN = /(?:\s*<\|im_end\|>)+\s*$/;

const WORDS: Record<string, unknown> = { True: true, False: false, None: null, true: true, false: false, null: null };
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '0': '\0', '\\': '\\', "'": "'", '"': '"', '\n': '' };

function pyString(s: Scanner): string {
  const quote = s.peek();
  const triple = s.startsWith(quote.repeat(3));
  const close = triple ? quote.repeat(3) : quote;
  s.i += close.length;
  let out = '';
  for (;;) {
    if (s.done()) s.fail('unterminated string');
    if (s.startsWith(close)) {
      s.i += close.length;
      return out;
    }
    const c = s.peek();
    if (c === '\n' && !triple) s.fail('newline inside a string');
    if (c !== '\\') {
      out += c;
      s.i++;
      continue;
    }
    const e = s.peek(1);
    const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hex) {
      const digits = s.text.slice(s.i + 2, s.i + 2 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) s.fail(`bad \\${e} escape`);
      const cp = parseInt(digits, 16);
      if (cp > 0x10ffff) s.fail(`\\${e}${digits} is not a code point`);
      out += String.fromCodePoint(cp);
      s.i += 2 + hex;
    } else if (e in ESCAPES) {
      out += ESCAPES[e];
      s.i += 2;
    } else {
      out += '\\' + e; // Python keeps unknown escapes as written
      s.i += 2;
    }
  }
}

function sequence(s: Scanner, close: string): unknown[] {
  const items: unknown[] = [];
  s.skipWs();
  while (!s.startsWith(close)) {
    items.push(s.within(items.length, () => value(s)));
    s.skipWs();
    if (s.startsWith(',')) {
      s.i++;
      s.skipWs();
    } else if (!s.startsWith(close)) s.fail(`expected "," or "${close}" in a list, found ${s.describe()}`);
  }
  s.i += close.length;
  return items;
}

function dict(s: Scanner): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  s.skipWs();
  while (!s.startsWith('}')) {
    const c = s.peek();
    let key: string;
    if (c === '"' || c === "'") key = pyString(s);
    else {
      const n = s.number();
      if (n === undefined) s.fail(`expected a dict key, found ${s.describe()}`);
      key = String(n);
    }
    s.skipWs();
    s.expect(':');
    s.skipWs();
    setOwn(out, key, s.within(key, () => value(s)));
    s.skipWs();
    if (s.startsWith(',')) {
      s.i++;
      s.skipWs();
    } else if (!s.startsWith('}')) s.fail(`expected "," or "}" in a dict, found ${s.describe()}`);
  }
  s.i++;
  return out;
}

function value(s: Scanner): unknown {
  s.skipWs();
  const c = s.peek();
  if (c === '"' || c === "'") return pyString(s);
  if (c === '[') {
    s.i++;
    return sequence(s, ']');
  }
  if (c === '(') {
    s.i++;
    return sequence(s, ')'); // a tuple is a list to the scorer, as BFCL treats it
  }
  if (c === '{') {
    s.i++;
    return dict(s);
  }
  const word = /^[A-Za-z_]\w*/.exec(s.text.slice(s.i, s.i + 40))?.[0];
  if (word !== undefined) {
    if (!(word in WORDS)) s.fail(`unexpected name ${word} where a value belongs`);
    s.i += word.length;
    return WORDS[word];
  }
  const n = s.number();
  if (n === undefined) s.fail(`expected a value, found ${s.describe()}`);
  return n;
}

function call(s: Scanner, index: number): ToolCall {
  s.skipWs();
  const name = /^[A-Za-z_][\w.\-]*/.exec(s.text.slice(s.i, s.i + 300))?.[0];
  if (!name) s.fail(`expected a function name, found ${s.describe()}`);
  s.i += name.length;
  s.skipWs();
  s.expect('(');
  const args: Record<string, unknown> = {};
  s.skipWs();
  while (!s.startsWith(')')) {
    const key = /^[A-Za-z_]\w*/.exec(s.text.slice(s.i, s.i + 300))?.[0];
    if (!key) s.fail(`expected a keyword argument name=value, found ${s.describe()}`);
    s.i += key.length;
    s.skipWs();
    if (!s.startsWith('=')) s.fail(`positional argument ${key} cannot be matched to a parameter; expected "="`);
    s.i++;
    if (Object.hasOwn(args, key)) s.fail(`argument ${key} given twice`);
    setOwn(args, key, s.within(index, () => s.within(key, () => value(s))));
    s.skipWs();
    if (s.startsWith(',')) {
      s.i++;
      s.skipWs();
    } else if (!s.startsWith(')')) s.fail(`expected "," or ")" after argument ${key}, found ${s.describe()}`);
  }
  s.i++;
  const floats = s.floatsUnder(`/${index}`);
  return floats.length ? { name, arguments: args, floatPaths: floats } : { name, arguments: args };
}

/** `[call, call]` or a single bare call, filling the whole span. */
function callList(s: Scanner, calls: ToolCall[]): void {
  s.skipWs();
  if (s.startsWith('[')) {
    s.i++;
    s.skipWs();
    while (!s.startsWith(']')) {
      calls.push(call(s, calls.length));
      s.skipWs();
      if (s.startsWith(',')) {
        s.i++;
        s.skipWs();
      } else if (!s.startsWith(']')) s.fail(`expected "," or "]" between calls, found ${s.describe()}`);
    }
    s.i++;
  } else {
    calls.push(call(s, calls.length));
  }
  s.skipWs();
  if (!s.done()) s.fail(`unexpected ${s.describe()} after the calls`);
}

export function parsePythonicCalls(raw: string): ParseResult {
  try {
    const calls: ToolCall[] = [];
    let from = raw.indexOf(START);
    if (from < 0) {
      // No markers: a bare `[name(...)]` filling the output is still an attempted call; anything
      // else is plain text.
      const bare = raw.replace(TRAILING_END_OF_TURN, '').trim();
      if (!/^\[\s*[A-Za-z_][\w.\-]*\s*\(/.test(bare)) return { ok: true, calls: [] };
      const offset = raw.indexOf(bare);
      const s = new Scanner(raw, offset + bare.length);
      s.i = offset;
      callList(s, calls);
      return { ok: true, calls };
    }
    while (from >= 0) {
      const bodyStart = from + START.length;
      const end = blockEnd(raw, bodyStart, [END, END_OF_TURN]);
      const s = new Scanner(raw, end.at < 0 ? raw.length : end.at);
      s.i = bodyStart;
      // Float paths are relative to each call's arguments, so calls from several blocks just append.
      callList(s, calls);
      if (end.at < 0) break; // an unclosed block that still parses completely is accepted
      from = raw.indexOf(START, end.at + end.length);
    }
    return { ok: true, calls };
  } catch (err) {
    if (err instanceof SyntaxFault) return { ok: false, error: `pythonic tool call: ${err.message} ${at(raw, err.position)}` };
    return { ok: false, error: `pythonic tool call: internal error: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function pyRepr(v: unknown, pointer: string, floats: Set<string>): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return floats.has(pointer) && Number.isInteger(v) ? formatIntegralFloat(v) : String(v);
  if (typeof v === 'string') {
    return '"' + v.replace(/[\\"\n\r\t]|[\x00-\x1f\x7f]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + '"';
  }
  if (Array.isArray(v)) return '[' + v.map((x, i) => pyRepr(x, `${pointer}/${i}`, floats)).join(', ') + ']';
  return '{' + Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k, '', floats)}: ${pyRepr(x, `${pointer}/${escapePointerToken(k)}`, floats)}`).join(', ') + '}';
}

export function formatPythonicCalls(calls: ToolCall[]): string {
  const body = calls.map((c) => {
    const floats = new Set(c.floatPaths ?? []);
    const args = Object.entries(c.arguments).map(([k, v]) => `${k}=${pyRepr(v, `/${escapePointerToken(k)}`, floats)}`);
    return `${c.name}(${args.join(', ')})`;
  });
  return `${START}[${body.join(', ')}]${END}`;
}

export const dialect: Dialect = {
  id: 'lfm2-pythonic',
  parse: (raw) => parsePythonicCalls(raw),
  format: formatPythonicCalls,
};
