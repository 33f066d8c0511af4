// Longest-match lookup of user-defined symbols (e.g. `<tool_call>`, `<tools>`): SentencePiece
// matches them before normalization and before BPE so they always stay one piece.

export class PrefixMatcher {
  /** Symbols grouped by first UTF-16 unit, longest first. */
  private readonly byFirst = new Map<number, string[]>();

  constructor(symbols: Iterable<string>) {
    for (const s of symbols) {
      if (s.length === 0) continue;
      const key = s.charCodeAt(0);
      const list = this.byFirst.get(key) ?? [];
      if (!list.includes(s)) list.push(s);
      this.byFirst.set(key, list);
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.length - a.length);
  }

  symbols(): string[] {
    return [...this.byFirst.values()].flat();
  }

  get empty(): boolean {
    return this.byFirst.size === 0;
  }

  /** Length (UTF-16 units) of the longest symbol starting at `pos`, or 0. */
  match(text: string, pos: number): number {
    const list = this.byFirst.get(text.charCodeAt(pos));
    if (!list) return 0;
    for (const s of list) if (text.startsWith(s, pos)) return s.length;
    return 0;
  }
}

/** Length in UTF-16 units of the code point at `pos` (1, or 2 for a surrogate pair). */
export function codePointLength(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c >= 0xd800 && c <= 0xdbff && pos + 1 < text.length) {
    const d = text.charCodeAt(pos + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}
