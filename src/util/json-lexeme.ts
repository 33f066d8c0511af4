// A strict JSON parser that remembers what JSON.parse forgets: which numbers were written as floats.
// BFCL's checker is Python, where `5.0` is a float and never matches an `integer` parameter, so a
// scorer reading model output must know that `5.0` was not written `5`. Non-integral numbers are
// floats anyway; only integral ones written with '.', 'e' or 'E' are listed (as JSON pointers).

import { setOwn } from './objects.ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonParse =
  | { ok: true; value: JsonValue; floatPaths: string[] }
  | { ok: false; error: string; position: number };

/** Nesting deeper than this is refused rather than risking the call stack. */
const MAX_DEPTH = 512;

/** Thrown inside the parser only. Not an Error subclass: capturing a stack trace per malformed
 * model output would dominate the cost of scoring it. */
class JsonSyntaxError {
  constructor(readonly message: string, readonly position: number) {}
}

/** Escapes one reference token of a JSON pointer (RFC 6901). */
export function escapePointerToken(token: string): string {
  return token.indexOf('~') < 0 && token.indexOf('/') < 0 ? token : token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Splits a JSON pointer into its unescaped reference tokens ("" → []). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (pointer[0] !== '/') throw new Error(`invalid JSON pointer "${pointer}": must start with "/"`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function lineAndColumn(text: string, position: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line} column ${col} (position ${position})`;
}

function describeChar(text: string, i: number): string {
  return i >= text.length ? 'end of input' : `character ${JSON.stringify(text[i])}`;
}

class Parser {
  i = 0;
  readonly floatPaths: string[] = [];
  private readonly path: string[] = [];

  constructor(private readonly text: string) {}

  fail(message: string, at = this.i): never {
    throw new JsonSyntaxError(message, at);
  }

  skipWs(): void {
    const t = this.text;
    let i = this.i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.i = i;
  }

  parseDocument(): JsonValue {
    this.skipWs();
    const value = this.parseValue(0);
    this.skipWs();
    if (this.i < this.text.length) this.fail(`unexpected ${describeChar(this.text, this.i)} after the JSON value`);
    return value;
  }

  parseValue(depth: number): JsonValue {
    const t = this.text;
    const c = t.charCodeAt(this.i);
    switch (c) {
      case 123: // {
        return this.parseObject(depth + 1);
      case 91: // [
        return this.parseArray(depth + 1);
      case 34: // "
        return this.parseString();
      case 116: // t
        return this.literal('true', true);
      case 102: // f
        return this.literal('false', false);
      case 110: // n
        return this.literal('null', null);
      default:
        if (c === 45 || (c >= 48 && c <= 57)) return this.parseNumber();
        return this.fail(`unexpected ${describeChar(t, this.i)}, expected a JSON value`);
    }
  }

  literal<T extends JsonValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.i)) {
      this.i += word.length;
      return value;
    }
    return this.fail(`unexpected ${describeChar(this.text, this.i)}, expected a JSON value`);
  }

  parseObject(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const t = this.text;
    this.i++; // {
    const obj: { [key: string]: JsonValue } = {};
    this.skipWs();
    if (t.charCodeAt(this.i) === 125) {
      this.i++;
      return obj;
    }
    for (;;) {
      if (t.charCodeAt(this.i) !== 34) this.fail(`unexpected ${describeChar(t, this.i)}, expected a string key`);
      const key = this.parseString();
      this.skipWs();
      if (t.charCodeAt(this.i) !== 58) this.fail(`unexpected ${describeChar(t, this.i)}, expected ':' after key`);
      this.i++;
      this.skipWs();
      this.path.push(key);
      const value = this.parseValue(depth);
      this.path.pop();
      // A "__proto__" key must become an own property, as with JSON.parse, never a prototype.
      setOwn(obj, key, value);
      this.skipWs();
      const c = t.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.skipWs();
        continue;
      }
      if (c === 125) {
        this.i++;
        return obj;
      }
      this.fail(`unexpected ${describeChar(t, this.i)}, expected ',' or '}' in object`);
    }
  }

  parseArray(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    const t = this.text;
    this.i++; // [
    const arr: JsonValue[] = [];
    this.skipWs();
    if (t.charCodeAt(this.i) === 93) {
      this.i++;
      return arr;
    }
    for (;;) {
      this.path.push(String(arr.length));
      arr.push(this.parseValue(depth));
      this.path.pop();
      this.skipWs();
      const c = t.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.skipWs();
        continue;
      }
      if (c === 93) {
        this.i++;
        return arr;
      }
      this.fail(`unexpected ${describeChar(t, this.i)}, expected ',' or ']' in array`);
    }
  }

  parseNumber(): number {
    const t = this.text;
    const start = this.i;
    let i = start;
    let isFloat = false;
    if (t.charCodeAt(i) === 45) i++;
    const first = t.charCodeAt(i);
    if (first === 48) i++;
    else if (first >= 49 && first <= 57) {
      while (isDigit(t.charCodeAt(i))) i++;
    } else this.fail(`unexpected ${describeChar(t, i)} in number, expected a digit`, i);
    if (t.charCodeAt(i) === 46) {
      isFloat = true;
      i++;
      if (!isDigit(t.charCodeAt(i))) this.fail(`unexpected ${describeChar(t, i)} in number, expected a digit after '.'`, i);
      while (isDigit(t.charCodeAt(i))) i++;
    }
    const e = t.charCodeAt(i);
    if (e === 101 || e === 69) {
      isFloat = true;
      i++;
      const s = t.charCodeAt(i);
      if (s === 43 || s === 45) i++;
      if (!isDigit(t.charCodeAt(i))) this.fail(`unexpected ${describeChar(t, i)} in number, expected an exponent digit`, i);
      while (isDigit(t.charCodeAt(i))) i++;
    }
    this.i = i;
    const value = Number(t.slice(start, i));
    if (isFloat && Number.isInteger(value)) this.floatPaths.push(this.pointer());
    return value;
  }

  pointer(): string {
    let p = '';
    for (const token of this.path) p += '/' + escapePointerToken(token);
    return p;
  }

  parseString(): string {
    const t = this.text;
    const start = ++this.i; // opening quote
    let i = start;
    // Fast path: no escapes.
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return t.slice(start, i);
      }
      if (c === 92) break;
      if (c < 32 || Number.isNaN(c)) {
        if (Number.isNaN(c)) this.fail('unterminated string', start - 1);
        this.fail(`unescaped control character U+${c.toString(16).padStart(4, '0')} in string`, i);
      }
      i++;
    }
    let out = t.slice(start, i);
    for (;;) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c)) this.fail('unterminated string', start - 1);
      if (c === 34) {
        this.i = i + 1;
        return out;
      }
      if (c < 32) this.fail(`unescaped control character U+${c.toString(16).padStart(4, '0')} in string`, i);
      if (c !== 92) {
        out += t[i];
        i++;
        continue;
      }
      const esc = t[i + 1];
      switch (esc) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = t.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape in string, expected 4 hex digits', i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          this.fail(`invalid escape ${esc === undefined ? 'at end of input' : JSON.stringify('\\' + esc)} in string`, i);
      }
      i += 2;
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses strict JSON (RFC 8259). On success returns the value and `floatPaths`: JSON pointers of
 * the numbers written with '.', 'e' or 'E' whose value is integral (5.0, 1e3). On failure returns
 * an error naming line, column and position. Never throws.
 */
export function parseJson(text: string): JsonParse {
  const p = new Parser(text);
  try {
    const value = p.parseDocument();
    return { ok: true, value, floatPaths: p.floatPaths };
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      return { ok: false, error: `${err.message} at ${lineAndColumn(text, err.position)}`, position: err.position };
    }
    throw err;
  }
}

export interface JsonFound {
  value: JsonValue;
  floatPaths: string[];
  /** Where the JSON text starts and ends (exclusive) in the searched text. */
  start: number;
  end: number;
}

/**
 * The end (exclusive) of the bracketed span opening at `start` ('[' or '{'), respecting strings, or
 * -1 when it never closes. Mismatched brackets end the span early; parsing then reports the error.
 */
function bracketSpanEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) depth++;
    else if (c === 93 || c === 125) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Finds the first complete JSON array or object inside surrounding text (prose, code fences,
 * special tokens) and parses it. Candidates are tried left to right from each '[' or '{'; a
 * bracketed span that fails to parse is skipped whole (its inner fragments are not candidates);
 * returns undefined when none parses. `firstError` (in the result of `findJsonWithError`) tells
 * why the first candidate failed, for dialects that must explain a malformed call.
 */
export function findJson(text: string, from = 0): JsonFound | undefined {
  return findJsonWithError(text, from).found;
}

export function findJsonWithError(text: string, from = 0): { found?: JsonFound; firstError?: string } {
  let firstError: string | undefined;
  for (let start = from; start < text.length; start++) {
    const c = text.charCodeAt(start);
    if (c !== 91 && c !== 123) continue;
    // Parse in place: a valid value ends exactly at its matching bracket, so this equals parsing
    // the bracketed span, without scanning it first.
    const p = new Parser(text);
    p.i = start;
    try {
      const value = p.parseValue(0);
      return { found: { value, floatPaths: p.floatPaths, start, end: p.i }, firstError };
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      const end = bracketSpanEnd(text, start);
      // The error may lie past a span that closed early (mismatched brackets): report it in the span.
      firstError ??= `${err.message} at ${lineAndColumn(text, end < 0 ? err.position : Math.min(err.position, end))}`;
      // Never closes: whatever follows is inside a broken value, not a fresh candidate.
      if (end < 0) break;
      // Skip the broken span: a valid fragment nested in malformed JSON is not the model's answer.
      start = end - 1;
    }
  }
  return { firstError };
}

/**
 * JSON.stringify that writes the integral numbers listed in `floatPaths` as floats ("5.0"), so a
 * value parsed by `parseJson` round-trips with its float-ness. Other numbers are written as
 * JSON.stringify does.
 */
export function stringifyJson(value: unknown, floatPaths: readonly string[] = [], indent?: number): string {
  if (floatPaths.length === 0) return JSON.stringify(value, null, indent);
  const floats = new Set(floatPaths);
  // Mark float-written numbers with a unique string, then unquote the marks in the output.
  const mark = `\u0000f${Math.random().toString(36).slice(2)}:`;
  const marked = markFloats(value, '', floats, mark);
  const json = JSON.stringify(marked, null, indent);
  return json.replace(new RegExp(`"\\\\u0000${mark.slice(1)}([^"]*)"`, 'g'), '$1');
}

function markFloats(value: unknown, pointer: string, floats: Set<string>, mark: string): unknown {
  if (typeof value === 'number') {
    if (floats.has(pointer) && Number.isInteger(value)) return `${mark}${formatIntegralFloat(value)}`;
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => markFloats(v, `${pointer}/${i}`, floats, mark));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const child = markFloats(v, `${pointer}/${escapePointerToken(k)}`, floats, mark);
      setOwn(out, k, child);
    }
    return out;
  }
  return value;
}

/** An integral number written so that it reads back as a float: 5 → "5.0", 1e21 → "1e+21". */
export function formatIntegralFloat(n: number): string {
  const s = String(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
