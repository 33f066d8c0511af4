// Python value semantics for the BFCL checker. BFCL compares with Python's `type()`, `==` and `in`,
// where 5 and 5.0 are equal but of different types, True == 1, and `"" in "abc"` is true. JSON
// values in JS lose the int/float distinction, so an integral float is boxed as PyFloat.
import { escapePointerToken, pointerTokens } from '../util/json-lexeme.ts';

/** A Python float whose value is integral (5.0); non-integral JS numbers are floats already. */
export class PyFloat {
  constructor(readonly value: number) {}
  toString(): string {
    return pyFloatRepr(this.value);
  }
}

export type PyType = 'int' | 'float' | 'bool' | 'str' | 'list' | 'dict' | 'NoneType' | 'set';

export function pyType(v: unknown): PyType {
  if (v === null || v === undefined) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'string':
      return 'str';
    default:
      if (v instanceof PyFloat) return 'float';
      if (Array.isArray(v)) return 'list';
      return 'dict';
  }
}

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Python `a == b` for JSON-shaped values (bool, int and float compare numerically). */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const na = numeric(a);
  if (na !== undefined) {
    const nb = numeric(b);
    return nb !== undefined && na === nb;
  }
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || b instanceof PyFloat || typeof b !== 'object') return false;
  const ka = Object.keys(a as object);
  if (ka.length !== Object.keys(b as object).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b as object, k)) return false;
    if (!pyEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * Python `item in container`: membership for a list, a key for a dict, a substring for a str
 * (so `"" in "abc"` is true, which BFCL's checks rely on without meaning to).
 */
export function pyIn(item: unknown, container: unknown): boolean {
  if (Array.isArray(container)) {
    for (const e of container) if (pyEq(item, e)) return true;
    return false;
  }
  if (typeof container === 'string') return typeof item === 'string' && container.includes(item);
  if (container !== null && typeof container === 'object' && !(container instanceof PyFloat)) {
    return typeof item === 'string' && Object.hasOwn(container, item);
  }
  return false; // Python would raise TypeError; BFCL data never gets here.
}

/** Python `len(x)` for sized values, undefined where Python would raise TypeError. */
export function pyLen(v: unknown): number | undefined {
  if (typeof v === 'string') return Array.from(v).length;
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object' && !(v instanceof PyFloat)) return Object.keys(v).length;
  return undefined;
}

/** Python `x[i]` by integer index for a list or str (code points), undefined otherwise. */
export function pyIndex(v: unknown, i: number): unknown {
  if (typeof v === 'string') return Array.from(v)[i];
  if (Array.isArray(v)) return v[i];
  return undefined;
}

/**
 * Copies `value`, boxing the integral numbers at `floatPaths` (JSON pointers relative to value) as
 * PyFloat. Without float paths the value is returned as is: plain integral numbers are ints.
 */
export function toPy(value: unknown, floatPaths: readonly string[] | undefined): unknown {
  if (!floatPaths || floatPaths.length === 0) return value;
  let root: unknown = structuredClone(value);
  for (const pointer of floatPaths) {
    const tokens = pointerTokens(pointer);
    if (tokens.length === 0) {
      if (typeof root === 'number') root = new PyFloat(root);
      continue;
    }
    let parent: unknown = root;
    for (let i = 0; i < tokens.length - 1 && parent !== null && typeof parent === 'object'; i++) {
      parent = (parent as Record<string, unknown>)[tokens[i]];
    }
    const last = tokens[tokens.length - 1];
    if (parent !== null && typeof parent === 'object') {
      const holder = parent as Record<string, unknown>;
      if (typeof holder[last] === 'number') holder[last] = new PyFloat(holder[last] as number);
    }
  }
  return root;
}

/** Python's repr of a float: shortest round-trip digits, exponent when < 1e-4 or >= 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || '0'}`;
}

/** Python `repr` of a JSON-shaped value, for human-readable reasons in BFCL's own style. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'string') return v.includes("'") && !v.includes('"') ? JSON.stringify(v) : `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
}

// Python's int() and float() string parsers (used by BFCL's Java/JS converters and Needle's value
// normalization): surrounding whitespace, a sign, '_' between digits, and for float inf/nan.
const PY_INT = /^\s*[+-]?\d(?:_?\d)*\s*$/;
const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_FLOAT = new RegExp(
  String.raw`^\s*[+-]?(?:(?:(?:${DIGITS})?\.${DIGITS}|${DIGITS}\.?)(?:[eE][+-]?${DIGITS})?|inf(?:inity)?|nan)\s*$`,
  'i',
);

/** Python `int(s)`, or undefined where it raises ValueError. */
export function pyParseInt(s: string): number | undefined {
  return PY_INT.test(s) ? Number(s.trim().replace(/_/g, '')) : undefined;
}

/** Python `float(s)` as a PyFloat-aware value (integral results boxed), or undefined on ValueError. */
export function pyParseFloat(s: string): number | PyFloat | undefined {
  if (!PY_FLOAT.test(s)) return undefined;
  const t = s.trim().replace(/_/g, '').toLowerCase();
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  let x: number;
  if (body.startsWith('inf')) x = sign * Infinity;
  else if (body === 'nan') x = NaN;
  else x = Number(t);
  return Number.isInteger(x) ? new PyFloat(x) : x;
}

/** The inverse of toPy: a plain JSON value plus the pointers of its PyFloat boxes. */
export function fromPy(value: unknown): { value: unknown; floatPaths: string[] } {
  const floatPaths: string[] = [];
  const walk = (v: unknown, pointer: string): unknown => {
    if (v instanceof PyFloat) {
      floatPaths.push(pointer);
      return v.value;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${pointer}/${i}`));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, `${pointer}/${escapePointerToken(k)}`);
      return out;
    }
    return v;
  };
  return { value: walk(value, ''), floatPaths };
}
