// Grammar-constrained decoding for Needle 2, byte-level, compiled from the declared tools. The
// package's grammar lives in its closed engine (the public source has none: its README and
// doc/apis.md describe it, "a byte-level grammar compiled from your schemas constrains every
// token", reasoning "generated unconstrained; only the call itself is grammar-constrained"), so this
// is written from that contract and from the target the model is trained on
// (finetune.render_example):
//
//   [spaces/newlines] <think> {any text} </think> [spaces/newlines]
//   <tool_call> [ {"name":<declared name>,"arguments":{…per that tool's schema…}} , … ] </tool_call>
//   <|im_end|> </s>
//
// `<think>…</think>` may be left out (the call may start at once). Inside the call list every byte
// is checked by grammar-json.ts (compact JSON, declared names and keys, required keys, types,
// enums, bounds); `[]` (the refusal) is always allowed. Chat markers are single tokens: their text
// spelled out in ordinary pieces is refused where the marker is expected, and a marker is allowed
// only where the grammar expects it. A token is allowed when all its bytes are accepted from the
// current state (bytes of a multi-byte character may span tokens); the mask is found by walking a
// byte trie of the vocabulary, pruning at the first refused byte.
import type { ToolDef } from '../../suite/types.ts';
import { ArrayMatcher, compileSchema, LexemeMatcher, LexemeTrie, type ByteMatcher, type MatcherFactory } from './grammar-json.ts';
import { IM_END, THINK_END, THINK_START, TOOL_CALL_END, TOOL_CALL_START } from './markers.ts';
import { pythonJsonString } from './prompt-json.ts';
import type { TokenUnit } from './tokenizer.ts';

const encoder = new TextEncoder();
const NAME_PREFIX = encoder.encode('{"name":');
const ARGUMENTS_PREFIX = encoder.encode(',"arguments":');
const RBRACE = 0x7d;
const EMPTY_OBJECT = LexemeTrie.of(['{}']);

/** One call object: {"name":<declared>,"arguments":<that tool's parameters>}. */
class CallMatcher implements ByteMatcher {
  /** phase 0: `{"name":`, 1: the name, 2: `,"arguments":`, 3: arguments, 4: before "}", 5: closed. */
  constructor(
    readonly tools: CompiledTools,
    readonly phase = 0,
    readonly offset = 0,
    readonly name: LexemeMatcher | null = null,
    readonly tool = -1,
    readonly child: ByteMatcher | null = null,
  ) {}

  private at(phase: number, offset: number, name: LexemeMatcher | null, tool: number, child: ByteMatcher | null): CallMatcher {
    return new CallMatcher(this.tools, phase, offset, name, tool, child);
  }

  feed(b: number): CallMatcher | null {
    switch (this.phase) {
      case 0:
        if (NAME_PREFIX[this.offset] !== b) return null;
        return this.offset + 1 === NAME_PREFIX.length ? this.at(1, 0, new LexemeMatcher(this.tools.names), -1, null) : this.at(0, this.offset + 1, null, -1, null);
      case 1: {
        const name = this.name!.feed(b);
        if (name) return this.at(1, 0, name, -1, null);
        if (!this.name!.done || b !== ARGUMENTS_PREFIX[0]) return null;
        return this.at(2, 1, null, this.name!.node.terminal, null);
      }
      case 2:
        if (ARGUMENTS_PREFIX[this.offset] !== b) return null;
        return this.offset + 1 === ARGUMENTS_PREFIX.length ? this.at(3, 0, null, this.tool, this.tools.parameters[this.tool]()) : this.at(2, this.offset + 1, null, this.tool, null);
      case 3: {
        const child = this.child!.feed(b);
        if (child) return this.at(3, 0, null, this.tool, child);
        return this.child!.done && b === RBRACE ? this.at(5, 0, null, this.tool, null) : null;
      }
      default:
        return null;
    }
  }

  get done(): boolean {
    return this.phase === 5;
  }

  freeText(): number {
    return this.phase === 3 ? (this.child!.freeText?.() ?? 0) : 0;
  }
}

interface CompiledTools {
  names: LexemeTrie;
  parameters: MatcherFactory[];
}

function compileTools(tools: readonly ToolDef[]): CompiledTools {
  // A repeated name keeps its first declaration (the trie maps a name to its first index).
  return {
    names: LexemeTrie.of(tools.map((t) => pythonJsonString(t.name))),
    parameters: tools.map((t) => {
      const params = t.parameters && typeof t.parameters === 'object' ? t.parameters : {};
      const props = (params as { properties?: unknown }).properties;
      // The arguments are an object of the declared keys only (the engine constrains argument
      // keys), so a tool that declares none takes exactly {}.
      if (!props || typeof props !== 'object' || Object.keys(props).length === 0) return () => new LexemeMatcher(EMPTY_OBJECT);
      return compileSchema({ ...params, type: 'object', properties: props });
    }),
  };
}

type Phase = 'start' | 'reasoning' | 'after-think' | 'calls' | 'after-close' | 'done';

/** Immutable decoding state. */
export interface GrammarState {
  readonly phase: Phase;
  /** The call list being written (phase 'calls'). */
  readonly calls?: ByteMatcher;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;

interface TrieNode {
  children: Map<number, TrieNode>;
  ids: number[];
}

export interface GrammarStats {
  /** Steps at which no token was allowed (the caller then decodes unconstrained). */
  deadEnds: number;
}

interface VocabIndex {
  /** Every text token. */
  root: TrieNode;
  /** Text tokens that are not plain string content (see ByteMatcher.freeText). */
  rest: TrieNode;
  /** Plain string content tokens by how many characters they hold. */
  plainByChars: Map<number, number[]>;
  /** Every text token, ascending. */
  text: number[];
  markerIds: Map<string, number[]>;
}

/** Characters of a token that is plain string content, or -1 if it is not (what StringMatcher takes in one go). */
function plainChars(bytes: Uint8Array): number {
  let chars = 0;
  for (let i = 0; i < bytes.length; chars++) {
    const b = bytes[i];
    const extra = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0 || (extra === 0 && (b < 0x20 || b === 0x22 || b === 0x5c))) return -1;
    if (i + extra >= bytes.length && extra > 0) return -1; // a character cut off at the token's end
    for (let k = 1; k <= extra; k++) if (!(bytes[i + k] >= 0x80 && bytes[i + k] <= 0xbf)) return -1;
    i += extra + 1;
  }
  return chars;
}

function insert(root: TrieNode, bytes: Uint8Array, id: number): void {
  let node = root;
  for (const b of bytes) {
    let next = node.children.get(b);
    if (!next) node.children.set(b, (next = { children: new Map(), ids: [] }));
    node = next;
  }
  node.ids.push(id);
}

/** The vocabulary's byte trie, built once per vocabulary (a grammar is built per case). */
const vocabIndexes = new WeakMap<readonly TokenUnit[], VocabIndex>();

function vocabIndex(units: readonly TokenUnit[]): VocabIndex {
  let index = vocabIndexes.get(units);
  if (index) return index;
  const root: TrieNode = { children: new Map(), ids: [] };
  const rest: TrieNode = { children: new Map(), ids: [] };
  const plainByChars = new Map<number, number[]>();
  const text: number[] = [];
  const markerIds = new Map<string, number[]>();
  units.forEach((u, id) => {
    if (u.kind === 'marker') markerIds.set(u.marker, [...(markerIds.get(u.marker) ?? []), id]);
    if (u.kind !== 'bytes' || u.bytes.length === 0) return;
    text.push(id);
    insert(root, u.bytes, id);
    const chars = plainChars(u.bytes);
    if (chars > 0) {
      const group = plainByChars.get(chars);
      if (group) group.push(id);
      else plainByChars.set(chars, [id]);
    } else insert(rest, u.bytes, id);
  });
  index = { root, rest, plainByChars, text, markerIds };
  vocabIndexes.set(units, index);
  return index;
}

export class Needle2Grammar {
  private readonly tools: CompiledTools;
  private readonly vocab: VocabIndex;

  /** `units` from tokenUnits(tokenizer); pass the same array for every case to share its index. */
  constructor(tools: readonly ToolDef[], private readonly units: readonly TokenUnit[], readonly eosId: number) {
    this.tools = compileTools(tools);
    this.vocab = vocabIndex(units);
  }

  start(): GrammarState {
    return { phase: 'start' };
  }

  feedByte(s: GrammarState, b: number): GrammarState | null {
    switch (s.phase) {
      case 'start':
      case 'after-think':
        return b === SPACE || b === NEWLINE ? s : null;
      case 'reasoning':
        return s;
      case 'calls': {
        const calls = s.calls!.feed(b);
        return calls ? { phase: 'calls', calls } : null;
      }
      default:
        return null;
    }
  }

  feedMarker(s: GrammarState, marker: string): GrammarState | null {
    switch (s.phase) {
      case 'start':
        if (marker === THINK_START) return { phase: 'reasoning' };
        return marker === TOOL_CALL_START ? { phase: 'calls', calls: new ArrayMatcher(() => new CallMatcher(this.tools), 0, Infinity) } : null;
      case 'reasoning':
        return marker === THINK_END ? { phase: 'after-think' } : null;
      case 'after-think':
        return marker === TOOL_CALL_START ? { phase: 'calls', calls: new ArrayMatcher(() => new CallMatcher(this.tools), 0, Infinity) } : null;
      case 'calls':
        return marker === TOOL_CALL_END && s.calls!.done ? { phase: 'after-close' } : null;
      case 'after-close':
        return marker === IM_END ? { phase: 'done' } : null;
      default:
        return null;
    }
  }

  /** The state after token `id`, or null when the grammar refuses it. */
  advance(s: GrammarState, id: number): GrammarState | null {
    if (id === this.eosId) return s.phase === 'done' ? s : null;
    const u = this.units[id];
    if (!u || u.kind === 'none') return null;
    if (u.kind === 'marker') return this.feedMarker(s, u.marker);
    let cur: GrammarState | null = s;
    for (const b of u.bytes) {
      cur = this.feedByte(cur, b);
      if (!cur) return null;
    }
    return cur;
  }

  isComplete(s: GrammarState): boolean {
    return s.phase === 'done';
  }

  /** Every token id the grammar allows next, ascending. */
  allowed(s: GrammarState): number[] {
    const mask = this.allowedMask(s);
    const out: number[] = [];
    for (let id = 0; id < mask.length; id++) if (mask[id]) out.push(id);
    return out;
  }

  /** 1 for every token id the grammar allows next, else 0 (one entry per vocabulary id). */
  allowedMask(s: GrammarState): Uint8Array {
    const mask = new Uint8Array(this.units.length);
    if (s.phase === 'done') {
      if (this.eosId < mask.length) mask[this.eosId] = 1;
      return mask;
    }
    for (const [marker, ids] of this.vocab.markerIds) if (this.feedMarker(s, marker)) for (const id of ids) mask[id] = 1;
    // Free text (the reasoning) takes every text token. Inside plain string content every plain
    // token that fits the length left is allowed at once (one that does not fit never is), and only
    // the other tokens are walked.
    if (s.phase === 'reasoning') {
      for (const id of this.vocab.text) mask[id] = 1;
      return mask;
    }
    let root = this.vocab.root;
    const room = s.phase === 'calls' ? (s.calls!.freeText?.() ?? 0) : 0;
    if (room > 0) {
      for (const [chars, ids] of this.vocab.plainByChars) if (chars <= room) for (const id of ids) mask[id] = 1;
      root = this.vocab.rest;
    }
    const walk = (node: TrieNode, state: GrammarState): void => {
      for (const [b, child] of node.children) {
        const next = this.feedByte(state, b);
        if (!next) continue;
        for (const id of child.ids) mask[id] = 1;
        if (child.children.size) walk(child, next);
      }
    };
    walk(root, s);
    return mask;
  }
}

/** A stateful constraint for a decoding loop: mask the logits, then accept the chosen id. */
export class Needle2Constraint {
  private state: GrammarState;
  readonly stats: GrammarStats = { deadEnds: 0 };
  /** False once a token outside the grammar was accepted (after a dead end): masking stops. */
  active = true;

  constructor(readonly grammar: Needle2Grammar) {
    this.state = grammar.start();
  }

  /** Sets every disallowed logit to -Infinity; leaves them all when nothing is allowed (counted). */
  mask(logits: Float32Array | number[]): void {
    if (!this.active) return;
    const keep = this.grammar.allowedMask(this.state);
    if (!keep.includes(1)) {
      this.stats.deadEnds++;
      return;
    }
    for (let i = 0; i < logits.length; i++) if (!keep[i]) logits[i] = -Infinity;
  }

  accept(id: number): void {
    if (!this.active) return;
    const next = this.grammar.advance(this.state, id);
    if (next) this.state = next;
    else this.active = false;
  }

  get complete(): boolean {
    return this.grammar.isComplete(this.state);
  }
}
