// Byte-level JSON matchers compiled from JSON Schemas, for Needle 2's constrained decoding
// (grammar.ts). A matcher is an immutable state: feed(byte) gives the next state or null when the
// byte cannot continue any value the schema allows; `done` says the value may end here. Containers
// offer a byte to their open child first and read it as their own delimiter only when the child
// refuses it and is done (the two byte sets never overlap in JSON, so this is deterministic).
//
// What is enforced: the JSON syntax in the compact form the model is trained on (no whitespace),
// types (string, integer, number, boolean, null, array, object; type lists, anyOf/oneOf), enum and
// const (as the exact lexemes Python's json.dumps writes), object keys (declared ones only, each at
// most once, every required key before "}"), minItems/maxItems, minLength/maxLength (code points;
// an escape counts as one), integer and number bounds (minimum, maximum, exclusive*; a prefix that
// no value in range can complete is refused; a bounded number takes an exponent only in repr's
// one-digit-mantissa form, `5e-05`). Not enforced: pattern, format, multipleOf,
// uniqueItems, $ref (a $ref'd or untyped value is any JSON value).
import type { JsonSchema } from '../../suite/types.ts';
import { NumberMatcher, numberBounds } from './grammar-number.ts';
import { pythonCompactJson, pythonJsonString } from './prompt-json.ts';
import { isObject } from '../../util/objects.ts';

export interface ByteMatcher {
  feed(b: number): ByteMatcher | null;
  readonly done: boolean;
  /**
   * How many more characters of plain string content (printable, no quote, no backslash, whole
   * UTF-8 characters) the innermost open value accepts right now, whatever comes after them: the
   * grammar then allows every such token that fits without walking it. 0 when not inside plain
   * content.
   */
  freeText?(): number;
}

export type MatcherFactory = () => ByteMatcher;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

const encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------
// Exact lexemes (enum, const, true/false/null, quoted keys and names): a byte trie.

export class LexemeTrie {
  readonly children = new Map<number, LexemeTrie>();
  /** Index of the lexeme ending here, or -1. */
  terminal = -1;
  /** Indices of every lexeme at or below this node. */
  readonly below: number[] = [];

  static of(lexemes: readonly string[]): LexemeTrie {
    const root = new LexemeTrie();
    lexemes.forEach((lexeme, index) => {
      let node = root;
      node.below.push(index);
      for (const b of encoder.encode(lexeme)) {
        let next = node.children.get(b);
        if (!next) node.children.set(b, (next = new LexemeTrie()));
        next.below.push(index);
        node = next;
      }
      if (node.terminal < 0) node.terminal = index;
    });
    return root;
  }
}

/** One of a set of lexemes, optionally only those whose index `allow` accepts. */
export class LexemeMatcher implements ByteMatcher {
  constructor(readonly node: LexemeTrie, readonly allow?: (index: number) => boolean) {}
  feed(b: number): LexemeMatcher | null {
    const next = this.node.children.get(b);
    if (!next) return null;
    if (this.allow && !next.below.some(this.allow)) return null;
    return new LexemeMatcher(next, this.allow);
  }
  get done(): boolean {
    return this.node.terminal >= 0 && (!this.allow || this.allow(this.node.terminal));
  }
}

function lexemes(values: readonly unknown[]): MatcherFactory {
  const trie = LexemeTrie.of(values.map((v) => pythonCompactJson(v)));
  return () => new LexemeMatcher(trie);
}

// ---------------------------------------------------------------------------------------------
// Strings.

const SIMPLE_ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

class StringMatcher implements ByteMatcher {
  /** phase 0: before the opening quote, 1: inside, 2: closed. */
  constructor(
    readonly minLength: number,
    readonly maxLength: number,
    readonly phase = 0,
    readonly length = 0,
    /** 1 right after a backslash; 2..5 = hex digits of a \u escape still to come, plus one. */
    readonly escape = 0,
    readonly utf8Left = 0,
  ) {}

  private with(length: number, escape: number, utf8Left: number, phase = 1): StringMatcher {
    return new StringMatcher(this.minLength, this.maxLength, phase, length, escape, utf8Left);
  }

  feed(b: number): StringMatcher | null {
    if (this.phase === 0) return b === QUOTE ? this.with(0, 0, 0) : null;
    if (this.phase === 2) return null;
    if (this.utf8Left > 0) return b >= 0x80 && b <= 0xbf ? this.with(this.length, 0, this.utf8Left - 1) : null;
    if (this.escape === 1) {
      if (b === 0x75) return this.with(this.length, 5, 0);
      return SIMPLE_ESCAPES.has(b) ? this.with(this.length, 0, 0) : null;
    }
    if (this.escape > 1) return isHex(b) ? this.with(this.length, this.escape === 2 ? 0 : this.escape - 1, 0) : null;
    if (b === QUOTE) return this.length >= this.minLength ? this.with(this.length, 0, 0, 2) : null;
    if (this.length >= this.maxLength) return null;
    if (b === BACKSLASH) return this.with(this.length + 1, 1, 0);
    if (b < 0x20) return null;
    if (b < 0x80) return this.with(this.length + 1, 0, 0);
    if (b >= 0xc2 && b <= 0xdf) return this.with(this.length + 1, 0, 1);
    if (b >= 0xe0 && b <= 0xef) return this.with(this.length + 1, 0, 2);
    if (b >= 0xf0 && b <= 0xf4) return this.with(this.length + 1, 0, 3);
    return null;
  }

  get done(): boolean {
    return this.phase === 2;
  }

  freeText(): number {
    return this.phase === 1 && this.escape === 0 && this.utf8Left === 0 ? this.maxLength - this.length : 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Alternatives.

class AnyOfMatcher implements ByteMatcher {
  constructor(readonly alternatives: readonly ByteMatcher[]) {}
  feed(b: number): ByteMatcher | null {
    const next: ByteMatcher[] = [];
    for (const alt of this.alternatives) {
      const n = alt.feed(b);
      if (n) next.push(n);
    }
    if (next.length === 0) return null;
    return next.length === 1 ? next[0] : new AnyOfMatcher(next);
  }
  get done(): boolean {
    return this.alternatives.some((a) => a.done);
  }
}

function anyOf(factories: MatcherFactory[]): MatcherFactory {
  if (factories.length === 1) return factories[0];
  return () => new AnyOfMatcher(factories.map((f) => f()));
}

// ---------------------------------------------------------------------------------------------
// Arrays.

export class ArrayMatcher implements ByteMatcher {
  /** phase 0: before "[", 1: after "[", 2: in an item, 3: after ",", 4: closed. */
  constructor(
    readonly item: MatcherFactory,
    readonly minItems: number,
    readonly maxItems: number,
    readonly phase = 0,
    readonly count = 0,
    readonly child: ByteMatcher | null = null,
  ) {}

  private at(phase: number, count: number, child: ByteMatcher | null): ArrayMatcher {
    return new ArrayMatcher(this.item, this.minItems, this.maxItems, phase, count, child);
  }

  private startItem(b: number): ArrayMatcher | null {
    if (this.count >= this.maxItems) return null;
    const child = this.item().feed(b);
    return child ? this.at(2, this.count + 1, child) : null;
  }

  feed(b: number): ArrayMatcher | null {
    switch (this.phase) {
      case 0:
        return b === LBRACKET ? this.at(1, 0, null) : null;
      case 1:
        if (b === RBRACKET) return this.minItems <= 0 ? this.at(4, 0, null) : null;
        return this.startItem(b);
      case 2: {
        const child = this.child!.feed(b);
        if (child) return this.at(2, this.count, child);
        if (!this.child!.done) return null;
        if (b === COMMA) return this.count < this.maxItems ? this.at(3, this.count, null) : null;
        if (b === RBRACKET) return this.count >= this.minItems ? this.at(4, this.count, null) : null;
        return null;
      }
      case 3:
        return this.startItem(b);
      default:
        return null;
    }
  }

  get done(): boolean {
    return this.phase === 4;
  }

  freeText(): number {
    return this.phase === 2 ? (this.child!.freeText?.() ?? 0) : 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Objects with declared keys.

export interface ObjectSpec {
  keys: string[];
  values: MatcherFactory[];
  required: boolean[];
  trie: LexemeTrie;
}

export function objectSpec(keys: string[], values: MatcherFactory[], required: Set<string>): ObjectSpec {
  return { keys, values, required: keys.map((k) => required.has(k)), trie: LexemeTrie.of(keys.map((k) => pythonJsonString(k))) };
}

export class KeyedObjectMatcher implements ByteMatcher {
  /** phase 0: before "{", 1: after "{", 2: in a key, 3: before ":", 4: in a value, 5: after ",", 6: closed. */
  constructor(
    readonly spec: ObjectSpec,
    readonly phase = 0,
    readonly used: readonly boolean[] = [],
    readonly key: LexemeMatcher | null = null,
    readonly keyIndex = -1,
    readonly child: ByteMatcher | null = null,
  ) {}

  private at(phase: number, used: readonly boolean[], key: LexemeMatcher | null, keyIndex: number, child: ByteMatcher | null): KeyedObjectMatcher {
    return new KeyedObjectMatcher(this.spec, phase, used, key, keyIndex, child);
  }

  private startKey(b: number): KeyedObjectMatcher | null {
    const used = this.used;
    const key = new LexemeMatcher(this.spec.trie, (i) => !used[i]).feed(b);
    return key ? this.at(2, used, key, -1, null) : null;
  }

  private complete(): boolean {
    return this.spec.required.every((r, i) => !r || this.used[i]);
  }

  private anyLeft(): boolean {
    return this.spec.keys.some((_, i) => !this.used[i]);
  }

  feed(b: number): KeyedObjectMatcher | null {
    switch (this.phase) {
      case 0:
        return b === LBRACE ? this.at(1, this.used, null, -1, null) : null;
      case 1:
        if (b === RBRACE) return this.complete() ? this.at(6, this.used, null, -1, null) : null;
        return this.startKey(b);
      case 2: {
        const key = this.key!.feed(b);
        if (key) return this.at(2, this.used, key, -1, null);
        if (b !== COLON || !this.key!.done) return null;
        const index = this.key!.node.terminal;
        const used = this.used.slice();
        used[index] = true;
        return this.at(4, used, null, index, this.spec.values[index]());
      }
      case 4: {
        const child = this.child!.feed(b);
        if (child) return this.at(4, this.used, null, this.keyIndex, child);
        if (!this.child!.done) return null;
        if (b === COMMA) return this.anyLeft() ? this.at(5, this.used, null, -1, null) : null;
        if (b === RBRACE) return this.complete() ? this.at(6, this.used, null, -1, null) : null;
        return null;
      }
      case 5:
        return this.startKey(b);
      default:
        return null;
    }
  }

  get done(): boolean {
    return this.phase === 6;
  }

  freeText(): number {
    return this.phase === 4 ? (this.child!.freeText?.() ?? 0) : 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Any JSON value (untyped schemas, objects without declared properties).

class FreeObjectMatcher implements ByteMatcher {
  /** phase 0: before "{", 1: after "{", 2: in a key, 3: in a value, 4: after ",", 5: closed. */
  constructor(readonly phase = 0, readonly child: ByteMatcher | null = null) {}
  feed(b: number): FreeObjectMatcher | null {
    switch (this.phase) {
      case 0:
        return b === LBRACE ? new FreeObjectMatcher(1) : null;
      case 1:
        if (b === RBRACE) return new FreeObjectMatcher(5);
        return b === QUOTE ? new FreeObjectMatcher(2, new StringMatcher(0, Infinity).feed(b)) : null;
      case 4:
        return b === QUOTE ? new FreeObjectMatcher(2, new StringMatcher(0, Infinity).feed(b)) : null;
      case 2: {
        const key = this.child!.feed(b);
        if (key) return new FreeObjectMatcher(2, key);
        return this.child!.done && b === COLON ? new FreeObjectMatcher(3, anyValue()) : null;
      }
      case 3: {
        const child = this.child!.feed(b);
        if (child) return new FreeObjectMatcher(3, child);
        if (!this.child!.done) return null;
        if (b === COMMA) return new FreeObjectMatcher(4);
        return b === RBRACE ? new FreeObjectMatcher(5) : null;
      }
      default:
        return null;
    }
  }
  get done(): boolean {
    return this.phase === 5;
  }

  freeText(): number {
    return this.phase === 2 || this.phase === 3 ? (this.child!.freeText?.() ?? 0) : 0;
  }
}

const literalValues = lexemes([true, false, null]);

export function anyValue(): ByteMatcher {
  return new AnyOfMatcher([
    new StringMatcher(0, Infinity),
    new NumberMatcher(false, undefined),
    literalValues(),
    new FreeObjectMatcher(),
    new ArrayMatcher(anyValue, 0, Infinity),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Schema → matcher factory.


/** BFCL's Python type names, as some imported schemas carry them. */
const TYPE_ALIASES: Record<string, string> = { float: 'number', int: 'integer', dict: 'object', list: 'array', tuple: 'array', bool: 'boolean', str: 'string' };

export function compileSchema(schema: unknown): MatcherFactory {
  if (!isObject(schema)) return anyValue;
  if ('const' in schema) return lexemes([schema.const]);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return lexemes(schema.enum);
  for (const key of ['anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list) && list.length > 0) return anyOf(list.map((s) => compileSchema(isObject(s) ? { ...schema, [key]: undefined, ...s } : s)));
  }
  const t = schema.type;
  const types = (Array.isArray(t) ? t : t === undefined ? [] : [t]).map((x) => (typeof x === 'string' ? (TYPE_ALIASES[x] ?? x) : x));
  if (types.length === 0) {
    if (isObject(schema.properties)) return compileTyped(schema, 'object');
    if (schema.items !== undefined) return compileTyped(schema, 'array');
    return anyValue;
  }
  return anyOf(types.map((x) => compileTyped(schema, String(x))));
}

function compileTyped(schema: JsonSchema, type: string): MatcherFactory {
  const count = (k: string, fallback: number): number => (typeof schema[k] === 'number' && (schema[k] as number) >= 0 ? Math.floor(schema[k] as number) : fallback);
  switch (type) {
    case 'string': {
      const min = count('minLength', 0);
      const max = count('maxLength', Infinity);
      return () => new StringMatcher(min, max);
    }
    case 'integer':
    case 'number': {
      const integer = type === 'integer';
      const bounds = numberBounds(schema, integer);
      return () => new NumberMatcher(integer, bounds);
    }
    case 'boolean':
      return lexemes([true, false]);
    case 'null':
      return lexemes([null]);
    case 'array': {
      const item = compileSchema(schema.items);
      const min = count('minItems', 0);
      const max = count('maxItems', Infinity);
      return () => new ArrayMatcher(item, min, max);
    }
    case 'object': {
      const props = isObject(schema.properties) ? schema.properties : {};
      const keys = Object.keys(props);
      if (keys.length === 0) return () => new FreeObjectMatcher();
      const required = new Set(Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string' && k in props) : []);
      // Compiled lazily: a property's schema is compiled the first time its value starts.
      const values = keys.map((k) => {
        let f: MatcherFactory | undefined;
        return () => (f ??= compileSchema(props[k]))();
      });
      const spec = objectSpec(keys, values, required);
      return () => new KeyedObjectMatcher(spec);
    }
    default:
      return anyValue;
  }
}
