// SentencePiece's normalizer (normalizer.cc): per-prefix rewriting (user-defined symbols pass
// through untouched, then the precompiled charsmap's longest rule, else the code point as is),
// heading/extra/trailing space removal, the dummy prefix, and ' ' → '▁' escaping.
import type { NormalizerSpec } from './model-proto.ts';
import { PrecompiledCharsMap } from './charsmap.ts';
import { PrefixMatcher, codePointLength } from './prefix-matcher.ts';

export const SPACE_SYMBOL = '\u2581';

export class Normalizer {
  private readonly charsMap?: PrecompiledCharsMap;
  private readonly space: string;

  constructor(
    private readonly spec: NormalizerSpec,
    private readonly treatWhitespaceAsSuffix: boolean,
    private readonly userSymbols: PrefixMatcher,
  ) {
    if (spec.precompiledCharsmap.length > 0) this.charsMap = new PrecompiledCharsMap(spec.precompiledCharsmap);
    this.space = spec.escapeWhitespaces ? SPACE_SYMBOL : ' ';
  }

  /** Normalized replacement of the prefix at `pos` and the number of UTF-16 units it consumes. */
  private prefix(text: string, pos: number): [string, number] {
    const sym = this.userSymbols.match(text, pos);
    if (sym > 0) return [text.substr(pos, sym), sym];
    if (this.charsMap) {
      const hit = this.charsMap.longestMatch(text, pos);
      if (hit) return hit;
    }
    const n = codePointLength(text, pos);
    return [text.substr(pos, n), n];
  }

  /** `text` must be well-formed UTF-16 (see toWellFormed). */
  normalize(text: string): string {
    return this.charsMap ? this.normalizeGeneral(text) : this.normalizeIdentity(text);
  }

  /**
   * Identity rule: every code point maps to itself, so only ASCII spaces need work; user-defined
   * symbols pass through unchanged either way (and never start with a space here, see below).
   * Same result as normalizeGeneral, without a call per code point.
   */
  private normalizeIdentity(text: string): string {
    if (!this.userSymbols.empty && this.userSymbolsMayHoldSpace()) return this.normalizeGeneral(text);
    const { spec } = this;
    const removeExtra = spec.removeExtraWhitespaces;
    let pos = 0;
    if (removeExtra) while (pos < text.length && text.charCodeAt(pos) === 0x20) pos++;
    if (pos >= text.length) return '';
    let body = text.slice(pos);
    if (removeExtra) body = body.replace(/ {2,}/g, ' ');
    if (spec.escapeWhitespaces) body = body.replaceAll(' ', SPACE_SYMBOL);
    let out = !this.treatWhitespaceAsSuffix && spec.addDummyPrefix ? this.space + body : body;
    if (removeExtra) {
      let end = out.length;
      while (end > 0 && out[end - 1] === this.space) end--;
      out = out.slice(0, end);
    }
    if (this.treatWhitespaceAsSuffix && spec.addDummyPrefix) out += this.space;
    return out;
  }

  private spaceInSymbols?: boolean;
  /** A user-defined symbol containing ' ' would shield its spaces from removal: take the slow path. */
  private userSymbolsMayHoldSpace(): boolean {
    this.spaceInSymbols ??= this.userSymbols.symbols().some((s) => s.includes(' '));
    return this.spaceInSymbols;
  }

  private normalizeGeneral(text: string): string {
    const { spec } = this;
    const removeExtra = spec.removeExtraWhitespaces;
    let pos = 0;
    if (removeExtra) {
      while (pos < text.length) {
        const [sp, n] = this.prefix(text, pos);
        if (sp !== ' ') break;
        pos += n;
      }
    }
    if (pos >= text.length) return '';

    const parts: string[] = [];
    if (!this.treatWhitespaceAsSuffix && spec.addDummyPrefix) parts.push(this.space);
    let isPrevSpace = removeExtra;
    while (pos < text.length) {
      let [sp, n] = this.prefix(text, pos);
      if (isPrevSpace) {
        let k = 0;
        while (k < sp.length && sp.charCodeAt(k) === 0x20) k++;
        if (k > 0) sp = sp.slice(k);
      }
      if (sp.length > 0) {
        parts.push(spec.escapeWhitespaces && sp.includes(' ') ? sp.replaceAll(' ', SPACE_SYMBOL) : sp);
        isPrevSpace = sp.charCodeAt(sp.length - 1) === 0x20;
      }
      pos += n;
      if (!removeExtra) isPrevSpace = false;
    }
    let out = parts.join('');
    if (removeExtra) {
      // Trailing spaces go, including a literal '▁' typed in the input (the reference compares
      // the already-escaped output).
      let end = out.length;
      while (end > 0 && out[end - 1] === this.space) end--;
      out = out.slice(0, end);
    }
    if (this.treatWhitespaceAsSuffix && spec.addDummyPrefix) out += this.space;
    return out;
  }
}
