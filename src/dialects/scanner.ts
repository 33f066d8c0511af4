// A small cursor over model output for the hand-written call syntaxes (Python-style lists of calls,
// FunctionGemma's call:name{...}). It builds values and records, as JSON pointers, the numbers
// written as floats with an integral value (5.0), which BFCL's checker must see.
import { escapePointerToken } from '../util/json-lexeme.ts';

/** Thrown inside a dialect parser only; the dialect turns it into `{ok:false, error}`. */
export class SyntaxFault {
  constructor(readonly message: string, readonly position: number) {}
}

export const MAX_DEPTH = 256;

export class Scanner {
  i = 0;
  readonly floatPaths: string[] = [];
  private readonly path: string[] = [];

  constructor(readonly text: string, readonly end = text.length) {}

  fail(message: string, at = this.i): never {
    throw new SyntaxFault(message, at);
  }
  done(): boolean {
    return this.i >= this.end;
  }
  peek(offset = 0): string {
    return this.i + offset < this.end ? this.text[this.i + offset] : '';
  }
  startsWith(s: string): boolean {
    return this.text.startsWith(s, this.i) && this.i + s.length <= this.end;
  }
  skipWs(): void {
    while (this.i < this.end && /\s/.test(this.text[this.i])) this.i++;
  }
  expect(s: string): void {
    if (!this.startsWith(s)) this.fail(`expected ${JSON.stringify(s)}, found ${this.describe()}`);
    this.i += s.length;
  }
  describe(): string {
    return this.done() ? 'end of output' : JSON.stringify(this.text.slice(this.i, this.i + 12));
  }

  /** Run `fn` with one more path segment, for float pointers and depth limits. */
  within<T>(segment: string | number, fn: () => T): T {
    if (this.path.length >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.path.push(escapePointerToken(String(segment)));
    try {
      return fn();
    } finally {
      this.path.pop();
    }
  }

  /** A number at the cursor: [-+]digits[.digits][e[-+]digits]; an integral float is recorded. */
  number(): number | undefined {
    const m = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(this.text.slice(this.i, Math.min(this.end, this.i + 400)));
    if (!m) return undefined;
    const lexeme = m[0];
    const value = Number(lexeme);
    if (!Number.isFinite(value)) this.fail(`number ${lexeme} is out of range`);
    this.i += lexeme.length;
    if (/[.eE]/.test(lexeme) && Number.isInteger(value)) this.floatPaths.push('/' + this.path.join('/'));
    return value;
  }

  /** Float pointers recorded under `prefix` (e.g. "/0"), made relative to it. */
  floatsUnder(prefix: string): string[] {
    return this.floatPaths.filter((p) => p.startsWith(prefix + '/')).map((p) => p.slice(prefix.length));
  }
}

/** "file-ish" position for error messages. */
export function at(text: string, position: number): string {
  return `at position ${position} (${JSON.stringify(text.slice(Math.max(0, position - 10), position + 10))})`;
}

/**
 * Where a call block that starts at `from` ends: at the first of `closers` (its own close marker
 * first, then end-of-turn tokens a model may emit instead of it), or -1 (cut at the token cap).
 * Returns the index and the length of the marker found.
 */
export function blockEnd(text: string, from: number, closers: readonly string[]): { at: number; length: number } {
  let best = { at: -1, length: 0 };
  for (const c of closers) {
    const i = text.indexOf(c, from);
    if (i >= 0 && (best.at < 0 || i < best.at)) best = { at: i, length: c.length };
  }
  return best;
}
