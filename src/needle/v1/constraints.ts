// Constrained decoding as Needle does it: while the decoder writes a tool name (after `"name":"`) or
// an argument key at the arguments level, only tokens whose text continues a declared name are
// allowed; values stay free. Matching is on characters, with SentencePiece's "▁" read as a space, so
// a token may span the end of a name and the closing quote. Token texts come from
// SentencePieceTokenizer.tokenStrings() (Needle's build_token_strings view of the vocabulary).

/** Character trie node over declared names. */
class TrieNode {
  readonly children = new Map<string, TrieNode>();
  terminal = false;
}

export class NameTrie {
  readonly root = new TrieNode();
  constructor(words: Iterable<string> = []) {
    for (const w of words) this.insert(w);
  }
  insert(word: string): void {
    let node = this.root;
    for (const ch of word) {
      let next = node.children.get(ch);
      if (!next) node.children.set(ch, (next = new TrieNode()));
      node = next;
    }
    node.terminal = true;
  }
  find(prefix: string): TrieNode | undefined {
    let node: TrieNode | undefined = this.root;
    for (const ch of prefix) {
      node = node.children.get(ch);
      if (!node) return undefined;
    }
    return node;
  }
}

/** A token's text may continue `node` if each char follows the trie, or a `"` closes a complete name. */
function continues(text: string, node: TrieNode): boolean {
  let cur = node;
  for (const ch of text) {
    if (ch === '"') return cur.terminal;
    const next = cur.children.get(ch);
    if (!next) return false;
    cur = next;
  }
  return true;
}

type Mode = 'free' | 'name' | 'key';

/** Tracks where the decoder is in `[{"name":"…","arguments":{"key":value,…}},…]`. */
export class CallJsonTracker {
  mode: Mode = 'free';
  /** Characters written so far inside the constrained span. */
  span = '';
  currentFunction = '';
  private text = '';
  private depth = 0;
  private argsDepth = -1;
  private inString = false;
  private escaped = false;

  feed(s: string): void {
    for (const ch of s) this.feedChar(ch);
  }

  private feedChar(ch: string): void {
    if (this.mode !== 'free') {
      if (ch === '"') {
        if (this.mode === 'name') this.currentFunction = this.span;
        this.mode = 'free';
        this.span = '';
      } else {
        this.span += ch;
      }
      this.text += ch;
      return;
    }
    this.text += ch;
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (ch === '\\') this.escaped = true;
      else if (ch === '"') this.inString = false;
      return;
    }
    if (ch === '{' || ch === '[') this.depth++;
    else if (ch === '}' || ch === ']') {
      this.depth = Math.max(0, this.depth - 1);
      if (ch === '}' && this.argsDepth >= 0 && this.depth < this.argsDepth) this.argsDepth = -1;
      return;
    }
    const inArgs = this.argsDepth >= 0;
    if (!inArgs && this.text.endsWith('"name":"')) {
      this.mode = 'name';
      this.span = '';
      return;
    }
    if (this.text.endsWith('"arguments":{')) {
      this.argsDepth = this.depth;
      return;
    }
    if (inArgs && this.depth === this.argsDepth && (this.text.endsWith('{"') || this.text.endsWith(',"'))) {
      this.mode = 'key';
      this.span = '';
      return;
    }
    if (ch === '"' && this.opensValue()) this.inString = true;
  }

  /**
   * A quote opens a string when the last non-space character before it is ':' or when it stands
   * inside an argument value (nested object keys and array elements are strings too). Needle's own
   * tracker only knows the ':' case; the extra case keeps a '}' inside an array string from
   * closing the arguments early, and changes nothing for well-formed names and keys.
   */
  private opensValue(): boolean {
    if (this.argsDepth >= 0 && this.depth > this.argsDepth) return true;
    for (let j = this.text.length - 2; j >= 0; j--) {
      const c = this.text[j];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
      return c === ':';
    }
    return false;
  }
}

export interface ConstraintStats {
  /** Steps where the mask was applied. */
  constrainedSteps: number;
  /** Steps where no token was valid and decoding fell back to unconstrained. */
  fallbacks: number;
}

/** Per-case constrained decoder: call `mask(logits)` before argmax, `accept(id)` after. */
export class ToolCallConstraint {
  private readonly tracker = new CallJsonTracker();
  private readonly names: NameTrie;
  private readonly params = new Map<string, NameTrie>();
  readonly stats: ConstraintStats = { constrainedSteps: 0, fallbacks: 0 };

  constructor(
    tools: { name: string; params: string[] }[],
    private readonly texts: string[],
    private readonly byFirstChar: Map<string, number[]>,
  ) {
    this.names = new NameTrie(tools.map((t) => t.name));
    for (const t of tools) this.params.set(t.name, new NameTrie(t.params));
  }

  /** Index token ids by their first character once per tokenizer. */
  static indexTexts(texts: string[]): Map<string, number[]> {
    const index = new Map<string, number[]>();
    texts.forEach((t, id) => {
      if (!t) return;
      const first = String.fromCodePoint(t.codePointAt(0)!);
      let list = index.get(first);
      if (!list) index.set(first, (list = []));
      list.push(id);
    });
    return index;
  }

  /** Sets disallowed logits to -Infinity in place. Returns false when nothing was constrained. */
  mask(logits: Float32Array): boolean {
    const t = this.tracker;
    if (t.mode === 'free') return false;
    const trie = t.mode === 'name' ? this.names : this.params.get(t.currentFunction);
    if (!trie) return false; // unknown function: its keys cannot be constrained
    const node = trie.find(t.span);
    if (!node) return false; // already off the trie (can only happen after a fallback)
    const allowed: number[] = [];
    const firsts = [...node.children.keys()];
    if (node.terminal) firsts.push('"');
    for (const ch of firsts) {
      for (const id of this.byFirstChar.get(ch) ?? []) {
        if (id < logits.length && continues(this.texts[id], node)) allowed.push(id);
      }
    }
    if (allowed.length === 0) {
      this.stats.fallbacks++;
      return false;
    }
    const keep = new Float32Array(allowed.length);
    allowed.forEach((id, i) => (keep[i] = logits[id]));
    logits.fill(-Infinity);
    allowed.forEach((id, i) => (logits[id] = keep[i]));
    this.stats.constrainedSteps++;
    return true;
  }

  accept(id: number): void {
    this.tracker.feed(this.texts[id] ?? '');
  }
}
