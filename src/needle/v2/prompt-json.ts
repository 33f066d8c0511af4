// JSON written exactly as Python's json.dumps(value, separators=(",", ":")) writes it with its
// defaults (ensure_ascii=True, no key sorting): the serializer Needle 2's renderer uses for the tools
// it shows the model and for the calls it trains the model to write. It differs from
// JSON.stringify in three places that change the prompt's tokens:
// - every character above U+007F is written as a \uXXXX escape (astral ones as a surrogate pair);
// - floats are written as Python's repr writes them: `1e-05`, `1e+16`, `5.0` (a number listed in
//   `floatPaths` is a float even when integral, see src/util/json-lexeme.ts);
// - control characters other than \n \r \t \b \f, and DEL, are written as \u00XX (lower-case hex).
// Key order is the object's own order (for JS objects that puts integer-like keys first, which
// Python would not; tool schemas do not use such keys).
import { escapePointerToken } from '../../util/json-lexeme.ts';

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

/** A JSON string literal as Python's json.dumps writes it with ensure_ascii=True. */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const short = SHORT_ESCAPES[c];
    if (short) out += short;
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return out + '"';
}

/** A float as Python's float.__repr__ writes it (shortest round-trip digits, Python's exponent rule). */
export function pythonFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest digits that round-trip, as repr does.
  const [mantissa, expPart] = n.toExponential().split('e');
  const exp = Number(expPart);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}e${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

/**
 * json.dumps(value, separators=(",", ":")) as Python writes it. Numbers: integral ones are ints
 * unless their JSON pointer is in `floatPaths`; others are floats.
 */
export function pythonCompactJson(value: unknown, floatPaths: Iterable<string> = []): string {
  const floats = new Set(floatPaths);
  const write = (v: unknown, pointer: string): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (Number.isInteger(v) && !floats.has(pointer) && !Object.is(v, -0)) return String(BigInt(v));
      return pythonFloatRepr(v);
    }
    if (typeof v === 'string') return pythonJsonString(v);
    if (Array.isArray(v)) return `[${v.map((x, i) => write(x, `${pointer}/${i}`)).join(',')}]`;
    if (typeof v === 'object') {
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        parts.push(`${pythonJsonString(k)}:${write(x, `${pointer}/${escapePointerToken(k)}`)}`);
      }
      return `{${parts.join(',')}}`;
    }
    throw new TypeError(`pythonCompactJson: cannot serialize a ${typeof v}`);
  };
  return write(value, '');
}
