// Numbers for Needle 2's byte-level grammar (grammar-json.ts): JSON number syntax, integers
// without fraction or exponent, and bounds (minimum, maximum, exclusive*) checked as the digits
// come: a prefix that no in-range value can complete is refused.
import type { JsonSchema } from '../../suite/types.ts';
import type { ByteMatcher } from './grammar-json.ts';

const MINUS = 0x2d;
const DOT = 0x2e;

export interface NumberBounds {
  /** Inclusive bounds on the value (exclusive ones are turned inclusive for integers). */
  lo: number;
  hi: number;
  /** Exclusive bounds for non-integers, checked when the value ends. */
  loExclusive: boolean;
  hiExclusive: boolean;
}

/**
 * Whether some integer whose decimal text starts with `prefix` ("", "-", "12", "-3") lies in
 * [lo, hi]; with `fraction`, whether some value with such an integer part (a fraction may follow)
 * does. Digits after a leading "0" are impossible in JSON, so "0" completes only to 0.
 */
export function integerPrefixViable(prefix: string, lo: number, hi: number, fraction: boolean, maxDigits = 18): boolean {
  if (lo > hi) return false;
  const negative = prefix.startsWith('-');
  const digits = negative ? prefix.slice(1) : prefix;
  const slack = fraction ? 1 : 0;
  // Integer parts N reachable, as a list of [from, to] ranges of N >= 0.
  const ranges: [number, number][] = [];
  if (digits === '') ranges.push([negative ? 0 : 0, Number.MAX_SAFE_INTEGER]);
  else if (digits === '0') ranges.push([0, 0]);
  else {
    const p = Number(digits);
    for (let k = 0, scale = 1; digits.length + k <= maxDigits; k++, scale *= 10) ranges.push([p * scale, p * scale + scale - 1]);
  }
  for (const [from, to] of ranges) {
    // Values covered: positive [from, to + slack), negative (-(to + slack), -from].
    const [a, b] = negative ? [-(to + slack), -from] : [from, to + slack];
    if (a <= hi && b >= lo) return true;
  }
  return false;
}

/**
 * Whether `m e <exponent prefix>` ("5e", "5e-", "1.5e+1") can still end in [lo, hi]: the
 * exponents that complete the prefix (at most 3 digits) form ranges, and m * 10^k is monotone in k.
 */
export function exponentViable(text: string, lo: number, hi: number): boolean {
  const at = text.search(/[eE]/);
  const m = Number(text.slice(0, at));
  let rest = text.slice(at + 1);
  const signs = rest.startsWith('-') ? [-1] : rest.startsWith('+') ? [1] : rest === '' ? [1, -1] : [1];
  if (rest.startsWith('-') || rest.startsWith('+')) rest = rest.slice(1);
  const ranges: [number, number][] = [];
  if (rest === '') ranges.push([0, 999]);
  else for (let k = 0, scale = 1; rest.length + k <= 3; k++, scale *= 10) ranges.push([Number(rest) * scale, Number(rest) * scale + scale - 1]);
  for (const sign of signs) {
    for (const [from, to] of ranges) {
      const x = m * 10 ** (sign * from);
      const y = m * 10 ** (sign * to);
      if (Math.min(x, y) <= hi && Math.max(x, y) >= lo) return true;
    }
  }
  return false;
}

type NumState = 'start' | 'minus' | 'zero' | 'int' | 'dot' | 'frac' | 'e' | 'esign' | 'exp';
/** A mantissa Python's repr writes before an exponent: one non-zero digit, then a fraction. */
const REPR_MANTISSA = /^-?[1-9](\.\d+)?$/;
/** A prefix that can still become one. */
const REPR_MANTISSA_PREFIX = /^-?[1-9](\.\d*)?$/;
const MAX_NUMBER_CHARS = 24;

export class NumberMatcher implements ByteMatcher {
  constructor(readonly integer: boolean, readonly bounds: NumberBounds | undefined, readonly text = '', readonly state: NumState = 'start') {}

  feed(b: number): NumberMatcher | null {
    if (this.text.length >= MAX_NUMBER_CHARS) return null;
    const digit = b >= 0x30 && b <= 0x39;
    let next: NumState | undefined;
    switch (this.state) {
      case 'start':
        next = b === MINUS ? 'minus' : b === 0x30 ? 'zero' : digit ? 'int' : undefined;
        break;
      case 'minus':
        next = b === 0x30 ? 'zero' : digit ? 'int' : undefined;
        break;
      case 'zero':
      case 'int':
        if (digit && this.state === 'int') next = 'int';
        else if (b === DOT && !this.integer) next = 'dot';
        else if ((b === 0x65 || b === 0x45) && this.exponentAllowed()) next = 'e';
        break;
      case 'dot':
      case 'frac':
        if (digit) next = 'frac';
        else if ((b === 0x65 || b === 0x45) && this.state === 'frac' && this.exponentAllowed()) next = 'e';
        break;
      case 'e':
        next = b === 0x2b || b === MINUS ? 'esign' : digit ? 'exp' : undefined;
        break;
      case 'esign':
      case 'exp':
        next = digit ? 'exp' : undefined;
        break;
    }
    if (!next) return null;
    const text = this.text + String.fromCharCode(b);
    if (this.bounds && !this.viable(text, next)) return null;
    return new NumberMatcher(this.integer, this.bounds, text, next);
  }

  /**
   * Exponents: any, without bounds; with bounds only after a one-digit mantissa (`5e-05`,
   * `1.5e+16`), the form Python's repr writes and the model is trained on, so that a bounded value
   * can be checked as its digits come; never for integers.
   */
  private exponentAllowed(): boolean {
    if (this.integer) return false;
    return !this.bounds || REPR_MANTISSA.test(this.text);
  }

  /** Whether some in-range value starts with this text. */
  private viable(text: string, state: NumState): boolean {
    const { lo, hi } = this.bounds!;
    if (state === 'e' || state === 'esign' || state === 'exp') return exponentViable(text, lo, hi);
    const negative = text.startsWith('-');
    // A one-digit mantissa may still take an exponent (5e-05): any magnitude of its sign that
    // repr writes with one (below 1e-4 or from 1e16) is then reachable.
    if (!this.integer && REPR_MANTISSA_PREFIX.test(text)) {
      const reach = negative ? lo < 0 && (hi > -1e-4 || lo <= -1e16) : hi > 0 && (lo < 1e-4 || hi >= 1e16);
      if (reach) return true;
    }
    if (state === 'minus' || state === 'zero' || state === 'int') return integerPrefixViable(text, lo, hi, !this.integer);
    // After the point the integer part is fixed; the fraction moves the value by less than the
    // unit of its last digit (of the integer part right after the point).
    const mantissa = state === 'dot' ? text.slice(0, -1) : text;
    const unit = state === 'dot' ? 1 : 10 ** -(text.length - text.indexOf('.') - 1);
    const v = Number(mantissa);
    const [a, b] = negative ? [v - unit, v] : [v, v + unit];
    return a <= hi && b >= lo;
  }

  get done(): boolean {
    if (this.state !== 'zero' && this.state !== 'int' && this.state !== 'frac' && this.state !== 'exp') return false;
    if (!this.bounds) return true;
    const v = Number(this.text);
    const { lo, hi, loExclusive, hiExclusive } = this.bounds;
    return (loExclusive ? v > lo : v >= lo) && (hiExclusive ? v < hi : v <= hi);
  }
}

export function numberBounds(schema: JsonSchema, integer: boolean): NumberBounds | undefined {
  const num = (k: string): number | undefined => (typeof schema[k] === 'number' ? (schema[k] as number) : undefined);
  const min = num('minimum');
  const max = num('maximum');
  const xmin = num('exclusiveMinimum');
  const xmax = num('exclusiveMaximum');
  if (min === undefined && max === undefined && xmin === undefined && xmax === undefined) return undefined;
  let lo = -Infinity;
  let hi = Infinity;
  let loExclusive = false;
  let hiExclusive = false;
  if (min !== undefined) lo = min;
  if (xmin !== undefined && xmin >= lo) [lo, loExclusive] = [xmin, true];
  if (max !== undefined) hi = max;
  if (xmax !== undefined && xmax <= hi) [hi, hiExclusive] = [xmax, true];
  if (integer) {
    lo = loExclusive ? Math.floor(lo) + 1 : Math.ceil(lo);
    hi = hiExclusive ? Math.ceil(hi) - 1 : Math.floor(hi);
    loExclusive = hiExclusive = false;
  }
  return { lo, hi, loExclusive, hiExclusive };
}
